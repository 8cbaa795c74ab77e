import { randomUUID } from 'node:crypto';
import type { Catalog } from '../catalog.ts';
import { BrokerError } from '../errors.ts';
import type { MessageMatch } from '../filter/message-match.ts';
import { subscriptionFilter } from '../filter/subscription.ts';
import { DLQ_PREFIX, dlqTopicOf, groupRetryTopicOf, isSystemTopic, parseGroupRetryTopic, RETRY_PREFIX } from '../names.ts';
import { SystemProperty } from '../properties.ts';
import type { MessageStore, StoredMessage } from '../store/message-store.ts';
import type { BrowseCursor, BrowsePage, BrowseRequest } from '../store/time-browse.ts';
import type { TraceEvent, TraceInput } from '../trace/recorder.ts';
import { DeadLetterBook } from './dead-letter-book.ts';
import type { DeadLetterReason } from './dead-letter.ts';
import { deliveryOf, type GroupDelivery } from './delivery-state.ts';
import { popKey, type PopStateStore } from './pop-state.ts';
import type { PopService } from './pop-service.ts';
import { MAX_COPIES, originOf, retryCopyInput, type Origin } from './retry-copy.ts';
import { describeSubscription, SubscriptionStore, type Subscription } from './subscriptions.ts';
import { VerificationStore, type VerificationOutcome, type VerificationState } from './verifications.ts';

/** A message in a group's DLQ, as the console lists it. */
export interface DeadLetter {
  /** The copy stored in `%DLQ%<group>`. */
  message: StoredMessage;
  originTopic: string;
  originMessageId: string;
  /** Deliveries made before it was dead-lettered. */
  attempts: number;
  firstFailureAt?: number;
  lastFailureAt: number;
  reason: DeadLetterReason;
  detail: string;
  /** When an operator last resent it to the group. */
  resentAt?: number;
}

export interface DeadLetterPage {
  letters: DeadLetter[];
  nextCursor?: BrowseCursor;
  scannedMessages: number;
  scannedBytes: number;
  /** Store time the scan got to (the start of the range when nothing was scanned). */
  reachedMs: number;
}

export type DeadLetterQuery = Omit<BrowseRequest, 'accept'> & { match?: MessageMatch };
export type PurgeTarget = { messageIds: string[] } | { all: true };

export interface VerificationView {
  state: VerificationState;
  at?: number;
  clientId?: string;
  messageId: string;
  group: string;
}

/** What the group-delivery part needs from the broker around it. */
export interface DeliveriesHost {
  readonly store: MessageStore;
  readonly catalog: Catalog;
  readonly popState: PopStateStore;
  pop(): PopService;
  /** The group's next offset on a queue it has no pop state for: its committed offset, else where it started. */
  nextOffset(group: string, topic: string, queueId: number): number;
  /** Groups with offsets on the topic. */
  groupsWithOffsets(topic: string): string[];
  trace(e: TraceInput): void;
  traceOf(messageId: string): Promise<TraceEvent[]>;
  /** The user topic of a message the broker holds (also a scheduled or half one), if it has it. */
  topicOf(messageId: string): string | undefined;
  /** An operator's browse of a topic by store time, keeping only the messages `keep` accepts too. */
  browse(topic: string, req: DeadLetterQuery, keep: (m: StoredMessage) => boolean): BrowsePage;
}

/** Message ids one purge call takes at most (a larger selection is a background job's batches). */
export const MAX_PURGE_IDS = 1000;

const REASONS: readonly string[] = ['NACK', 'INVISIBLE_EXPIRED', 'CLIENT_FORWARDED'] satisfies DeadLetterReason[];

/** A record in a user topic: not an internal topic's, a dead letter or a retry-topic copy. */
function isUserRecord(m: StoredMessage): boolean {
  return !isSystemTopic(m.topic) && !m.topic.startsWith(DLQ_PREFIX) && !m.topic.startsWith(RETRY_PREFIX);
}

function toDeadLetter(m: StoredMessage, resentAt: number | undefined): DeadLetter {
  const p = m.properties;
  const first = Number(p[SystemProperty.FIRST_FAILURE_AT] ?? 0);
  const last = Number(p[SystemProperty.LAST_FAILURE_AT] ?? 0);
  const kind = p[SystemProperty.DLQ_REASON_KIND] ?? '';
  return {
    message: m,
    originTopic: originOf(m).topic,
    originMessageId: m.messageId,
    attempts: m.reconsumeTimes,
    ...(first > 0 ? { firstFailureAt: first } : {}),
    lastFailureAt: last > 0 ? last : m.storeTimestamp,
    // Letters stored before reasons were stamped were all expiries or nacks run out of attempts.
    reason: REASONS.includes(kind) ? (kind as DeadLetterReason) : 'INVISIBLE_EXPIRED',
    detail: p[SystemProperty.DLQ_REASON] ?? '',
    ...(resentAt !== undefined ? { resentAt } : {}),
  };
}

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

/** A copy a keyed resend stored in one of the group's retry topics. */
function isResendCopy(m: StoredMessage, group: string, key: string): boolean {
  return m.properties[SystemProperty.RESEND_KEY] === key && parseGroupRetryTopic(m.topic)?.group === group;
}

function accepts(s: Subscription, m: StoredMessage): boolean {
  return subscriptionFilter(s.type, s.expression)?.accept(m) ?? true;
}

/**
 * Per-group delivery beyond the pop service's own rounds: where a message stands with each group that
 * subscribes to its topic, the groups' dead letters (listing, purge tombstones, resends back to the group),
 * and consume verification (one message delivered once more to one group). Resends and verifications are
 * copies in the group's retry topic for the message's topic, which the pop service delivers to that group
 * alone, as the topic's message.
 */
export class GroupDeliveries {
  readonly subscriptions: SubscriptionStore;
  private readonly verifications: VerificationStore;
  private readonly book: DeadLetterBook;

  constructor(
    private readonly host: DeliveriesHost,
    metaDir: string,
  ) {
    this.subscriptions = new SubscriptionStore(metaDir);
    this.verifications = new VerificationStore(metaDir);
    this.book = new DeadLetterBook(metaDir, {
      copyStored: (r) => this.copies(r.messageId).some((m) => isResendCopy(m, r.group, r.key)),
      minOffset: (group) => host.store.minOffset(dlqTopicOf(group), 0),
    });
  }

  private copies(messageId: string): StoredMessage[] {
    return this.host.store.lookupAllById(messageId, MAX_COPIES);
  }

  /** Groups that subscribe to a topic: those with offsets on it and those whose consumers received from it. */
  subscribers(topic: string): string[] {
    const names = new Set([...this.host.groupsWithOffsets(topic), ...this.subscriptions.groupsOf(topic)]);
    return [...names].filter((g) => this.host.catalog.groups.has(g)).sort();
  }

  // ---- delivery state ----

  async deliveryStates(messageId: string): Promise<GroupDelivery[]> {
    const events = await this.host.traceOf(messageId);
    const copies = this.copies(messageId);
    const record = copies.find(isUserRecord);
    // Without the record (retention took it), a dead letter or a resent copy still says where it was.
    const sample = record ?? copies.find((m) => m.topic.startsWith(DLQ_PREFIX) || m.topic.startsWith(RETRY_PREFIX));
    if (!sample) {
      // Not in its topic yet (scheduled, or a transaction not committed): no group has had it.
      const topic = this.host.topicOf(messageId);
      if (topic === undefined) throw new BrokerError('MESSAGE_NOT_FOUND', `No stored message has id ${messageId}`, { messageId });
      return this.subscribers(topic).map((group) => {
        const s = this.subscriptions.get(group, topic);
        return { group, state: 'NOT_DELIVERED', ...(s ? { filterExpression: describeSubscription(s) } : {}) };
      });
    }
    const known: KnownMessage = { origin: originOf(sample), sample, ...(record ? { record } : {}), copies, events, now: Date.now() };
    return this.subscribers(known.origin.topic).flatMap((name) => {
      const d = this.deliveryFor(name, known);
      return d ? [d] : [];
    });
  }

  private deliveryFor(name: string, { origin, sample, record, copies, events, now }: KnownMessage): GroupDelivery | undefined {
    const group = this.host.catalog.getGroup(name);
    const sub = this.subscriptions.get(name, origin.topic);
    const lane = this.host.popState.get(popKey(name, origin.topic, origin.queueId));
    const retryTopic = groupRetryTopicOf(name, origin.topic);
    const resent = copies.find((m) => m.topic === retryTopic && m.properties[SystemProperty.VERIFICATION_ID] === undefined);
    const retryLane = resent && this.host.popState.get(popKey(name, retryTopic, 0));
    const retryInflight = resent && retryLane?.inflight.get(resent.queueOffset);
    const inflight = lane?.inflight.get(origin.queueOffset);
    const deadLetter = copies.find((m) => m.topic === dlqTopicOf(name));
    return deliveryOf({
      group,
      now,
      ...(record ? { record } : {}),
      queueOffset: origin.queueOffset,
      next: lane?.cursor ?? this.host.nextOffset(name, origin.topic, origin.queueId),
      ...(inflight ? { inflight } : {}),
      rejected: !!sub && !accepts(sub, sample),
      ...(sub ? { filterExpression: describeSubscription(sub) } : {}),
      ...(resent ? { resend: { copy: resent, cursor: retryLane?.cursor ?? 0, ...(retryInflight ? { inflight: retryInflight } : {}) } } : {}),
      ...(deadLetter ? { deadLetter } : {}),
      events: events.filter((e) => e.group === name),
    });
  }

  // ---- dead letters ----

  /** The group's DLQ topic, undefined while nothing was dead-lettered for it (GROUP_NOT_FOUND for no such group). */
  private dlqOf(group: string): string | undefined {
    const dlq = dlqTopicOf(group);
    if (this.host.catalog.topics.has(dlq)) return dlq;
    this.host.catalog.getGroup(group);
    return undefined;
  }

  /** A page of a group's dead letters by store time (purged ones left out), with the browse's filters. */
  deadLetters(group: string, req: DeadLetterQuery): DeadLetterPage {
    const dlq = this.dlqOf(group);
    const reachedFallback = req.order === 'oldest' ? req.beginMs : req.endMs;
    if (dlq === undefined) return { letters: [], scannedMessages: 0, scannedBytes: 0, reachedMs: reachedFallback };
    const page = this.host.browse(dlq, req, (m) => !this.book.isPurged(group, m.queueOffset));
    return {
      letters: page.messages.map((m) => toDeadLetter(m, this.book.resentAt(group, m.queueOffset))),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      scannedMessages: page.scannedMessages,
      scannedBytes: page.scannedBytes,
      reachedMs: page.reachedMs ?? reachedFallback,
    };
  }

  /** Dead letters stored for the group, minus the purged ones. */
  deadLetterCount(group: string): number {
    const dlq = this.dlqOf(group);
    if (dlq === undefined) return 0;
    const min = this.host.store.minOffset(dlq, 0);
    const max = this.host.store.maxOffset(dlq, 0);
    return max - min - this.book.purgedCount(group, min, max);
  }

  /** Purges dead letters (one, a selection, or all stored now); returns how many were purged. */
  purgeDeadLetters(group: string, target: PurgeTarget): number {
    if ('messageIds' in target && (!Array.isArray(target.messageIds) || target.messageIds.length > MAX_PURGE_IDS)) {
      throw new BrokerError('INVALID_ARGUMENT', `Purge takes a list of at most ${MAX_PURGE_IDS} message ids at a time; purge larger selections in batches`, {
        field: 'messageIds',
      });
    }
    const dlq = this.dlqOf(group);
    if (dlq === undefined) return 0;
    if ('all' in target) {
      const n = this.deadLetterCount(group);
      if (n > 0) this.book.purgeBelow(group, this.host.store.maxOffset(dlq, 0));
      return n;
    }
    const offsets = new Set<number>();
    for (const id of target.messageIds) {
      for (const m of this.copies(id)) if (m.topic === dlq && !this.book.isPurged(group, m.queueOffset)) offsets.add(m.queueOffset);
    }
    this.book.purge(group, [...offsets]);
    return offsets.size;
  }

  /**
   * Sends a dead letter back to its group for another round: a copy in the group's retry topic, delivered
   * as a message of its original topic with attempts from 1. With a dedupe key, at most once per key, also
   * across a crash: `{ resent: false }` for a key already used.
   */
  async resendDeadLetter(group: string, messageId: string, opts: { by: string; dedupeKey?: string }): Promise<{ resent: boolean }> {
    this.host.catalog.getGroup(group);
    const key = opts.dedupeKey;
    if (key !== undefined && this.book.hasKey(key)) return { resent: false };
    const copies = this.copies(messageId);
    // The stored copies have the last word: a key whose journal line a machine crash lost still has its copy.
    if (key !== undefined && copies.some((m) => isResendCopy(m, group, key))) return { resent: false };
    const dlq = dlqTopicOf(group);
    const letter = copies.find((m) => m.topic === dlq && !this.book.isPurged(group, m.queueOffset));
    if (!letter) {
      throw new BrokerError(
        'DEAD_LETTER_NOT_FOUND',
        `Group "${group}" has no dead letter with id ${messageId}: it was never dead-lettered for this group, or it was purged or removed by retention`,
        { group, messageId },
      );
    }
    const origin = originOf(letter);
    this.host.catalog.getTopic(origin.topic);
    const record = { group, offset: letter.queueOffset, messageId, at: Date.now(), ...(key !== undefined ? { key } : {}) };
    this.book.begin(record);
    try {
      await this.host.store.put([retryCopyInput(this.host.store, letter, group, key !== undefined ? { resendKey: key } : {})]);
    } catch (e) {
      this.book.abort(record);
      throw e;
    }
    this.book.done(record);
    this.host.trace({ messageId, step: 'RESENT', group, topic: origin.topic, detail: `dead letter resent to group ${group} by ${opts.by}` });
    return { resent: true };
  }

  // ---- consume verification ----

  /**
   * Delivers a stored message once more to one group, through its normal delivery to its live consumers,
   * without moving its offsets or touching other groups. The outcome: ACKED, FAILED (nacked or forwarded to
   * the DLQ: no retry, no dead letter) or TIMED_OUT (its invisible time ran out: no redelivery).
   */
  async verifyConsumption(messageId: string, group: string, by: string): Promise<{ verificationId: string }> {
    this.host.catalog.getGroup(group);
    const copies = this.copies(messageId);
    const source = copies.find(isUserRecord) ?? copies.find((m) => m.topic.startsWith(DLQ_PREFIX));
    if (!source) {
      throw new BrokerError('MESSAGE_NOT_FOUND', `No message with id ${messageId} is stored in a topic (a scheduled or uncommitted one cannot be verified yet)`, { messageId });
    }
    const { topic } = originOf(source);
    this.host.catalog.getTopic(topic);
    if (!this.subscribers(topic).includes(group)) {
      throw new BrokerError(
        'GROUP_NOT_SUBSCRIBED',
        `Consumer group "${group}" does not subscribe to topic "${topic}": none of its consumers has received from it, so the message would never be delivered. Start a consumer of "${group}" subscribed to "${topic}" first.`,
        { group, topic },
      );
    }
    const sub = this.subscriptions.get(group, topic);
    if (sub && !accepts(sub, source)) {
      throw new BrokerError(
        'GROUP_NOT_SUBSCRIBED',
        `Consumer group "${group}" subscribes to topic "${topic}" with ${describeSubscription(sub)}, which filters this message out: its consumers would never see it`,
        { group, topic, filterExpression: describeSubscription(sub) },
      );
    }
    const id = randomUUID();
    // Known before the copy is stored (a consumer may get it at once), written once it is.
    this.verifications.add({ id, messageId, group, topic, by, requestedAt: Date.now() });
    try {
      await this.host.store.put([retryCopyInput(this.host.store, source, group, { verificationId: id })]);
    } catch (e) {
      this.verifications.discard(id);
      throw e;
    }
    this.verifications.persist();
    return { verificationId: id };
  }

  verification(id: string): VerificationView | undefined {
    const v = this.verifications.get(id);
    if (!v) return undefined;
    if (v.state === 'PENDING') {
      // Settled in place if its copy's invisible time ran out with no receive of the group to notice.
      const copy = this.copies(v.messageId).find((m) => m.properties[SystemProperty.VERIFICATION_ID] === id);
      if (copy) this.host.pop().settleExpiredVerification(v.group, copy);
    }
    return {
      state: v.state,
      messageId: v.messageId,
      group: v.group,
      ...(v.at !== undefined ? { at: v.at } : {}),
      ...(v.clientId !== undefined ? { clientId: v.clientId } : {}),
    };
  }

  /** The pop service handed a verification's copy to a client. */
  verificationDelivered(id: string, clientId: string | undefined): void {
    this.verifications.delivered(id, clientId);
  }

  /** The pop service saw a verification's outcome. */
  settleVerification(id: string, outcome: VerificationOutcome): void {
    const v = this.verifications.settle(id, outcome);
    if (!v) return;
    this.host.trace({
      messageId: v.messageId,
      step: 'VERIFIED',
      group: v.group,
      topic: v.topic,
      outcome,
      ...(v.clientId !== undefined ? { clientId: v.clientId } : {}),
      detail: `consume verification ${id} by ${v.by}: ${outcome}`,
    });
  }

  // ---- lifecycle ----

  /** A topic was deleted: drops the groups' remembered subscriptions and retry-topic copies for it. */
  async forgetTopic(topic: string): Promise<void> {
    this.subscriptions.forget({ topic });
    for (const g of this.host.catalog.listGroups()) {
      const retryTopic = groupRetryTopicOf(g.name, topic);
      if (this.host.store.maxOffset(retryTopic, 0) > 0) await this.host.store.deleteTopicData(retryTopic);
    }
  }

  /** A group was deleted: drops its remembered subscriptions (a group re-created under the name starts after its copies). */
  forgetGroup(group: string): void {
    this.subscriptions.forget({ group });
  }

  close(): void {
    this.book.close();
  }
}
