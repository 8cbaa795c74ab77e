import type { ReactNode } from 'react';

/** The console's few control styles: every page's inputs and buttons look and disable the same way. */
export const inputClass =
  'rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 placeholder:text-slate-400 focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/30 focus:outline-none disabled:cursor-not-allowed disabled:bg-slate-100 disabled:text-slate-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100 dark:placeholder:text-slate-500 dark:disabled:bg-slate-800 dark:disabled:text-slate-400';

const buttonBase =
  'inline-flex items-center justify-center gap-1 rounded-md px-3 py-1.5 text-sm font-medium whitespace-nowrap focus-visible:ring-2 focus-visible:ring-indigo-500/50 focus-visible:outline-none disabled:cursor-not-allowed';
/** Disabled buttons keep readable contrast in both themes (not a faded copy of the enabled colour). */
const disabledFill = 'disabled:bg-slate-200 disabled:text-slate-600 dark:disabled:bg-slate-800 dark:disabled:text-slate-400';

export const buttonClass = `${buttonBase} ${disabledFill} bg-indigo-600 text-white hover:bg-indigo-500 dark:bg-indigo-500 dark:hover:bg-indigo-400`;
export const secondaryButtonClass = `${buttonBase} border border-slate-300 bg-white text-slate-700 hover:bg-slate-50 disabled:border-slate-200 disabled:bg-slate-100 disabled:text-slate-500 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800 dark:disabled:border-slate-800 dark:disabled:bg-slate-900 dark:disabled:text-slate-500`;
export const dangerButtonClass = `${buttonBase} ${disabledFill} bg-red-600 text-white hover:bg-red-500`;
/** A quiet action inside a table row. */
export const linkButtonClass = 'text-xs font-medium whitespace-nowrap text-indigo-600 hover:underline disabled:cursor-not-allowed disabled:text-slate-400 disabled:no-underline dark:text-indigo-400 dark:disabled:text-slate-500';
export const dangerLinkClass = 'text-xs font-medium whitespace-nowrap text-red-600 hover:underline disabled:cursor-not-allowed disabled:text-slate-400 dark:text-red-400';
export const linkClass = 'font-medium text-indigo-600 hover:underline dark:text-indigo-400';

export const cardClass = 'rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900';

/** A titled panel of a detail page. */
export function Card({ title, actions, children, className = '' }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`${cardClass} ${className}`}>
      {(title || actions) && (
        <div className="mb-3 flex items-center justify-between gap-3">
          {title && <h2 className="text-sm font-semibold">{title}</h2>}
          {actions && <div className="flex items-center gap-2">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

/** Label over value, for a resource's facts. */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-0.5 text-sm break-words">{children}</dd>
    </div>
  );
}

/** A grid of facts: on its own card at the top of a detail page, or `plain` inside another card. */
export function Facts({ children, plain = false }: { children: ReactNode; plain?: boolean }) {
  return <dl className={`grid grid-cols-2 gap-x-6 gap-y-4 md:grid-cols-3 xl:grid-cols-5 ${plain ? '' : cardClass}`}>{children}</dl>;
}

/** A placeholder while something loads. */
export function Skeleton({ lines = 3 }: { lines?: number }) {
  return (
    <div aria-busy="true" aria-label="Loading" className="space-y-3">
      {Array.from({ length: lines }, (_, i) => (
        <div key={i} className="h-4 animate-pulse rounded bg-slate-200 dark:bg-slate-800" style={{ width: `${90 - i * 15}%` }} />
      ))}
    </div>
  );
}
