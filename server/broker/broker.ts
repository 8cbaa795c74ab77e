import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Catalog, type GroupInput, type GroupPatch, type ListFilter, type TopicInput, type TopicPatch } from './catalog.ts';
import { OffsetStore } from './consume/offset-store.ts';
import { PopService, type ReceivedMessage, type ReceiveRequest } from './consume/pop-service.ts';
import { PopStateStore } from './consume/pop-state.ts';
import { TimerService } from './timer/timer-service.ts';
import { TraceRecorder, type TraceEvent } from './trace/recorder.ts';
import { TxnProperty, TxnService, type Resolution, type TxnState } from './txn/txn-service.ts';
import { ReceiptHandles } from './consume/receipt-handle.ts';
import { BrokerError } from './errors.ts';
import { writeFileAtomic } from './json-file.ts';
import { tagFilter } from './filter/tag.ts';
import { acquireLock } from './lock.ts';
import { hasControlChars } from './names.ts';
import type { Group, MessageType, Namespace, Topic } from './model.ts';
import { hashKey } from './store/index-file.ts';
import { createMessageId } from './store/message-id.ts';
import {
  MessageStore,
  type FlushMode,
  type GetResult,
  type PutResult,
  type QueueStats,
  type StoreInput,
  type StoredMessage,
} from './store/message-store.ts';

export interface BrokerOptions {
  dataDir: string;
  flush?: FlushMode;
  /** Commit-log segment size in bytes (default 1 GiB). */
  segmentSize?: number;
  /** Largest accepted body in bytes (default 4 MiB). */
  maxMessageSize?: number;
  /** Commit-log segments older than this are deleted (default 72). */
  retentionHours?: number;
  retentionCheckIntervalMs?: number;
  cqEntriesPerFile?: number;
  indexSlots?: number;
  indexEntries?: number;
  checkpointIntervalMs?: number;
  /** Furthest ahead a scheduled message may be due (default 40 days). */
  maxDelayMs?: number;
  /** Transaction check-back cadence (RocketMQ: first after 6 s, then every 30 s, 15 times, then rollback). */
  txnFirstCheckMs?: number;
  txnCheckIntervalMs?: number;
  txnMaxChecks?: number;
}

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
} as const;

export interface PutMessage {
  topic: string;
  body: Buffer | Uint8Array | string;
  tag?: string;
  keys?: readonly string[];
  properties?: Readonly<Record<string, string>>;
  /** Kept when given (the client's id), generated otherwise. */
  messageId?: string;
  /** FIFO message group / sharding key: picks the queue by hash, so one group stays in one queue. */
  messageGroup?: string;
  queueId?: number;
  /** When given, checked against the topic's message type. */
  messageType?: MessageType;
  bornTimestamp?: number;
  bornHost?: string;
  traceContext?: string;
  /** Delivery time (ms since epoch) for DELAY topics: the message becomes visible then, to the second. */
  deliverAt?: number;
  /** TRANSACTION messages: how old the half message must be before the first check-back. */
  transactionCheckAfterMs?: number;
}

/**
 * A put's result; scheduled messages also get a handle to recall them before they fire, transactional ones
 * the id to end their transaction with.
 */
export type BrokerPutResult = PutResult & { recallHandle?: string; transactionId?: string };

/** Asks a live producer to resolve a transaction (set by the gRPC endpoint); false when none is connected. */
export type CheckBackHandler = (half: StoredMessage, realTopic: string, transactionId: string) => boolean;

export interface TopicStats {
  topic: string;
  queues: QueueStats[];
  messageCount: number;
  bytes: number;
  minStoreTimestamp: number | null;
  maxStoreTimestamp: number | null;
}

export interface GroupQueueLag {
  queueId: number;
  brokerOffset: number;
  consumerOffset: number;
  lag: number;
}

export interface GroupStats {
  group: string;
  topics: { topic: string; queues: GroupQueueLag[]; lag: number }[];
  lag: number;
}

export type ResetTarget = { timestamp: number } | { position: 'earliest' | 'latest' };

export interface ResetResult {
  queues: { queueId: number; from: number; to: number }[];
  /** Messages the group will consume again (positive) or skip (negative). */
  delta: number;
}

export interface TimeQueryCursor {
  queueId: number;
  offset: number;
}

const MAX_PROPERTIES = 128;
const MAX_PROPERTIES_BYTES = 16 * 1024;
const HOST = os.hostname();

const DEFAULTS = {
  flush: 'async' as FlushMode,
  segmentSize: 1024 * 1024 * 1024,
  maxMessageSize: 4 * 1024 * 1024,
  retentionHours: 72,
  retentionCheckIntervalMs: 60_000,
  cqEntriesPerFile: 300_000,
  indexSlots: 500_000,
  indexEntries: 1_000_000,
  checkpointIntervalMs: 1000,
  maxDelayMs: 40 * 24 * 3_600_000,
  txnFirstCheckMs: 6_000,
  txnCheckIntervalMs: 30_000,
  txnMaxChecks: 15,
};

function invalid(field: string, message: string): BrokerError {
  return new BrokerError('INVALID_ARGUMENT', message, { field });
}


/**
 * The embedded broker engine: metadata (namespaces, topics, groups), the message store, consumer offsets.
 * Everything lives in `dataDir`; one process at a time may open it.
 */
export class Broker {
  readonly catalog: Catalog;
  readonly offsets: OffsetStore;
  readonly pop: PopService;
  readonly timer: TimerService;
  readonly txn: TxnService;
  readonly trace: TraceRecorder;
  private checkBackHandler: CheckBackHandler | undefined;
  private readonly popState: PopStateStore;
  private readonly roundRobin = new Map<string, number>();
  private readonly retentionTimer: NodeJS.Timeout;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly options: Required<BrokerOptions>,
    readonly store: MessageStore,
    private readonly releaseLock: () => void,
    readonly recovery: { replayed: number; truncatedBytes: number; ms: number },
  ) {
    const meta = path.join(options.dataDir, 'metadata');
    this.catalog = new Catalog(meta);
    this.offsets = new OffsetStore(meta, options.checkpointIntervalMs);
    this.trace = new TraceRecorder(store);
    const trace = (e: Omit<TraceEvent, 'at'>) => this.trace.record(e);
    this.popState = new PopStateStore(path.join(meta, 'pop'));
    this.pop = new PopService(
      {
        store,
        getGroup: (name) => this.catalog.getGroup(name),
        readQueueCount: (topic) => this.readableTopic(topic).readQueueNums,
        startOffset: (group, topic, q) => this.consumerOffset(group, topic, q),
        commitProgress: (group, topic, q, offset) => this.offsets.set(group, topic, q, offset),
        moveToDeadLetter: (m, group, attempts, reason) => this.moveToDeadLetter(m, group, attempts, reason),
        trace,
      },
      this.popState,
      new ReceiptHandles(loadSecret(meta)),
    );
    this.timer = new TimerService({ store, firedInput: (m, realTopic) => this.copyToTopic(m, realTopic), trace }, path.join(options.dataDir, 'timer'));
    this.txn = new TxnService(
      {
        store,
        committedInput: (m, realTopic) => this.copyToTopic(m, realTopic),
        checkBack: (half, transactionId) => {
          const realTopic = half.properties[TxnProperty.REAL_TOPIC];
          return !!realTopic && (this.checkBackHandler?.(half, realTopic, transactionId) ?? false);
        },
        trace,
      },
      path.join(options.dataDir, 'txn'),
      { firstCheckMs: options.txnFirstCheckMs, checkIntervalMs: options.txnCheckIntervalMs, maxChecks: options.txnMaxChecks },
    );
    this.timer.start();
    this.retentionTimer = setInterval(() => void this.runRetention(), options.retentionCheckIntervalMs).unref();
  }

  /** How transaction check-backs reach producers (the gRPC endpoint's telemetry streams). */
  setCheckBackHandler(handler: CheckBackHandler | undefined): void {
    this.checkBackHandler = handler;
  }

  /**
   * A message held under an internal topic (scheduled, or a transaction's half) as it is finally stored in
   * its real topic (undefined if that topic was deleted meanwhile).
   */
  private copyToTopic(m: StoredMessage, realTopic: string): StoreInput | undefined {
    const topic = this.catalog.topics.get(realTopic);
    if (!topic) return undefined;
    return {
      topic: topic.name,
      generation: this.store.topicGeneration(topic.name),
      queueId: this.selectQueue(topic, {}),
      messageId: m.messageId,
      body: m.body,
      tag: m.tag,
      keys: m.keys,
      properties: m.properties,
      bornTimestamp: m.bornTimestamp,
      bornHost: m.bornHost,
      sysFlag: 0,
      reconsumeTimes: 0,
    };
  }

  static async open(options: BrokerOptions): Promise<Broker> {
    const opts: Required<BrokerOptions> = { ...DEFAULTS, ...stripUndefined(options), dataDir: options.dataDir };
    if (opts.maxMessageSize + 64 * 1024 > opts.segmentSize) {
      throw invalid('segmentSize', `segmentSize (${opts.segmentSize}) must exceed maxMessageSize (${opts.maxMessageSize}) by at least 64 KiB`);
    }
    fs.mkdirSync(opts.dataDir, { recursive: true });
    const release = acquireLock(opts.dataDir);
    try {
      const { store, recovery } = MessageStore.open({
        dir: path.join(opts.dataDir, 'store'),
        flush: opts.flush,
        segmentSize: opts.segmentSize,
        cqEntriesPerFile: opts.cqEntriesPerFile,
        indexSlots: opts.indexSlots,
        indexEntries: opts.indexEntries,
        checkpointIntervalMs: opts.checkpointIntervalMs,
      });
      return new Broker(opts, store, release, recovery);
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Flushes and closes everything; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.retentionTimer);
      this.txn.close();
      await this.timer.close();
      this.pop.wakeAll();
      await this.trace.close();
      await this.store.close();
      this.popState.close();
      this.offsets.close();
      this.releaseLock();
    })();
    return this.closing;
  }

  // ---- namespaces ----

  createNamespace(name: string, description?: string): Namespace {
    return this.catalog.createNamespace(name, description);
  }
  deleteNamespace(name: string): void {
    this.catalog.deleteNamespace(name);
  }
  listNamespaces(): Namespace[] {
    return this.catalog.namespaces.list();
  }

  // ---- topics ----

  createTopic(input: TopicInput): Topic {
    return this.catalog.createTopic(input);
  }
  updateTopic(name: string, patch: TopicPatch): Topic {
    return this.catalog.updateTopic(name, patch);
  }
  getTopic(name: string): Topic {
    return this.catalog.getTopic(name);
  }
  listTopics(filter?: ListFilter): Topic[] {
    return this.catalog.listTopics(filter);
  }
  async deleteTopic(name: string): Promise<void> {
    this.catalog.deleteTopic(name);
    this.offsets.dropTopic(name);
    this.pop.forget({ topic: name });
    this.roundRobin.delete(name);
    await this.store.deleteTopicData(name);
  }

  // ---- groups ----

  createGroup(input: GroupInput): Group {
    return this.catalog.createGroup(input, this.store.commitLogMaxOffset);
  }
  updateGroup(name: string, patch: GroupPatch): Group {
    return this.catalog.updateGroup(name, patch);
  }
  getGroup(name: string): Group {
    return this.catalog.getGroup(name);
  }
  listGroups(filter?: ListFilter): Group[] {
    return this.catalog.listGroups(filter);
  }
  deleteGroup(name: string): void {
    this.catalog.deleteGroup(name);
    this.offsets.dropGroup(name);
    this.pop.forget({ group: name });
  }

  // ---- produce ----

  async put(message: PutMessage): Promise<BrokerPutResult> {
    const [result] = await this.putBatch([message]);
    return result!;
  }

  /**
   * Stores messages (of any topics) in one group commit; all are validated before any is written. Messages
   * with a future delivery time go to the timer instead and come back with a recall handle.
   */
  async putBatch(messages: readonly PutMessage[]): Promise<BrokerPutResult[]> {
    const inputs = messages.map((m) => this.prepare(m));
    const now = Date.now();
    const scheduled = messages.map((m) => (m.deliverAt !== undefined && m.deliverAt > now ? m.deliverAt : undefined));
    // A message is transactional when it says so or, saying nothing, goes to a TRANSACTION topic.
    const transactional = inputs.map((input) => input.properties[SystemProperty.MESSAGE_TYPE] === 'TRANSACTION');
    const held = (i: number) => scheduled[i] !== undefined || transactional[i];
    const immediate = inputs.filter((_, i) => !held(i));
    const stored = immediate.length > 0 ? await this.store.put(immediate) : [];
    let next = 0;
    const results = await Promise.all(
      inputs.map((input, i) => {
        if (transactional[i]) return this.txn.prepare(input, messages[i]!.transactionCheckAfterMs);
        return scheduled[i] === undefined ? stored[next++]! : this.timer.schedule(input, scheduled[i]!);
      }),
    );
    results.forEach((r, i) => {
      const step = transactional[i] ? 'HALF' : scheduled[i] !== undefined ? 'SCHEDULED' : 'STORED';
      this.trace.record({
        messageId: r.messageId,
        step,
        topic: inputs[i]!.topic,
        ...(step === 'STORED' ? { queueId: r.queueId, offset: r.queueOffset } : {}),
        ...(step === 'SCHEDULED' ? { detail: `due ${new Date(scheduled[i]!).toISOString()}` } : {}),
      });
    });
    return results;
  }

  /** Ends a transaction: COMMIT makes the half message visible, ROLLBACK discards it. */
  endTransaction(transactionId: string, messageId: string, resolution: Resolution): Promise<TxnState> {
    return this.txn.end(transactionId, messageId, resolution);
  }

  /** Cancels a scheduled message that has not fired yet. */
  recall(recallHandle: string): string {
    return this.timer.recall(recallHandle);
  }

  private prepare(m: PutMessage): StoreInput {
    const topic = this.catalog.getTopic(m.topic);
    if (topic.perm === 'READ' || topic.perm === 'NONE') {
      throw new BrokerError('PERMISSION_DENIED', `Topic "${topic.name}" does not accept writes (permission ${topic.perm})`);
    }
    if (m.messageType && m.messageType !== topic.messageType) {
      throw new BrokerError(
        'MESSAGE_TYPE_MISMATCH',
        `Topic "${topic.name}" is a ${topic.messageType} topic and does not accept ${m.messageType} messages`,
        { topicType: topic.messageType, messageType: m.messageType },
      );
    }
    // A copy: the write happens a moment later, and the caller may reuse its buffer meanwhile.
    const body = Buffer.from(m.body);
    if (body.length === 0) throw new BrokerError('MESSAGE_BODY_EMPTY', 'Message body is empty');
    if (body.length > this.options.maxMessageSize) {
      throw new BrokerError(
        'MESSAGE_TOO_LARGE',
        `Message body is ${body.length} bytes; the limit is ${this.options.maxMessageSize} bytes`,
        { size: body.length, limit: this.options.maxMessageSize },
      );
    }
    const tag = m.tag ?? '';
    if (tag.includes('|') || hasControlChars(tag) || (m.tag !== undefined && tag.trim() === '')) {
      throw invalid('tag', `Tag "${tag}" is invalid: it must be non-blank, without '|' or control characters`);
    }
    const keys = m.keys ?? [];
    for (const k of keys) if (!k.trim() || hasControlChars(k)) throw invalid('keys', `Message key "${k}" is invalid`);
    const properties: Record<string, string> = { ...m.properties };
    const entries = Object.entries(properties);
    if (entries.length > MAX_PROPERTIES) throw invalid('properties', `A message may carry at most ${MAX_PROPERTIES} properties`);
    let propBytes = Buffer.byteLength(tag) + keys.reduce((n, k) => n + Buffer.byteLength(k), 0);
    for (const [k, v] of entries) {
      if (!k || k.startsWith('__') || hasControlChars(k)) throw invalid('properties', `Property key "${k}" is reserved or invalid`);
      propBytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    }
    if (propBytes > MAX_PROPERTIES_BYTES) throw invalid('properties', `Properties, tag and keys exceed ${MAX_PROPERTIES_BYTES} bytes`);
    if (m.deliverAt !== undefined) {
      if (!Number.isFinite(m.deliverAt)) throw invalid('deliverAt', 'Delivery time must be a timestamp');
      if (m.deliverAt - Date.now() > this.options.maxDelayMs) {
        throw invalid('deliverAt', `Delivery time ${new Date(m.deliverAt).toISOString()} is more than ${Math.round(this.options.maxDelayMs / 86_400_000)} days ahead, the limit of this instance`);
      }
      if (topic.messageType !== 'DELAY') {
        throw new BrokerError('MESSAGE_TYPE_MISMATCH', `Topic "${topic.name}" is a ${topic.messageType} topic; only DELAY topics accept a delivery time`);
      }
    }
    if (m.messageGroup !== undefined) properties[SystemProperty.MESSAGE_GROUP] = m.messageGroup;
    if (m.traceContext) properties[SystemProperty.TRACE_CONTEXT] = m.traceContext;
    properties[SystemProperty.MESSAGE_TYPE] = m.messageType ?? topic.messageType;
    const messageId = m.messageId ?? createMessageId();
    if (Buffer.byteLength(messageId) > 128 || !messageId.trim()) throw invalid('messageId', 'Message id must be 1-128 bytes');
    const bornHost = m.bornHost ?? HOST;
    if (Buffer.byteLength(bornHost) > 255) throw invalid('bornHost', 'Born host must be at most 255 bytes');
    return {
      topic: topic.name,
      generation: this.store.topicGeneration(topic.name),
      queueId: this.selectQueue(topic, m),
      messageId,
      body,
      tag,
      keys,
      properties,
      bornTimestamp: m.bornTimestamp ?? Date.now(),
      bornHost,
      sysFlag: 0,
      reconsumeTimes: 0,
    };
  }

  private selectQueue(topic: Topic, m: Pick<PutMessage, 'queueId' | 'messageGroup'>): number {
    if (m.queueId !== undefined) {
      if (!Number.isInteger(m.queueId) || m.queueId < 0 || m.queueId >= topic.writeQueueNums) {
        throw new BrokerError('QUEUE_NOT_FOUND', `Topic "${topic.name}" has no writable queue ${m.queueId} (0-${topic.writeQueueNums - 1})`);
      }
      return m.queueId;
    }
    if (m.messageGroup) return hashKey(m.messageGroup) % topic.writeQueueNums;
    const next = this.roundRobin.get(topic.name) ?? 0;
    this.roundRobin.set(topic.name, next + 1);
    return next % topic.writeQueueNums;
  }

  // ---- read ----

  /** The topic, if it allows reads. */
  readableTopic(name: string): Topic {
    const topic = this.catalog.getTopic(name);
    if (topic.perm === 'WRITE' || topic.perm === 'NONE') {
      throw new BrokerError('PERMISSION_DENIED', `Topic "${topic.name}" does not allow reads (permission ${topic.perm})`);
    }
    return topic;
  }

  /** Reads a batch by logical offset; `tags` filters by hash, then exactly. */
  getMessages(topic: string, queueId: number, offset: number, maxCount: number, tags?: readonly string[]): GetResult {
    this.readableTopic(topic);
    return this.store.getMessages(topic, queueId, offset, Math.max(1, Math.min(maxCount, 1024)), tagFilter(tags));
  }

  minOffset(topic: string, queueId: number): number {
    return this.store.minOffset(topic, queueId);
  }
  maxOffset(topic: string, queueId: number): number {
    return this.store.maxOffset(topic, queueId);
  }

  getMessageById(messageId: string): StoredMessage {
    const m = this.store.lookupById(messageId);
    if (!m) throw new BrokerError('MESSAGE_NOT_FOUND', `No stored message has id ${messageId}`, { messageId });
    return m;
  }

  queryByKey(topic: string, key: string, opts: { beginMs?: number; endMs?: number; limit?: number } = {}): StoredMessage[] {
    this.catalog.getTopic(topic);
    return this.store.lookupByKey(topic, key, opts.beginMs ?? 0, opts.endMs ?? Number.MAX_SAFE_INTEGER, Math.min(opts.limit ?? 32, 1000));
  }

  /** Messages of a topic stored within [beginMs, endMs], queue by queue; pass `nextCursor` back for the next page. */
  queryByTime(
    topic: string,
    beginMs: number,
    endMs: number,
    opts: { limit?: number; cursor?: TimeQueryCursor } = {},
  ): { messages: StoredMessage[]; nextCursor?: TimeQueryCursor } {
    const t = this.catalog.getTopic(topic);
    const limit = Math.max(1, Math.min(opts.limit ?? 32, 1000));
    const messages: StoredMessage[] = [];
    for (let q = opts.cursor?.queueId ?? 0; q < t.readQueueNums; q++) {
      let offset = opts.cursor?.queueId === q ? opts.cursor.offset : this.store.searchOffsetByTime(topic, q, beginMs);
      for (;;) {
        const res = this.store.getMessages(topic, q, offset, Math.min(limit - messages.length, 256));
        if (res.status === 'OFFSET_TOO_SMALL') {
          offset = res.nextOffset;
          continue;
        }
        let done = res.messages.length === 0;
        for (const msg of res.messages) {
          if (msg.storeTimestamp > endMs) {
            done = true;
            break;
          }
          messages.push(msg);
          offset = msg.queueOffset + 1;
          if (messages.length === limit) return { messages, nextCursor: { queueId: q, offset } };
        }
        if (done) break;
      }
    }
    return { messages };
  }

  // ---- consumer offsets ----

  /** The next offset the group consumes on a queue: its committed offset, else where the group started. */
  consumerOffset(group: string, topic: string, queueId: number): number {
    const committed = this.offsets.get(group, topic, queueId);
    const min = this.store.minOffset(topic, queueId);
    if (committed !== undefined) return Math.max(committed, min);
    const g = this.catalog.getGroup(group);
    return this.store.searchOffsetByPhysical(topic, queueId, g.startPhysicalOffset);
  }

  commitOffset(group: string, topic: string, queueId: number, offset: number): void {
    this.catalog.getGroup(group);
    const t = this.catalog.getTopic(topic);
    if (!Number.isInteger(queueId) || queueId < 0 || queueId >= Math.max(t.readQueueNums, t.writeQueueNums)) {
      throw new BrokerError('QUEUE_NOT_FOUND', `Topic "${topic}" has no queue ${queueId}`);
    }
    const max = this.store.maxOffset(topic, queueId);
    if (!Number.isInteger(offset) || offset < 0 || offset > max) {
      throw invalid('offset', `Offset ${offset} is outside 0-${max} for ${topic}/${queueId}`);
    }
    this.offsets.set(group, topic, queueId, offset);
  }

  /** Moves a group's offsets on every queue of a topic (replay or skip); `dryRun` only previews. */
  resetOffset(group: string, topic: string, target: ResetTarget, dryRun = false): ResetResult {
    this.catalog.getGroup(group);
    const t = this.catalog.getTopic(topic);
    if ('timestamp' in target ? !Number.isFinite(target.timestamp) : target.position !== 'earliest' && target.position !== 'latest') {
      throw invalid('target', 'Reset target must be a finite timestamp, "earliest" or "latest"');
    }
    const queues: ResetResult['queues'] = [];
    for (let q = 0; q < t.readQueueNums; q++) {
      const from = this.consumerOffset(group, topic, q);
      const to =
        'timestamp' in target
          ? this.store.searchOffsetByTime(topic, q, target.timestamp)
          : target.position === 'earliest'
            ? this.store.minOffset(topic, q)
            : this.store.maxOffset(topic, q);
      queues.push({ queueId: q, from, to });
      if (!dryRun) {
        this.offsets.set(group, topic, q, to);
        this.pop.reset(group, topic, q, to);
      }
    }
    return { queues, delta: queues.reduce((n, x) => n + (x.from - x.to), 0) };
  }

  // ---- pop consumption (the message model) ----

  /** Hands out up to `maxMessages` messages, invisible to the group's other consumers until acked or expired. */
  receive(req: ReceiveRequest): Promise<ReceivedMessage[]> {
    this.catalog.getGroup(req.group);
    this.readableTopic(req.topic);
    return this.pop.receive(req);
  }

  ack(group: string, topic: string, receiptHandle: string): void {
    this.pop.ack(group, topic, receiptHandle);
  }

  changeInvisibleDuration(group: string, topic: string, receiptHandle: string, invisibleMs: number): { receiptHandle: string; visibleAt: number } {
    return this.pop.changeInvisibleDuration(group, topic, receiptHandle, invisibleMs);
  }

  /** Extends a delivery's invisible time, keeping its handle valid (auto-renewal for push consumers). */
  renewInvisibleDuration(group: string, topic: string, receiptHandle: string, invisibleMs: number): number {
    return this.pop.renew(group, topic, receiptHandle, invisibleMs);
  }

  forwardToDeadLetter(group: string, topic: string, receiptHandle: string, reason: string): Promise<void> {
    return this.pop.forwardToDeadLetter(group, topic, receiptHandle, reason);
  }

  /** Stores a copy of the message in the group's dead-letter topic `%DLQ%<group>`. */
  private async moveToDeadLetter(m: StoredMessage, group: string, attempts: number, reason: string): Promise<void> {
    const dlq = this.catalog.systemTopicFor('dlq', group);
    this.trace.record({ messageId: m.messageId, step: 'DEAD_LETTERED', group, topic: dlq.name, attempt: attempts, detail: reason });
    await this.store.put([
      {
        topic: dlq.name,
        generation: this.store.topicGeneration(dlq.name),
        queueId: 0,
        messageId: m.messageId,
        body: m.body,
        tag: m.tag,
        keys: m.keys,
        properties: {
          ...m.properties,
          [SystemProperty.ORIGIN_TOPIC]: m.topic,
          [SystemProperty.ORIGIN_QUEUE_ID]: String(m.queueId),
          [SystemProperty.ORIGIN_QUEUE_OFFSET]: String(m.queueOffset),
          [SystemProperty.DLQ_REASON]: reason,
        },
        bornTimestamp: m.bornTimestamp,
        bornHost: m.bornHost,
        sysFlag: 0,
        reconsumeTimes: attempts,
      },
    ]);
  }

  // ---- stats ----

  topicStats(topic: string): TopicStats {
    const t = this.catalog.getTopic(topic);
    const queues: QueueStats[] = [];
    for (let q = 0; q < Math.max(t.readQueueNums, t.writeQueueNums); q++) queues.push(this.store.queueStats(topic, q));
    const times = (pick: (s: QueueStats) => number | null) => queues.map(pick).filter((x): x is number => x !== null);
    const mins = times((s) => s.minStoreTimestamp);
    const maxs = times((s) => s.maxStoreTimestamp);
    return {
      topic,
      queues,
      messageCount: queues.reduce((n, s) => n + s.messageCount, 0),
      bytes: queues.reduce((n, s) => n + s.bytes, 0),
      minStoreTimestamp: mins.length ? Math.min(...mins) : null,
      maxStoreTimestamp: maxs.length ? Math.max(...maxs) : null,
    };
  }

  /** Lag per topic and queue for a group; topics default to those it has offsets on. */
  groupStats(group: string, topics?: readonly string[]): GroupStats {
    this.catalog.getGroup(group);
    const names = [...new Set([...(topics ?? []), ...this.offsets.topicsOf(group)])].filter((t) => this.catalog.topics.has(t));
    const out: GroupStats['topics'] = names.map((topic) => {
      const t = this.catalog.getTopic(topic);
      const queues: GroupQueueLag[] = [];
      for (let q = 0; q < t.readQueueNums; q++) {
        const brokerOffset = this.store.maxOffset(topic, q);
        const consumerOffset = this.consumerOffset(group, topic, q);
        queues.push({ queueId: q, brokerOffset, consumerOffset, lag: Math.max(0, brokerOffset - consumerOffset) });
      }
      return { topic, queues, lag: queues.reduce((n, x) => n + x.lag, 0) };
    });
    return { group, topics: out, lag: out.reduce((n, x) => n + x.lag, 0) };
  }

  // ---- retention ----

  /** Deletes commit-log segments older than the retention; returns how many were deleted. */
  runRetention(now = Date.now()): Promise<number> {
    return this.store.deleteExpired(now - this.options.retentionHours * 3_600_000);
  }
}

/** The broker's secret for receipt handles, created once per data directory. */
function loadSecret(metaDir: string): Buffer {
  const file = path.join(metaDir, 'secret');
  fs.mkdirSync(metaDir, { recursive: true });
  if (!fs.existsSync(file)) writeFileAtomic(file, randomBytes(32).toString('hex'));
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export type { FlushMode, GetResult, PutResult, QueueStats, ReceivedMessage, ReceiveRequest, StoredMessage };
