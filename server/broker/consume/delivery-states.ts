import { BrokerError } from '../errors.ts';
import { subscriptionFilter } from '../filter/subscription.ts';
import { dlqTopicOf, DLQ_PREFIX, groupRetryTopicOf, RETRY_PREFIX } from '../names.ts';
import { SystemProperty } from '../properties.ts';
import type { StoredMessage } from '../store/message-store.ts';
import { filteredStep } from '../trace/derive.ts';
import type { TraceEvent } from '../trace/recorder.ts';
import { deliveryOf, filteredBySubscription, type DeliveryFacts, type GroupDelivery } from './delivery-state.ts';
import type { DeliveriesHost } from './group-deliveries.ts';
import { popKey } from './pop-state.ts';
import { isUserRecord, MAX_COPIES, originOf, type Origin } from './retry-copy.ts';
import { describeSubscription, type Subscription, type SubscriptionStore } from './subscriptions.ts';

/** What the broker has of a message, for its delivery states: its place, its copies, its trace. */
interface KnownMessage {
  origin: Origin;
  /** A copy to match the groups' filters against (the record, else a dead letter or resent copy). */
  sample: StoredMessage;
  record?: StoredMessage;
  copies: readonly StoredMessage[];
  events: readonly TraceEvent[];
  now: number;
}

export function accepts(s: Subscription, m: StoredMessage): boolean {
  return subscriptionFilter(s.type, s.expression)?.accept(m) ?? true;
}

/**
 * Where a message stands with each group that subscribes to its topic: groups with offsets on the topic and
 * groups whose consumers received from it (their remembered subscriptions), read from their offsets and pop
 * state, the message's copies and its trace.
 */
export class DeliveryStates {
  constructor(
    private readonly host: DeliveriesHost,
    private readonly subscriptions: SubscriptionStore,
  ) {}

  /** Groups that subscribe to a topic: those with offsets on it and those whose consumers received from it. */
  subscribers(topic: string): string[] {
    const names = new Set([...this.host.groupsWithOffsets(topic), ...this.subscriptions.groupsOf(topic)]);
    return [...names].filter((g) => this.host.catalog.groups.has(g)).sort();
  }

  async of(messageId: string): Promise<GroupDelivery[]> {
    const events = await this.host.traceOf(messageId);
    const copies = this.host.store.lookupAllById(messageId, MAX_COPIES);
    const known = knownOf(copies, events, Date.now());
    if (!known) {
      // Not in its topic yet (scheduled, or a transaction not committed): no group has had it.
      const topic = this.host.topicOf(messageId);
      if (topic === undefined) throw new BrokerError('MESSAGE_NOT_FOUND', `No stored message has id ${messageId}`, { messageId });
      return this.subscribers(topic).map((group) => {
        const s = this.subscriptions.get(group, topic);
        return { group, state: 'NOT_DELIVERED', ...(s ? { filterExpression: describeSubscription(s) } : {}) };
      });
    }
    return this.subscribers(known.origin.topic).flatMap((name) => {
      const d = deliveryOf(this.factsFor(name, known));
      return d ? [d] : [];
    });
  }

  /**
   * The FILTERED steps a message's trace derives when it is read, one per group whose subscription turned it
   * away (`filteredBySubscription`), from the same facts as its delivery states: the message's records (as
   * the index answers, newest first) and its other steps. A group with a recorded FILTERED step (a bare
   * filter's) gets none, so no step is there twice. Without the record in its topic (retention took it, or it
   * is not stored there yet) there is no store time to put the step at, and none.
   */
  filteredSteps(copies: readonly StoredMessage[], events: readonly TraceEvent[], now: number): TraceEvent[] {
    const known = knownOf(copies, events, now);
    const record = known?.record;
    if (!known || !record) return [];
    return this.subscribers(known.origin.topic).flatMap((name) => {
      const f = this.factsFor(name, known);
      return filteredBySubscription(f) ? [filteredStep(record, name, f.filterExpression)] : [];
    });
  }

  /** What one group's delivery state of a known message is read from. */
  private factsFor(name: string, { origin, sample, record, copies, events, now }: KnownMessage): DeliveryFacts {
    const group = this.host.catalog.getGroup(name);
    const sub = this.subscriptions.get(name, origin.topic);
    const { popState } = this.host;
    const lane = popState.get(popKey(name, origin.topic, origin.queueId));
    const retryTopic = groupRetryTopicOf(name, origin.topic);
    const resent = copies.find((m) => m.topic === retryTopic && m.properties[SystemProperty.VERIFICATION_ID] === undefined);
    const retryLane = resent && popState.get(popKey(name, retryTopic, 0));
    const retryInflight = resent && retryLane?.inflight.get(resent.queueOffset);
    const inflight = lane?.inflight.get(origin.queueOffset);
    const deadLetter = copies.find((m) => m.topic === dlqTopicOf(name));
    // A broadcasting group's progress is each client's own.
    const clients =
      group.consumeType === 'BROADCASTING'
        ? popState.broadcastLanes(name, origin.topic, origin.queueId).map((s) => {
            const f = s.inflight.get(origin.queueOffset);
            return { next: s.cursor, ...(f ? { inflight: f } : {}) };
          })
        : undefined;
    return {
      group,
      now,
      ...(record ? { record } : {}),
      queueOffset: origin.queueOffset,
      next: lane?.cursor ?? this.host.nextOffset(name, origin.topic, origin.queueId),
      ...(inflight ? { inflight } : {}),
      ...(clients ? { clients } : {}),
      rejected: !!sub && !accepts(sub, sample),
      ...(sub ? { filterExpression: describeSubscription(sub) } : {}),
      ...(resent ? { resend: { copy: resent, cursor: retryLane?.cursor ?? 0, ...(retryInflight ? { inflight: retryInflight } : {}) } } : {}),
      ...(deadLetter ? { deadLetter } : {}),
      events: events.filter((e) => e.group === name),
    };
  }
}

/** The message as its delivery states see it, once it is in its topic (or a copy of it is stored); else undefined. */
function knownOf(copies: readonly StoredMessage[], events: readonly TraceEvent[], now: number): KnownMessage | undefined {
  const record = copies.find(isUserRecord);
  // Without the record (retention took it), a dead letter or a resent copy still says where it was.
  const sample = record ?? copies.find((m) => m.topic.startsWith(DLQ_PREFIX) || m.topic.startsWith(RETRY_PREFIX));
  if (!sample) return undefined;
  return { origin: originOf(sample), sample, ...(record ? { record } : {}), copies, events, now };
}
