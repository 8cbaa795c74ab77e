'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Chart, type ChartOption } from '../chart.tsx';
import { EmptyState } from '../empty-state.tsx';
import { useTRPC } from '../trpc.tsx';
import { Skeleton } from '../ui.tsx';
import { ChartGrid, ChartSection, MetricChart } from './metric-chart.tsx';
import { lineOf, vectorLines, vectorTotal } from './series.ts';
import { useChartRange } from './time-range.tsx';

/** RocketMQ's message-size buckets as the chart names them. */
const SIZE_BUCKETS = ['≤ 1 KiB', '≤ 4 KiB', '≤ 512 KiB', '≤ 1 MiB', '≤ 2 MiB', '≤ 4 MiB', '> 4 MiB'];

function sizeOption(counts: number[]): ChartOption {
  return {
    grid: { left: 56, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: 'axis', formatter: (params: unknown) => {
      const p = (Array.isArray(params) ? params[0] : params) as { name: string; value: number };
      return `${p.name}<br/><b>${p.value.toLocaleString()}</b> messages`;
    } },
    xAxis: { type: 'category', data: SIZE_BUCKETS, axisLabel: { interval: 0, fontSize: 10 } },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ type: 'bar', name: 'Messages', data: SIZE_BUCKETS.map((_, i) => counts[i] ?? 0), barCategoryGap: '25%' }],
  };
}

/** A topic's traffic over the picked range: in/out rates, bytes, message sizes, per-queue growth. */
export function TopicCharts({ instanceId, topic }: { instanceId: string; topic: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useChartRange();
  const history = useQuery({ ...trpc.metrics.history.queryOptions({ instanceId, kind: 'topic', name: topic, range }), refetchInterval: 10_000, placeholderData: (prev) => prev });
  const s = history.data;
  const sizes = useMemo(() => (s ? vectorTotal(s, 'size') : []), [s]);
  const sizeChart = useMemo(() => sizeOption(sizes), [sizes]);
  const common = { loading: history.isPending, error: history.error };
  return (
    <ChartSection label="Topic metrics" title="Traffic" range={range} onRange={setRange}>
      <ChartGrid>
        <MetricChart title="Messages in and out" unit="perSec" lines={s && [lineOf('In', s, 'in'), lineOf('Out', s, 'out')]} area={false} {...common} />
        <MetricChart title="Bytes in" unit="bytesPerSec" lines={s && [lineOf('Bytes in', s, 'bytesIn')]} {...common} />
        <section className="rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900" data-testid="metric-chart" data-title="Message size">
          <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-300">Message size</h3>
          {!s ? <Skeleton lines={3} /> : <Chart option={sizeChart} label="Messages per size bucket" height={180} empty={sizes.some((n) => n > 0) ? undefined : <EmptyState title="No message stored in this range." />} />}
        </section>
        <MetricChart title="Growth per queue" unit="perSec" lines={s && vectorLines((i) => `Queue ${i}`, s, 'queueIn')} area={false} {...common} />
      </ChartGrid>
    </ChartSection>
  );
}
