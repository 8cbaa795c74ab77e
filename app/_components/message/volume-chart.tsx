'use client';

import { useQuery } from '@tanstack/react-query';
import type { BarSeriesOption } from 'echarts/charts';
import { BrushComponent, ToolboxComponent, type BrushComponentOption, type GridComponentOption, type ToolboxComponentOption, type TooltipComponentOption } from 'echarts/components';
import * as echarts from 'echarts/core';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { Chart } from '../chart.tsx';
import { EmptyState } from '../empty-state.tsx';
import { ErrorBanner } from '../errors.tsx';
import { formatShortTime, formatTime } from '../time.tsx';
import { useTRPC } from '../trpc.tsx';
import { Skeleton } from '../ui.tsx';

// The brush (drag across the bars to pick a range) on top of the bar chart the shared Chart draws.
echarts.use([BrushComponent, ToolboxComponent]);

type VolumeOption = echarts.ComposeOption<BarSeriesOption | GridComponentOption | TooltipComponentOption | BrushComponentOption | ToolboxComponentOption>;

/** Bars of the timeline: enough to see a burst, few enough that each bar is wide enough to start a drag on. */
const VOLUME_BUCKETS = 60;
/** Below a minute per bar the axis needs seconds to tell bars apart. */
const SECONDS_LABEL_BELOW_MS = 60_000;
const WITH_SECONDS = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

function optionOf(buckets: { startMs: number; count: number }[], widthMs: number): VolumeOption {
  const label = (ms: number) => (widthMs < SECONDS_LABEL_BELOW_MS ? WITH_SECONDS.format(ms) : formatShortTime(ms));
  return {
    grid: { left: 48, right: 16, top: 24, bottom: 28 },
    tooltip: {
      trigger: 'axis',
      formatter: (params: unknown) => {
        const p = (Array.isArray(params) ? params[0] : params) as { dataIndex: number; value: number };
        const b = buckets[p.dataIndex];
        return b ? `${formatTime(b.startMs)}<br/><b>${p.value.toLocaleString()}</b> messages` : '';
      },
    },
    xAxis: { type: 'category', data: buckets.map((b) => label(b.startMs)), axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', name: 'Messages', minInterval: 1 },
    series: [{ type: 'bar', name: 'Messages', data: buckets.map((b) => b.count), barCategoryGap: '15%' }],
    brush: { xAxisIndex: 0, brushType: 'lineX', brushMode: 'single', transformable: false, brushStyle: { color: 'rgba(99,102,241,0.18)', borderColor: 'rgba(99,102,241,0.8)', borderWidth: 1 }, outOfBrush: { colorAlpha: 0.35 } },
    toolbox: { show: false },
  };
}

/**
 * Messages stored per time bucket over the searched range, counted from the consume queues. Dragging across
 * the bars picks a narrower range (`onRange`), which the page searches and charts again.
 */
export function VolumeChart({ instanceId, topic, beginMs, endMs, onRange }: { instanceId: string; topic: string; beginMs: number; endMs: number; onRange(beginMs: number, endMs: number): void }) {
  const trpc = useTRPC();
  const volume = useQuery({ ...trpc.message.volume.queryOptions({ instanceId, topic, beginMs, endMs: Math.max(endMs, beginMs + 1), buckets: VOLUME_BUCKETS }) });
  const data = volume.data;
  const option = useMemo(() => (data ? optionOf(data.buckets, data.widthMs) : undefined), [data]);
  const total = data?.buckets.reduce((n, b) => n + b.count, 0) ?? 0;
  const pick = useRef(onRange);
  useEffect(() => {
    pick.current = onRange;
  }, [onRange]);

  // Arms the brush for a plain mouse drag and listens for its end, on whichever instance the shared Chart
  // has (it re-creates it when the theme changes).
  const onChart = useCallback(
    (chart: echarts.ECharts) => {
      if (!data) return undefined;
      chart.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: 'lineX', brushMode: 'single' } });
      const onEnd = (e: unknown) => {
        const range = (e as { areas?: { coordRange?: [number, number] }[] }).areas?.[0]?.coordRange;
        if (!range) return;
        const first = data.buckets[Math.max(0, Math.min(range[0], range[1]))];
        const last = data.buckets[Math.min(data.buckets.length - 1, Math.max(range[0], range[1]))];
        if (first && last) pick.current(first.startMs, Math.min(endMs, last.startMs + data.widthMs - 1));
      };
      chart.on('brushEnd', onEnd);
      return () => {
        chart.off('brushEnd', onEnd);
      };
    },
    [data, endMs],
  );

  return (
    <div data-testid="volume">
      <div className="mb-1 flex items-center justify-between gap-2 text-xs text-slate-500 dark:text-slate-400">
        <span>
          {data ? <><b className="text-slate-700 dark:text-slate-200" data-testid="volume-total">{total.toLocaleString()}</b> messages stored in this range</> : 'Counting…'}
        </span>
        <span>Drag across the bars to search a narrower range.</span>
      </div>
      {volume.error ? (
        <ErrorBanner error={volume.error} />
      ) : !option ? (
        <Skeleton lines={2} />
      ) : (
        <Chart option={option} label="Messages stored per time bucket" height={160} onChart={onChart} empty={total === 0 ? <EmptyState title="No message was stored in this range." hint="Pick a wider range or another topic." /> : undefined} />
      )}
    </div>
  );
}
