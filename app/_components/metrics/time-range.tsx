'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation.js';
import { useCallback } from 'react';
import { CHART_RANGES, DEFAULT_CHART_RANGE, isChartRange, type ChartRange } from '../../../server/metrics-history/ranges.ts';

const LABELS: Record<ChartRange, string> = { '1h': 'Last hour', '6h': '6 hours', '24h': '24 hours', '7d': '7 days', '30d': '30 days' };

/** The page's chart range, kept in the URL (`?range=`), so every chart on the page and a shared link agree. */
export function useChartRange(): [ChartRange, (r: ChartRange) => void] {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const value = params.get('range');
  const range = isChartRange(value) ? value : DEFAULT_CHART_RANGE;
  const set = useCallback(
    (r: ChartRange) => {
      const next = new URLSearchParams(params.toString());
      next.set('range', r);
      router.replace(`${pathname}?${next.toString()}`, { scroll: false });
    },
    [params, pathname, router],
  );
  return [range, set];
}

/** A segmented control over the chart ranges, shared by every chart of a page. */
export function RangePicker({ value, onChange }: { value: ChartRange; onChange(r: ChartRange): void }) {
  return (
    <div role="radiogroup" aria-label="Time range" className="inline-flex overflow-hidden rounded-md border border-slate-300 text-xs dark:border-slate-700">
      {(Object.keys(CHART_RANGES) as ChartRange[]).map((r) => (
        <button
          key={r}
          type="button"
          role="radio"
          aria-checked={r === value}
          onClick={() => onChange(r)}
          className={`px-2.5 py-1 ${r === value ? 'bg-indigo-600 font-medium text-white dark:bg-indigo-500' : 'bg-white text-slate-700 hover:bg-slate-50 dark:bg-slate-900 dark:text-slate-300 dark:hover:bg-slate-800'} border-l border-slate-300 first:border-l-0 dark:border-slate-700`}
        >
          {LABELS[r]}
        </button>
      ))}
    </div>
  );
}
