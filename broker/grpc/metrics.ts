import type { HrTime } from '@opentelemetry/api';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { gaugeData, hrTime, HistogramFamily, METRIC, publishMetrics, RPC_LATENCY_BUCKETS_MS, type MetricLabels, type MetricSource } from '../../server/broker/index.ts';
import type { ClientInfo, ClientRegistry } from './clients.ts';

/** RocketMQ's `result` label of rpc latency. */
export type RpcResult = 'success' | 'cancelled' | 'process_request_failed';

const CONSUME_MODES: Partial<Record<ClientInfo['kind'], string>> = { PUSH_CONSUMER: 'push', SIMPLE_CONSUMER: 'pop', PULL_CONSUMER: 'pull' };

/**
 * The gRPC front end's metrics, labelled like its broker's: `rocketmq_rpc_latency` per RPC, status code and
 * result (RocketMQ's remoting labels, with `protocol_type="grpc"` and the RPC and code names lowercased),
 * and the producer and consumer connections of the live clients.
 */
export class GrpcMetrics implements MetricSource {
  private readonly latency = new HistogramFamily(METRIC.rpcLatency, 'Time from a request to its answer, per RPC and status', 'milliseconds', RPC_LATENCY_BUCKETS_MS);
  private readonly unpublish: () => void;
  private readonly start = hrTime(Date.now());

  constructor(
    private readonly labels: MetricLabels,
    private readonly clients: ClientRegistry,
  ) {
    this.unpublish = publishMetrics(this);
  }

  /** One answered call: `code` is the RocketMQ status code the answer carries (OK, BAD_REQUEST, …). */
  rpc(rpc: string, code: string, result: RpcResult, startedAt: number): void {
    const key = `${rpc}|${code}|${result}`;
    const h = this.latency.at(key, () => ({ ...this.labels, protocol_type: 'grpc', request_code: snakeCase(rpc), response_code: code.toLowerCase(), result }));
    h.record(performance.now() - startedAt);
  }

  collect(now: HrTime): MetricData[] {
    const producers = new Map<string, { attributes: MetricLabels; value: number }>();
    const consumers = new Map<string, { attributes: MetricLabels; value: number }>();
    for (const c of this.clients.list({})) {
      const mode = CONSUME_MODES[c.kind];
      if (!mode && c.kind !== 'PRODUCER') continue;
      const attributes: MetricLabels = mode
        ? { ...this.labels, consumer_group: c.group ?? '', language: c.language, version: c.version, consume_mode: mode, protocol_type: 'grpc', is_system: 'false' }
        : { ...this.labels, language: c.language, version: c.version, protocol_type: 'grpc' };
      const into = mode ? consumers : producers;
      const key = JSON.stringify(attributes);
      const seen = into.get(key) ?? { attributes, value: 0 };
      seen.value++;
      into.set(key, seen);
    }
    return [
      this.latency.toMetricData(now),
      gaugeData(METRIC.producerConnections, 'Producer clients connected', '', this.start, now, producers.values()),
      gaugeData(METRIC.consumerConnections, 'Consumer clients connected, per group', '', this.start, now, consumers.values()),
    ];
  }

  close(): void {
    this.unpublish();
  }
}

/** SendMessage → send_message, as RocketMQ names its request codes. */
function snakeCase(rpc: string): string {
  return rpc.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
}
