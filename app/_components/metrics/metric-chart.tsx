'use client';

import { useMemo } from 'react';
import { Chart, type ChartOption } from '../chart.tsx';
import { EmptyState } from '../empty-state.tsx';
import { ErrorBanner } from '../errors.tsx';
import { formatShortTime, formatTime } from '../time.tsx';
import { Skeleton } from '../ui.tsx';
import type { ChartRange } from '../../../server/metrics-history/ranges.ts';
import { RangePicker } from './time-range.tsx';
import { formatAxis, formatValue, type Unit } from './units.ts';

/** One line of a chart: its name and a value per time (null: no point there, drawn as a gap). */
export interface Line {
  name: string;
  points: [number, number | null][];
}

function optionOf(lines: Line[], unit: Unit, area: boolean): ChartOption {
  return {
    grid: { left: 56, right: 16, top: lines.length > 1 ? 32 : 16, bottom: 28 },
    legend: lines.length > 1 ? { top: 0, type: 'scroll' } : { show: false },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const list = (Array.isArray(params) ? params : [params]) as { seriesName: string; value: [number, number | null]; marker: string }[];
        const at = list[0]?.value[0];
        const rows = list.filter((p) => p.value[1] !== null).map((p) => `${p.marker}${p.seriesName}: <b>${formatValue(p.value[1]!, unit)}</b>`);
        return at === undefined ? '' : [formatTime(at), ...(rows.length ? rows : ['no data'])].join('<br/>');
      },
    },
    xAxis: { type: 'time', axisLabel: { hideOverlap: true, formatter: (v: number) => formatShortTime(v) } },
    yAxis: { type: 'value', min: 0, axisLabel: { formatter: (v: number) => formatAxis(v, unit) } },
    series: lines.map((l) => ({ type: 'line', name: l.name, data: l.points, showSymbol: false, connectNulls: false, lineStyle: { width: 1.5 }, ...(area && lines.length === 1 ? { areaStyle: { opacity: 0.12 } } : {}) })),
  };
}

/**
 * A time-series card: lines over the page's range, themed, with units in the tooltip and on the axis, a
 * skeleton while loading (the page around it renders at once), an error banner, and an empty state when no
 * line has a value.
 */
export function MetricChart({ title, unit, lines, loading, error, height = 180, emptyHint, area = true }: { title: string; unit: Unit; lines: Line[] | undefined; loading?: boolean; error?: unknown; height?: number; emptyHint?: string; area?: boolean }) {
  const option = useMemo(() => (lines ? optionOf(lines, unit, area) : undefined), [lines, unit, area]);
  const hasData = !!lines?.some((l) => l.points.some(([, v]) => v !== null && v !== 0));
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900" data-testid="metric-chart" data-title={title}>
      <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-300">{title}</h3>
      {error ? (
        <ErrorBanner error={error} />
      ) : loading || !option ? (
        <div style={{ height }} className="pt-4">
          <Skeleton lines={3} />
        </div>
      ) : (
        <Chart option={option} label={title} height={height} empty={hasData ? undefined : <div style={{ height }} className="flex items-center justify-center"><EmptyState title="No data in this range yet." hint={emptyHint ?? 'Points appear every 10 seconds while messages flow.'} /></div>} />
      )}
    </section>
  );
}

/** Charts in a responsive grid: one column on narrow screens, two or three on wide ones. */
export function ChartGrid({ children, columns = 2 }: { children: React.ReactNode; columns?: 2 | 3 }) {
  return <div className={`grid gap-3 ${columns === 3 ? 'md:grid-cols-2 xl:grid-cols-3' : 'md:grid-cols-2'}`}>{children}</div>;
}

/** A page's block of charts: its title, the shared range picker, the charts. */
export function ChartSection({ label, title, range, onRange, children }: { label: string; title: string; range: ChartRange; onRange(r: ChartRange): void; children: React.ReactNode }) {
  return (
    <section aria-label={label} className="space-y-3">
      <div className="flex items-center justify-between gap-2">
        <h2 className="text-sm font-semibold">{title}</h2>
        <RangePicker value={range} onChange={onRange} />
      </div>
      {children}
    </section>
  );
}
