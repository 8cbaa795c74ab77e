/** The time ranges every chart page offers, shared by the pages' picker and the metrics router. */
export const CHART_RANGES = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000, '7d': 7 * 24 * 3_600_000, '30d': 30 * 24 * 3_600_000 } as const;

export type ChartRange = keyof typeof CHART_RANGES;

export const DEFAULT_CHART_RANGE: ChartRange = '1h';

export function isChartRange(v: string | null | undefined): v is ChartRange {
  return v !== null && v !== undefined && Object.hasOwn(CHART_RANGES, v);
}
