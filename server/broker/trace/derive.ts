import { isUserRecord } from '../consume/retry-copy.ts';
import type { ProducerInfo } from '../produce/put-message.ts';
import { SystemProperty } from '../properties.ts';
import type { StoredMessage } from '../store/message-store.ts';
import { TIMER_TOPIC, TimerProperty } from '../timer/timer-service.ts';
import { HALF_TOPIC, TxnProperty } from '../txn/txn-service.ts';
import type { TraceEvent } from './events.ts';

/**
 * The steps a producer's put leaves in the stored record itself, derived when a trace is read instead of
 * written as trace events: PRODUCED (born host and time, plus the one `__PRODUCER` property: client id, SDK,
 * arrival), then STORED (store time, queue, offset), SCHEDULED (held by the timer) or HALF (a transaction's).
 */

/** Cuts keep `__PRODUCER` short (it is stored with every message sent through the gRPC endpoint). */
const MAX_CLIENT_ID_CHARS = 128;
const MAX_SDK_CHARS = 64;

/**
 * `__PRODUCER`: `<arrival − born ms>|<sdk>|<client id>`. The arrival is relative to the born time, which the
 * record keeps anyway: a few characters instead of a timestamp. The client id comes last, so it may hold
 * any character.
 */
export function producerProperty(p: ProducerInfo, bornTimestamp: number): string {
  const delta = p.receivedAt === undefined ? '' : String(p.receivedAt - bornTimestamp);
  return `${delta}|${(p.sdk ?? '').slice(0, MAX_SDK_CHARS).replaceAll('|', '/')}|${p.clientId.slice(0, MAX_CLIENT_ID_CHARS)}`;
}

function parseProducer(value: string | undefined, bornTimestamp: number): { receivedAt?: number; sdk?: string; clientId?: string } {
  if (value === undefined) return {};
  const a = value.indexOf('|');
  const b = value.indexOf('|', a + 1);
  if (a < 0 || b < 0) return {};
  const delta = value.slice(0, a);
  const out: { receivedAt?: number; sdk?: string; clientId?: string } = {};
  if (delta !== '' && Number.isFinite(Number(delta))) out.receivedAt = bornTimestamp + Number(delta);
  if (b > a + 1) out.sdk = value.slice(a + 1, b);
  if (b + 1 < value.length) out.clientId = value.slice(b + 1);
  return out;
}

/**
 * The record a producer's send stored in a user topic, as opposed to the engine's own records and copies:
 * internal topics (timer, half, trace), fired and committed copies, retry and dead-letter copies.
 */
export function isProducedCopy(m: StoredMessage): boolean {
  return isUserRecord(m) && m.properties[TimerProperty.ORIGIN] === undefined && m.properties[TxnProperty.TRANSACTION_ID] === undefined;
}

/** A producer's put as stored: in its topic, or held under the timer's or a transaction's internal topic. */
export interface PutRecord {
  messageId: string;
  /** The user's topic (also of a held message). */
  topic: string;
  properties: Readonly<Record<string, string>>;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  /** Where it was stored in its topic; absent while held. */
  queueId?: number;
  queueOffset?: number;
  held?: 'SCHEDULED' | 'HALF';
  dueAt?: number;
}

/** The put a stored record stands for, if it is a producer's (not a copy the engine made). */
export function putRecordOf(m: StoredMessage): PutRecord | undefined {
  const base = { messageId: m.messageId, properties: m.properties, bornTimestamp: m.bornTimestamp, bornHost: m.bornHost, storeTimestamp: m.storeTimestamp };
  if (m.topic === TIMER_TOPIC) {
    const dueAt = Number(m.properties[TimerProperty.DELIVER_AT]);
    return { ...base, topic: m.properties[TimerProperty.REAL_TOPIC] ?? m.topic, held: 'SCHEDULED', ...(Number.isFinite(dueAt) ? { dueAt } : {}) };
  }
  if (m.topic === HALF_TOPIC) return { ...base, topic: m.properties[TxnProperty.REAL_TOPIC] ?? m.topic, held: 'HALF' };
  return isProducedCopy(m) ? { ...base, topic: m.topic, queueId: m.queueId, queueOffset: m.queueOffset } : undefined;
}

/** PRODUCED, then STORED / SCHEDULED / HALF, of one put. */
export function putSteps(r: PutRecord): [TraceEvent, TraceEvent] {
  const p = parseProducer(r.properties[SystemProperty.PRODUCER], r.bornTimestamp);
  // Without an arrival time the step sits at the client's born time, whose clock may run ahead of the
  // broker's: never after the store, so a trace reads in order. `bornAt` keeps the client's time as sent.
  const at = Math.min(p.receivedAt ?? r.bornTimestamp, r.storeTimestamp);
  const produced: TraceEvent = { messageId: r.messageId, step: 'PRODUCED', at, bornAt: r.bornTimestamp, topic: r.topic, status: 'OK' };
  if (r.bornHost) produced.host = r.bornHost;
  if (p.clientId !== undefined) produced.clientId = p.clientId;
  if (p.sdk !== undefined) produced.sdk = p.sdk;
  if (p.receivedAt !== undefined) produced.latencyMs = r.storeTimestamp - p.receivedAt;
  const second: TraceEvent = { messageId: r.messageId, step: r.held ?? 'STORED', at: r.storeTimestamp, topic: r.topic };
  if (r.queueId !== undefined) second.queueId = r.queueId;
  if (r.queueOffset !== undefined) second.offset = r.queueOffset;
  if (r.dueAt !== undefined) second.detail = `due ${new Date(r.dueAt).toISOString()}`;
  return [produced, second];
}

/**
 * FILTERED for a group whose subscription turned the message away (consume/delivery-state.ts
 * `filteredBySubscription`: the remembered subscription rejects it and the group has read past it), derived
 * when the trace is read instead of recorded per filtered message on the receive path.
 *
 * It sits at the message's store time: the engine does not keep when the group's read went past the message
 * (that would be a write per filtered message, which is what deriving avoids), and the store time is when
 * the message became the group's to filter, the earliest its read could have turned it away. The step then
 * reads right after STORED (derived steps sort first within a millisecond).
 */
export function filteredStep(m: StoredMessage, group: string, expression: string | undefined): TraceEvent {
  return {
    messageId: m.messageId,
    step: 'FILTERED',
    at: m.storeTimestamp,
    topic: m.topic,
    queueId: m.queueId,
    offset: m.queueOffset,
    group,
    detail: expression === undefined ? "filtered out by the group's subscription" : `filtered out by the group's subscription ${expression}`,
  };
}
