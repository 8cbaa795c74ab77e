import { logger } from '../logger.ts';
import { createMessageId } from '../store/message-id.ts';
import type { MessageStore, StoredMessage } from '../store/message-store.ts';

/** Trace events are stored as small messages of this internal topic, keyed by the traced message's id. */
export const TRACE_TOPIC = 'rmq_sys_trace';

export type TraceStep =
  | 'STORED'
  | 'SCHEDULED'
  | 'FIRED'
  | 'RECALLED'
  | 'HALF'
  | 'COMMITTED'
  | 'ROLLED_BACK'
  | 'DELIVERED'
  | 'ACKED'
  | 'NACKED'
  | 'EXPIRED'
  | 'DEAD_LETTERED'
  /** An operator sent the message again; on both the original and the copy, each naming the other. */
  | 'RESENT';

export interface TraceEvent {
  messageId: string;
  step: TraceStep;
  at: number;
  topic?: string;
  queueId?: number;
  offset?: number;
  group?: string;
  clientId?: string;
  attempt?: number;
  detail?: string;
  /** The other message of a pair (a resend names its original, the original its resend). */
  relatedMessageId?: string;
}

/** One trace write per 100 ms: a batch of events costs one store put instead of one per event. */
const FLUSH_MS = 100;
/** Events buffered between flushes at most (~100k events/s); past it events are shed, counted and logged. */
const MAX_BUFFER = 10_000;
/** A message's steps read back at most (a message retried 1000 times is a runaway already). */
const MAX_EVENTS_PER_MESSAGE = 1000;
/** Records one message id can have: the send, a scheduled or half record, fired/committed copies, dead letters, resends. */
const MAX_COPIES_PER_MESSAGE = 64;

/**
 * Records every step of a message's life. The STORED step is read off the stored record (no second record
 * per message on the put path); the others are buffered and written in one batch every 100 ms through the
 * store itself (commit log + key index), so they are durable, retained like messages, and found by id
 * without a scan.
 */
export class TraceRecorder {
  private buffer: TraceEvent[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  /** Events shed because the buffer was full, since open. */
  droppedCount = 0;
  private droppedSinceLog = 0;

  /**
   * `isProducedCopy` tells the record a producer's send stored in its topic from the engine's own copies (a
   * fired or committed copy, a dead letter): the STORED step is read off that record, never written twice.
   */
  constructor(
    private readonly store: MessageStore,
    private readonly isProducedCopy: (m: StoredMessage) => boolean,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS).unref();
  }

  record(e: Omit<TraceEvent, 'at'> & { at?: number }): void {
    // Under overload tracing gives way: the messages themselves matter more than their history.
    if (this.buffer.length >= MAX_BUFFER) {
      this.droppedCount++;
      this.droppedSinceLog++;
      return;
    }
    this.buffer.push({ ...e, at: e.at ?? Date.now() });
  }

  flush(): Promise<void> {
    if (this.droppedSinceLog > 0) {
      logger.warn({ event: 'trace.shed', dropped: this.droppedSinceLog, limit: MAX_BUFFER }, 'trace buffer full: events dropped');
      this.droppedSinceLog = 0;
    }
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    const events = this.buffer;
    if (events.length === 0) return;
    this.buffer = [];
    const now = Date.now();
    try {
      await this.store.put(
        events.map((e) => ({
          topic: TRACE_TOPIC,
          generation: this.store.topicGeneration(TRACE_TOPIC),
          queueId: 0,
          messageId: createMessageId(now),
          body: Buffer.from(JSON.stringify(e)),
          tag: e.step,
          keys: [e.messageId],
          properties: {},
          bornTimestamp: e.at,
          bornHost: '',
          sysFlag: 0,
          reconsumeTimes: 0,
        })),
      );
    } catch (err) {
      logger.warn({ event: 'trace.write_failed', err: (err as Error).message, dropped: events.length }, 'trace events dropped');
    }
  }

  /** The steps of a message, in order: STORED from the stored record itself, the rest as recorded. */
  async events(messageId: string): Promise<TraceEvent[]> {
    await this.flush();
    const recorded = this.store
      .lookupByKey(TRACE_TOPIC, messageId, 0, Number.MAX_SAFE_INTEGER, MAX_EVENTS_PER_MESSAGE)
      .reverse() // the index answers newest first
      .map((m) => JSON.parse(m.body.toString()) as TraceEvent)
      .filter((e) => e.messageId === messageId);
    // Derived steps first: a stable sort then keeps STORED ahead of a delivery in the same millisecond.
    return [...this.storedSteps(messageId), ...recorded].sort((a, b) => a.at - b.at);
  }

  private storedSteps(messageId: string): TraceEvent[] {
    return this.store
      .lookupAllById(messageId, MAX_COPIES_PER_MESSAGE)
      .filter(this.isProducedCopy)
      .reverse()
      .map((m) => ({ messageId, step: 'STORED', at: m.storeTimestamp, topic: m.topic, queueId: m.queueId, offset: m.queueOffset }));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.flush();
  }
}
