export { Broker, SystemProperty } from './broker.ts';
export type { BrokerOptions, GroupStats, PutMessage, ResetResult, ResetTarget, TopicStats } from './broker.ts';
export { BrokerError, isBrokerError } from './errors.ts';
export type { BrokerErrorCode } from './errors.ts';
export * from './model.ts';
export type { GetResult, PutResult, QueueStats, StoredMessage, FlushMode } from './store/message-store.ts';
