'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc.tsx';
import { ChartGrid, ChartSection, MetricChart } from './metric-chart.tsx';
import { lineOf } from './series.ts';
import { useChartRange } from './time-range.tsx';

/** How often the group's lag charts refresh: the sampler's own cadence. */
const LIVE_MS = 10_000;

/**
 * A consumer group over the picked range: lag in messages and in seconds (the age of the oldest
 * unacknowledged message), consume rate, retries, dead letters and in-flight messages, refreshed live.
 */
export function GroupCharts({ instanceId, group }: { instanceId: string; group: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useChartRange();
  const history = useQuery({ ...trpc.metrics.history.queryOptions({ instanceId, kind: 'group', name: group, range }), refetchInterval: LIVE_MS, placeholderData: (prev) => prev });
  const s = history.data;
  const common = { loading: history.isPending, error: history.error };
  return (
    <ChartSection label="Group metrics" title="Consumption" range={range} onRange={setRange}>
      <ChartGrid columns={3}>
        <MetricChart title="Lag (messages)" unit="count" lines={s && [lineOf('Lag', s, 'lag')]} {...common} emptyHint="Messages stored and not yet acknowledged by the group." />
        <MetricChart title="Lag (time)" unit="seconds" lines={s && [lineOf('Oldest unacknowledged', s, 'lagSec')]} {...common} emptyHint="Age of the oldest message the group has not acknowledged." />
        <MetricChart title="Consume rate" unit="perSec" lines={s && [lineOf('Delivered', s, 'out')]} {...common} />
        <MetricChart title="Retries" unit="perSec" lines={s && [lineOf('Redelivered', s, 'retries')]} {...common} emptyHint="Messages delivered again after a failure or a timeout." />
        <MetricChart title="Dead letters" unit="perSec" lines={s && [lineOf('To DLQ', s, 'dlq')]} {...common} emptyHint="Messages moved to the group's dead-letter queue." />
        <MetricChart title="In flight" unit="count" lines={s && [lineOf('In flight', s, 'inflight')]} {...common} emptyHint="Delivered and not yet acknowledged." />
      </ChartGrid>
    </ChartSection>
  );
}
