import { BrokerError } from '../errors.ts';
import { retryDelayMs, type Group } from '../model.ts';
import { groupRetryTopicOf, parseGroupRetryTopic } from '../names.ts';
import { SystemProperty } from '../properties.ts';
import type { MessageStore, ReadFilter, StoredMessage } from '../store/message-store.ts';
import type { TraceInput } from '../trace/recorder.ts';
import type { Failure } from './dead-letter.ts';
import { belongsTo, broadcastStateGroup, popKey, splitPopKey, type Inflight, type PopStateStore, type QueuePopState } from './pop-state.ts';
import type { ReceiptHandles } from './receipt-handle.ts';
import { asDelivered } from './retry-copy.ts';
import { contextOf } from './trace-context.ts';
import type { Subscription } from './subscriptions.ts';
import type { VerificationOutcome } from './verifications.ts';
import { Waiters } from './waiters.ts';

/** What the pop service needs from the broker around it. */
export interface PopHost {
  readonly store: MessageStore;
  getGroup(name: string): Group;
  readQueueCount(topic: string): number;
  /** Where a group with no progress on a queue starts. */
  startOffset(group: string, topic: string, queueId: number): number;
  /** Records the group's committed offset (for lag and the queue model). */
  commitProgress(group: string, topic: string, queueId: number, offset: number): void;
  moveToDeadLetter(message: StoredMessage, group: string, attempts: number, failure: Failure): Promise<void>;
  trace(e: TraceInput): void;
  /** A consume verification's copy was handed to a client. */
  verificationDelivered(verificationId: string, clientId: string | undefined): void;
  /** A consume verification's copy was acked, nacked or forwarded (FAILED), or its invisible time ran out. */
  settleVerification(verificationId: string, outcome: VerificationOutcome, message?: StoredMessage): void;
  /** Whether a consume verification still waits for its copy's delivery (one past its deadline is skipped). */
  verificationPending(verificationId: string): boolean;
  /** A message was handed to a consumer (`retry`: a redelivery or a retry-topic copy). */
  delivered(group: string, topic: string, bytes: number, retry: boolean): void;
}

export interface ReceiveRequest {
  group: string;
  topic: string;
  maxMessages: number;
  invisibleMs: number;
  /** How long to hold the request open when nothing is deliverable (long polling). */
  waitMs: number;
  /** The consumer client; broadcasting groups keep progress per client. */
  clientId?: string;
  /** Only this queue (FIFO push consumers poll queue by queue); all readable queues when undefined. */
  queueId?: number;
  filter?: ReadFilter;
  /** The subscription `filter` was compiled from, as the consumer sent it (the broker remembers it per group and topic). */
  subscription?: Subscription;
  signal?: AbortSignal;
}

export interface ReceivedMessage {
  message: StoredMessage;
  receiptHandle: string;
  /** 1 for the first delivery. */
  deliveryAttempt: number;
  invisibleUntil: number;
}

/** The user topic of a lane's topic: itself, or the one a group retry topic holds copies for. */
function userTopicOf(laneTopic: string): string {
  return parseGroupRetryTopic(laneTopic)?.topic ?? laneTopic;
}

/** How the last delivery of a message that ran out of attempts failed. */
function lastFailure(f: Inflight, maxAttempts: number): Failure {
  const lastAt = f.nackedAt ?? f.visibleAt;
  const how = f.nackedAt !== undefined ? 'the last one was negatively acknowledged' : "the last one's invisible time ran out";
  return {
    reason: f.nackedAt !== undefined ? 'NACK' : 'INVISIBLE_EXPIRED',
    detail: `not acknowledged after ${f.attempt} of ${maxAttempts} deliveries; ${how}`,
    firstAt: f.firstFailureAt ?? lastAt,
    lastAt,
  };
}

/** Outstanding messages per group queue; past it the queue hands out nothing new until some are acked. */
const MAX_INFLIGHT_PER_QUEUE = 10_000;

/**
 * One queue a receive pops from: a queue of the topic, or (`retry`) the group's retry topic for the topic,
 * whose copies are delivered as messages of the topic and never move the group's offsets on it.
 */
interface Lane {
  key: string;
  /** The group the progress is kept under (a broadcasting client's own, on the topic's queues). */
  stateGroup: string;
  /** Where the lane's messages are read: the topic, or the group retry topic. */
  topic: string;
  queueId: number;
  retry: boolean;
}

/** The consume verification a message read from a lane delivers, if it is one. */
function verificationOf(lane: { retry: boolean }, m: StoredMessage | undefined): string | undefined {
  return lane.retry ? m?.properties[SystemProperty.VERIFICATION_ID] : undefined;
}

/**
 * RocketMQ 5's message model: receive hides messages for an invisible duration behind a receipt handle;
 * ack finishes them; change-invisible-duration moves the deadline and issues a new handle; a message whose
 * deadline passes is delivered again with attempt + 1, and after the group's max attempts goes to its DLQ.
 * A message keeps its queue position while it is retried.
 */
export class PopService {
  private readonly waiters = new Waiters();
  private readonly rotation = new Map<string, number>();
  private readonly earliestVisible = new Map<string, number>();
  /** Deliveries handed out since open (for rates). */
  deliveredCount = 0;

  constructor(
    private readonly host: PopHost,
    private readonly state: PopStateStore,
    private readonly handles: ReceiptHandles,
  ) {
    // A copy stored in a group retry topic wakes the long polls on its user topic.
    host.store.onDispatch((topic) => this.waiters.wake(userTopicOf(topic)));
  }

  async receive(request: ReceiveRequest): Promise<ReceivedMessage[]> {
    const req = request.filter ? { ...request, filter: this.tracedFilter(request, request.filter) } : request;
    const deadline = Date.now() + Math.max(0, req.waitMs);
    for (;;) {
      const { messages, nextVisibleAt } = this.tryReceive(req);
      const now = Date.now();
      if (messages.length > 0 || now >= deadline || req.signal?.aborted) return messages;
      await this.waiters.wait(req.topic, Math.min(deadline, nextVisibleAt) - now, req.signal);
    }
  }

  /**
   * The filter, recording a FILTERED step for each message it turns away once read, when nothing else says
   * why: a receive with its subscription has had it remembered for the group and topic (the filter is
   * compiled from it), and the group's delivery state derives FILTERED from that, so such a receive records
   * nothing per filtered message. A bare filter (an embedded caller's) leaves only the trace to say it.
   */
  private tracedFilter(req: ReceiveRequest, filter: ReadFilter): ReadFilter {
    if (req.subscription) return filter;
    const accept = (m: StoredMessage): boolean => {
      if (filter.accept(m)) return true;
      this.host.trace({
        messageId: m.messageId,
        step: 'FILTERED',
        group: req.group,
        topic: req.topic,
        queueId: m.queueId,
        offset: m.queueOffset,
        detail: "filtered out by the receive's filter",
        ...contextOf(m),
      });
      return false;
    };
    return filter.tagHashes ? { tagHashes: filter.tagHashes, accept } : { accept };
  }

  /**
   * One pass: the group's retry topic for the topic first (operators' resends and verifications come before a
   * backlog), then the topic's queues; in each, first messages whose invisible time ran out, then new ones.
   */
  private tryReceive(req: ReceiveRequest): { messages: ReceivedMessage[]; nextVisibleAt: number } {
    const group = this.host.getGroup(req.group);
    const queueCount = this.host.readQueueCount(req.topic);
    const out: ReceivedMessage[] = [];
    let nextVisibleAt = Number.POSITIVE_INFINITY;
    const rotKey = `${req.group}\u0000${req.topic}`;
    const first = (this.rotation.get(rotKey) ?? 0) % Math.max(queueCount, 1);
    this.rotation.set(rotKey, first + 1);
    const now = Date.now();
    // Broadcasting: every client has its own progress and starts at the end of the queues when first seen.
    const broadcast = group.consumeType === 'BROADCASTING' && !!req.clientId;
    const stateGroup = broadcast ? broadcastStateGroup(req.group, req.clientId!) : req.group;
    // Only a group that ever had a copy injected has a retry topic for the topic: a map lookup otherwise.
    const retryTopic = groupRetryTopicOf(req.group, req.topic);
    if (this.host.store.maxOffset(retryTopic, 0) > 0) {
      const key = popKey(req.group, retryTopic, 0);
      const lane: Lane = { key, stateGroup: req.group, topic: retryTopic, queueId: 0, retry: true };
      // A group re-created under an old name starts after the copies made for its predecessor.
      const state = this.state.get(key) ?? this.state.init(key, this.host.startOffset(req.group, retryTopic, 0));
      nextVisibleAt = this.pass(req, group, lane, state, now, out);
    }
    const queueIds = req.queueId !== undefined ? [req.queueId] : Array.from({ length: queueCount }, (_, i) => (first + i) % queueCount);
    for (const queueId of queueIds) {
      if (out.length >= req.maxMessages) break;
      const key = popKey(stateGroup, req.topic, queueId);
      const state =
        this.state.get(key) ??
        this.state.init(key, broadcast ? this.host.store.maxOffset(req.topic, queueId) : this.host.startOffset(req.group, req.topic, queueId));
      const lane: Lane = { key, stateGroup, topic: req.topic, queueId, retry: false };
      nextVisibleAt = Math.min(nextVisibleAt, this.pass(req, group, lane, state, now, out));
    }
    this.state.commit();
    return { messages: out, nextVisibleAt };
  }

  /** Pops from one lane; returns when its next in-flight message becomes visible again. */
  private pass(req: ReceiveRequest, group: Group, lane: Lane, state: QueuePopState, now: number, out: ReceivedMessage[]): number {
    this.skipDeleted(lane, state);
    this.redeliverExpired(req, group, lane, state, now, out);
    // FIFO: a queue hands out nothing new while any of its messages is in flight, so each message group
    // (one group always maps to one queue) is consumed strictly in order, retries keeping their place.
    if (!group.fifo || state.inflight.size === 0) this.deliverNew(req, lane, state, now, out);
    if (!lane.retry) this.publishProgress(lane.key, state);
    return this.earliestVisible.get(lane.key) ?? Number.POSITIVE_INFINITY;
  }

  /** Retention may have deleted messages the group never got to: move past them. */
  private skipDeleted(lane: Lane, state: QueuePopState): void {
    const min = this.host.store.minOffset(lane.topic, lane.queueId);
    if (state.cursor < min) this.state.setCursor(lane.key, state, min);
    for (const offset of state.inflight.keys()) {
      if (offset >= min) break;
      this.state.done(lane.key, state, offset);
    }
  }

  private redeliverExpired(req: ReceiveRequest, group: Group, lane: Lane, state: QueuePopState, now: number, out: ReceivedMessage[]): void {
    const { key } = lane;
    if (state.inflight.size === 0 || (this.earliestVisible.get(key) ?? 0) > now) return;
    let earliest = Number.POSITIVE_INFINITY;
    let blocked = false;
    for (const [offset, f] of state.inflight) {
      if (blocked || f.visibleAt > now || out.length >= req.maxMessages) {
        earliest = Math.min(earliest, f.visibleAt);
        // FIFO: never hand out a later message ahead of an earlier one still in flight.
        blocked ||= group.fifo;
        continue;
      }
      const message = this.host.store.getByOffset(lane.topic, lane.queueId, offset);
      // Copies in the retry topic were addressed to the group on purpose: its filter does not apply to them.
      if (!message || (!lane.retry && req.filter && !req.filter.accept(message))) {
        this.state.done(key, state, offset);
        continue;
      }
      const verificationId = verificationOf(lane, message);
      if (verificationId !== undefined) {
        // A verification is one delivery: its invisible time running out is its outcome, not a retry.
        this.state.done(key, state, offset);
        this.host.settleVerification(verificationId, 'TIMED_OUT', message);
        continue;
      }
      if (f.attempt >= group.maxDeliveryAttempts) {
        this.state.done(key, state, offset);
        void this.host.moveToDeadLetter(message, req.group, f.attempt, lastFailure(f, group.maxDeliveryAttempts));
        continue;
      }
      const next: Inflight = { attempt: f.attempt + 1, visibleAt: now + req.invisibleMs, seq: this.state.nextSeq(), firstFailureAt: f.firstFailureAt ?? f.visibleAt };
      // A nacked delivery waited out its back-off: that is its retry, not an expiry.
      if (f.nackedAt === undefined) this.host.trace({ messageId: message.messageId, step: 'EXPIRED', group: req.group, attempt: f.attempt, ...contextOf(message) });
      this.state.setInflight(key, state, offset, next);
      earliest = Math.min(earliest, next.visibleAt);
      out.push(this.received(req, lane, message, next));
    }
    this.earliestVisible.set(key, earliest);
  }

  private deliverNew(req: ReceiveRequest, lane: Lane, state: QueuePopState, now: number, out: ReceivedMessage[]): void {
    const { key } = lane;
    const filter = lane.retry ? undefined : req.filter;
    while (out.length < req.maxMessages && state.inflight.size < MAX_INFLIGHT_PER_QUEUE) {
      const want = Math.min(req.maxMessages - out.length, MAX_INFLIGHT_PER_QUEUE - state.inflight.size);
      const res = this.host.store.getMessages(lane.topic, lane.queueId, state.cursor, want, filter);
      if (res.nextOffset !== state.cursor) this.state.setCursor(key, state, res.nextOffset);
      for (const message of res.messages) {
        // A verification past its deadline (TIMED_OUT) was settled undelivered: its copy is skipped.
        if (lane.retry) {
          const verificationId = verificationOf(lane, message);
          if (verificationId !== undefined && !this.host.verificationPending(verificationId)) continue;
        }
        const f = { attempt: 1, visibleAt: now + req.invisibleMs, seq: this.state.nextSeq() };
        this.state.setInflight(key, state, message.queueOffset, f);
        this.earliestVisible.set(key, Math.min(this.earliestVisible.get(key) ?? Number.POSITIVE_INFINITY, f.visibleAt));
        out.push(this.received(req, lane, message, f));
      }
      const progressed = res.status === 'FOUND' || res.status === 'NO_MATCHED_MESSAGE' || res.status === 'OFFSET_TOO_SMALL';
      if (!progressed || state.cursor >= res.maxOffset) break;
    }
  }

  private received(req: ReceiveRequest, lane: Lane, stored: StoredMessage, f: Inflight): ReceivedMessage {
    this.deliveredCount++;
    this.host.delivered(req.group, req.topic, stored.size, lane.retry || f.attempt > 1);
    // A retry-topic copy reaches the consumer as the topic's message, at the original's place.
    const message = lane.retry ? asDelivered(stored) : stored;
    const delivered: TraceInput = {
      messageId: message.messageId,
      step: 'DELIVERED',
      group: req.group,
      topic: req.topic,
      queueId: message.queueId,
      offset: message.queueOffset,
      attempt: f.attempt,
      ...(req.clientId ? { clientId: req.clientId } : {}),
      ...contextOf(stored),
    };
    if (lane.retry) {
      const verificationId = verificationOf(lane, stored);
      delivered.detail = verificationId !== undefined ? `consume verification ${verificationId}` : 'resent to the group';
      if (verificationId !== undefined) this.host.verificationDelivered(verificationId, req.clientId);
    }
    this.host.trace(delivered);
    return {
      message,
      deliveryAttempt: f.attempt,
      invisibleUntil: f.visibleAt,
      receiptHandle: this.handles.encode({ group: lane.stateGroup, topic: lane.topic, queueId: lane.queueId, offset: stored.queueOffset, seq: f.seq }),
    };
  }

  private publishProgress(key: string, state: QueuePopState): void {
    const first = state.inflight.keys().next();
    const committed = first.done ? state.cursor : first.value;
    const { group, topic, queueId } = splitPopKey(key);
    this.host.commitProgress(group, topic, queueId, committed);
  }

  /** Validates a handle against the current delivery of its message; stale or foreign handles are refused. */
  private resolve(group: string, topic: string, handle: string) {
    const h = this.handles.decode(handle);
    // A copy from the group's retry topic is acked under the topic it was delivered as.
    if (!belongsTo(h.group, group) || (h.topic !== topic && h.topic !== groupRetryTopicOf(group, topic))) {
      const handleTopic = parseGroupRetryTopic(h.topic)?.topic ?? h.topic;
      throw new BrokerError('INVALID_RECEIPT_HANDLE', `The receipt handle belongs to group "${h.group}" and topic "${handleTopic}"`);
    }
    const key = popKey(h.group, h.topic, h.queueId);
    const state = this.state.get(key);
    const f = state?.inflight.get(h.offset);
    if (!state || !f || f.seq !== h.seq) {
      throw new BrokerError(
        'INVALID_RECEIPT_HANDLE',
        'The receipt handle is stale: the message was already acknowledged or delivered again since',
      );
    }
    const lane: Lane = { key, stateGroup: h.group, topic: h.topic, queueId: h.queueId, retry: h.topic !== topic };
    return { lane, state, f, offset: h.offset };
  }

  /** Finishes a delivery: it leaves the in-flight set, and the group's offset moves on past it (topic queues). */
  private finish(lane: Lane, state: QueuePopState, offset: number): void {
    this.state.done(lane.key, state, offset);
    if (!lane.retry) this.publishProgress(lane.key, state);
    this.state.commit();
  }

  ack(group: string, topic: string, handle: string): void {
    const { lane, state, offset } = this.resolve(group, topic, handle);
    const message = this.host.store.getByOffset(lane.topic, lane.queueId, offset);
    // A verification's ack is its outcome (VERIFIED), not the group's ack of the message.
    const verificationId = verificationOf(lane, message);
    if (message && verificationId === undefined) this.host.trace({ messageId: message.messageId, step: 'ACKED', group, topic, ...contextOf(message) });
    this.finish(lane, state, offset);
    if (verificationId !== undefined) this.host.settleVerification(verificationId, 'ACKED', message);
  }

  /**
   * Moves the message's deadline to now + `invisibleMs` and returns its new handle. A zero duration (a
   * negative acknowledgement) is stretched to the group's back-off for the attempt; for a consume
   * verification it is the outcome (FAILED), with no retry.
   */
  changeInvisibleDuration(group: string, topic: string, handle: string, invisibleMs: number): { receiptHandle: string; visibleAt: number } {
    const { lane, state, f, offset } = this.resolve(group, topic, handle);
    const now = Date.now();
    const delay = invisibleMs > 0 ? invisibleMs : retryDelayMs(this.host.getGroup(group).retryPolicy, f.attempt);
    const next: Inflight = { attempt: f.attempt, visibleAt: now + delay, seq: this.state.nextSeq() };
    if (f.firstFailureAt !== undefined) next.firstFailureAt = f.firstFailureAt;
    if (invisibleMs === 0) {
      const message = this.host.store.getByOffset(lane.topic, lane.queueId, offset);
      const verificationId = verificationOf(lane, message);
      if (verificationId !== undefined) {
        this.finish(lane, state, offset);
        this.host.settleVerification(verificationId, 'FAILED', message);
        // The handle a client expects back; it is already stale, as the delivery is over.
        return { receiptHandle: this.handles.encode({ group: lane.stateGroup, topic: lane.topic, queueId: lane.queueId, offset, seq: next.seq }), visibleAt: now };
      }
      if (message) this.host.trace({ messageId: message.messageId, step: 'NACKED', group, attempt: f.attempt, detail: `retry in ${delay} ms`, ...contextOf(message) });
      next.firstFailureAt ??= now;
      next.nackedAt = now;
    }
    this.state.setInflight(lane.key, state, offset, next);
    this.earliestVisible.set(lane.key, Math.min(this.earliestVisible.get(lane.key) ?? Number.POSITIVE_INFINITY, next.visibleAt));
    this.state.commit();
    this.waiters.wakeLater(topic, delay);
    return { receiptHandle: this.handles.encode({ group: lane.stateGroup, topic: lane.topic, queueId: lane.queueId, offset, seq: next.seq }), visibleAt: next.visibleAt };
  }

  /**
   * Keeps a delivery invisible for another `invisibleMs` without issuing a new handle: the broker renews
   * push consumers' deliveries on their behalf while they are connected, and their handles must stay valid.
   */
  renew(group: string, topic: string, handle: string, invisibleMs: number): number {
    const { lane, state, f, offset } = this.resolve(group, topic, handle);
    const next = { ...f, visibleAt: Date.now() + invisibleMs };
    this.state.setInflight(lane.key, state, offset, next);
    this.state.commit();
    return next.visibleAt;
  }

  /**
   * The client gave up on the message (FIFO push consumers): store it in the group's DLQ and finish it. A
   * consume verification is finished as FAILED instead; it never reaches the DLQ.
   */
  async forwardToDeadLetter(group: string, topic: string, handle: string, reason: string): Promise<void> {
    const { lane, state, f, offset } = this.resolve(group, topic, handle);
    const message = this.host.store.getByOffset(lane.topic, lane.queueId, offset);
    const verificationId = verificationOf(lane, message);
    if (message && verificationId === undefined) {
      const now = Date.now();
      await this.host.moveToDeadLetter(message, group, f.attempt, { reason: 'CLIENT_FORWARDED', detail: reason, firstAt: f.firstFailureAt ?? now, lastAt: now });
    }
    this.finish(lane, state, offset);
    if (verificationId !== undefined) this.host.settleVerification(verificationId, 'FAILED', message);
  }

  /**
   * A verification's copy (at `offset` in the group's retry topic for `topic`): whether it is in flight, and
   * if its invisible time ran out while no receive of the group came by to notice (its consumer went away),
   * finishes it so it is never redelivered. Returns 'EXPIRED' for such a one, 'IN_FLIGHT' or 'NONE'.
   */
  expireVerificationCopy(group: string, topic: string, offset: number, now = Date.now()): 'EXPIRED' | 'IN_FLIGHT' | 'NONE' {
    const key = popKey(group, groupRetryTopicOf(group, topic), 0);
    const state = this.state.get(key);
    const f = state?.inflight.get(offset);
    if (!state || !f) return 'NONE';
    if (f.visibleAt > now) return 'IN_FLIGHT';
    this.state.done(key, state, offset);
    this.state.commit();
    return 'EXPIRED';
  }

  /** Operator reset: the group restarts the queue at `offset`, forgetting its outstanding deliveries. */
  reset(group: string, topic: string, queueId: number, offset: number): void {
    const key = popKey(group, topic, queueId);
    this.state.drop(key);
    this.earliestVisible.delete(key);
    this.state.init(key, offset);
    this.state.commit();
    this.waiters.wake(topic);
  }

  /** Forgets a deleted group or topic (the group retry topics of either included). */
  forget(match: { group?: string; topic?: string }): void {
    for (const key of [...this.state.queues.keys()]) {
      const k = splitPopKey(key);
      if ((match.group && belongsTo(k.group, match.group)) || (match.topic && userTopicOf(k.topic) === match.topic)) {
        this.state.drop(key);
        this.earliestVisible.delete(key);
      }
    }
    this.state.commit();
  }

  /** Where the group's next delivery on a queue reads; undefined before its first receive there. */
  cursorOf(group: string, topic: string, queueId: number): number | undefined {
    return this.state.get(popKey(group, topic, queueId))?.cursor;
  }

  /** Messages handed out and not yet acknowledged, per group (for the console); retry-topic copies count for their topic. */
  inflightCount(group: string, topic?: string): number {
    let n = 0;
    for (const [key, s] of this.state.queues) {
      const k = splitPopKey(key);
      if (belongsTo(k.group, group) && (topic === undefined || userTopicOf(k.topic) === topic)) n += s.inflight.size;
    }
    return n;
  }

  /** Wakes every long poll so it can answer (at shutdown). */
  wakeAll(): void {
    this.waiters.wakeAll();
  }
}
