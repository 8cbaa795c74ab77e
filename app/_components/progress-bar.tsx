/** How far a long action got: a bar with its figures beside it (done of total, or an open bar while the total is unknown). */
export function ProgressBar({ label, done, total, tone = 'indigo' }: { label: string; done: number; total: number | null; tone?: 'indigo' | 'green' | 'red' }) {
  const percent = total ? Math.min(100, Math.round((done / total) * 100)) : null;
  const fill = { indigo: 'bg-indigo-600 dark:bg-indigo-400', green: 'bg-emerald-600 dark:bg-emerald-400', red: 'bg-red-600 dark:bg-red-400' }[tone];
  return (
    <div className="space-y-1">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total ?? undefined}
        aria-valuenow={total ? done : undefined}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
      >
        <div className={`h-full rounded-full transition-[width] ${fill} ${percent === null ? 'w-1/3 animate-pulse' : ''}`} style={percent === null ? undefined : { width: `${percent}%` }} />
      </div>
      <p className="text-xs text-slate-500 tabular-nums dark:text-slate-400">
        {done.toLocaleString()}
        {total !== null && <> of {total.toLocaleString()}</>}
        {percent !== null && <> ({percent}%)</>}
      </p>
    </div>
  );
}
