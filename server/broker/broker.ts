import fs from 'node:fs';
import path from 'node:path';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { Catalog, type GroupInput, type GroupPatch, type ListFilter, type ProbeGroupInput, type ProbeTopicInput, type TopicInput, type TopicPatch } from './catalog.ts';
import { ConsumerOffsets, type ResetResult, type ResetTarget } from './consume/consumer-offsets.ts';
import { moveToDeadLetter } from './consume/dead-letter.ts';
import type { GroupDelivery } from './consume/delivery-state.ts';
import { GroupDeliveries, type DeadLetterPage, type DeadLetterQuery, type PurgeTarget, type VerificationView } from './consume/group-deliveries.ts';
import { OffsetStore } from './consume/offset-store.ts';
import { PopService, type ReceivedMessage, type ReceiveRequest } from './consume/pop-service.ts';
import { PopStateStore } from './consume/pop-state.ts';
import { newestVisibleCopy } from './consume/retry-copy.ts';
import { Puller, type PullRequest } from './consume/pull.ts';
import { ReceiptHandles } from './consume/receipt-handle.ts';
import { BrokerError } from './errors.ts';
import { compileMatch, type MessageMatch } from './filter/message-match.ts';
import { tagFilter } from './filter/tag.ts';
import { acquireLock } from './lock.ts';
import { BrokerMetrics } from './metrics/broker-metrics.ts';
import { hrTime } from './metrics/producer.ts';
import type { MetricLabels } from './metrics/instruments.ts';
import { Traffic } from './metrics/traffic.ts';
import type { Group, Namespace, Topic } from './model.ts';
import { resolveOptions, type BrokerLimits, type BrokerOptions, type ResolvedOptions } from './options.ts';
import { Producer, type BrokerPutResult } from './produce/producer.ts';
import type { ProducerInfo, PutMessage } from './produce/put-message.ts';
import { QueueSelector } from './produce/queue-selector.ts';
import { homeTopicOf, resendOf } from './produce/resend.ts';
import { loadSecret } from './secret.ts';
import { AccessControl } from './acl/access-control.ts';
import { consumerLag, groupStats, topicStats, type ConsumerLag, type GroupStats, type TopicStats } from './stats.ts';
import { MessageStore, type FlushMode, type GetResult, type StoredMessage } from './store/message-store.ts';
import { browseByTime, messageVolume, type BrowseCursor, type BrowsePage, type BrowseRequest, type VolumeBucket } from './store/time-browse.ts';
import { TIMER_TOPIC, TimerProperty, TimerService, type PendingMinute, type ScheduledState } from './timer/timer-service.ts';
import { openTraceStore, TraceRecorder, type TraceEvent, type TraceInput } from './trace/recorder.ts';
import { parentContextOf, traceContextOf } from './trace/spans.ts';
import { HALF_TOPIC, TxnProperty, TxnService, type HalfMessage, type Resolution, type TxnState } from './txn/txn-service.ts';

/** Asks a live producer to resolve a transaction (set by the gRPC endpoint); false when none is connected. */
export type CheckBackHandler = (half: StoredMessage, realTopic: string, transactionId: string) => boolean;

/** Whether a consumer of a group is connected (set by the gRPC endpoint from its live clients). */
export type LiveConsumerCheck = (group: string) => boolean;

/** The topics each group's connected consumers subscribe to (set by the gRPC endpoint). */
export type SubscriptionSource = () => Map<string, Set<string>>;

export interface RecoveryReport {
  replayed: number;
  truncatedBytes: number;
  ms: number;
}

/** A message found by id, as a user sees it (see Broker.describeMessage). */
export interface FoundMessage {
  message: StoredMessage;
  /** The user's topic, also for a message the timer or a transaction still holds under an internal one. */
  topic: string;
  held?: ({ kind: 'SCHEDULED' } & ScheduledState) | { kind: 'TRANSACTION'; transactionId: string; state: TxnState; checks: number };
}

/** Engine counters since open (the console turns them into rates). */
export interface BrokerCounters {
  /** Messages accepted from producers (not the engine's own records: trace, copies, dead letters). */
  stored: number;
  delivered: number;
  fired: number;
  /** Trace events shed because the trace buffer was full (their traces get a TRACE_SHED marker). */
  traceShed: number;
  /** Trace events lost because their trace-store write failed (their traces get a TRACE_SHED marker). */
  traceWriteDropped: number;
}

/** Most messages one getMessages call reads (bounds the bodies held in memory at once). */
const MAX_GET_MESSAGES = 1024;
/** Most messages one key query returns; the index holds every key, the page bounds memory. */
const MAX_KEY_QUERY = 1000;
const DEFAULT_QUERY_LIMIT = 32;

/**
 * The embedded broker engine: the composition root of metadata (namespaces, topics, groups), the message
 * store, timer, transactions, consumption and trace, and their lifecycle. Everything lives in `dataDir`; one
 * process at a time may open it. Its methods check arguments at this edge and hand over to the parts.
 */
export class Broker {
  private readonly catalog: Catalog;
  private readonly offsetStore: OffsetStore;
  private readonly offsets: ConsumerOffsets;
  private readonly pop: PopService;
  private readonly puller: Puller;
  private readonly timer: TimerService;
  private readonly txn: TxnService;
  private readonly trace: TraceRecorder;
  private readonly producer: Producer;
  private readonly queues = new QueueSelector();
  private readonly popState: PopStateStore;
  private readonly deliveries: GroupDeliveries;
  private readonly retentionTimer: NodeJS.Timeout;
  private readonly traffic: Traffic;
  private readonly metrics: BrokerMetrics;
  /** The labels of this broker's series; front-ends label theirs the same. */
  readonly metricLabels: MetricLabels;
  /** The allow-list, request authentication, ACL 2.0 authorization and rate limits (front-ends enforce them). */
  readonly access: AccessControl;
  private checkBackHandler: CheckBackHandler | undefined;
  private liveConsumerCheck: LiveConsumerCheck | undefined;
  private subscriptionSource: SubscriptionSource | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly store: MessageStore,
    traceStore: MessageStore | undefined,
    private readonly releaseLock: () => void,
    readonly recovery: RecoveryReport,
  ) {
    const meta = path.join(options.dataDir, 'metadata');
    this.catalog = new Catalog(meta);
    this.access = new AccessControl(meta);
    this.metricLabels = { cluster: 'meridian', node_type: 'broker', node_id: path.basename(path.resolve(options.dataDir)), ...options.metrics.labels };
    this.traffic = new Traffic(this.metricLabels, options.metrics.enabled !== false);
    this.offsetStore = new OffsetStore(meta, options.checkpointIntervalMs);
    this.offsets = new ConsumerOffsets(this.catalog, store, this.offsetStore, () => this.pop);
    this.trace = new TraceRecorder({
      traceStore,
      store,
      retentionMs: options.traceRetentionHours * 3_600_000,
      consumeTypeOf: (group) => this.catalog.groups.get(group)?.consumeType,
    });
    const trace = (e: TraceInput) => this.trace.record(e);
    const copyToTopic = (m: StoredMessage, realTopic: string) => this.producer.copyToTopic(m, realTopic);
    this.timer = new TimerService({ store, firedInput: copyToTopic, trace }, path.join(options.dataDir, 'timer'));
    this.txn = new TxnService(
      {
        store,
        committedInput: copyToTopic,
        checkBack: (half, transactionId) => {
          const realTopic = half.properties[TxnProperty.REAL_TOPIC];
          return !!realTopic && (this.checkBackHandler?.(half, realTopic, transactionId) ?? false);
        },
        trace,
      },
      path.join(options.dataDir, 'txn'),
      { firstCheckMs: options.txnFirstCheckMs, checkIntervalMs: options.txnCheckIntervalMs, maxChecks: options.txnMaxChecks },
    );
    this.producer = new Producer({
      catalog: this.catalog,
      store,
      timer: this.timer,
      txn: this.txn,
      trace: this.trace,
      queues: this.queues,
      limits: this.limits,
      traffic: this.traffic,
    });
    this.popState = new PopStateStore(path.join(meta, 'pop'));
    this.deliveries = new GroupDeliveries(
      {
        store,
        catalog: this.catalog,
        popState: this.popState,
        pop: () => this.pop,
        nextOffset: (group, topic, q) => this.offsets.next(group, topic, q),
        groupsWithOffsets: (topic) => this.offsetStore.groupsOf(topic),
        hasLiveConsumer: (group) => this.liveConsumerCheck?.(group) ?? true,
        trace,
        // Without the groups' derived FILTERED steps: the delivery states read those facts themselves.
        traceOf: (id) => this.trace.events(id),
        topicOf: (id) => this.describeMessage(id)?.topic,
        browse: (topic, req, keep) => this.browse(topic, req, keep),
      },
      meta,
    );
    this.pop = new PopService(
      {
        store,
        getGroup: (name) => this.catalog.getGroup(name),
        readQueueCount: (topic) => this.readableTopic(topic).readQueueNums,
        startOffset: (group, topic, q) => this.offsets.next(group, topic, q),
        commitProgress: (group, topic, q, offset) => this.offsetStore.set(group, topic, q, offset),
        moveToDeadLetter: (m, group, attempts, failure) => moveToDeadLetter({ catalog: this.catalog, store, trace: this.trace, traffic: this.traffic }, m, group, attempts, failure),
        verificationDelivered: (id, clientId) => this.deliveries.verifications.delivered(id, clientId),
        settleVerification: (id, outcome, m) => this.deliveries.verifications.settle(id, outcome, m),
        verificationPending: (id) => this.deliveries.verifications.isPending(id),
        delivered: (group, topic, bytes, retry) => this.traffic.delivered(group, topic, bytes, retry),
        trace,
      },
      this.popState,
      new ReceiptHandles(loadSecret(meta)),
    );
    this.puller = new Puller(store);
    this.metrics = new BrokerMetrics(this.metricLabels, this.traffic, {
      topicCount: () => this.catalog.topics.list().length,
      groupCount: () => this.catalog.groups.list().length,
      consumerLags: (now) => this.consumerLags(now),
      storage: () => store.storage(),
      timingMessages: () => this.timer.pendingCount(),
      halfMessages: () => countBy(this.txn.pending(), (t) => t.topic),
      traceShed: () => this.trace.shedCount + this.trace.writeDroppedCount,
      queueOffsets: () =>
        this.catalog.topics.list().flatMap((t) => Array.from({ length: t.readQueueNums }, (_, queueId) => ({ topic: t.name, queueId, maxOffset: store.maxOffset(t.name, queueId) }))),
      accessDenials: () => ({ ...this.access.denials }),
      rateLimits: () => this.access.limiter.usage(),
      dataDir: options.dataDir,
    }, options.metrics.enabled !== false);
    this.timer.start();
    this.retentionTimer = setInterval(() => void this.runRetention(), options.retentionCheckIntervalMs).unref();
  }

  static async open(options: BrokerOptions): Promise<Broker> {
    const opts = resolveOptions(options);
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
      return new Broker(opts, store, opts.trace ? openTraceStore(opts) : undefined, release, recovery);
    } catch (e) {
      release();
      throw e;
    }
  }

  /** Flushes and closes everything; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.retentionTimer);
      this.metrics.close();
      this.txn.close();
      await this.timer.close();
      this.pop.wakeAll();
      this.puller.wakeAll();
      await this.trace.close();
      await this.store.close();
      this.popState.close();
      this.deliveries.close();
      await this.offsetStore.close();
      this.releaseLock();
    })();
    return this.closing;
  }

  /** The limits this instance enforces (front-ends check and advertise them). */
  get limits(): BrokerLimits {
    return { maxMessageSize: this.options.maxMessageSize, maxDelayMs: this.options.maxDelayMs };
  }

  /** Whether a put resolves after fdatasync (`sync`) or once written to the page cache (`async`). */
  get flushMode(): FlushMode {
    return this.options.flush;
  }

  get counters(): BrokerCounters {
    return {
      stored: this.producer.acceptedCount,
      delivered: this.pop.deliveredCount,
      fired: this.timer.firedCount,
      traceShed: this.trace.shedCount,
      traceWriteDropped: this.trace.writeDroppedCount,
    };
  }

  /** The commit log's end: where the next record will be written. */
  get commitLogMaxOffset(): number {
    return this.store.commitLogMaxOffset;
  }

  /** How transaction check-backs reach producers (the gRPC endpoint's telemetry streams). */
  setCheckBackHandler(handler: CheckBackHandler | undefined): void {
    this.checkBackHandler = handler;
  }

  /** Which topics connected consumers subscribe to, so a group's lag counts from its first subscription, before its first ack. */
  setSubscriptionSource(source: SubscriptionSource | undefined): void {
    this.subscriptionSource = source;
  }

  /** How consume verification knows a group has a connected consumer (the gRPC endpoint's clients); none: no check. */
  setLiveConsumerCheck(check: LiveConsumerCheck | undefined): void {
    this.liveConsumerCheck = check;
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
  hasNamespace(name: string): boolean {
    return this.catalog.namespaces.has(name);
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
  hasTopic(name: string): boolean {
    return this.catalog.topics.has(name);
  }
  listTopics(filter?: ListFilter): Topic[] {
    return this.catalog.listTopics(filter);
  }
  async deleteTopic(name: string): Promise<void> {
    this.catalog.deleteTopic(name);
    this.traffic.forgetTopic(name);
    this.offsetStore.dropTopic(name);
    this.pop.forget({ topic: name });
    this.queues.forget(name);
    await this.deliveries.forgetTopic(name);
    await this.store.deleteTopicData(name);
  }

  /**
   * Meridian's own probe topic (name starting with PROBE_PREFIX, no namespace): created when missing, put
   * back to this shape when an earlier prober left it otherwise; hidden from listTopics, not deletable.
   */
  ensureProbeTopic(input: ProbeTopicInput): Topic {
    return this.catalog.ensureProbeTopic(input);
  }

  /** The topic, if it allows reads. */
  readableTopic(name: string): Topic {
    return this.catalog.topicAllowing('read', name);
  }

  // ---- groups ----

  /** A new group starts at the commit log's end: it receives what is stored after it exists. */
  createGroup(input: GroupInput): Group {
    return this.catalog.createGroup(input, this.store.commitLogMaxOffset);
  }
  /**
   * Meridian's own probe group (name starting with PROBE_PREFIX, no namespace): created when missing (at the
   * commit log's end, like createGroup), its fifo setting put back when it differs; hidden from listGroups.
   */
  ensureProbeGroup(input: ProbeGroupInput): Group {
    return this.catalog.ensureProbeGroup(input, this.store.commitLogMaxOffset);
  }

  /** Forgets the group with its offsets and in-flight deliveries. */
  deleteGroup(name: string): void {
    this.catalog.deleteGroup(name);
    this.traffic.forgetGroup(name);
    this.offsetStore.dropGroup(name);
    this.pop.forget({ group: name });
    this.deliveries.forgetGroup(name);
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
  hasGroup(name: string): boolean {
    return this.catalog.groups.has(name);
  }

  // ---- produce ----

  put(message: PutMessage): Promise<BrokerPutResult> {
    return this.producer.put(message);
  }

  /**
   * Stores messages (of any topics) in one group commit; all are validated before any is written. Messages
   * with a future delivery time go to the timer instead and come back with a recall handle.
   */
  putBatch(messages: readonly PutMessage[]): Promise<BrokerPutResult[]> {
    return this.producer.putBatch(messages);
  }

  /**
   * Sends a stored message again (an operator's resend): to its own topic (a dead letter's origin) or `to`,
   * of the same type, with a new id; both traces record the RESENT step naming the other message.
   */
  async resend(messageId: string, opts: { to?: string; by: string }): Promise<BrokerPutResult> {
    const source = this.getMessageById(messageId);
    const home = this.catalog.getTopic(homeTopicOf(source));
    const target = opts.to === undefined ? home : this.catalog.getTopic(opts.to);
    const sent = await this.put(resendOf(source, home, target));
    if (sent.transactionId) await this.txn.end(sent.transactionId, sent.messageId, 'COMMIT', opts.by);
    const traceContext = traceContextOf(source.properties);
    this.trace.record({ messageId, step: 'RESENT', topic: target.name, relatedMessageId: sent.messageId, detail: `resent as ${sent.messageId} by ${opts.by}`, ...(traceContext ? { traceContext } : {}) });
    this.trace.record({ messageId: sent.messageId, step: 'RESENT', topic: target.name, relatedMessageId: messageId, detail: `resent from ${messageId} by ${opts.by}` });
    return sent;
  }

  /** Ends a transaction: COMMIT makes the half message visible, ROLLBACK discards it. `endedBy` is traced. */
  async endTransaction(transactionId: string, messageId: string, resolution: Resolution, endedBy?: string): Promise<TxnState> {
    const state = await this.txn.end(transactionId, messageId, resolution, endedBy);
    const topic = this.txn.get(transactionId)?.topic;
    if (topic && state !== 'PREPARED') this.traffic.transactionEnded(topic, state === 'COMMITTED');
    return state;
  }

  /** Cancels a scheduled message that has not fired yet; with `topic`, only one of that topic. */
  recall(recallHandle: string, topic?: string): string {
    if (topic !== undefined) this.catalog.getTopic(topic);
    return this.timer.recall(recallHandle, topic);
  }

  /** Scheduled messages of a topic waiting, per due minute. */
  pendingScheduled(topic: string): PendingMinute[] {
    return this.timer.pending(topic);
  }

  /** Scheduled messages of a topic still waiting, soonest first, with the handle to recall each. */
  waitingScheduled(topic: string, limit = DEFAULT_QUERY_LIMIT): { messageId: string; dueAt: number; recallHandle: string }[] {
    this.catalog.getTopic(topic);
    return this.timer.waiting(topic, Math.max(1, Math.min(limit, MAX_KEY_QUERY)));
  }

  /** Transactions waiting for their end, optionally of one topic. */
  pendingTransactions(topic?: string): HalfMessage[] {
    return this.txn.pending(topic);
  }

  // ---- read ----

  /** Reads a batch by logical offset; `tags` filters by hash, then exactly. */
  getMessages(topic: string, queueId: number, offset: number, maxCount: number, tags?: readonly string[]): GetResult {
    this.readableTopic(topic);
    return this.store.getMessages(topic, queueId, offset, Math.max(1, Math.min(maxCount, MAX_GET_MESSAGES)), tagFilter(tags));
  }

  /** The queue model's read with long polling: waits for the store's dispatch when nothing matches yet. */
  pull(req: PullRequest): Promise<GetResult> {
    const t = this.readableTopic(req.topic);
    if (!Number.isInteger(req.queueId) || req.queueId < 0 || req.queueId >= t.readQueueNums) {
      throw new BrokerError('QUEUE_NOT_FOUND', `Topic "${t.name}" has readable queues 0-${t.readQueueNums - 1}, not ${req.queueId}`);
    }
    const pulled = this.puller.pull(req);
    const group = req.group;
    if (!group) return pulled;
    return pulled.then((res) => {
      for (const m of res.messages) this.traffic.delivered(group, t.name, m.size, false);
      return res;
    });
  }

  minOffset(topic: string, queueId: number): number {
    return this.store.minOffset(topic, queueId);
  }
  maxOffset(topic: string, queueId: number): number {
    return this.store.maxOffset(topic, queueId);
  }
  /** The first offset of a queue stored at or after `timestamp` (the end when none is). */
  offsetAtTime(topic: string, queueId: number, timestamp: number): number {
    return this.store.searchOffsetByTime(topic, queueId, timestamp);
  }

  getMessageById(messageId: string): StoredMessage {
    const m = this.store.lookupById(messageId);
    if (!m) throw new BrokerError('MESSAGE_NOT_FOUND', `No stored message has id ${messageId}`, { messageId });
    return m;
  }

  /** The newest stored copy of a message, if the broker still has it. */
  findMessage(messageId: string): StoredMessage | undefined {
    return this.store.lookupById(messageId);
  }

  /**
   * A message as a user sees it (its record in its topic; a dead letter only once retention took that): its own topic (not the internal one a scheduled or
   * half message waits under) and, while the timer or a transaction holds it, where it stands.
   */
  describeMessage(messageId: string): FoundMessage | undefined {
    const message = newestVisibleCopy(this.store, messageId);
    if (!message) return undefined;
    if (message.topic === TIMER_TOPIC) {
      const scheduled = this.timer.stateOf(message);
      const topic = message.properties[TimerProperty.REAL_TOPIC] ?? message.topic;
      return scheduled ? { message, topic, held: { kind: 'SCHEDULED', ...scheduled } } : { message, topic };
    }
    if (message.topic === HALF_TOPIC) {
      const t = this.txn.get(message.properties[TxnProperty.TRANSACTION_ID] ?? '');
      const topic = message.properties[TxnProperty.REAL_TOPIC] ?? message.topic;
      return t ? { message, topic, held: { kind: 'TRANSACTION', transactionId: t.transactionId, state: t.state, checks: t.checks } } : { message, topic };
    }
    return { message, topic: message.topic };
  }

  /**
   * Every step of a message's life within the trace retention, oldest first, with FILTERED for each group
   * whose subscription turned it away, derived from the group's state as its delivery state is.
   */
  traceOf(messageId: string): Promise<TraceEvent[]> {
    return this.trace.events(messageId, Date.now(), (records, recorded, now) => this.deliveries.states.filteredSteps(records, recorded, now));
  }

  /** Trace events shed since open because the trace buffer was full (each shed message's trace says so). */
  get traceShedCount(): number {
    return this.trace.shedCount;
  }

  /**
   * The OpenTelemetry trace id of a stored message's spans: its producer's trace context's, else the one
   * derived from its id, but only while this broker emits spans (otherwise that trace exists nowhere).
   */
  otelTraceId(messageId: string): string | undefined {
    const m = this.store.lookupById(messageId);
    if (!m) return undefined;
    const parent = parentContextOf(messageId, traceContextOf(m.properties));
    return parent.fromProducer || this.trace.emitsPutSpans ? parent.context.traceId : undefined;
  }

  /**
   * Traces a send that reached a front end and was refused (PRODUCE_FAILED, `status` the error code), under
   * the message id the client gave.
   */
  traceFailedSend(failure: { messageId: string; topic?: string; status: string; detail: string; producer?: ProducerInfo; host?: string }): void {
    const { messageId, topic, status, detail, producer, host } = failure;
    const at = Date.now();
    this.trace.record({
      messageId,
      step: 'PRODUCE_FAILED',
      at: producer?.receivedAt ?? at,
      status,
      detail,
      ...(topic !== undefined ? { topic } : {}),
      ...(host ? { host } : {}),
      ...(producer ? { clientId: producer.clientId, ...(producer.sdk ? { sdk: producer.sdk } : {}) } : {}),
      ...(producer?.receivedAt !== undefined ? { latencyMs: at - producer.receivedAt } : {}),
    });
  }

  /** Messages of a topic with a key, newest first; pass the last one's `physicalOffset` as `before` for the next page. */
  queryByKey(topic: string, key: string, opts: { beginMs?: number; endMs?: number; limit?: number; before?: number } = {}): StoredMessage[] {
    this.catalog.getTopic(topic);
    const limit = Math.min(opts.limit ?? DEFAULT_QUERY_LIMIT, MAX_KEY_QUERY);
    return this.store.lookupByKey(topic, key, opts.beginMs ?? 0, opts.endMs ?? Number.MAX_SAFE_INTEGER, limit, opts.before);
  }

  /** Messages of a topic stored within [beginMs, endMs], oldest first; pass `nextCursor` back for the next page. */
  queryByTime(topic: string, beginMs: number, endMs: number, opts: { limit?: number; cursor?: BrowseCursor } = {}): BrowsePage {
    return this.browseByTime(topic, { beginMs, endMs, order: 'oldest', limit: opts.limit ?? DEFAULT_QUERY_LIMIT, ...(opts.cursor ? { cursor: opts.cursor } : {}) });
  }

  /**
   * An operator's search of a topic by store time: queues merged in time order (oldest or newest first),
   * filtered on the way, a page at a time within a scan budget; the page says how far the scan got.
   */
  browseByTime(topic: string, req: Omit<BrowseRequest, 'accept'> & { match?: MessageMatch }): BrowsePage {
    return this.browse(topic, req);
  }

  /** browseByTime, keeping only messages `keep` accepts too (a DLQ's browse leaves purged letters out). */
  private browse(topic: string, req: Omit<BrowseRequest, 'accept'> & { match?: MessageMatch }, keep?: (m: StoredMessage) => boolean): BrowsePage {
    const { match, ...rest } = req;
    if (!Number.isFinite(req.beginMs) || !Number.isFinite(req.endMs) || req.beginMs > req.endMs) {
      throw new BrokerError('INVALID_ARGUMENT', 'The time range must be two timestamps, the first not after the second', { field: 'beginMs' });
    }
    const matches = match ? compileMatch(match) : undefined;
    const accept = matches && keep ? (m: StoredMessage) => keep(m) && matches(m) : (matches ?? keep);
    return browseByTime(this.store, this.catalog.getTopic(topic), accept ? { ...rest, accept } : rest);
  }

  /** Messages stored per time bucket of a topic, from the consume queues alone (the volume timeline). */
  messageVolume(topic: string, beginMs: number, endMs: number, buckets: number): VolumeBucket[] {
    if (!Number.isFinite(beginMs) || !Number.isFinite(endMs) || beginMs >= endMs) {
      throw new BrokerError('INVALID_ARGUMENT', 'The time range must be two timestamps, the first before the second', { field: 'beginMs' });
    }
    return messageVolume(this.store, this.catalog.getTopic(topic), beginMs, endMs, buckets);
  }

  // ---- consumer offsets ----

  /** The next offset the group consumes on a queue: its committed offset, else where the group started. */
  consumerOffset(group: string, topic: string, queueId: number): number {
    return this.offsets.next(group, topic, queueId);
  }

  /** The offset the group committed on a queue, if any. */
  committedOffset(group: string, topic: string, queueId: number): number | undefined {
    return this.offsets.committed(group, topic, queueId);
  }

  commitOffset(group: string, topic: string, queueId: number, offset: number): void {
    this.offsets.commit(group, topic, queueId, offset);
  }

  /** Moves a group's offsets on every queue of a topic (replay or skip); `dryRun` only previews. */
  resetOffset(group: string, topic: string, target: ResetTarget, dryRun = false): ResetResult {
    return this.offsets.reset(group, topic, target, dryRun);
  }

  // ---- pop consumption (the message model) ----

  /** Hands out up to `maxMessages` messages, invisible to the group's other consumers until acked or expired. */
  receive(req: ReceiveRequest): Promise<ReceivedMessage[]> {
    this.catalog.getGroup(req.group);
    this.readableTopic(req.topic);
    if (req.subscription) this.deliveries.subscriptions.remember(req.group, req.topic, req.subscription);
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

  /** Messages handed out to a group (optionally on one topic) and not yet acked. */
  inflightCount(group: string, topic?: string): number {
    return this.pop.inflightCount(group, topic);
  }

  // ---- group delivery: delivery states, dead letters, resends to a group, consume verification ----

  /** Where a message stands with every group that subscribes to its topic (offsets, pop state, copies, trace). */
  deliveryStates(messageId: string): Promise<GroupDelivery[]> {
    return this.deliveries.states.of(messageId);
  }

  /** A page of a group's DLQ by store time, filtered like browseByTime, purged letters left out. */
  deadLetters(group: string, req: DeadLetterQuery): DeadLetterPage {
    return this.deliveries.deadLetters.list(group, req);
  }

  /** Dead letters stored for the group, minus the purged ones. */
  deadLetterCount(group: string): number {
    return this.deliveries.deadLetters.count(group);
  }

  /** Purges dead letters of a group (by DLQ offset, or all stored now); returns how many. */
  purgeDeadLetters(group: string, target: PurgeTarget): number {
    return this.deliveries.deadLetters.purge(group, target);
  }

  /** Sends the dead letter at a DLQ offset back to its group (original topic, attempts from 1); with `dedupeKey` at most once per key. */
  resendDeadLetter(group: string, offset: number, opts: { by: string; dedupeKey?: string }): Promise<{ resent: boolean }> {
    return this.deliveries.deadLetters.resend(group, offset, opts);
  }

  /** Delivers a stored message once more to one group's consumers; follow the outcome with `verification`. */
  verifyConsumption(messageId: string, group: string, by: string): Promise<{ verificationId: string }> {
    return this.deliveries.verifications.verify(messageId, group, by);
  }

  verification(verificationId: string): VerificationView | undefined {
    return this.deliveries.verifications.get(verificationId);
  }

  // ---- stats ----

  topicStats(topic: string): TopicStats {
    return topicStats(this.store, this.catalog.getTopic(topic));
  }

  /** Lag per topic and queue for a group; topics default to those it has offsets on. */
  groupStats(group: string, topics?: readonly string[]): GroupStats {
    this.catalog.getGroup(group);
    const names = [...new Set([...(topics ?? []), ...this.offsetStore.topicsOf(group)])].filter((t) => this.catalog.topics.has(t));
    return groupStats(this.store, group, names.map((t) => this.catalog.getTopic(t)), (topic, q) => this.offsets.next(group, topic, q));
  }

  /** This broker's series as a metrics reader would collect them now (the console's sampler reads them directly). */
  collectMetrics(now = Date.now()): MetricData[] {
    return this.metrics.collect(hrTime(now));
  }

  /** Every group's lag on every topic it has offsets on or a connected consumer subscribes to (the consumer gauges, the console's lag history). */
  consumerLags(now = Date.now()): ConsumerLag[] {
    const out: ConsumerLag[] = [];
    const subscribed = this.subscriptionSource?.() ?? new Map<string, Set<string>>();
    for (const g of this.catalog.groups.list()) {
      for (const name of new Set([...this.offsetStore.topicsOf(g.name), ...(subscribed.get(g.name) ?? [])])) {
        const t = this.catalog.topics.get(name);
        if (t) out.push(this.lagOf(g.name, t, now));
      }
    }
    return out;
  }

  private lagOf(group: string, t: Topic, now: number): ConsumerLag {
    return consumerLag(
      group,
      t,
      {
        maxOffset: (q) => this.store.maxOffset(t.name, q),
        committed: (q) => this.offsets.next(group, t.name, q),
        cursor: (q) => this.pop.cursorOf(group, t.name, q) ?? this.offsets.next(group, t.name, q),
        storeTimestampAt: (q, offset) => this.store.storeTimestampAt(t.name, q, offset),
        inflight: this.pop.inflightCount(group, t.name),
      },
      now,
    );
  }

  // ---- retention ----

  /** Deletes commit-log segments older than the retention, and trace segments older than the trace retention; returns how many message segments were deleted. */
  async runRetention(now = Date.now()): Promise<number> {
    const cutoff = now - this.options.retentionHours * 3_600_000;
    this.timer.dropFinishedBefore(cutoff);
    await this.trace.deleteExpired(now - this.options.traceRetentionHours * 3_600_000);
    return this.store.deleteExpired(cutoff);
  }
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
