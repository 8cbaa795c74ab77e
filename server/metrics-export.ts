import { timingSafeEqual, createHash } from 'node:crypto';
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { engineMetricProducer, logger, registerProcessMetrics } from './broker/index.ts';
import { originOf } from './otel.ts';

/** The metrics pipeline of this process: Prometheus text on demand, OTLP pushes when configured. */
export interface MetricsHandle {
  /** Every series of every broker in the process, in Prometheus text format. */
  scrape(): Promise<string>;
  /** Where OTLP metrics go, if anywhere (origin only). */
  readonly otlpEndpoint: string | undefined;
  shutdown(): Promise<void>;
}

/** RocketMQ's own per-view cardinality limit (metricsOtelCardinalityLimit): 1,000 topics × groups fit. */
const CARDINALITY_LIMIT = 50_000;
/** OpenTelemetry's default push interval, and the Java SDK's in RocketMQ clients. */
const DEFAULT_EXPORT_INTERVAL_MS = 60_000;
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * Starts the OpenTelemetry metrics SDK for this process and registers it globally, so every broker opened
 * afterwards records into it: a Prometheus reader (scraped through `scrape`, never its own HTTP server) and,
 * when `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` is set, an OTLP/HTTP reader
 * every `OTEL_METRIC_EXPORT_INTERVAL` ms. Both read the engine's series through `engineMetricProducer`.
 */
export function startMetrics(): MetricsHandle {
  const env = process.env;
  const prometheus = new PrometheusExporter({ preventServerStart: true, metricProducers: [engineMetricProducer] });
  const readers: MetricReader[] = [prometheus];
  const endpoint = env.OTEL_SDK_DISABLED === 'true' ? undefined : env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) {
    const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL) > 0 ? Number(env.OTEL_METRIC_EXPORT_INTERVAL) : DEFAULT_EXPORT_INTERVAL_MS;
    // The exporter reads the endpoint (appending /v1/metrics to OTEL_EXPORTER_OTLP_ENDPOINT), headers and timeout itself.
    readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: interval, metricProducers: [engineMetricProducer] }));
    logger.info({ event: 'otel.metrics_start', endpoint: originOf(endpoint), intervalMs: interval }, 'exporting metrics over OTLP/HTTP');
  }
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'meridian' }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new MeterProvider({ resource, readers, views: [{ instrumentName: '*', aggregationCardinalityLimit: CARDINALITY_LIMIT }] });
  metrics.setGlobalMeterProvider(provider);
  const stopProcess = registerProcessMetrics(provider.getMeter('meridian-process'));
  // Target and scope info would add labels to no purpose: a scrape's target already names the process.
  const serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  return {
    otlpEndpoint: endpoint ? originOf(endpoint) : undefined,
    async scrape() {
      const { resourceMetrics, errors } = await prometheus.collect();
      if (errors.length > 0) logger.warn({ event: 'metrics.collect_errors', errors: errors.map(String) }, 'some metrics could not be collected');
      return serializer.serialize(resourceMetrics);
    },
    async shutdown() {
      stopProcess();
      await provider.shutdown();
      metrics.disable();
    },
  };
}

/**
 * Whether a request carries `Authorization: Bearer <token>` for the configured token, compared in constant
 * time (over digests, so the lengths leak nothing either).
 */
export function bearerMatches(header: string | null | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(m[1]!.trim()), digest(token));
}

const KEY = Symbol.for('meridian.metrics');
type WithMetrics = typeof globalThis & { [KEY]?: MetricsHandle };

/** The process's metrics pipeline, started on first use (kept across dev reloads, like the runtime). */
export function processMetrics(): MetricsHandle {
  const g = globalThis as WithMetrics;
  g[KEY] ??= startMetrics();
  return g[KEY];
}
