import { formatShortTime } from '../time.tsx';
import type { StripCell } from './types.ts';

const CELL_TONE: Record<StripCell['state'], string> = {
  ok: 'bg-emerald-500 dark:bg-emerald-500/90',
  failed: 'bg-red-500 dark:bg-red-500',
  none: 'bg-slate-200 dark:bg-slate-700/70',
};

/** "Dec 2, 14:15 – 14:30: 15 runs, all ok" / "…: 2 of 15 failed — TIMEOUT: …" / "…: no run". */
function cellTitle(c: StripCell): string {
  const range = `${formatShortTime(c.from)} – ${formatShortTime(c.to).split(', ').at(-1) ?? ''}`;
  if (c.state === 'none') return `${range}: no run`;
  if (c.state === 'ok') return `${range}: ${c.runs} ${c.runs === 1 ? 'run' : 'runs'}, all ok`;
  return `${range}: ${c.failures} of ${c.runs} failed — ${c.error ?? 'failed'}`;
}

/** A check's day as a row of cells (oldest left), each a time bucket coloured by its runs; hover for details. */
export function StatusStrip({ cells, label }: { cells: StripCell[]; label: string }) {
  const failed = cells.filter((c) => c.state === 'failed').length;
  const ran = cells.filter((c) => c.state !== 'none').length;
  return (
    <div className="min-w-0">
      <div role="img" aria-label={`${label}: ${ran === 0 ? 'no runs in the last 24 hours' : `${failed} of ${ran} periods with failures in the last 24 hours`}`} className="flex h-5 gap-px">
        {cells.map((c) => (
          <div key={c.from} data-state={c.state} title={cellTitle(c)} className={`min-w-[2px] flex-1 rounded-[1px] ${CELL_TONE[c.state]}`} />
        ))}
      </div>
      <div aria-hidden className="mt-0.5 flex justify-between text-[10px] text-slate-400 dark:text-slate-500">
        <span>24 h ago</span>
        <span>now</span>
      </div>
    </div>
  );
}

/** What the strip's colours mean, beside its column header. */
export function StripLegend() {
  const items: [StripCell['state'], string][] = [
    ['ok', 'ok'],
    ['failed', 'failed'],
    ['none', 'no run'],
  ];
  return (
    <span className="flex items-center gap-2 font-normal">
      {items.map(([state, label]) => (
        <span key={state} className="flex items-center gap-1">
          <span aria-hidden className={`inline-block h-2.5 w-2.5 rounded-[2px] ${CELL_TONE[state]}`} />
          {label}
        </span>
      ))}
    </span>
  );
}
