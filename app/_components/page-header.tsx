'use client';

import type { ReactNode } from 'react';
import { useOptionalInstance } from './instance-scope.tsx';
import { NavLink } from './nav-link.tsx';

export interface Crumb {
  label: string;
  href?: string;
}

/**
 * The top of every page: breadcrumbs (on an instance's pages always starting with the instance's name),
 * the title, and the page's primary action.
 */
export function PageHeader({ crumbs = [], title, description, actions }: { crumbs?: Crumb[]; title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  const instance = useOptionalInstance();
  const trail: Crumb[] = instance ? [{ label: 'Instances', href: '/' }, { label: instance.name, href: `/instances/${instance.id}/topics` }, ...crumbs] : crumbs;
  return (
    <header className="space-y-1">
      {trail.length > 0 && (
        <nav aria-label="Breadcrumb" className="text-xs text-slate-500 dark:text-slate-400">
          <ol className="flex flex-wrap items-center gap-1">
            {trail.map((c, i) => (
              <li key={`${i}-${c.label}`} className="flex items-center gap-1">
                {i > 0 && <span aria-hidden>/</span>}
                {c.href && i < trail.length - 1 ? (
                  <NavLink href={c.href} className="hover:text-slate-800 hover:underline dark:hover:text-slate-200">
                    {c.label}
                  </NavLink>
                ) : (
                  <span aria-current={i === trail.length - 1 ? 'page' : undefined}>{c.label}</span>
                )}
              </li>
            ))}
          </ol>
        </nav>
      )}
      <div className="flex items-start justify-between gap-4">
        <div className="min-w-0 flex-1">
          <h1 className="text-xl font-semibold break-all">{title}</h1>
          {description && <p className="mt-0.5 text-sm text-slate-500 dark:text-slate-400">{description}</p>}
        </div>
        {actions && <div className="flex shrink-0 items-center gap-2">{actions}</div>}
      </div>
    </header>
  );
}
