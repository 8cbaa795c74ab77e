import path from 'node:path';
import { logger } from '../logger.ts';
import type { ConsumeType } from '../model.ts';
import type { ResolvedOptions } from '../options.ts';
import { createMessageId } from '../store/message-id.ts';
import { MessageStore, type StoredMessage } from '../store/message-store.ts';
import { putRecordOf, putSteps, type PutRecord } from './derive.ts';
import type { TraceEvent, TraceInput } from './events.ts';
import { decodeChunk, encodeChunks } from './format.ts';
import { TraceSpans, type MessageFacts } from './spans.ts';

export type { TraceEvent, TraceInput, TraceStep } from './events.ts';

/** Trace chunks are records of this topic in the trace store (`<dataDir>/trace`), keyed by the ids they hold. */
export const TRACE_TOPIC = 'rmq_sys_trace';

/** One trace write per 100 ms: a batch of events costs one group commit of a few chunk records. */
const FLUSH_MS = 100;
/** Events buffered between flushes at most (~100k events/s); past it events are shed, counted, logged and marked. */
const MAX_BUFFER = 10_000;
/** Events that start a flush before the timer does. */
const FLUSH_BATCH = 2048;
/** Messages whose lost events are remembered for a TRACE_SHED marker until the next flush; past it only counted. */
const MAX_SHED_MESSAGES = 10_000;
/** A message's steps read back at most, the newest (a message retried 1000 times is a runaway already). */
const MAX_EVENTS_PER_MESSAGE = 1000;
/** Records one message id can have: the send, a scheduled or half record, fired/committed copies, dead letters, resends. */
const MAX_COPIES_PER_MESSAGE = 64;
/**
 * Trace segments at most this big (smaller with small main segments): retention deletes whole segments, and
 * trace records are small, so a smaller segment lets trace retention take effect closer to its cutoff.
 */
const TRACE_SEGMENT_BYTES = 64 * 1024 * 1024;
/**
 * The trace store's checkpoint (a few fsyncs, in the libuv pool) every 10 s rather than every second:
 * recovery then replays up to 10 s of small chunk records, and the put path shares the disk with 9 fewer
 * fsync rounds a second.
 */
const TRACE_CHECKPOINT_INTERVAL_MS = 10_000;

/** The trace store: a store of its own (commit log, index), so trace events have their own retention. */
export function openTraceStore(opts: ResolvedOptions): MessageStore {
  return MessageStore.open({
    dir: path.join(opts.dataDir, 'trace'),
    // Trace history is not worth an fdatasync per batch: a broker crash keeps what the OS has.
    flush: 'async',
    segmentSize: Math.min(opts.segmentSize, TRACE_SEGMENT_BYTES),
    cqEntriesPerFile: opts.cqEntriesPerFile,
    indexSlots: opts.indexSlots,
    indexEntries: opts.indexEntries,
    checkpointIntervalMs: Math.max(opts.checkpointIntervalMs, TRACE_CHECKPOINT_INTERVAL_MS),
  }).store;
}

export interface TraceRecorderParts {
  /** The trace store; undefined when tracing is off (nothing is recorded, only derived steps are read). */
  traceStore: MessageStore | undefined;
  /** The message store, where the derived steps are read off the records themselves. */
  store: MessageStore;
  retentionMs: number;
  /** A consumer group's consume type, for the consumer-side spans; undefined when the group is unknown. */
  consumeTypeOf?: (group: string) => ConsumeType | undefined;
}

/**
 * Steps a trace read derives from the engine's state rather than from the stored records or the trace store:
 * given the message's records (newest first, as the index answers) and its recorded steps, at `now`.
 */
export type StateSteps = (records: readonly StoredMessage[], recorded: readonly TraceEvent[], now: number) => TraceEvent[];

/** Events of one message lost since the last flush: shed while the buffer was full, in a failed write. */
interface Lost {
  shed: number;
  writeFailed: number;
  /** When the first was lost (the marker's time). */
  at: number;
}

/**
 * Records the steps of a message's life that its stored record does not carry (deliveries, acks, retries,
 * operator actions): buffered and written every 100 ms in compact chunks (format.ts) to the trace store,
 * found by message id through its key index. PRODUCED, STORED, SCHEDULED and HALF are derived from the
 * stored record when a trace is read (derive.ts), and a group's FILTERED from its subscription and position
 * (the reader's `StateSteps`). Every step but a derived FILTERED is also an OpenTelemetry span (spans.ts).
 */
export class TraceRecorder {
  private buffer: TraceEvent[] = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly spans: TraceSpans | undefined;
  /** Messages with events lost since the last flush, for their TRACE_SHED markers. */
  private lost = new Map<string, Lost>();
  /** Events shed because the buffer was full, since open. */
  shedCount = 0;
  /** Events lost because their trace-store write failed, since open. */
  writeDroppedCount = 0;
  private shedSinceLog = 0;

  constructor(private readonly parts: TraceRecorderParts) {
    if (!parts.traceStore) return;
    this.spans = TraceSpans.create({
      propertiesOf: (id) => parts.store.lookupById(id)?.properties,
      consumeTypeOf: parts.consumeTypeOf ?? (() => undefined),
    });
    this.timer = setInterval(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Whether tracing is on (BrokerOptions.trace). */
  get enabled(): boolean {
    return this.parts.traceStore !== undefined;
  }

  /** Whether put steps should be handed to `put` (spans are on): callers skip building them otherwise. */
  get emitsPutSpans(): boolean {
    return this.spans !== undefined;
  }

  record(input: TraceInput): void {
    if (!this.parts.traceStore) return;
    // One copy per event; the trace context rides along in the buffer unread (the format stores known fields only).
    const e: TraceEvent = { ...input, at: input.at ?? Date.now() };
    this.spans?.emit(e, input.traceContext);
    // Under overload tracing gives way: the messages themselves matter more than their history.
    if (this.buffer.length < MAX_BUFFER) {
      // A burst writes its batch at once rather than waiting for the timer, which lags on a busy loop.
      if (this.buffer.push(e) >= FLUSH_BATCH && !this.flushing) void this.flush();
      return;
    }
    this.shedCount++;
    this.shedSinceLog++;
    this.markLost(e, 'shed');
  }

  private markLost(e: TraceEvent, why: 'shed' | 'writeFailed'): void {
    const lost = this.lost.get(e.messageId);
    if (lost) lost[why]++;
    else if (this.lost.size < MAX_SHED_MESSAGES) this.lost.set(e.messageId, { shed: 0, writeFailed: 0, at: e.at, [why]: 1 });
  }

  /** The spans of a put's derived steps (nothing is recorded: the trace reads them off the record). */
  put(record: PutRecord, message: MessageFacts): void {
    if (!this.spans) return;
    const [produced, stored] = putSteps(record);
    this.spans.emit(produced, undefined, message, stored.at);
    this.spans.emit(stored, undefined, message);
  }

  flush(): Promise<void> {
    if (this.shedSinceLog > 0) {
      logger.warn({ event: 'trace.shed', dropped: this.shedSinceLog, messages: this.lost.size, limit: MAX_BUFFER }, 'trace buffer full: events dropped');
      this.shedSinceLog = 0;
    }
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Writes everything recorded before the call: a flush already under way took only what came before it. */
  private async drain(): Promise<void> {
    await this.flush();
    await this.flush();
  }

  private async write(): Promise<void> {
    const store = this.parts.traceStore;
    // The markers go out with the next batch, past the buffer's limit: they are what says events are missing.
    const [markers, marked] = this.lostMarkers();
    const events = this.buffer.concat(markers);
    if (!store || events.length === 0) return;
    this.buffer = [];
    const now = Date.now();
    try {
      await store.put(
        encodeChunks(events).map((c) => ({
          topic: TRACE_TOPIC,
          generation: store.topicGeneration(TRACE_TOPIC),
          queueId: 0,
          messageId: createMessageId(now),
          body: c.body,
          tag: '',
          keys: c.ids,
          properties: {},
          bornTimestamp: now,
          bornHost: '',
          sysFlag: 0,
          reconsumeTimes: 0,
        })),
      );
    } catch (err) {
      // The batch's events are gone: the markers that were in it are tried again, and the messages of the
      // rest get one on a later flush (the markers first, within the same bound).
      for (const [id, m] of marked) {
        const lost = this.lost.get(id);
        if (lost) {
          lost.shed += m.shed;
          lost.writeFailed += m.writeFailed;
          lost.at = Math.min(lost.at, m.at);
        } else if (this.lost.size < MAX_SHED_MESSAGES) this.lost.set(id, m);
      }
      const dropped = events.length - markers.length;
      this.writeDroppedCount += dropped;
      for (let i = 0; i < dropped; i++) this.markLost(events[i]!, 'writeFailed');
      logger.warn({ event: 'trace.write_failed', err: (err as Error).message, dropped, messages: this.lost.size }, 'trace events dropped');
    }
  }

  /** The TRACE_SHED markers of the messages with lost events, and what they stand for (put back if their write fails). */
  private lostMarkers(): [TraceEvent[], Map<string, Lost>] {
    const marked = this.lost;
    // A fresh map even when empty: a failed write merges `marked` back into what was lost meanwhile.
    this.lost = new Map();
    const markers = [...marked].map(([messageId, l]): TraceEvent => ({ messageId, step: 'TRACE_SHED', at: l.at, detail: lostDetail(l) }));
    return [markers, marked];
  }

  /**
   * The steps of a message within the trace retention, oldest first: PRODUCED and STORED (or SCHEDULED /
   * HALF) from its stored records, the steps `fromState` derives from the engine's state (the groups'
   * FILTERED), the rest as recorded.
   */
  async events(messageId: string, now = Date.now(), fromState?: StateSteps): Promise<TraceEvent[]> {
    const cutoff = now - this.parts.retentionMs;
    const records = this.parts.store.lookupAllById(messageId, MAX_COPIES_PER_MESSAGE);
    const derived = records
      .slice()
      .reverse() // the index answers newest first
      .flatMap((m) => {
        const put = putRecordOf(m);
        return put ? putSteps(put) : [];
      });
    const recorded = await this.recorded(messageId, cutoff);
    const stated = fromState?.(records, recorded, now) ?? [];
    // Derived steps first: a stable sort then keeps STORED ahead of a delivery in the same millisecond.
    return [...derived, ...stated, ...recorded].filter((e) => e.at >= cutoff).sort((a, b) => a.at - b.at);
  }

  private async recorded(messageId: string, cutoff: number): Promise<TraceEvent[]> {
    const store = this.parts.traceStore;
    if (!store) return [];
    await this.drain();
    const chunks: TraceEvent[][] = [];
    let count = 0;
    // Newest chunk first (each holds at least one of the message's events); a chunk stored before the cutoff
    // holds only events older than it.
    for (const m of store.lookupByKey(TRACE_TOPIC, messageId, cutoff, Number.MAX_SAFE_INTEGER, MAX_EVENTS_PER_MESSAGE)) {
      const events = decodeChunk(m.body, m.keys, messageId);
      chunks.push(events);
      count += events.length;
      if (count >= MAX_EVENTS_PER_MESSAGE) break;
    }
    return chunks.reverse().flat().slice(-MAX_EVENTS_PER_MESSAGE);
  }

  /** Deletes trace segments older than the cutoff; returns how many. */
  deleteExpired(cutoffMs: number): Promise<number> {
    return this.parts.traceStore?.deleteExpired(cutoffMs) ?? Promise.resolve(0);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.drain();
    await this.parts.traceStore?.close();
  }
}

function eventCount(n: number): string {
  return `${n} trace event${n === 1 ? '' : 's'}`;
}

/** "3 trace events dropped: the trace buffer was full; 1 trace event dropped: a trace write failed". */
function lostDetail(l: Lost): string {
  const parts: string[] = [];
  if (l.shed > 0) parts.push(`${eventCount(l.shed)} dropped: the trace buffer was full`);
  if (l.writeFailed > 0) parts.push(`${eventCount(l.writeFailed)} dropped: a trace write failed`);
  return parts.join('; ');
}
