import type { Group } from '../model.ts';
import type { StoredMessage } from '../store/message-store.ts';
import type { TraceEvent } from '../trace/recorder.ts';
import type { Inflight } from './pop-state.ts';

export type DeliveryState = 'NOT_DELIVERED' | 'IN_FLIGHT' | 'ACKED' | 'RETRYING' | 'DEAD_LETTERED' | 'FILTERED';

/** Where one message stands with one consumer group. */
export interface GroupDelivery {
  /** Stored group name. */
  group: string;
  state: DeliveryState;
  /** The current or last delivery attempt. */
  attempt?: number;
  /** IN_FLIGHT: when it becomes deliverable again if not acknowledged. */
  invisibleUntil?: number;
  /** RETRYING: when the next attempt can be made. */
  nextAttemptAt?: number;
  /** When it reached this state, when known (ack time, dead-letter time). */
  at?: number;
  /** The group's subscription for the topic, when known ("TAG:a||b", "SQL:..."). */
  filterExpression?: string;
}

/** What one group's delivery state is read from: its offsets and pop state, its copies, and the trace. */
export interface DeliveryFacts {
  group: Group;
  now: number;
  /** The message's record in its topic, when still stored (its place, and whether the group predates it). */
  record?: StoredMessage;
  /** The message's offset in its topic queue. */
  queueOffset: number;
  /** The group's next offset on that queue (its cursor, else its committed or start offset). */
  next: number;
  /** The group's in-flight entry for the message on that queue. */
  inflight?: Inflight;
  /** A broadcasting group: each known client's progress on that queue (every client keeps its own). */
  clients?: readonly { next: number; inflight?: Inflight }[];
  /** Whether the group's subscription turns the message away. */
  rejected: boolean;
  filterExpression?: string;
  /** The newest copy resent to the group (not a verification), with its in-flight entry and the retry lane's cursor. */
  resend?: { copy: StoredMessage; inflight?: Inflight; cursor: number };
  /** The newest copy of the message in the group's DLQ. */
  deadLetter?: StoredMessage;
  /** The group's trace steps of the message, oldest first. */
  events: readonly TraceEvent[];
}

function inflightState(f: Inflight, now: number): Omit<GroupDelivery, 'group'> {
  // Negatively acknowledged, or its invisible time is over: the next receive hands it out again.
  if (f.nackedAt !== undefined || f.visibleAt <= now) {
    return { state: 'RETRYING', attempt: f.attempt, nextAttemptAt: f.visibleAt, ...(f.nackedAt !== undefined ? { at: f.nackedAt } : {}) };
  }
  return { state: 'IN_FLIGHT', attempt: f.attempt, invisibleUntil: f.visibleAt };
}

function ackedAfter(events: readonly TraceEvent[], since: number): Omit<GroupDelivery, 'group'> {
  const ack = events.findLast((e) => e.step === 'ACKED' && e.at >= since);
  return ack ? { state: 'ACKED', at: ack.at } : { state: 'ACKED' };
}

/**
 * The delivery state of a message for one group; undefined when the message was stored before the group
 * existed and the group never consumed it (it is not the group's message).
 *
 * The latest round decides: a resend to the group newer than the last dead letter, else the delivery on the
 * topic queue. Past the group's offset with no dead letter and no filter, the message counts as ACKED, with
 * the ack time when the trace has it (the queue model and offset resets move offsets without acks).
 * A message the group turns away (`filterOf`) is FILTERED, also before the group gets to it, except one
 * only its subscription rejects that was stored before the group existed and that the group is past: like
 * an unacked one there, it is not the group's message (the group never had to turn it away).
 */
export function deliveryOf(f: DeliveryFacts): GroupDelivery | undefined {
  const head = { group: f.group.name, ...(f.filterExpression !== undefined ? { filterExpression: f.filterExpression } : {}) };
  const { resend, deadLetter } = f;
  if (resend && (!deadLetter || deadLetter.physicalOffset < resend.copy.physicalOffset)) {
    if (resend.inflight) return { ...head, ...inflightState(resend.inflight, f.now) };
    if (resend.copy.queueOffset >= resend.cursor) return { ...head, state: 'RETRYING', nextAttemptAt: resend.copy.storeTimestamp };
    return { ...head, ...ackedAfter(f.events, resend.copy.storeTimestamp) };
  }
  if (f.clients) return broadcastDelivery(head, f, f.clients);
  if (f.inflight) return { ...head, ...inflightState(f.inflight, f.now) };
  if (deadLetter) return { ...head, state: 'DEAD_LETTERED', attempt: deadLetter.reconsumeTimes, at: deadLetter.storeTimestamp };
  const filter = filterOf(f);
  if (f.queueOffset >= f.next) return { ...head, state: filter ? 'FILTERED' : 'NOT_DELIVERED' };
  if (filter === 'RECORDED') return { ...head, state: 'FILTERED' };
  if (filter === 'SUBSCRIPTION') return predatesGroup(f) ? undefined : { ...head, state: 'FILTERED' };
  const acked = ackedAfter(f.events, 0);
  if (acked.at !== undefined) return { ...head, ...acked };
  if (predatesGroup(f)) return undefined;
  return { ...head, state: 'ACKED' };
}

/**
 * Why the group turns the message away, if it does: a FILTERED step in its trace (recorded by a receive with
 * a bare filter), else its remembered subscription, unless the group was delivered the message (only the
 * latest subscription is remembered: one that changed since must not disown what the group consumed).
 */
function filterOf(f: DeliveryFacts): 'RECORDED' | 'SUBSCRIPTION' | undefined {
  if (f.events.some((e) => e.step === 'FILTERED')) return 'RECORDED';
  return f.rejected && !f.events.some((e) => e.step === 'DELIVERED') ? 'SUBSCRIPTION' : undefined;
}

/** The message was stored before the group existed (the group starts after it). */
function predatesGroup(f: DeliveryFacts): boolean {
  return !!f.record && f.record.physicalOffset < f.group.startPhysicalOffset;
}

/** Whether the group has read past the message on its queue (a broadcasting group: some client has). */
function isPast(f: DeliveryFacts): boolean {
  return f.clients ? f.clients.some((c) => c.next > f.queueOffset) : f.next > f.queueOffset;
}

/**
 * Whether the group's subscription has turned the message away by now: its delivery state is FILTERED for
 * the subscription (not for a recorded FILTERED step, which the trace has already) and the group has read
 * past it. The trace derives its FILTERED step from this when it is read (trace/derive.ts `filteredStep`),
 * so a receive with a subscription records nothing per filtered message.
 */
export function filteredBySubscription(f: DeliveryFacts): boolean {
  return filterOf(f) === 'SUBSCRIPTION' && isPast(f) && deliveryOf(f)?.state === 'FILTERED';
}

/**
 * A broadcasting group, whose clients each consume every message: IN_FLIGHT while any client has it in
 * flight (else RETRYING while one waits for its retry), ACKED once every known client is past it, else
 * NOT_DELIVERED (some client has not got to it, or no client is known yet).
 */
function broadcastDelivery(head: Pick<GroupDelivery, 'group' | 'filterExpression'>, f: DeliveryFacts, clients: NonNullable<DeliveryFacts['clients']>): GroupDelivery | undefined {
  const states = clients.flatMap((c) => (c.inflight ? [inflightState(c.inflight, f.now)] : []));
  const inflight = states.find((s) => s.state === 'IN_FLIGHT') ?? states[0];
  if (inflight) return { ...head, ...inflight };
  if (f.deadLetter) return { ...head, state: 'DEAD_LETTERED', attempt: f.deadLetter.reconsumeTimes, at: f.deadLetter.storeTimestamp };
  const filter = filterOf(f);
  if (filter === 'RECORDED') return { ...head, state: 'FILTERED' };
  if (filter === 'SUBSCRIPTION') return predatesGroup(f) && isPast(f) ? undefined : { ...head, state: 'FILTERED' };
  if (clients.length === 0 || clients.some((c) => f.queueOffset >= c.next)) return { ...head, state: 'NOT_DELIVERED' };
  if (predatesGroup(f)) return undefined;
  return { ...head, ...ackedAfter(f.events, 0) };
}
