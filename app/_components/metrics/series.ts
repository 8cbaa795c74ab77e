import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../server/routers/_app.ts';
import type { Line } from './metric-chart.tsx';

export type ChartSeries = inferRouterOutputs<AppRouter>['metrics']['history'];

/**
 * One field of a stored series as a chart line. Rates of steps without a point are 0 (idle entities are not
 * written); gauges there are gaps, unless `zeroWhenMissing` says a missing gauge means nothing waits.
 */
export function lineOf(name: string, series: ChartSeries, field: string, zeroWhenMissing = true): Line {
  return { name, points: series.points.map((p) => [p.at, numberAt(p.values[field]) ?? (zeroWhenMissing ? 0 : null)]) };
}

function numberAt(v: number | number[] | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** Per-index lines of a vector field (per-queue growth): one line per index that ever had a value. */
export function vectorLines(label: (i: number) => string, series: ChartSeries, field: string): Line[] {
  const width = Math.max(0, ...series.points.map((p) => (Array.isArray(p.values[field]) ? (p.values[field] as number[]).length : 0)));
  return Array.from({ length: width }, (_, i) => ({
    name: label(i),
    points: series.points.map((p): [number, number | null] => {
      const v = p.values[field];
      return [p.at, Array.isArray(v) ? (v[i] ?? 0) : 0];
    }),
  }));
}

/** A vector field summed over the range (message sizes per bucket). */
export function vectorTotal(series: ChartSeries, field: string): number[] {
  const out: number[] = [];
  for (const p of series.points) {
    const v = p.values[field];
    if (Array.isArray(v)) v.forEach((n, i) => (out[i] = (out[i] ?? 0) + n));
  }
  return out;
}
