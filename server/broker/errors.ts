/** Stable error codes of the engine. Front-ends map them to protocol statuses. */
export type BrokerErrorCode =
  | 'INVALID_NAME'
  | 'INVALID_ARGUMENT'
  | 'TOPIC_EXISTS'
  | 'TOPIC_NOT_FOUND'
  | 'GROUP_EXISTS'
  | 'GROUP_NOT_FOUND'
  | 'NAMESPACE_EXISTS'
  | 'NAMESPACE_NOT_FOUND'
  | 'NAMESPACE_NOT_EMPTY'
  | 'MESSAGE_BODY_EMPTY'
  | 'MESSAGE_TOO_LARGE'
  | 'MESSAGE_NOT_FOUND'
  | 'MESSAGE_TYPE_MISMATCH'
  | 'PERMISSION_DENIED'
  | 'QUEUE_NOT_FOUND'
  | 'DISK_FULL'
  | 'STORE_WRITE_FAILED'
  | 'STORE_CLOSED'
  | 'DATA_DIR_LOCKED'
  | 'INVALID_RECEIPT_HANDLE'
  | 'TOO_MANY_REQUESTS'
  | 'INVALID_FILTER'
  | 'TRANSACTION_NOT_FOUND'
  | 'TRANSACTION_ENDED'
  /** No (unpurged) dead letter with that id in the group's DLQ. */
  | 'DEAD_LETTER_NOT_FOUND'
  /** No consume verification with that id (unknown, or forgotten among the oldest). */
  | 'VERIFICATION_NOT_FOUND'
  /** The group does not subscribe to the topic, or its subscription filters the message out. */
  | 'GROUP_NOT_SUBSCRIBED'
  /** Consume verification needs a connected consumer of the group to deliver to. */
  | 'NO_LIVE_CONSUMER'
  /** An ACL user of that name exists already / does not exist. */
  | 'USER_EXISTS'
  | 'USER_NOT_FOUND'
  | 'CORRUPT_DATA'
  /** A broken invariant of the engine itself: a bug, never the caller's fault. */
  | 'INTERNAL';

export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    readonly code: BrokerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isBrokerError(e: unknown, code?: BrokerErrorCode): e is BrokerError {
  return e instanceof BrokerError && (code === undefined || e.code === code);
}

/**
 * Fails loudly where continuing would corrupt data or loop forever (a record overrunning its segment, a write
 * that made no progress): better a typed error than garbage on disk.
 */
export function invariant(condition: unknown, message: string, code: 'CORRUPT_DATA' | 'INTERNAL' = 'INTERNAL'): asserts condition {
  if (!condition) throw new BrokerError(code, `Invariant violated: ${message}`);
}
