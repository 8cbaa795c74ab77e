import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { BatchObservableResult, Meter } from '@opentelemetry/api';
import { METRIC } from './instruments.ts';

/** Event-loop delay is sampled at this resolution (Node's default is 10 ms, too coarse for a broker). */
const LOOP_RESOLUTION_MS = 10;

/**
 * The process's CPU, memory and event-loop delay, under the names Node dashboards already use
 * (prom-client's). One set per process, whatever the number of brokers in it; the p99 covers the time
 * since the previous collection.
 */
export function registerProcessMetrics(meter: Meter): () => void {
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const cpu = meter.createObservableCounter(METRIC.cpuSeconds, { description: 'User and system CPU time of the process', unit: 'seconds' });
  const rss = meter.createObservableGauge(METRIC.residentMemory, { description: 'Resident set size of the process', unit: 'bytes' });
  const heap = meter.createObservableGauge(METRIC.heapUsed, { description: 'V8 heap in use', unit: 'bytes' });
  const delay = meter.createObservableGauge(METRIC.eventLoopDelayP99, { description: 'Event-loop delay, 99th percentile since the previous collection', unit: 'seconds' });
  const callback = (r: BatchObservableResult): void => {
    const usage = process.cpuUsage();
    r.observe(cpu, (usage.user + usage.system) / 1e6);
    r.observe(rss, process.memoryUsage.rss());
    r.observe(heap, process.memoryUsage().heapUsed);
    r.observe(delay, loop.count > 0 ? loop.percentile(99) / 1e9 : 0);
    loop.reset();
  };
  meter.addBatchObservableCallback(callback, [cpu, rss, heap, delay]);
  return () => {
    meter.removeBatchObservableCallback(callback, [cpu, rss, heap, delay]);
    loop.disable();
  };
}
