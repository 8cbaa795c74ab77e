'use client';

import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, type GridComponentOption, type LegendComponentOption, type TooltipComponentOption } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef, type ReactNode } from 'react';
import { useDark } from './theme.tsx';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export type ChartOption = echarts.ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption | TooltipComponentOption>;

/** The console's palette in both themes: the axes, labels and grid follow the page; the series stay indigo-led. */
function themeOf(dark: boolean): object {
  const text = dark ? '#cbd5e1' : '#475569';
  const line = dark ? '#334155' : '#cbd5e1';
  const split = dark ? '#1e293b' : '#e2e8f0';
  const axis = { axisLine: { lineStyle: { color: line } }, axisTick: { lineStyle: { color: line } }, axisLabel: { color: text }, nameTextStyle: { color: text }, splitLine: { lineStyle: { color: split } } };
  return {
    color: dark ? ['#818cf8', '#34d399', '#fbbf24', '#f87171'] : ['#4f46e5', '#059669', '#d97706', '#dc2626'],
    backgroundColor: 'transparent',
    textStyle: { color: text, fontFamily: 'ui-sans-serif, system-ui, sans-serif' },
    categoryAxis: axis,
    valueAxis: axis,
    timeAxis: axis,
    tooltip: { backgroundColor: dark ? '#0f172a' : '#ffffff', borderColor: line, textStyle: { color: dark ? '#e2e8f0' : '#0f172a' } },
    legend: { textStyle: { color: text } },
  };
}
echarts.registerTheme('meridian-light', themeOf(false));
echarts.registerTheme('meridian-dark', themeOf(true));

/**
 * The one chart: ECharts (SVG), themed for light and dark, resized with its box, with an empty state in
 * place of a chart of nothing. Animation is off under automation so screenshots are stable.
 */
export function Chart({
  option,
  label,
  height = 220,
  empty,
  onChart,
}: {
  option: ChartOption;
  label: string;
  height?: number;
  empty?: ReactNode;
  /** Wires interactions (events, brush) on the live instance each time its option is set; returns their cleanup. */
  onChart?: (chart: echarts.ECharts) => (() => void) | undefined;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const dark = useDark();
  const hasChart = !empty;
  useEffect(() => {
    if (!box.current || !hasChart) return;
    const instance = echarts.init(box.current, dark ? 'meridian-dark' : 'meridian-light', { renderer: 'svg' });
    chart.current = instance;
    const resize = new ResizeObserver(() => instance.resize());
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [dark, hasChart]);
  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    instance.setOption({ animation: !navigator.webdriver, ...option }, true);
    return onChart?.(instance);
  }, [option, dark, hasChart, onChart]);
  if (empty) return <>{empty}</>;
  return <div ref={box} role="img" aria-label={label} data-testid="chart" style={{ height }} className="w-full" />;
}
