import type { BrokerErrorCode } from './errors.ts';

/** RocketMQ v2 status codes (apache.rocketmq.v2.Code), by name as proto-loader encodes them. */
export type RocketmqCode =
  | 'OK'
  | 'MULTIPLE_RESULTS'
  | 'BAD_REQUEST'
  | 'ILLEGAL_ACCESS_POINT'
  | 'ILLEGAL_TOPIC'
  | 'ILLEGAL_CONSUMER_GROUP'
  | 'ILLEGAL_MESSAGE_TAG'
  | 'ILLEGAL_MESSAGE_KEY'
  | 'ILLEGAL_MESSAGE_GROUP'
  | 'ILLEGAL_MESSAGE_PROPERTY_KEY'
  | 'INVALID_TRANSACTION_ID'
  | 'ILLEGAL_MESSAGE_ID'
  | 'ILLEGAL_FILTER_EXPRESSION'
  | 'ILLEGAL_INVISIBLE_TIME'
  | 'ILLEGAL_DELIVERY_TIME'
  | 'INVALID_RECEIPT_HANDLE'
  | 'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE'
  | 'UNRECOGNIZED_CLIENT_TYPE'
  | 'CLIENT_ID_REQUIRED'
  | 'ILLEGAL_POLLING_TIME'
  | 'ILLEGAL_OFFSET'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'MESSAGE_NOT_FOUND'
  | 'TOPIC_NOT_FOUND'
  | 'CONSUMER_GROUP_NOT_FOUND'
  | 'OFFSET_NOT_FOUND'
  | 'MESSAGE_BODY_TOO_LARGE'
  | 'MESSAGE_BODY_EMPTY'
  | 'TOO_MANY_REQUESTS'
  | 'MESSAGE_PROPERTIES_TOO_LARGE'
  | 'PRECONDITION_FAILED'
  | 'INTERNAL_SERVER_ERROR'
  | 'NOT_IMPLEMENTED'
  | 'UNSUPPORTED';

/** The HTTP-level class of a failure, named as tRPC names its error codes (each implies one HTTP status). */
export type HttpErrorClass =
  | 'BAD_REQUEST'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'TOO_MANY_REQUESTS'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

interface Surface {
  /** The status the RocketMQ protocol answers with. */
  rocketmq: RocketmqCode;
  /** The class the console's API answers with. */
  http: HttpErrorClass;
}

/**
 * How every engine error surfaces, in the RocketMQ protocol and in the console's API: one table, exhaustive
 * over the codes (a new code does not compile until it is placed here).
 */
export const ERROR_SURFACES = {
  INVALID_NAME: { rocketmq: 'ILLEGAL_TOPIC', http: 'BAD_REQUEST' },
  INVALID_ARGUMENT: { rocketmq: 'BAD_REQUEST', http: 'BAD_REQUEST' },
  TOPIC_EXISTS: { rocketmq: 'BAD_REQUEST', http: 'CONFLICT' },
  TOPIC_NOT_FOUND: { rocketmq: 'TOPIC_NOT_FOUND', http: 'NOT_FOUND' },
  GROUP_EXISTS: { rocketmq: 'BAD_REQUEST', http: 'CONFLICT' },
  GROUP_NOT_FOUND: { rocketmq: 'CONSUMER_GROUP_NOT_FOUND', http: 'NOT_FOUND' },
  NAMESPACE_EXISTS: { rocketmq: 'BAD_REQUEST', http: 'CONFLICT' },
  NAMESPACE_NOT_FOUND: { rocketmq: 'NOT_FOUND', http: 'NOT_FOUND' },
  NAMESPACE_NOT_EMPTY: { rocketmq: 'PRECONDITION_FAILED', http: 'PRECONDITION_FAILED' },
  MESSAGE_BODY_EMPTY: { rocketmq: 'MESSAGE_BODY_EMPTY', http: 'BAD_REQUEST' },
  MESSAGE_TOO_LARGE: { rocketmq: 'MESSAGE_BODY_TOO_LARGE', http: 'PAYLOAD_TOO_LARGE' },
  MESSAGE_NOT_FOUND: { rocketmq: 'MESSAGE_NOT_FOUND', http: 'NOT_FOUND' },
  MESSAGE_TYPE_MISMATCH: { rocketmq: 'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', http: 'BAD_REQUEST' },
  PERMISSION_DENIED: { rocketmq: 'FORBIDDEN', http: 'FORBIDDEN' },
  QUEUE_NOT_FOUND: { rocketmq: 'NOT_FOUND', http: 'NOT_FOUND' },
  DISK_FULL: { rocketmq: 'INTERNAL_SERVER_ERROR', http: 'SERVICE_UNAVAILABLE' },
  STORE_WRITE_FAILED: { rocketmq: 'INTERNAL_SERVER_ERROR', http: 'INTERNAL_SERVER_ERROR' },
  STORE_CLOSED: { rocketmq: 'INTERNAL_SERVER_ERROR', http: 'SERVICE_UNAVAILABLE' },
  DATA_DIR_LOCKED: { rocketmq: 'INTERNAL_SERVER_ERROR', http: 'SERVICE_UNAVAILABLE' },
  INVALID_RECEIPT_HANDLE: { rocketmq: 'INVALID_RECEIPT_HANDLE', http: 'BAD_REQUEST' },
  TOO_MANY_REQUESTS: { rocketmq: 'TOO_MANY_REQUESTS', http: 'TOO_MANY_REQUESTS' },
  INVALID_FILTER: { rocketmq: 'ILLEGAL_FILTER_EXPRESSION', http: 'BAD_REQUEST' },
  TRANSACTION_NOT_FOUND: { rocketmq: 'INVALID_TRANSACTION_ID', http: 'NOT_FOUND' },
  TRANSACTION_ENDED: { rocketmq: 'PRECONDITION_FAILED', http: 'CONFLICT' },
  DEAD_LETTER_NOT_FOUND: { rocketmq: 'MESSAGE_NOT_FOUND', http: 'NOT_FOUND' },
  VERIFICATION_NOT_FOUND: { rocketmq: 'NOT_FOUND', http: 'NOT_FOUND' },
  GROUP_NOT_SUBSCRIBED: { rocketmq: 'PRECONDITION_FAILED', http: 'PRECONDITION_FAILED' },
  NO_LIVE_CONSUMER: { rocketmq: 'PRECONDITION_FAILED', http: 'PRECONDITION_FAILED' },
  USER_EXISTS: { rocketmq: 'BAD_REQUEST', http: 'CONFLICT' },
  USER_NOT_FOUND: { rocketmq: 'NOT_FOUND', http: 'NOT_FOUND' },
  CORRUPT_DATA: { rocketmq: 'INTERNAL_SERVER_ERROR', http: 'INTERNAL_SERVER_ERROR' },
  INTERNAL: { rocketmq: 'INTERNAL_SERVER_ERROR', http: 'INTERNAL_SERVER_ERROR' },
} as const satisfies Record<BrokerErrorCode, Surface>;

/**
 * INVALID_ARGUMENT and INVALID_NAME name the field at fault; the protocol has a finer status for some of them
 * (the proxy's codes for each message rule).
 */
export const FIELD_ROCKETMQ_CODES: Readonly<Record<string, RocketmqCode>> = {
  tag: 'ILLEGAL_MESSAGE_TAG',
  keys: 'ILLEGAL_MESSAGE_KEY',
  properties: 'ILLEGAL_MESSAGE_PROPERTY_KEY',
  propertiesSize: 'MESSAGE_PROPERTIES_TOO_LARGE',
  messageGroup: 'ILLEGAL_MESSAGE_GROUP',
  messageId: 'ILLEGAL_MESSAGE_ID',
  offset: 'ILLEGAL_OFFSET',
  deliverAt: 'ILLEGAL_DELIVERY_TIME',
};

/** The engine errors that are the engine's own fault (to log as errors), not the caller's. */
export function isServerFault(code: BrokerErrorCode): boolean {
  return ERROR_SURFACES[code].http === 'INTERNAL_SERVER_ERROR' || ERROR_SURFACES[code].http === 'SERVICE_UNAVAILABLE';
}
