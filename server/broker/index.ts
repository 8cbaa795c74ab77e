/**
 * The engine's public API: everything outside server/broker/ imports the engine from here (an ESLint rule
 * enforces it), so its internals can change without touching the front-ends or the console.
 */
export { Broker } from './broker.ts';
export type { BrokerCounters, CheckBackHandler, FoundMessage, LiveConsumerCheck, RecoveryReport, SubscriptionSource } from './broker.ts';
export type { BrokerLimits, BrokerOptions } from './options.ts';
export type { GroupInput, GroupPatch, ListFilter, ProbeGroupInput, ProbeTopicInput, TopicInput, TopicPatch } from './catalog.ts';

export { BrokerError, isBrokerError } from './errors.ts';
export type { BrokerErrorCode } from './errors.ts';
export { ERROR_SURFACES, FIELD_ROCKETMQ_CODES, isServerFault } from './error-codes.ts';
export type { HttpErrorClass, RocketmqCode } from './error-codes.ts';

export * from './model.ts';
export * from './rules.ts';
export { dlqTopicOf, isProbeResource, isSystemTopic, PROBE_PREFIX, retryTopicOf, unwrapName, validateNamespace, validateResourceName, wrapName } from './names.ts';
export { consumerPropertiesOf, SystemProperty, userPropertiesOf } from './properties.ts';
export { TimerProperty } from './timer/timer-service.ts';
export type { PendingMinute, ScheduledState } from './timer/timer-service.ts';
export type { HalfMessage, Resolution, TxnState } from './txn/txn-service.ts';

export { validatePutMessage } from './produce/put-message.ts';
export type { ProducerInfo, PutMessage } from './produce/put-message.ts';
export type { BrokerPutResult } from './produce/producer.ts';

export { subscriptionFilter } from './filter/subscription.ts';
export { compileSql } from './filter/sql.ts';
export type { ReceivedMessage, ReceiveRequest } from './consume/pop-service.ts';
export type { PullRequest } from './consume/pull.ts';
export type { ResetResult, ResetTarget } from './consume/consumer-offsets.ts';
export type { DeliveryState, GroupDelivery } from './consume/delivery-state.ts';
export type { DeadLetterReason } from './consume/dead-letter.ts';
export { MAX_PURGE_OFFSETS, VERIFY_DEADLINE_MS } from './consume/group-deliveries.ts';
export type { DeadLetter, DeadLetterPage, DeadLetterQuery, PurgeTarget, VerificationView } from './consume/group-deliveries.ts';
export type { Subscription } from './consume/subscriptions.ts';
export type { VerificationOutcome, VerificationState } from './consume/verifications.ts';
export type { GroupQueueLag, GroupStats, TopicStats } from './stats.ts';
export { DEFAULT_BROWSE_SCAN_BYTES, MAX_BROWSE_PAGE, MAX_BROWSE_SCAN_MESSAGES, MAX_VOLUME_BUCKETS } from './store/time-browse.ts';
export type { BrowseCursor, BrowseOrder, BrowsePage, BrowseRequest, VolumeBucket } from './store/time-browse.ts';
export type { MessageMatch } from './filter/message-match.ts';
export type { FlushMode, GetResult, PutResult, QueueStats, ReadFilter, StoredMessage } from './store/message-store.ts';
export type { TraceEvent, TraceInput, TraceStep } from './trace/recorder.ts';

export { logger } from './logger.ts';

export { AccessControl } from './acl/access-control.ts';
export type { Authentication, AuthFailure, DenialCounts, RequestIdentity, UserPatch } from './acl/access-control.ts';
export type { AccessCheck, AccessDecision, AccessReason, DecidingEntry } from './acl/evaluator.ts';
export type { LimitRefusal, LimitScope } from './acl/rate-limiter.ts';
export * from './acl/rules.ts';

export { HistogramFamily } from './metrics/histogram.ts';
export { counterData, engineMetricProducer, gaugeData, hrTime, publishMetrics } from './metrics/producer.ts';
export type { MetricSource, Point } from './metrics/producer.ts';
export { METRIC, MESSAGE_SIZE_BUCKETS_BYTES, RPC_LATENCY_BUCKETS_MS } from './metrics/instruments.ts';
export type { MetricLabels } from './metrics/instruments.ts';
export { registerProcessMetrics } from './metrics/process-metrics.ts';
export type { BrokerMetricsOptions } from './options.ts';
export type { ConsumerLag } from './stats.ts';
