import type { Group } from '../../server/broker/index.ts';
import { duration, type Endpoints, type Settings } from './wire.ts';

export interface SettingsLimits {
  maxBodySize: number;
  longPollingMs: number;
  receiveBatchSize: number;
  /** Where SDKs push their own metrics (an OTLP/gRPC collector), as the proxy's metricCollectorMode=on does. */
  clientMetrics?: Endpoints;
}

/** Settings.metric: on, with the collector, when the operator configured one; off otherwise. */
function metricOf(limits: SettingsLimits): object {
  return limits.clientMetrics ? { on: true, endpoints: limits.clientMetrics } : { on: false };
}

/** How a producer retries a failed send (the RocketMQ proxy's default: 3 attempts, 10 ms doubling to 1 s). */
const PRODUCER_SEND_RETRY = { max_attempts: 3, exponential_backoff: { initial: duration(10), max: duration(1000), multiplier: 2 } };

/** The broker's answer to a producer's settings: retry policy and publishing limits. */
export function producerSettings(client: Settings, limits: SettingsLimits): object {
  return {
    ...client,
    // The Node.js SDK only accepts an exponential policy here.
    backoff_policy: PRODUCER_SEND_RETRY,
    publishing: { ...client.publishing, max_body_size: limits.maxBodySize, validate_message_type: true },
    metric: metricOf(limits),
  };
}

/** The broker's answer to a consumer's settings: the group's retry policy, batch size, long polling, FIFO. */
export function consumerSettings(client: Settings, group: Group | undefined, limits: SettingsLimits): object {
  const policy = group?.retryPolicy;
  const backoff =
    policy?.kind === 'exponential'
      ? {
          exponential_backoff: {
            initial: duration(policy.initialMs),
            max: duration(policy.maxMs),
            multiplier: policy.multiplier,
          },
        }
      : { customized_backoff: { next: (policy?.delaysMs ?? []).map(duration) } };
  return {
    ...client,
    backoff_policy: { max_attempts: group?.maxDeliveryAttempts ?? 17, ...backoff },
    subscription: {
      ...client.subscription,
      fifo: group?.fifo ?? false,
      receive_batch_size: limits.receiveBatchSize,
      long_polling_timeout: duration(limits.longPollingMs),
    },
    metric: metricOf(limits),
  };
}
