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
  /** On a dead letter: NACK, INVISIBLE_EXPIRED or CLIENT_FORWARDED (how its last delivery failed). */
  DLQ_REASON_KIND: '__DLQ_REASON_KIND',
  /** On a dead letter: when its first and its last delivery failed (ms). */
  FIRST_FAILURE_AT: '__FIRST_FAILURE_AT',
  LAST_FAILURE_AT: '__LAST_FAILURE_AT',
  /** On a copy in a group retry topic: the consume verification it delivers. */
  VERIFICATION_ID: '__VERIFICATION_ID',
  /** On a copy in a group retry topic: the dedupe key of the resend that stored it. */
  RESEND_KEY: '__RESEND_KEY',
  /** On a message an operator sent again: the id of the message it copies. */
  RESENT_FROM: '__RESENT_FROM',
  /** The send as the broker saw it (client id, SDK, arrival), for the trace's PRODUCED step (trace/derive.ts). */
  PRODUCER: '__PRODUCER',
} as const;
