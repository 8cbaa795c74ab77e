/**
 * The prober's last results as metrics: `meridian_probe_success{instance, check}` (1 when the last run
 * passed, 0 when it failed) and `meridian_probe_latency_ms{instance, check}`, through the engine-wide
 * metric producer (so /metrics and OTLP carry them like the brokers' own).
 */
import type { HrTime } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { gaugeData, hrTime, type MetricSource, type Point } from '../broker/index.ts';
import type { CheckName, ProbeOutcome } from './model.ts';

export const PROBE_SUCCESS_METRIC = 'meridian_probe_success';
export const PROBE_LATENCY_METRIC = 'meridian_probe_latency_ms';

/** The last outcome of every check of every probed instance, keyed by instance id. */
export class ProbeMetrics implements MetricSource {
  private readonly last = new Map<string, { instance: string; outcomes: ReadonlyMap<CheckName, ProbeOutcome> }>();
  private readonly start = hrTime(Date.now());

  record(instanceId: string, instance: string, outcomes: ReadonlyMap<CheckName, ProbeOutcome>): void {
    this.last.set(instanceId, { instance, outcomes });
  }

  /** An instance no longer probed (prober off, instance deleted) stops reporting, rather than keeping stale values. */
  forget(instanceId: string): void {
    this.last.delete(instanceId);
  }

  has(instanceId: string): boolean {
    return this.last.has(instanceId);
  }

  collect(now: HrTime): MetricData[] {
    const success: Point[] = [];
    const latency: Point[] = [];
    for (const { instance, outcomes } of this.last.values()) {
      for (const [check, o] of outcomes) {
        success.push({ attributes: { instance, check }, value: o.ok ? 1 : 0 });
        latency.push({ attributes: { instance, check }, value: o.latencyMs });
      }
    }
    return [
      gaugeData(PROBE_SUCCESS_METRIC, 'Whether the last black-box probe of the check passed (1) or failed (0)', '1', this.start, now, success),
      gaugeData(PROBE_LATENCY_METRIC, 'How long the last black-box probe of the check took, from its first send to its verdict', 'ms', this.start, now, latency),
    ];
  }
}
