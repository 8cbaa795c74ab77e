import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { logger } from './broker/index.ts';

/** A started OpenTelemetry SDK; `shutdown` exports what is still buffered. */
export interface OtelHandle {
  shutdown(): Promise<void>;
}

/**
 * Exports the engine's spans (server/broker/trace/spans.ts) over OTLP/HTTP (JSON) with the official SDK,
 * when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` is set. The exporter reads the
 * other standard OTEL_EXPORTER_OTLP_* variables (headers, timeout); `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES` override the resource (service.name "meridian"). Call it before any broker
 * opens: a broker checks once, when it opens, whether an SDK is registered. Returns undefined when nothing
 * is configured, which leaves the API a no-op.
 */
export function startOtel(): OtelHandle | undefined {
  const env = process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_SDK_DISABLED === 'true') return undefined;
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'meridian' }))
    .merge(detectResources({ detectors: [envDetector] }));
  // The exporter reads the endpoint (appending /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT) and the rest itself.
  const exporter = new OTLPTraceExporter();
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  // Only the origin: the URL may carry credentials (user:password@) or tokens in its path or query.
  logger.info({ event: 'otel.start', endpoint: originOf(endpoint) }, 'exporting trace spans over OTLP/HTTP');
  return { shutdown: () => provider.shutdown() };
}

/** An endpoint URL's scheme, host and port, without user, password, path or query; "(invalid URL)" otherwise. */
export function originOf(endpoint: string): string {
  try {
    const origin = new URL(endpoint).origin;
    return origin === 'null' ? '(unrecognised URL)' : origin;
  } catch {
    return '(invalid URL)';
  }
}
