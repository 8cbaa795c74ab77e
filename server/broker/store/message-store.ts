import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BrokerError } from '../errors.ts';
import { readJson } from '../json-file.ts';
import { writeFileDurably } from './atomic-file.ts';
import { CommitLog } from './commit-log.ts';
import { ConsumeQueue, readEntry, type CqEntry } from './consume-queue.ts';
import { hashKey } from './index-file.ts';
import { idIndexHash, idIndexKey, IndexService, keyIndexHash, keyIndexKey } from './index-service.ts';
import { decodeRecord, encodedSize, encodeRecord, readStoreTimestamp, type DecodedRecord } from './record.ts';

export type FlushMode = 'sync' | 'async';

export interface StoreOptions {
  dir: string;
  flush: FlushMode;
  segmentSize: number;
  cqEntriesPerFile: number;
  indexSlots: number;
  indexEntries: number;
  checkpointIntervalMs: number;
}

/** A message as stored, read back from the commit log. */
export type StoredMessage = DecodedRecord;

/** What the store needs to append one message; queue and topic already resolved by the broker. */
export interface StoreInput {
  topic: string;
  /** The topic's incarnation when the put was accepted: a put racing a topic deletion is refused. */
  generation: number;
  queueId: number;
  messageId: string;
  body: Buffer;
  tag: string;
  keys: readonly string[];
  properties: Readonly<Record<string, string>>;
  bornTimestamp: number;
  bornHost: string;
  sysFlag: number;
  reconsumeTimes: number;
}

export interface PutResult {
  messageId: string;
  topic: string;
  queueId: number;
  queueOffset: number;
  physicalOffset: number;
  storeTimestamp: number;
  /** Bytes of the record in the commit log (reads it back in one pread). */
  size: number;
}

export type GetStatus = 'FOUND' | 'NO_MATCHED_MESSAGE' | 'NO_NEW_MESSAGE' | 'OFFSET_TOO_SMALL' | 'OFFSET_OVERFLOW';

export interface GetResult {
  status: GetStatus;
  messages: StoredMessage[];
  /** Where the next read should start (past filtered-out messages too). */
  nextOffset: number;
  minOffset: number;
  maxOffset: number;
}

/** Filter applied while reading: a cheap check on the tag hash, then an exact check on the decoded message. */
export interface ReadFilter {
  tagHashes?: ReadonlySet<number>;
  accept(message: StoredMessage): boolean;
}

export interface QueueStats {
  queueId: number;
  minOffset: number;
  maxOffset: number;
  messageCount: number;
  bytes: number;
  minStoreTimestamp: number | null;
  maxStoreTimestamp: number | null;
}

interface Job {
  inputs: StoreInput[];
  resolve(results: PutResult[]): void;
  reject(e: unknown): void;
}

/** A batch as laid out by `write`: per message, its result, record size and consume queue. */
interface Written {
  results: PutResult[];
  sizes: number[];
  queues: ConsumeQueue[];
}

const CheckpointSchema = z.object({ dispatched: z.number().int().nonnegative() });
/** Consume-queue entries a filtered read scans at most (80 KiB), so a selective filter cannot pin a core. */
const MAX_SCAN = 4096;
/** Reads of neighbouring records are merged into one pread up to this size. */
const MAX_COALESCED_READ = 1024 * 1024;

export function tagHash(tag: string): number {
  return tag ? hashKey(tag) : 0;
}

/**
 * The storage engine: one commit log, a consume queue per topic queue, index files, a checkpoint. Puts are
 * group-committed: everything queued while the previous write (and fsync, in sync mode) ran goes in one write.
 */
export class MessageStore {
  private readonly commitLog: CommitLog;
  private readonly index: IndexService;
  private readonly queues = new Map<string, Map<number, ConsumeQueue>>();
  private jobs: Job[] = [];
  private draining = false;
  private dispatched = 0;
  /** The commit log is durable below this offset (the last fdatasync that completed). */
  private syncedOffset = 0;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private checkpointRunning: Promise<void> | undefined;
  /** The checkpoint that starts when the running one ends: what a caller asking meanwhile waits for. */
  private checkpointNext: Promise<void> | undefined;
  private failure: BrokerError | undefined;
  private closed = false;
  private readonly listeners = new Set<(topic: string, queueId: number) => void>();
  private readonly generations = new Map<string, number>();

  private constructor(private readonly opts: StoreOptions) {
    this.commitLog = new CommitLog(path.join(opts.dir, 'commitlog'), opts.segmentSize);
    this.index = new IndexService(path.join(opts.dir, 'index'), { slotCount: opts.indexSlots, maxEntries: opts.indexEntries });
  }

  /** Opens the store, recovering from a crash: torn tail trimmed by CRC, queues and index rebuilt past the checkpoint. */
  static open(opts: StoreOptions): { store: MessageStore; recovery: { replayed: number; truncatedBytes: number; ms: number } } {
    const started = performance.now();
    const store = new MessageStore(opts);
    const checkpoint = CheckpointSchema.safeParse(readJson(store.checkpointFile));
    const from = checkpoint.success ? checkpoint.data.dispatched : 0;
    store.loadQueues(from);
    store.index.load(from);
    let replayed = 0;
    const { truncatedBytes } = store.commitLog.recover(from, (buf, at, phys) => {
      const r = decodeRecord(buf, at, false);
      // A record whose queue has moved on belongs to a topic deleted (and maybe re-created) since: skip it.
      if (r.queueOffset !== store.queue(r.topic, r.queueId).maxOffset) return;
      store.dispatchTo(store.queue(r.topic, r.queueId), r.topic, r.queueOffset, phys, r.size, r.tag, r.keys, r.messageId, r.storeTimestamp);
      replayed++;
    });
    store.dispatched = store.commitLog.maxOffset;
    store.syncedOffset = store.dispatched;
    // Queue minimums raised by retention live only in memory: derive them again from the log's minimum.
    const physicalMin = store.commitLog.minOffset;
    if (physicalMin > 0) for (const qs of store.queues.values()) for (const cq of qs.values()) cq.dropBelow(physicalMin);
    store.index.cover(store.dispatched);
    // A tick while a checkpoint still runs (a slow disk) is skipped rather than queued behind it.
    store.checkpointTimer = setInterval(() => {
      if (!store.checkpointRunning) void store.checkpoint();
    }, opts.checkpointIntervalMs).unref();
    return { store, recovery: { replayed, truncatedBytes, ms: performance.now() - started } };
  }

  private get checkpointFile(): string {
    return path.join(this.opts.dir, 'checkpoint.json');
  }

  private loadQueues(physicalLimit: number): void {
    const root = path.join(this.opts.dir, 'consumequeue');
    fs.mkdirSync(root, { recursive: true });
    for (const topic of fs.readdirSync(root)) {
      for (const q of fs.readdirSync(path.join(root, topic))) {
        if (!/^\d+$/.test(q)) continue;
        this.queue(topic, Number(q)).load(physicalLimit);
      }
    }
  }

  private queue(topic: string, queueId: number): ConsumeQueue {
    let qs = this.queues.get(topic);
    if (!qs) {
      qs = new Map();
      this.queues.set(topic, qs);
    }
    let cq = qs.get(queueId);
    if (!cq) {
      cq = new ConsumeQueue(path.join(this.opts.dir, 'consumequeue', topic, String(queueId)), this.opts.cqEntriesPerFile);
      qs.set(queueId, cq);
    }
    return cq;
  }

  private existingQueue(topic: string, queueId: number): ConsumeQueue | undefined {
    return this.queues.get(topic)?.get(queueId);
  }

  onDispatch(listener: (topic: string, queueId: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes each time the topic's data is deleted. */
  topicGeneration(topic: string): number {
    return this.generations.get(topic) ?? 0;
  }

  /** Appends messages; resolves once they are as durable as the flush mode promises and readable. */
  put(inputs: StoreInput[]): Promise<PutResult[]> {
    if (this.closed) return Promise.reject(new BrokerError('STORE_CLOSED', 'The broker is shut down'));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.jobs.push({ inputs, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        // setImmediate rather than a microtask: a producer awaiting puts in a loop must not starve timers.
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * Group commit: takes every queued put, writes them in one append, and (sync mode) fdatasyncs once before
   * resolving them; puts queued meanwhile form the next batch.
   */
  private async drain(): Promise<void> {
    try {
      await this.drainLoop();
    } catch (e) {
      // Never leave puts hanging: whatever failed, fail what is queued and let later puts try again.
      for (const j of this.takeJobs()) j.reject(e);
      this.draining = false;
    }
  }

  /**
   * Clears `draining` in the same synchronous step as its last look at the queue: a put made by a caller
   * resumed from this batch must either be seen here or schedule a new drain.
   */
  private async drainLoop(): Promise<void> {
    for (;;) {
      if (this.jobs.length === 0) {
        this.draining = false;
        return;
      }
      const jobs = this.takeLiveJobs();
      const written = this.write(jobs);
      if (!written) continue;
      if (this.opts.flush === 'sync') {
        try {
          const end = this.commitLog.maxOffset;
          await this.commitLog.sync();
          this.syncedOffset = Math.max(this.syncedOffset, end);
        } catch (e) {
          // Durability can no longer be promised (fsyncgate): refuse writes until a restart recovers by CRC.
          this.failure = new BrokerError('STORE_WRITE_FAILED', `fsync of the commit log failed (${(e as Error).message}); restart the broker`);
          for (const j of [...jobs, ...this.takeJobs()]) j.reject(this.failure);
          continue;
        }
      }
      this.complete(jobs, written);
    }
  }

  /** Takes the queued jobs, refusing those whose topic was deleted since they were accepted. */
  private takeLiveJobs(): Job[] {
    const live: Job[] = [];
    for (const job of this.takeJobs()) {
      const stale = this.staleInput(job);
      if (stale) job.reject(new BrokerError('TOPIC_NOT_FOUND', `Topic "${stale.topic}" was deleted before the message was stored`));
      else live.push(job);
    }
    return live;
  }

  /** The first input of a job whose topic was deleted since the put was accepted. */
  private staleInput(job: Job): StoreInput | undefined {
    for (const input of job.inputs) if (input.generation !== this.topicGeneration(input.topic)) return input;
    return undefined;
  }

  private takeJobs(): Job[] {
    const jobs = this.jobs;
    this.jobs = [];
    return jobs;
  }

  /**
   * Lays out and writes the jobs' records in one append; on failure rejects them all and gives the queue
   * offsets back. Plain loops and parallel arrays, no closure or Map per message: this and `complete` are
   * the engine's per-message cost (they took a third of a 64-producer put's CPU before).
   */
  private write(jobs: Job[]): Written | undefined {
    const now = Date.now();
    const results: PutResult[] = [];
    const sizes: number[] = [];
    const inputs: StoreInput[] = [];
    const queues: ConsumeQueue[] = [];
    for (const job of jobs) {
      for (const input of job.inputs) {
        const cq = this.queue(input.topic, input.queueId);
        const size = encodedSize(input);
        results.push({
          messageId: input.messageId,
          topic: input.topic,
          queueId: input.queueId,
          queueOffset: cq.reserve(),
          physicalOffset: -1,
          storeTimestamp: now,
          size,
        });
        sizes.push(size);
        inputs.push(input);
        queues.push(cq);
      }
    }
    try {
      const offsets = this.commitLog.append(sizes, (i, buf, at, physicalOffset, view) => {
        const r = results[i]!;
        r.physicalOffset = physicalOffset;
        encodeRecord(inputs[i]!, r, sizes[i]!, buf, at, view);
      });
      if (offsets.length !== results.length) throw new BrokerError('STORE_WRITE_FAILED', 'Commit log wrote a partial batch');
      return { results, sizes, queues };
    } catch (e) {
      // Newest first, so each queue ends at the first offset this batch took from it.
      for (let i = results.length - 1; i >= 0; i--) queues[i]!.unreserve(results[i]!.queueOffset);
      for (const j of jobs) j.reject(e);
      return undefined;
    }
  }

  private complete(jobs: Job[], written: Written): void {
    let i = 0;
    const touched = new Map<ConsumeQueue, PutResult>();
    for (const job of jobs) {
      const n = job.inputs.length;
      const stale = this.staleInput(job);
      if (stale) {
        // The topic was deleted while this write was being synced: the record stays an orphan in the log.
        i += n;
        job.reject(new BrokerError('TOPIC_NOT_FOUND', `Topic "${stale.topic}" was deleted before the message was stored`));
        continue;
      }
      const out = written.results.slice(i, i + n);
      for (let k = 0; k < n; k++, i++) {
        const input = job.inputs[k]!;
        const r = written.results[i]!;
        const cq = written.queues[i]!;
        this.dispatchTo(cq, r.topic, r.queueOffset, r.physicalOffset, written.sizes[i]!, input.tag, input.keys, r.messageId, r.storeTimestamp);
        touched.set(cq, r);
      }
      job.resolve(out);
    }
    this.dispatched = this.commitLog.maxOffset;
    this.index.cover(this.dispatched);
    for (const r of touched.values()) for (const l of this.listeners) l(r.topic, r.queueId);
  }

  private dispatchTo(
    cq: ConsumeQueue,
    topic: string,
    queueOffset: number,
    physicalOffset: number,
    size: number,
    tag: string,
    keys: readonly string[],
    messageId: string,
    storeTimestamp: number,
  ): void {
    if (queueOffset !== cq.maxOffset) {
      throw new BrokerError('CORRUPT_DATA', `Consume queue ${cq.dir} expected offset ${cq.maxOffset}, got ${queueOffset}`);
    }
    cq.append(physicalOffset, size, tagHash(tag));
    this.index.add(idIndexHash(messageId), physicalOffset, storeTimestamp);
    for (const k of keys) this.index.add(keyIndexHash(topic, k), physicalOffset, storeTimestamp);
  }

  /**
   * Flushes queues and index, syncs them and the commit log, then records the dispatched offset: recovery
   * replays from there. Resolves once a checkpoint that started after the call is durable (a caller that
   * moves the checkpoint past a deletion needs that). Runs on a timer and at close; every fsync runs in the
   * libuv pool, off the event loop.
   */
  checkpoint(): Promise<void> {
    if (!this.checkpointRunning) return this.startCheckpoint();
    this.checkpointNext ??= this.checkpointRunning.then(() => {
      this.checkpointNext = undefined;
      return this.startCheckpoint();
    });
    return this.checkpointNext;
  }

  private startCheckpoint(): Promise<void> {
    const running = this.runCheckpoint().finally(() => {
      if (this.checkpointRunning === running) this.checkpointRunning = undefined;
    });
    this.checkpointRunning = running;
    return running;
  }

  private async runCheckpoint(): Promise<void> {
    // Captured in the same synchronous step as the queue and index snapshots below: all of them describe
    // exactly the records below `dispatched`, so the checkpoint never claims more than is durable.
    const dispatched = this.dispatched;
    const flushed: { cq: ConsumeQueue; fds: number[] }[] = [];
    try {
      for (const qs of this.queues.values()) for (const cq of qs.values()) if (cq.dirty) flushed.push({ cq, fds: cq.flush() });
      // One fsync at a time (queues, then index): a sync-flush put's own fdatasync then waits behind one of
      // them, not behind a dozen at once.
      const queuesSynced = syncOneByOne(flushed.flatMap(({ fds }) => fds));
      const index = this.index.flush(queuesSynced);
      await Promise.all([this.commitLog.sync(), queuesSynced, index]);
      this.syncedOffset = Math.max(this.syncedOffset, dispatched);
      await this.writeCheckpoint(dispatched);
    } catch {
      // Next tick retries; recovery only ever replays from the last checkpoint that completed.
    } finally {
      for (const { cq, fds } of flushed) cq.releaseFds(fds);
    }
  }

  private writeCheckpoint(dispatched: number): Promise<void> {
    return writeFileDurably(this.checkpointFile, JSON.stringify({ dispatched }));
  }

  // ---- reads ----

  maxOffset(topic: string, queueId: number): number {
    return this.existingQueue(topic, queueId)?.maxOffset ?? 0;
  }

  minOffset(topic: string, queueId: number): number {
    return this.existingQueue(topic, queueId)?.minOffset ?? 0;
  }

  get commitLogMaxOffset(): number {
    return this.commitLog.maxOffset;
  }

  /** Up to `maxCount` messages of one queue from a logical offset, skipping those the filter rejects. */
  getMessages(topic: string, queueId: number, offset: number, maxCount: number, filter?: ReadFilter): GetResult {
    const cq = this.existingQueue(topic, queueId);
    const minOffset = cq?.minOffset ?? 0;
    const maxOffset = cq?.maxOffset ?? 0;
    const base = { minOffset, maxOffset, messages: [] as StoredMessage[] };
    if (!cq || maxOffset === minOffset) {
      return { ...base, status: 'NO_NEW_MESSAGE', nextOffset: Math.min(Math.max(offset, minOffset), maxOffset) };
    }
    if (offset < minOffset) return { ...base, status: 'OFFSET_TOO_SMALL', nextOffset: minOffset };
    if (offset > maxOffset) return { ...base, status: 'OFFSET_OVERFLOW', nextOffset: maxOffset };
    if (offset === maxOffset) return { ...base, status: 'NO_NEW_MESSAGE', nextOffset: offset };
    const { buf, count } = cq.read(offset, filter ? MAX_SCAN : maxCount);
    const candidates: { entry: CqEntry; offset: number }[] = [];
    let scanned = 0;
    for (; scanned < count && candidates.length < maxCount; scanned++) {
      const entry = readEntry(buf, scanned);
      if (filter?.tagHashes && !filter.tagHashes.has(entry.tagHash)) continue;
      candidates.push({ entry, offset: offset + scanned });
    }
    const messages = this.readRecords(candidates.map((c) => c.entry)).filter((m) => !filter || filter.accept(m));
    return { ...base, messages, status: messages.length > 0 ? 'FOUND' : 'NO_MATCHED_MESSAGE', nextOffset: offset + scanned };
  }

  /** Reads the records behind consume-queue entries, merging neighbours into one read. */
  private readRecords(entries: readonly CqEntry[]): StoredMessage[] {
    const out: StoredMessage[] = [];
    let i = 0;
    while (i < entries.length) {
      const first = entries[i]!;
      let end = first.physicalOffset + first.size;
      let j = i + 1;
      const segment = Math.floor(first.physicalOffset / this.commitLog.segmentSize);
      while (j < entries.length) {
        const e = entries[j]!;
        if (e.physicalOffset !== end || e.physicalOffset + e.size - first.physicalOffset > MAX_COALESCED_READ) break;
        if (Math.floor(e.physicalOffset / this.commitLog.segmentSize) !== segment) break;
        end += e.size;
        j++;
      }
      const buf = this.commitLog.read(first.physicalOffset, end - first.physicalOffset);
      for (let k = i; k < j; k++) out.push(decodeRecord(buf, entries[k]!.physicalOffset - first.physicalOffset));
      i = j;
    }
    return out;
  }

  /** Reads one record by commit-log position (from the index or a consume queue). */
  readAt(physicalOffset: number, size?: number): StoredMessage | undefined {
    if (physicalOffset < this.commitLog.minOffset || physicalOffset >= this.dispatched) return undefined;
    const head = size ?? this.commitLog.read(physicalOffset, 4).readUInt32LE(0);
    return decodeRecord(this.commitLog.read(physicalOffset, head));
  }

  getByOffset(topic: string, queueId: number, offset: number): StoredMessage | undefined {
    const e = this.existingQueue(topic, queueId)?.entry(offset);
    return e ? this.readRecords([e])[0] : undefined;
  }

  /** A record the index points at counts only while its queue still holds it (not deleted, not expired). */
  private indexed(physicalOffset: number): StoredMessage | undefined {
    const m = this.readAt(physicalOffset);
    if (!m || this.existingQueue(m.topic, m.queueId)?.entry(m.queueOffset)?.physicalOffset !== physicalOffset) return undefined;
    return m;
  }

  lookupById(messageId: string): StoredMessage | undefined {
    for (const phys of this.index.lookup(idIndexKey(messageId), 0, Number.MAX_SAFE_INTEGER, 16)) {
      const m = this.indexed(phys);
      if (m?.messageId === messageId) return m;
    }
    return undefined;
  }

  /** Every live record carrying this message id (its copies: scheduled, fired, half, committed, dead-lettered), newest first. */
  lookupAllById(messageId: string, limit: number): StoredMessage[] {
    const out: StoredMessage[] = [];
    for (const phys of this.index.lookup(idIndexKey(messageId), 0, Number.MAX_SAFE_INTEGER, limit)) {
      const m = this.indexed(phys);
      if (m?.messageId === messageId) out.push(m);
    }
    return out;
  }

  /**
   * Live messages of a topic with this key stored within [beginMs, endMs], newest first; `belowPhysical`
   * pages on (only records written before that commit-log offset).
   */
  lookupByKey(topic: string, key: string, beginMs: number, endMs: number, limit: number, belowPhysical = Number.MAX_SAFE_INTEGER): StoredMessage[] {
    const out: StoredMessage[] = [];
    const seen = new Set<number>();
    for (const phys of this.index.lookup(keyIndexKey(topic, key), beginMs, endMs, limit * 2 + 16, belowPhysical)) {
      if (seen.has(phys)) continue;
      seen.add(phys);
      const m = this.indexed(phys);
      if (m && m.topic === topic && m.keys.includes(key) && m.storeTimestamp >= beginMs && m.storeTimestamp <= endMs) out.push(m);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** First logical offset whose message was stored at or after `timestamp` (maxOffset when none). */
  searchOffsetByTime(topic: string, queueId: number, timestamp: number): number {
    const cq = this.existingQueue(topic, queueId);
    if (!cq) return 0;
    return cq.lowerBound((e) => this.storeTimeAt(e) >= timestamp);
  }

  /** First logical offset whose message sits at or after a commit-log position. */
  searchOffsetByPhysical(topic: string, queueId: number, physicalOffset: number): number {
    const cq = this.existingQueue(topic, queueId);
    if (!cq) return 0;
    return cq.lowerBound((e) => e.physicalOffset >= physicalOffset);
  }

  /** When the message at a queue offset was stored; undefined past the end or below the minimum. */
  storeTimestampAt(topic: string, queueId: number, offset: number): number | undefined {
    const e = this.existingQueue(topic, queueId)?.entry(offset);
    return e ? this.storeTimeAt(e) : undefined;
  }

  /** The commit log's size, the bytes written since its last fdatasync, and its oldest record's store time. */
  storage(): { sizeBytes: number; flushBehindBytes: number; oldestStoreTimestamp: number | null } {
    const { minOffset, maxOffset } = this.commitLog;
    return {
      sizeBytes: maxOffset - minOffset,
      flushBehindBytes: Math.max(0, maxOffset - this.syncedOffset),
      oldestStoreTimestamp: maxOffset > minOffset ? readStoreTimestamp(this.commitLog.read(minOffset, 52)) : null,
    };
  }

  private storeTimeAt(e: CqEntry): number {
    return readStoreTimestamp(this.commitLog.read(e.physicalOffset, 52));
  }

  queueStats(topic: string, queueId: number): QueueStats {
    const cq = this.existingQueue(topic, queueId);
    const minOffset = cq?.minOffset ?? 0;
    const maxOffset = cq?.maxOffset ?? 0;
    const empty = !cq || maxOffset === minOffset;
    return {
      queueId,
      minOffset,
      maxOffset,
      messageCount: maxOffset - minOffset,
      bytes: empty ? 0 : cq.totalBytes(),
      minStoreTimestamp: empty ? null : this.storeTimeAt(cq.entry(minOffset)!),
      maxStoreTimestamp: empty ? null : this.storeTimeAt(cq.entry(maxOffset - 1)!),
    };
  }

  /** Drops a deleted topic's queues. Its records stay in the commit log until retention removes them. */
  deleteTopicData(topic: string): Promise<void> {
    const qs = this.queues.get(topic);
    for (const cq of qs?.values() ?? []) cq.destroy();
    this.queues.delete(topic);
    this.generations.set(topic, this.topicGeneration(topic) + 1);
    fs.rmSync(path.join(this.opts.dir, 'consumequeue', topic), { recursive: true, force: true });
    // Move the checkpoint past the deletion so recovery never replays the old records into a new queue.
    return this.checkpoint();
  }

  /** Deletes whole commit-log segments older than the cutoff (never the active one, never undispatched ones). */
  async deleteExpired(cutoffMs: number): Promise<number> {
    await this.checkpoint();
    const deleted = this.commitLog.deleteExpired(cutoffMs);
    if (deleted > 0) {
      const min = this.commitLog.minOffset;
      for (const qs of this.queues.values()) for (const cq of qs.values()) cq.dropBelow(min);
      this.index.dropBelow(min);
    }
    return deleted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.checkpointTimer);
    while (this.draining || this.jobs.length > 0) await new Promise((r) => setImmediate(r));
    await this.checkpoint();
    for (const qs of this.queues.values()) for (const cq of qs.values()) cq.close();
    await this.index.close();
    this.commitLog.close();
    await this.writeCheckpoint(this.dispatched);
  }
}

async function syncOneByOne(fds: readonly number[]): Promise<void> {
  for (const fd of fds) await new Promise<void>((res, rej) => fs.fdatasync(fd, (e) => (e ? rej(e) : res())));
}
