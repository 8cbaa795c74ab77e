/**
 * The metrics Meridian publishes: RocketMQ 5's broker names and labels (../shared/OBSERVABILITY.md §3), so
 * dashboards and alerts written for Apache RocketMQ read Meridian unchanged, plus a few of Meridian's own
 * (`meridian_*`) where RocketMQ has none. Prometheus sees these names as written (the exporter appends no
 * unit; counters already end in `_total`).
 */
export const METRIC = {
  messagesIn: 'rocketmq_messages_in_total',
  throughputIn: 'rocketmq_throughput_in_total',
  messageSize: 'rocketmq_message_size',
  messagesOut: 'rocketmq_messages_out_total',
  throughputOut: 'rocketmq_throughput_out_total',
  lagMessages: 'rocketmq_consumer_lag_messages',
  lagLatency: 'rocketmq_consumer_lag_latency',
  inflight: 'rocketmq_consumer_inflight_messages',
  ready: 'rocketmq_consumer_ready_messages',
  queueingLatency: 'rocketmq_consumer_queueing_latency',
  sendToDlq: 'rocketmq_send_to_dlq_messages_total',
  producerConnections: 'rocketmq_producer_connections',
  consumerConnections: 'rocketmq_consumer_connections',
  topicNumber: 'rocketmq_topic_number',
  groupNumber: 'rocketmq_consumer_group_number',
  commitMessages: 'rocketmq_commit_messages_total',
  rollbackMessages: 'rocketmq_rollback_messages_total',
  halfMessages: 'rocketmq_half_messages',
  timingMessages: 'rocketmq_timing_messages',
  rpcLatency: 'rocketmq_rpc_latency',
  storageSize: 'rocketmq_storage_size',
  flushBehind: 'rocketmq_storage_flush_behind_bytes',
  dispatchBehind: 'rocketmq_storage_dispatch_behind_bytes',
  reserveTime: 'rocketmq_storage_message_reserve_time',
  diskFree: 'meridian_storage_disk_free_bytes',
  queueOffset: 'meridian_queue_max_offset',
  traceShed: 'meridian_trace_shed_events_total',
  accessDenied: 'meridian_access_denied_total',
  rateLimit: 'meridian_rate_limit_messages_per_second',
  rateLimitAdmitted: 'meridian_rate_limit_admitted_messages_total',
  rateLimitRefused: 'meridian_rate_limit_refused_messages_total',
  cpuSeconds: 'process_cpu_seconds_total',
  residentMemory: 'process_resident_memory_bytes',
  heapUsed: 'nodejs_heap_size_used_bytes',
  eventLoopDelayP99: 'nodejs_eventloop_lag_p99_seconds',
} as const;

/** RocketMQ's message-size buckets: 1 KiB, 4 KiB, 512 KiB, 1, 2 and 4 MiB. */
export const MESSAGE_SIZE_BUCKETS_BYTES = [1024, 4096, 524_288, 1_048_576, 2_097_152, 4_194_304] as const;
/** RocketMQ's rpc-latency buckets in milliseconds. */
export const RPC_LATENCY_BUCKETS_MS = [1, 3, 5, 7, 10, 100, 1000, 2000, 3000] as const;

/** Labels on every series of one broker: RocketMQ's `cluster`, `node_type`, `node_id`, plus the caller's. */
export type MetricLabels = Readonly<Record<string, string>>;

/** `message_type` as RocketMQ spells it: the lowercased type. */
export function metricMessageType(type: string): string {
  return type.toLowerCase();
}
