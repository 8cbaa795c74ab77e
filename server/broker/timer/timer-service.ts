import path from 'node:path';
import { z } from 'zod';
import { BrokerError } from '../errors.ts';
import { readJson, writeJsonAtomic } from '../json-file.ts';
import { logger } from '../logger.ts';
import type { MessageStore, PutResult, StoreInput, StoredMessage } from '../store/message-store.ts';
import type { TraceEvent } from '../trace/recorder.ts';
import { EntryState, minuteOf, TimerBuckets, type EntryStateValue, type TimerEntry } from './buckets.ts';

/** Scheduled messages wait in the commit log under this internal topic until they fire. */
export const TIMER_TOPIC = 'rmq_sys_timer';
export const TimerProperty = {
  REAL_TOPIC: '__REAL_TOPIC',
  DELIVER_AT: '__DELIVER_AT',
  /** On a fired copy: the commit-log offset of the scheduled record (detects a double fire after a crash). */
  ORIGIN: '__TIMER_ORIGIN',
} as const;

export interface ScheduledState {
  dueAt: number;
  state: 'PENDING' | 'FIRING' | 'FIRED' | 'RECALLED';
  recallHandle: string;
}

const STATE_NAMES: Record<EntryStateValue, ScheduledState['state']> = { 0: 'PENDING', 1: 'FIRING', 2: 'FIRED', 3: 'RECALLED' };

export interface PendingMinute {
  minute: number;
  count: number;
  nextDueAt: number | null;
}

export interface TimerHost {
  readonly store: MessageStore;
  /** The fired copy of a scheduled message, ready to store in its real topic; undefined when the topic is gone. */
  firedInput(message: StoredMessage, realTopic: string): StoreInput | undefined;
  trace(e: Omit<TraceEvent, 'at'>): void;
}

/** Delivery is promised to the second; a 100 ms tick keeps lateness well under that at one stat per tick. */
const TICK_MS = 100;
const FiringSchema = z.array(z.tuple([z.number(), z.number()]));

/** A recall handle names the bucket entry and the message it must hold. */
function encodeRecall(minute: number, index: number, messageId: string): string {
  return Buffer.from(JSON.stringify([minute, index, messageId])).toString('base64url');
}

/**
 * Delay / scheduled delivery. A scheduled message is appended to the commit log (internal topic) and indexed
 * in a per-minute bucket file; a 100 ms tick fires what is due, in due order, by storing a copy in the real
 * topic. Messages due while the broker was down fire at once on start. A marker file lists the batch being
 * fired, so a crash mid-batch neither loses nor double-fires a message.
 */
export class TimerService {
  private readonly buckets: TimerBuckets;
  private readonly firingFile: string;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Messages fired since open. */
  firedCount = 0;
  /** Scheduled messages not yet fired or recalled: counted on the first ask, then kept by every change. */
  private pendingTotal: number | undefined;

  constructor(
    private readonly host: TimerHost,
    dir: string,
  ) {
    this.buckets = new TimerBuckets(path.join(dir, 'buckets'));
    this.firingFile = path.join(dir, 'firing.json');
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS).unref();
  }

  async schedule(input: StoreInput, dueAt: number): Promise<PutResult & { recallHandle: string }> {
    const [stored] = await this.host.store.put([
      {
        ...input,
        topic: TIMER_TOPIC,
        generation: this.host.store.topicGeneration(TIMER_TOPIC),
        queueId: 0,
        properties: { ...input.properties, [TimerProperty.REAL_TOPIC]: input.topic, [TimerProperty.DELIVER_AT]: String(dueAt) },
      },
    ]);
    const { minute, index } = this.buckets.add(dueAt, stored!.physicalOffset, stored!.size);
    this.adjustPending(1);
    return { ...stored!, topic: input.topic, queueId: -1, queueOffset: -1, recallHandle: encodeRecall(minute, index, input.messageId) };
  }

  /**
   * Cancels a scheduled message that has not fired; clear errors when it fired, was recalled, is unknown, or
   * (when `topic` is given, as the protocol's RecallMessage and the console give it) is of another topic.
   */
  recall(handle: string, topic?: string): string {
    let parsed: [number, number, string];
    try {
      parsed = z.tuple([z.number().int(), z.number().int(), z.string()]).parse(JSON.parse(Buffer.from(handle, 'base64url').toString()));
    } catch {
      throw new BrokerError('MESSAGE_NOT_FOUND', 'The recall handle is malformed');
    }
    const [minute, index, messageId] = parsed;
    const entry = this.buckets.read(minute)[index];
    const message = entry ? this.host.store.readAt(entry.physicalOffset, entry.size) : undefined;
    if (!entry || message?.messageId !== messageId) {
      throw new BrokerError('MESSAGE_NOT_FOUND', `No scheduled message ${messageId} matches this recall handle (it may have been delivered and expired)`);
    }
    if (topic !== undefined && message.properties[TimerProperty.REAL_TOPIC] !== topic) {
      throw new BrokerError('MESSAGE_NOT_FOUND', `Scheduled message ${messageId} does not belong to topic "${topic}"`);
    }
    if (entry.state === EntryState.FIRED || entry.state === EntryState.FIRING) {
      throw new BrokerError('MESSAGE_NOT_FOUND', `Message ${messageId} was already delivered at ${new Date(entry.dueAt).toISOString()}`);
    }
    if (entry.state === EntryState.RECALLED) throw new BrokerError('MESSAGE_NOT_FOUND', `Message ${messageId} was already recalled`);
    this.buckets.setState(minute, index, EntryState.RECALLED);
    this.adjustPending(-1);
    this.host.trace({ messageId, step: 'RECALLED' });
    return messageId;
  }

  /** Where a scheduled record stands (undefined when its bucket is gone with retention). */
  stateOf(record: StoredMessage): ScheduledState | undefined {
    const dueAt = Number(record.properties[TimerProperty.DELIVER_AT]);
    if (!Number.isFinite(dueAt)) return undefined;
    const entry = this.buckets.read(minuteOf(dueAt)).find((e) => e.physicalOffset === record.physicalOffset);
    if (!entry) return undefined;
    return { dueAt, state: STATE_NAMES[entry.state], recallHandle: encodeRecall(entry.minute, entry.index, record.messageId) };
  }

  /** Scheduled messages of a topic still waiting, soonest first, at most `limit` (for the console's recall). */
  waiting(topic: string, limit: number): { messageId: string; dueAt: number; recallHandle: string }[] {
    const out: { messageId: string; dueAt: number; recallHandle: string }[] = [];
    for (const { minute, entries } of this.pendingByMinute(topic)) {
      for (const { entry, messageId } of entries) {
        out.push({ messageId, dueAt: entry.dueAt, recallHandle: encodeRecall(minute, entry.index, messageId) });
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  /** Pending scheduled messages of a topic per due minute (for the console's histogram). */
  /** Scheduled messages of every topic not yet fired or recalled. */
  pendingCount(): number {
    this.pendingTotal ??= this.countPending();
    return this.pendingTotal;
  }

  private countPending(): number {
    let n = 0;
    for (const minute of this.buckets.minutes) for (const e of this.buckets.read(minute)) if (e.state === EntryState.PENDING) n++;
    return n;
  }

  private adjustPending(delta: number): void {
    if (this.pendingTotal !== undefined) this.pendingTotal += delta;
  }

  pending(topic: string): PendingMinute[] {
    return [...this.pendingByMinute(topic)].map(({ minute, entries }) => ({ minute, count: entries.length, nextDueAt: entries[0]!.entry.dueAt }));
  }

  /** Per due minute in order, the topic's pending entries soonest first, skipping minutes with none. */
  private *pendingByMinute(topic: string): Generator<{ minute: number; entries: { entry: TimerEntry; messageId: string }[] }> {
    for (const minute of [...this.buckets.minutes].sort((a, b) => a - b)) {
      const entries: { entry: TimerEntry; messageId: string }[] = [];
      for (const entry of this.buckets.read(minute)) {
        if (entry.state !== EntryState.PENDING) continue;
        const m = this.host.store.readAt(entry.physicalOffset, entry.size);
        if (m?.properties[TimerProperty.REAL_TOPIC] === topic) entries.push({ entry, messageId: m.messageId });
      }
      entries.sort((a, b) => a.entry.dueAt - b.entry.dueAt);
      if (entries.length > 0) yield { minute, entries };
    }
  }

  tick(): Promise<void> {
    this.ticking ??= this.fireDue().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async fireDue(): Promise<void> {
    try {
      await this.finishInterruptedBatch();
      const now = Date.now();
      for (const minute of [...this.buckets.minutes].filter((m) => m <= minuteOf(now)).sort((a, b) => a - b)) {
        const entries = this.buckets.read(minute);
        const due = entries.filter((e) => e.state === EntryState.PENDING && e.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt || a.index - b.index);
        if (due.length > 0) await this.fire(due);
        if (minute < minuteOf(now) && entries.every((e) => e.state !== EntryState.PENDING || due.includes(e))) this.buckets.finish(minute);
      }
    } catch (e) {
      logger.error({ event: 'timer.fire_failed', err: (e as Error).message }, 'firing scheduled messages failed; retrying');
    }
  }

  private async fire(due: TimerEntry[]): Promise<void> {
    writeJsonAtomic(this.firingFile, due.map((e) => [e.minute, e.index]));
    const inputs: StoreInput[] = [];
    for (const e of due) {
      const input = this.firedInputOf(e);
      if (input) inputs.push(input);
    }
    if (inputs.length > 0) {
      const stored = await this.host.store.put(inputs);
      for (const r of stored) this.host.trace({ messageId: r.messageId, step: 'FIRED', topic: r.topic, queueId: r.queueId, offset: r.queueOffset });
    }
    for (const e of due) this.buckets.setState(e.minute, e.index, EntryState.FIRED);
    this.adjustPending(-due.length);
    this.firedCount += inputs.length;
    writeJsonAtomic(this.firingFile, []);
  }

  private firedInputOf(e: TimerEntry): StoreInput | undefined {
    const m = this.host.store.readAt(e.physicalOffset, e.size);
    const realTopic = m?.properties[TimerProperty.REAL_TOPIC];
    if (!m || !realTopic) return undefined;
    const input = this.host.firedInput(m, realTopic);
    if (!input) return undefined;
    const properties: Record<string, string> = { ...input.properties, [TimerProperty.ORIGIN]: String(e.physicalOffset) };
    delete properties[TimerProperty.REAL_TOPIC];
    return { ...input, properties };
  }

  /** After a crash mid-batch: fire what of that batch did not reach its topic, skip what did. */
  private async finishInterruptedBatch(): Promise<void> {
    const parsed = FiringSchema.safeParse(readJson(this.firingFile));
    if (!parsed.success || parsed.data.length === 0) return;
    const redo: TimerEntry[] = [];
    for (const [minute, index] of parsed.data) {
      const e = this.buckets.read(minute)[index];
      if (!e || e.state !== EntryState.PENDING) continue;
      const original = this.host.store.readAt(e.physicalOffset, e.size);
      const copy = original ? this.host.store.lookupById(original.messageId) : undefined;
      if (copy && copy.properties[TimerProperty.ORIGIN] === String(e.physicalOffset)) {
        this.buckets.setState(minute, index, EntryState.FIRED);
        this.adjustPending(-1);
      } else redo.push(e);
    }
    if (redo.length > 0) await this.fire(redo);
    else writeJsonAtomic(this.firingFile, []);
  }

  /** Forgets finished minutes older than the retention: their messages are gone from the store too. */
  dropFinishedBefore(cutoffMs: number): void {
    this.buckets.dropFinishedBefore(cutoffMs);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }
}
