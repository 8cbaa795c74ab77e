/**
 * What the console's metric history keeps per series kind, and how each field folds when points are merged
 * (5-minute rollups, downsampling for a chart). Rates are per second; latencies in milliseconds.
 */
export type SeriesKind = 'instance' | 'topic' | 'group';

/**
 * - `rate`: a per-second rate; a missing point (an idle entity is not written) counts as 0.
 * - `max` / `min` / `last`: gauges (lag, latency p99 / disk free / storage).
 * - `sumVec`: per-bucket counts (message sizes), added up.
 * - `rateVec`: per-queue rates, averaged with missing points as 0.
 */
export type Fold = 'rate' | 'max' | 'min' | 'last' | 'sumVec' | 'rateVec';

export const FIELDS = {
  instance: {
    in: 'rate',
    out: 'rate',
    bytesIn: 'rate',
    bytesOut: 'rate',
    sends: 'rate',
    sendErrors: 'rate',
    sendP99: 'max',
    retries: 'rate',
    dlq: 'rate',
    backlog: 'max',
    storage: 'last',
    diskFree: 'min',
    connections: 'max',
  },
  topic: { in: 'rate', out: 'rate', bytesIn: 'rate', backlog: 'max', dlq: 'rate', size: 'sumVec', queueIn: 'rateVec' },
  group: { out: 'rate', retries: 'rate', dlq: 'rate', lag: 'max', lagSec: 'max', inflight: 'max', ready: 'max' },
} as const satisfies Record<SeriesKind, Record<string, Fold>>;

export type PointValues = Record<string, number | number[]>;

/** A stored point and how long a span it covers (10 s, 5 min, 1 h). */
export interface SpanPoint {
  values: PointValues;
  spanMs: number;
}

/**
 * Folds points (oldest first) into one covering `totalMs`. Rates are weighted by the span each point covers
 * and divided by the whole span, so the stretches where an idle entity wrote nothing count as zero, and
 * points of different resolutions (rollups, then the newest 10-second points) fold together.
 */
export function fold(kind: SeriesKind, points: readonly SpanPoint[], totalMs: number): PointValues {
  const out: PointValues = {};
  const total = Math.max(totalMs, 1);
  for (const [field, how] of Object.entries(FIELDS[kind]) as [string, Fold][]) {
    const present = points.filter((p) => p.values[field] !== undefined);
    if (present.length === 0) continue;
    if (how === 'sumVec' || how === 'rateVec') {
      const vecs = present.filter((p) => Array.isArray(p.values[field])) as { values: Record<string, number[]>; spanMs: number }[];
      const width = Math.max(0, ...vecs.map((p) => p.values[field]!.length));
      out[field] = Array.from({ length: width }, (_, i) =>
        how === 'sumVec' ? vecs.reduce((s, p) => s + (p.values[field]![i] ?? 0), 0) : round(vecs.reduce((s, p) => s + (p.values[field]![i] ?? 0) * p.spanMs, 0) / total),
      );
      continue;
    }
    const nums = present.filter((p) => typeof p.values[field] === 'number') as { values: Record<string, number>; spanMs: number }[];
    if (nums.length === 0) continue;
    const vs = nums.map((p) => p.values[field]!);
    out[field] = how === 'rate' ? round(nums.reduce((s, p) => s + p.values[field]! * p.spanMs, 0) / total) : how === 'max' ? Math.max(...vs) : how === 'min' ? Math.min(...vs) : vs[vs.length - 1]!;
  }
  return out;
}

export function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
