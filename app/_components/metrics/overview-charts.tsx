'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc.tsx';
import { ChartGrid, ChartSection, MetricChart } from './metric-chart.tsx';
import { lineOf } from './series.ts';
import { useChartRange } from './time-range.tsx';

/** The overview's charts: every instance's traffic, send latency, backlog and storage over the picked range. */
export function OverviewCharts() {
  const trpc = useTRPC();
  const [range, setRange] = useChartRange();
  const overview = useQuery({ ...trpc.metrics.overview.queryOptions({ range }), refetchInterval: 10_000, placeholderData: (prev) => prev });
  const rows = overview.data;
  const lines = (field: string, zero = true) => rows?.map((i) => lineOf(i.name, i.series, field, zero));
  const common = { loading: overview.isPending, error: overview.error };
  return (
    <ChartSection label="Instance metrics" title="Traffic and health" range={range} onRange={setRange}>
      <ChartGrid columns={3}>
        <MetricChart title="Messages in" unit="perSec" lines={lines('in')} {...common} />
        <MetricChart title="Messages out" unit="perSec" lines={lines('out')} {...common} />
        <MetricChart title="Send latency p99" unit="ms" lines={lines('sendP99', false)} {...common} emptyHint="Measured on SDK sends over gRPC." />
        <MetricChart title="Backlog" unit="count" lines={lines('backlog')} {...common} emptyHint="Messages consumer groups have not acknowledged." />
        <MetricChart title="Storage" unit="bytes" lines={lines('storage', false)} {...common} />
        <MetricChart title="Send errors" unit="perSec" lines={lines('sendErrors')} {...common} emptyHint="SDK sends answered with an error status." />
      </ChartGrid>
    </ChartSection>
  );
}
