import { BrokerError } from '../errors.ts';
import { retryDelayMs, type Group } from '../model.ts';
import type { MessageStore, ReadFilter, StoredMessage } from '../store/message-store.ts';
import { popKey, splitPopKey, type PopStateStore, type QueuePopState } from './pop-state.ts';
import type { ReceiptHandles } from './receipt-handle.ts';
import type { TraceEvent } from '../trace/recorder.ts';
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
  moveToDeadLetter(message: StoredMessage, group: string, attempts: number, reason: string): Promise<void>;
  trace(e: Omit<TraceEvent, 'at'>): void;
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
  signal?: AbortSignal;
}

export interface ReceivedMessage {
  message: StoredMessage;
  receiptHandle: string;
  /** 1 for the first delivery. */
  deliveryAttempt: number;
  invisibleUntil: number;
}

/** Joins a broadcasting group and a client id into the name its progress is kept under. */
const BROADCAST_SEP = '\u0001';

/** Whether progress kept under `stateGroup` belongs to `group` (itself, or one of its broadcast clients). */
function belongsTo(stateGroup: string, group: string): boolean {
  return stateGroup === group || stateGroup.startsWith(`${group}${BROADCAST_SEP}`);
}

/** Outstanding messages per group queue; past it the queue hands out nothing new until some are acked. */
const MAX_INFLIGHT_PER_QUEUE = 10_000;

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
    host.store.onDispatch((topic) => this.waiters.wake(topic));
  }

  async receive(req: ReceiveRequest): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + Math.max(0, req.waitMs);
    for (;;) {
      const { messages, nextVisibleAt } = this.tryReceive(req);
      const now = Date.now();
      if (messages.length > 0 || now >= deadline || req.signal?.aborted) return messages;
      await this.waiters.wait(req.topic, Math.min(deadline, nextVisibleAt) - now, req.signal);
    }
  }

  /** One pass over the topic's queues: first messages whose invisible time ran out, then new ones. */
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
    const stateGroup = broadcast ? `${req.group}${BROADCAST_SEP}${req.clientId}` : req.group;
    const queueIds = req.queueId !== undefined ? [req.queueId] : Array.from({ length: queueCount }, (_, i) => (first + i) % queueCount);
    for (const queueId of queueIds) {
      if (out.length >= req.maxMessages) break;
      const key = popKey(stateGroup, req.topic, queueId);
      const state =
        this.state.get(key) ??
        this.state.init(key, broadcast ? this.host.store.maxOffset(req.topic, queueId) : this.host.startOffset(req.group, req.topic, queueId));
      this.skipDeleted(req.topic, queueId, key, state);
      this.redeliverExpired(req, group, key, state, now, out);
      // FIFO: a queue hands out nothing new while any of its messages is in flight, so each message group
      // (one group always maps to one queue) is consumed strictly in order, retries keeping their place.
      if (!group.fifo || state.inflight.size === 0) this.deliverNew(req, key, state, now, out);
      this.publishProgress(key, state);
      nextVisibleAt = Math.min(nextVisibleAt, this.earliestVisible.get(key) ?? Number.POSITIVE_INFINITY);
    }
    this.state.commit();
    return { messages: out, nextVisibleAt };
  }

  /** Retention may have deleted messages the group never got to: move past them. */
  private skipDeleted(topic: string, queueId: number, key: string, state: QueuePopState): void {
    const min = this.host.store.minOffset(topic, queueId);
    if (state.cursor < min) this.state.setCursor(key, state, min);
    for (const offset of state.inflight.keys()) {
      if (offset >= min) break;
      this.state.done(key, state, offset);
    }
  }

  private redeliverExpired(req: ReceiveRequest, group: Group, key: string, state: QueuePopState, now: number, out: ReceivedMessage[]): void {
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
      const message = this.host.store.getByOffset(req.topic, splitPopKey(key).queueId, offset);
      if (!message || (req.filter && !req.filter.accept(message))) {
        this.state.done(key, state, offset);
        continue;
      }
      if (f.attempt >= group.maxDeliveryAttempts) {
        this.state.done(key, state, offset);
        void this.host.moveToDeadLetter(message, req.group, f.attempt, `not acknowledged after ${f.attempt} deliveries`);
        continue;
      }
      const next = { attempt: f.attempt + 1, visibleAt: now + req.invisibleMs, seq: this.state.nextSeq() };
      this.host.trace({ messageId: message.messageId, step: 'EXPIRED', group: req.group, attempt: f.attempt });
      this.state.setInflight(key, state, offset, next);
      earliest = Math.min(earliest, next.visibleAt);
      out.push(this.received(req, key, message, next));
    }
    this.earliestVisible.set(key, earliest);
  }

  private deliverNew(req: ReceiveRequest, key: string, state: QueuePopState, now: number, out: ReceivedMessage[]): void {
    const { queueId } = splitPopKey(key);
    while (out.length < req.maxMessages && state.inflight.size < MAX_INFLIGHT_PER_QUEUE) {
      const want = Math.min(req.maxMessages - out.length, MAX_INFLIGHT_PER_QUEUE - state.inflight.size);
      const res = this.host.store.getMessages(req.topic, queueId, state.cursor, want, req.filter);
      if (res.nextOffset !== state.cursor) this.state.setCursor(key, state, res.nextOffset);
      for (const message of res.messages) {
        const f = { attempt: 1, visibleAt: now + req.invisibleMs, seq: this.state.nextSeq() };
        this.state.setInflight(key, state, message.queueOffset, f);
        this.earliestVisible.set(key, Math.min(this.earliestVisible.get(key) ?? Number.POSITIVE_INFINITY, f.visibleAt));
        out.push(this.received(req, key, message, f));
      }
      const progressed = res.status === 'FOUND' || res.status === 'NO_MATCHED_MESSAGE' || res.status === 'OFFSET_TOO_SMALL';
      if (!progressed || state.cursor >= res.maxOffset) break;
    }
  }

  private received(req: ReceiveRequest, key: string, message: StoredMessage, f: { attempt: number; visibleAt: number; seq: number }): ReceivedMessage {
    const { group, queueId } = splitPopKey(key);
    this.deliveredCount++;
    this.host.trace({
      messageId: message.messageId,
      step: 'DELIVERED',
      group: req.group,
      topic: req.topic,
      queueId,
      offset: message.queueOffset,
      attempt: f.attempt,
      ...(req.clientId ? { clientId: req.clientId } : {}),
    });
    return {
      message,
      deliveryAttempt: f.attempt,
      invisibleUntil: f.visibleAt,
      receiptHandle: this.handles.encode({ group, topic: req.topic, queueId, offset: message.queueOffset, seq: f.seq }),
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
    if (!belongsTo(h.group, group) || h.topic !== topic) {
      throw new BrokerError('INVALID_RECEIPT_HANDLE', `The receipt handle belongs to group "${h.group}" and topic "${h.topic}"`);
    }
    const key = popKey(h.group, topic, h.queueId);
    const state = this.state.get(key);
    const f = state?.inflight.get(h.offset);
    if (!state || !f || f.seq !== h.seq) {
      throw new BrokerError(
        'INVALID_RECEIPT_HANDLE',
        'The receipt handle is stale: the message was already acknowledged or delivered again since',
      );
    }
    return { key, state, f, queueId: h.queueId, offset: h.offset, stateGroup: h.group };
  }

  ack(group: string, topic: string, handle: string): void {
    const { key, state, offset, queueId } = this.resolve(group, topic, handle);
    const message = this.host.store.getByOffset(topic, queueId, offset);
    if (message) this.host.trace({ messageId: message.messageId, step: 'ACKED', group, topic });
    this.state.done(key, state, offset);
    this.publishProgress(key, state);
    this.state.commit();
  }

  /**
   * Moves the message's deadline to now + `invisibleMs` and returns its new handle. A zero duration (a
   * negative acknowledgement) is stretched to the group's back-off for the attempt.
   */
  changeInvisibleDuration(group: string, topic: string, handle: string, invisibleMs: number): { receiptHandle: string; visibleAt: number } {
    const { key, state, f, queueId, offset, stateGroup } = this.resolve(group, topic, handle);
    const delay = invisibleMs > 0 ? invisibleMs : retryDelayMs(this.host.getGroup(group).retryPolicy, f.attempt);
    if (invisibleMs === 0) {
      const message = this.host.store.getByOffset(topic, queueId, offset);
      if (message) this.host.trace({ messageId: message.messageId, step: 'NACKED', group, attempt: f.attempt, detail: `retry in ${delay} ms` });
    }
    const next = { attempt: f.attempt, visibleAt: Date.now() + delay, seq: this.state.nextSeq() };
    this.state.setInflight(key, state, offset, next);
    this.earliestVisible.set(key, Math.min(this.earliestVisible.get(key) ?? Number.POSITIVE_INFINITY, next.visibleAt));
    this.state.commit();
    this.waiters.wakeLater(topic, delay);
    return { receiptHandle: this.handles.encode({ group: stateGroup, topic, queueId, offset, seq: next.seq }), visibleAt: next.visibleAt };
  }

  /**
   * Keeps a delivery invisible for another `invisibleMs` without issuing a new handle: the broker renews
   * push consumers' deliveries on their behalf while they are connected, and their handles must stay valid.
   */
  renew(group: string, topic: string, handle: string, invisibleMs: number): number {
    const { key, state, f, offset } = this.resolve(group, topic, handle);
    const next = { ...f, visibleAt: Date.now() + invisibleMs };
    this.state.setInflight(key, state, offset, next);
    this.state.commit();
    return next.visibleAt;
  }

  /** The client gave up on the message (FIFO push consumers): store it in the group's DLQ and finish it. */
  async forwardToDeadLetter(group: string, topic: string, handle: string, reason: string): Promise<void> {
    const { key, state, f, queueId, offset } = this.resolve(group, topic, handle);
    const message = this.host.store.getByOffset(topic, queueId, offset);
    if (message) await this.host.moveToDeadLetter(message, group, f.attempt, reason);
    this.state.done(key, state, offset);
    this.publishProgress(key, state);
    this.state.commit();
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

  /** Forgets a deleted group or topic. */
  forget(match: { group?: string; topic?: string }): void {
    for (const key of [...this.state.queues.keys()]) {
      const k = splitPopKey(key);
      if ((match.group && belongsTo(k.group, match.group)) || (match.topic && k.topic === match.topic)) {
        this.state.drop(key);
        this.earliestVisible.delete(key);
      }
    }
    this.state.commit();
  }

  /** Messages handed out and not yet acknowledged, per group (for the console). */
  inflightCount(group: string, topic?: string): number {
    let n = 0;
    for (const [key, s] of this.state.queues) {
      const k = splitPopKey(key);
      if (belongsTo(k.group, group) && (topic === undefined || k.topic === topic)) n += s.inflight.size;
    }
    return n;
  }

  /** Wakes every long poll so it can answer (at shutdown). */
  wakeAll(): void {
    this.waiters.wakeAll();
  }
}
