import type { ReactNode } from 'react';

/** Name and value pairs (message properties, what an audited action changed), in two aligned columns. */
export function KeyValues({ entries, empty = 'None' }: { entries: [string, ReactNode][]; empty?: string }) {
  if (entries.length === 0) return <p className="text-sm text-slate-500 dark:text-slate-400">{empty}</p>;
  return (
    <dl className="grid grid-cols-[minmax(8rem,max-content)_1fr] gap-x-4 gap-y-1 text-sm">
      {entries.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="font-mono text-xs leading-5 text-slate-500 dark:text-slate-400">{k}</dt>
          <dd className="font-mono text-xs leading-5 break-all">{v}</dd>
        </div>
      ))}
    </dl>
  );
}
