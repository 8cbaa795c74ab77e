/** Property keys the engine reserves for itself; user properties may not start with `__`. */
export const SystemProperty = {
  MESSAGE_GROUP: '__MESSAGE_GROUP',
  MESSAGE_TYPE: '__MESSAGE_TYPE',
  /** The producer's trace context (W3C traceparent), so consumers' spans can link to it. */
  TRACE_CONTEXT: '__TRACE_CONTEXT',
  /** On a dead-lettered message: where it came from and why. */
  ORIGIN_TOPIC: '__ORIGIN_TOPIC',
  ORIGIN_QUEUE_ID: '__ORIGIN_QUEUE_ID',
  ORIGIN_QUEUE_OFFSET: '__ORIGIN_QUEUE_OFFSET',
  DLQ_REASON: '__DLQ_REASON',
  /** On a message an operator sent again: the id of the message it copies. */
  RESENT_FROM: '__RESENT_FROM',
} as const;
