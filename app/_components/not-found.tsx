import { NavLink } from './nav-link.tsx';
import { buttonClass } from './ui.tsx';

/** The one not-found state: what was asked for, that it does not exist, and the way back. */
export function NotFound({ what, name, back }: { what: string; name?: string; back: { href: string; label: string } }) {
  return (
    <section data-testid="not-found" className="mx-auto mt-12 max-w-lg rounded-lg border border-slate-200 bg-white p-8 text-center dark:border-slate-800 dark:bg-slate-900">
      <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">404</p>
      <h1 className="mt-1 text-lg font-semibold">{what} not found</h1>
      <p className="mt-2 text-sm break-words text-slate-600 dark:text-slate-400">
        {name ? (
          <>
            There is no {what.toLowerCase()} <code className="font-mono">{name}</code>. It may have been deleted, or the link is wrong.
          </>
        ) : (
          'Nothing is at this address. The link may be wrong.'
        )}
      </p>
      <NavLink href={back.href} className={`mt-5 ${buttonClass}`}>
        {back.label}
      </NavLink>
    </section>
  );
}
