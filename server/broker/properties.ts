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
  /**
   * On a message an operator sent again: the id of the message it copies, the one record of it. Consumers
   * see it as the user property RESENT_FROM (consumerPropertiesOf).
   */
  RESENT_FROM: '__RESENT_FROM',
  /** The send as the broker saw it (client id, SDK, arrival), for the trace's PRODUCED step (trace/derive.ts). */
  PRODUCER: '__PRODUCER',
} as const;

/** Keys of the engine's own properties start with this; the rest are the user's. */
const RESERVED_PREFIX = '__';

/** The user property under which consumers see SystemProperty.RESENT_FROM. */
const RESENT_FROM_USER_PROPERTY = 'RESENT_FROM';

/** The user's own properties: every key the engine did not reserve (`__` prefix). */
export function userPropertiesOf(properties: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(properties)) if (!k.startsWith(RESERVED_PREFIX)) out[k] = v;
  return out;
}

/** The properties a consumer sees as its message's user properties: the user's, plus RESENT_FROM on a resend. */
export function consumerPropertiesOf(properties: Readonly<Record<string, string>>): Record<string, string> {
  const out = userPropertiesOf(properties);
  const resentFrom = properties[SystemProperty.RESENT_FROM];
  if (resentFrom !== undefined) out[RESENT_FROM_USER_PROPERTY] = resentFrom;
  return out;
}
