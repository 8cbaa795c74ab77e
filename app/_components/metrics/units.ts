import { formatBytes } from '../bytes.tsx';

/** How a chart's values read: per second, bytes, milliseconds, seconds, plain counts. */
export type Unit = 'perSec' | 'bytes' | 'bytesPerSec' | 'ms' | 'seconds' | 'count';

const COMPACT = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
const PLAIN = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function formatValue(v: number, unit: Unit): string {
  switch (unit) {
    case 'perSec':
      return `${v >= 10_000 ? COMPACT.format(v) : PLAIN.format(v)}/s`;
    case 'bytes':
      return formatBytes(v);
    case 'bytesPerSec':
      return `${formatBytes(v)}/s`;
    case 'ms':
      return `${PLAIN.format(v)} ms`;
    case 'seconds':
      return v >= 120 ? `${PLAIN.format(v / 60)} min` : `${PLAIN.format(v)} s`;
    case 'count':
      return v >= 10_000 ? COMPACT.format(v) : PLAIN.format(v);
  }
}

/** Axis labels: compact, the unit said once in the axis name. */
export function formatAxis(v: number, unit: Unit): string {
  if (unit === 'bytes' || unit === 'bytesPerSec') return formatBytes(v);
  // Compact notation rounds small ticks to one digit (0.25 → 0.3), so below 1,000 they read as they are.
  return Math.abs(v) < 1000 ? PLAIN.format(v) : COMPACT.format(v);
}
