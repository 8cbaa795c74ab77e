import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BrokerError } from '../errors.ts';
import { logger } from '../logger.ts';
import type { MessageStore, PutResult, StoreInput, StoredMessage } from '../store/message-store.ts';
import type { TraceEvent } from '../trace/recorder.ts';

/** Half messages wait in the commit log under this internal topic until their transaction ends. */
export const HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';
export const TxnProperty = { REAL_TOPIC: '__REAL_TOPIC', TRANSACTION_ID: '__TRANSACTION_ID' } as const;

export type TxnState = 'PREPARED' | 'COMMITTED' | 'ROLLED_BACK';
export type Resolution = 'COMMIT' | 'ROLLBACK';

export interface HalfMessage {
  transactionId: string;
  messageId: string;
  topic: string;
  physicalOffset: number;
  createdAt: number;
  /** When the next check-back is due. */
  checkAt: number;
  checks: number;
  state: TxnState;
  reason?: string;
}

export interface TxnOptions {
  /** First check-back once a half message is this old (RocketMQ: 6 s), unless the producer asked otherwise. */
  firstCheckMs: number;
  /** Then every (RocketMQ: the 30 s scan). */
  checkIntervalMs: number;
  /** After this many unanswered checks the transaction is rolled back (RocketMQ: 15). */
  maxChecks: number;
}

export interface TxnHost {
  readonly store: MessageStore;
  /** The committed copy, ready to store in the real topic (undefined when that topic is gone). */
  committedInput(half: StoredMessage, realTopic: string): StoreInput | undefined;
  /** Asks a live producer of the topic to resolve the transaction; false when none is connected. */
  checkBack(half: StoredMessage, transactionId: string): boolean;
  trace(e: Omit<TraceEvent, 'at'>): void;
}

const Line = z.object({
  transactionId: z.string(),
  messageId: z.string(),
  topic: z.string(),
  physicalOffset: z.number(),
  createdAt: z.number(),
  checkAt: z.number(),
  checks: z.number(),
  state: z.enum(['PREPARED', 'COMMITTED', 'ROLLED_BACK']),
  reason: z.string().optional(),
});
/** Check-backs are due at whole seconds (6 s, then every 30 s): a 1 s scan is precise enough. */
const TICK_MS = 1000;

/**
 * Transactional messages: a send stores a half message, invisible to consumers; EndTransaction COMMIT stores
 * it in its real topic, ROLLBACK discards it. Unresolved ones are checked back with a live producer on a
 * schedule and rolled back after the last check. Every state change is journaled (one JSON line), so the
 * state survives a restart; ended transactions are kept for a while so a repeated end is answered.
 */
export class TxnService {
  private readonly txns = new Map<string, HalfMessage>();
  private readonly file: string;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly host: TxnHost,
    dir: string,
    private readonly opts: TxnOptions,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'transactions.log');
    this.load();
    this.timer = setInterval(() => this.checkDue(), TICK_MS).unref();
  }

  private load(): void {
    if (!fs.existsSync(this.file)) return;
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (!line) continue;
      const parsed = (() => {
        try {
          return Line.safeParse(JSON.parse(line));
        } catch {
          return undefined;
        }
      })();
      if (parsed?.success) this.txns.set(parsed.data.transactionId, parsed.data);
    }
    // Compact: keep prepared ones and the last day of ended ones.
    const keep = [...this.txns.values()].filter((t) => t.state === 'PREPARED' || Date.now() - t.createdAt < 86_400_000);
    fs.writeFileSync(this.file, keep.map((t) => JSON.stringify(t)).join('\n') + (keep.length ? '\n' : ''));
  }

  private save(t: HalfMessage): void {
    this.txns.set(t.transactionId, t);
    fs.appendFileSync(this.file, `${JSON.stringify(t)}\n`);
  }

  async prepare(input: StoreInput, recoveryMs?: number): Promise<PutResult & { transactionId: string }> {
    const transactionId = randomUUID();
    const [stored] = await this.host.store.put([
      {
        ...input,
        topic: HALF_TOPIC,
        generation: this.host.store.topicGeneration(HALF_TOPIC),
        queueId: 0,
        properties: { ...input.properties, [TxnProperty.REAL_TOPIC]: input.topic, [TxnProperty.TRANSACTION_ID]: transactionId },
      },
    ]);
    const now = Date.now();
    this.save({
      transactionId,
      messageId: input.messageId,
      topic: input.topic,
      physicalOffset: stored!.physicalOffset,
      createdAt: now,
      checkAt: now + Math.min(recoveryMs ?? this.opts.firstCheckMs, 3_600_000),
      checks: 0,
      state: 'PREPARED',
    });
    return { ...stored!, topic: input.topic, queueId: -1, queueOffset: -1, transactionId };
  }

  /** Commits or rolls back. Repeating the same end is answered OK; the opposite end, or an unknown id, is refused. */
  async end(transactionId: string, messageId: string, resolution: Resolution, endedBy = 'the producer'): Promise<TxnState> {
    const t = this.txns.get(transactionId);
    if (!t || (messageId && t.messageId !== messageId)) {
      throw new BrokerError('TRANSACTION_NOT_FOUND', `No transaction ${transactionId} for message ${messageId} is known to this broker`);
    }
    const wanted: TxnState = resolution === 'COMMIT' ? 'COMMITTED' : 'ROLLED_BACK';
    if (t.state === wanted) return t.state;
    if (t.state !== 'PREPARED') {
      throw new BrokerError('TRANSACTION_ENDED', `Transaction ${transactionId} was already ${t.state === 'COMMITTED' ? 'committed' : 'rolled back'}${t.reason ? ` (${t.reason})` : ''}`);
    }
    if (resolution === 'COMMIT') {
      const half = this.host.store.readAt(t.physicalOffset);
      const realTopic = half?.properties[TxnProperty.REAL_TOPIC];
      const input = half && realTopic ? this.host.committedInput(half, realTopic) : undefined;
      if (!input) throw new BrokerError('TOPIC_NOT_FOUND', `The topic of transaction ${transactionId} no longer exists`);
      const properties: Record<string, string> = { ...input.properties };
      delete properties[TxnProperty.REAL_TOPIC];
      await this.host.store.put([{ ...input, properties }]);
    }
    this.save({ ...t, state: wanted, reason: `ended by ${endedBy}` });
    this.host.trace({ messageId: t.messageId, step: wanted, topic: t.topic, detail: `ended by ${endedBy}` });
    return wanted;
  }

  /** A transaction this broker knows (pending, or ended and not yet forgotten). */
  get(transactionId: string): HalfMessage | undefined {
    return this.txns.get(transactionId);
  }

  /** Half messages still waiting, oldest first (for the console). */
  pending(topic?: string): HalfMessage[] {
    return [...this.txns.values()].filter((t) => t.state === 'PREPARED' && (topic === undefined || t.topic === topic)).sort((a, b) => a.createdAt - b.createdAt);
  }

  private checkDue(): void {
    const now = Date.now();
    for (const t of this.txns.values()) {
      if (t.state !== 'PREPARED' || t.checkAt > now) continue;
      if (t.checks >= this.opts.maxChecks) {
        this.save({ ...t, state: 'ROLLED_BACK', reason: `no answer after ${t.checks} check-backs` });
        this.host.trace({ messageId: t.messageId, step: 'ROLLED_BACK', topic: t.topic, detail: `no answer after ${t.checks} check-backs` });
        logger.warn({ event: 'txn.rollback', transactionId: t.transactionId, topic: t.topic, checks: t.checks }, 'transaction rolled back: no producer answered');
        continue;
      }
      const half = this.host.store.readAt(t.physicalOffset);
      const asked = half ? this.host.checkBack(half, t.transactionId) : false;
      if (!asked) logger.info({ event: 'txn.check_skipped', transactionId: t.transactionId, topic: t.topic }, 'no live producer to check the transaction with');
      // Every attempt counts, with or without a producer online, so an orphan always ends.
      this.save({ ...t, checks: t.checks + 1, checkAt: now + this.opts.checkIntervalMs });
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
