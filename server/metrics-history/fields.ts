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
  topic: { in: 'rate', out: 'rate', bytesIn: 'rate', size: 'sumVec', queueIn: 'rateVec' },
  group: { out: 'rate', retries: 'rate', dlq: 'rate', lag: 'max', lagSec: 'max', inflight: 'max', ready: 'max' },
} as const satisfies Record<SeriesKind, Record<string, Fold>>;

export type PointValues = Record<string, number | number[]>;

/**
 * Folds `points` (values of consecutive samples, oldest first) into one; `expected` is how many points the
 * span would hold if none was skipped, so rates of idle stretches average down rather than up.
 */
export function fold(kind: SeriesKind, points: readonly PointValues[], expected: number): PointValues {
  const out: PointValues = {};
  const n = Math.max(expected, points.length, 1);
  for (const [field, how] of Object.entries(FIELDS[kind]) as [string, Fold][]) {
    const present = points.map((p) => p[field]).filter((v) => v !== undefined);
    if (present.length === 0) continue;
    if (how === 'sumVec' || how === 'rateVec') {
      const vecs = present.filter((v): v is number[] => Array.isArray(v));
      const width = Math.max(0, ...vecs.map((v) => v.length));
      const sums = Array.from({ length: width }, (_, i) => vecs.reduce((s, v) => s + (v[i] ?? 0), 0));
      out[field] = how === 'sumVec' ? sums : sums.map((s) => round(s / n));
      continue;
    }
    const nums = present.filter((v): v is number => typeof v === 'number');
    if (nums.length === 0) continue;
    out[field] = how === 'rate' ? round(nums.reduce((s, v) => s + v, 0) / n) : how === 'max' ? Math.max(...nums) : how === 'min' ? Math.min(...nums) : nums[nums.length - 1]!;
  }
  return out;
}

export function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
