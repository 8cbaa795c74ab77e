import type { ReactNode } from 'react';

/** Shared page pieces so every page has the same rhythm: breadcrumb, title, actions. */
export function PageHeader({ crumbs, title, children }: { crumbs: string[]; title: string; children?: ReactNode }) {
  return (
    <div className="space-y-1">
      <nav className="text-xs text-slate-500">{crumbs.join(' / ')}</nav>
      <div className="flex items-end justify-between gap-4">
        <h1 className="text-xl font-semibold">{title}</h1>
        <div className="flex items-center gap-2">{children}</div>
      </div>
    </div>
  );
}

export const inputClass = 'rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900';
export const buttonClass = 'rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-50';
export const cardClass = 'rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900';

export function SearchBox({ value, onChange, placeholder }: { value: string; onChange(v: string): void; placeholder: string }) {
  return <input placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} className={`w-64 ${inputClass}`} />;
}
