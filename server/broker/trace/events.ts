/**
 * The steps of a message's life. Derived from the stored record when a trace is read (never written):
 * PRODUCED, STORED, SCHEDULED, HALF. Recorded: the rest. The order is the on-disk step code (format.ts):
 * append only.
 */
export const TRACE_STEPS = [
  'STORED',
  'SCHEDULED',
  'FIRED',
  'RECALLED',
  'HALF',
  'COMMITTED',
  'ROLLED_BACK',
  'DELIVERED',
  'ACKED',
  'NACKED',
  'EXPIRED',
  'DEAD_LETTERED',
  /** An operator sent the message again; on both the original and the copy, each naming the other. */
  'RESENT',
  /** The send as the broker saw it: client, SDK, latency from the request's arrival to the store. */
  'PRODUCED',
  /** A send that reached the broker and was refused; `status` is the error code. */
  'PRODUCE_FAILED',
  /** A group's subscription expression filtered the message out. */
  'FILTERED',
  /** The outcome of an operator's consume verification (`outcome`). */
  'VERIFIED',
  /** Events of this message were shed while the trace buffer was full (`detail` says how many). */
  'TRACE_SHED',
] as const;

export type TraceStep = (typeof TRACE_STEPS)[number];

export interface TraceEvent {
  messageId: string;
  step: TraceStep;
  at: number;
  topic?: string;
  queueId?: number;
  offset?: number;
  group?: string;
  clientId?: string;
  attempt?: number;
  detail?: string;
  /** The other message of a pair (a resend names its original, the original its resend). */
  relatedMessageId?: string;
  /** A PRODUCED step: the client's born time as it sent it (`at` is never after the store, whatever its clock). */
  bornAt?: number;
  /** The producer's host (the born host). */
  host?: string;
  /** The client's SDK, language and version ("JAVA 5.0.7"). */
  sdk?: string;
  /** How long the step took as the broker saw it (a send: from the request's arrival to the store). */
  latencyMs?: number;
  /** "OK", or the error code of a failed step. */
  status?: string;
  /** The result of an operator's action (a verification: ACKED, FAILED, TIMED_OUT). */
  outcome?: string;
}

/**
 * What a caller records: the event, its time defaulting to now, and the traced message's trace context
 * (W3C traceparent) when the caller has the message, so its span joins the producer's trace. The trace
 * context is not stored with the event.
 */
export type TraceInput = Omit<TraceEvent, 'at'> & { at?: number; traceContext?: string };
