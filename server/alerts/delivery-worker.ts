/**
 * The outbox of alert notifications: one AlertDelivery row per (event, channel), sent by a poller with
 * back-off until it goes through or runs out of attempts. Rows are claimed with a conditional update
 * before sending, so console nodes sharing one database never both send the same row.
 */
import { logger } from '../broker/index.ts';
import type { Db } from '../db.ts';
import type { AlertDelivery, NotificationChannel } from '../generated/prisma/client.ts';
import { parseChannel } from './channel-config.ts';
import { deliver, DeliveryError, type AlertPayload, type DeliveryKind } from './notify.ts';

/**
 * Wait after the 1st, 2nd, … failure: quick retries for a receiver that blinked, then slower ones for
 * one that is down (the last value repeats). With MAX_DELIVERY_ATTEMPTS = 8 a notification is given up
 * about 1 h 22 min after its first attempt.
 */
export const BACKOFF_MS = [10_000, 30_000, 60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000] as const;
const LONGEST_BACKOFF_MS = 30 * 60_000;
export const MAX_DELIVERY_ATTEMPTS = 8;
/** Rows one poll sends at most: each may take a webhook timeout (10 s), so a poll stays bounded. */
export const DELIVERY_BATCH = 20;
export const DELIVERY_POLL_INTERVAL_MS = 5_000;
/**
 * How long a claimed row is left to its node: longer than any one attempt (SMTP's connect + socket
 * timeouts). A node that dies mid-send leaves the row to be retried by another after this.
 */
export const CLAIM_LEASE_MS = 2 * 60_000;
/** What the channel and the delivery store of a failure: a sentence, not a stack. */
const MAX_ERROR_CHARS = 500;

export type DeliveryState = 'pending' | 'sent' | 'failed';

/** The wait before the next attempt after `failures` failed ones (1-based). */
export function backoffMs(failures: number): number {
  const index = Math.min(Math.max(failures, 1), BACKOFF_MS.length) - 1;
  return BACKOFF_MS[index] ?? LONGEST_BACKOFF_MS;
}

export interface EnqueueInput {
  eventId?: string | null;
  kind: DeliveryKind;
  payload: AlertPayload;
  channelIds: readonly string[];
}

/** Queues the notification on each enabled channel of `channelIds` (unknown or disabled ones are skipped); returns the delivery ids. */
export async function enqueueNotifications(db: Db, input: EnqueueInput): Promise<string[]> {
  if (input.channelIds.length === 0) return [];
  const channels = await db.notificationChannel.findMany({ where: { id: { in: [...input.channelIds] }, enabled: true }, select: { id: true } });
  const payload = JSON.stringify(input.payload);
  const now = new Date();
  const rows = await db.$transaction(
    channels.map((c) => db.alertDelivery.create({ data: { eventId: input.eventId ?? null, channelId: c.id, kind: input.kind, state: 'pending', nextAt: now, payload }, select: { id: true } })),
  );
  return rows.map((r) => r.id);
}

export interface AttemptOutcome {
  deliveryId: string;
  /** 'sent'; 'pending' when it failed and will be retried; 'failed' when given up; 'skipped' when another node had it. */
  state: DeliveryState | 'skipped';
  error: string | null;
}

type DueDelivery = AlertDelivery & { channel: NotificationChannel };

/** Takes the row for this node: only if it is still due and no one attempted it since we read it. */
async function claim(db: Db, row: AlertDelivery, now: Date): Promise<boolean> {
  const { count } = await db.alertDelivery.updateMany({
    where: { id: row.id, state: 'pending', attempts: row.attempts, nextAt: { lte: now } },
    data: { attempts: row.attempts + 1, nextAt: new Date(now.getTime() + CLAIM_LEASE_MS) },
  });
  return count === 1;
}

function sentenceOf(e: unknown): string {
  // DeliveryError messages are written for people and scrubbed of secrets; anything else is our bug.
  const text = e instanceof DeliveryError ? e.message : `Internal error while sending: ${e instanceof Error ? e.name : 'unknown'}`;
  return text.slice(0, MAX_ERROR_CHARS);
}

async function recordSuccess(db: Db, row: DueDelivery, at: Date): Promise<AttemptOutcome> {
  // updateMany: the channel (and its deliveries with it) may have been deleted while this one was sent.
  await db.alertDelivery.updateMany({ where: { id: row.id }, data: { state: 'sent', sentAt: at, lastError: null } });
  await db.notificationChannel.updateMany({ where: { id: row.channelId }, data: { lastStatus: 'ok', lastError: null, lastSentAt: at } });
  return { deliveryId: row.id, state: 'sent', error: null };
}

/** A test is one attempt, answered to the person who pressed the button; alerts retry with back-off. */
function maxAttemptsOf(kind: string): number {
  return kind === 'test' ? 1 : MAX_DELIVERY_ATTEMPTS;
}

async function recordFailure(db: Db, row: DueDelivery, error: string, now: Date): Promise<AttemptOutcome> {
  const attempts = row.attempts + 1;
  const giveUp = attempts >= maxAttemptsOf(row.kind);
  const state: DeliveryState = giveUp ? 'failed' : 'pending';
  const nextAt = giveUp ? now : new Date(now.getTime() + backoffMs(attempts));
  await db.alertDelivery.updateMany({ where: { id: row.id }, data: { state, nextAt, lastError: error } });
  const channelError = giveUp && row.kind !== 'test' ? `Gave up after ${attempts} attempts: ${error}` : error;
  await db.notificationChannel.updateMany({ where: { id: row.channelId }, data: { lastStatus: 'failed', lastError: channelError.slice(0, MAX_ERROR_CHARS) } });
  return { deliveryId: row.id, state, error };
}

/** Claims one due row and sends it once, recording the outcome on the row and on its channel. */
async function attempt(db: Db, row: DueDelivery, now: Date): Promise<AttemptOutcome> {
  if (!(await claim(db, row, now))) return { deliveryId: row.id, state: 'skipped', error: null };
  if (!row.channel.enabled && row.kind !== 'test') {
    // Disabled after the alert was queued: the operator asked for silence on this channel.
    const error = 'Not sent: the channel was disabled';
    await db.alertDelivery.updateMany({ where: { id: row.id }, data: { state: 'failed', lastError: error } });
    return { deliveryId: row.id, state: 'failed', error };
  }
  try {
    await deliver(parseChannel(row.channel), JSON.parse(row.payload) as AlertPayload, { deliveryId: row.id });
  } catch (e) {
    return recordFailure(db, row, sentenceOf(e), now);
  }
  return recordSuccess(db, row, new Date());
}

/** Sends the deliveries due at `now` (oldest first, at most DELIVERY_BATCH), one at a time. */
export async function runDeliveries(db: Db, now: Date = new Date()): Promise<AttemptOutcome[]> {
  const due = await db.alertDelivery.findMany({ where: { state: 'pending', nextAt: { lte: now } }, orderBy: { nextAt: 'asc' }, take: DELIVERY_BATCH, include: { channel: true } });
  const outcomes: AttemptOutcome[] = [];
  // One at a time: a batch is small, and a slow receiver should not open 20 sockets at once.
  for (const row of due) outcomes.push(await attempt(db, row, now));
  return outcomes;
}

/**
 * A test notification on one channel (enabled or not), sent now rather than at the next poll: the outcome
 * is what the "Send test" button shows. The row is claimed like any other, so no poller sends it twice.
 */
export async function sendTestNotification(db: Db, channelId: string, payload: AlertPayload): Promise<AttemptOutcome> {
  const now = new Date();
  const created = await db.alertDelivery.create({ data: { channelId, kind: 'test', state: 'pending', nextAt: now, payload: JSON.stringify(payload) }, include: { channel: true } });
  return attempt(db, created, now);
}

const holder = globalThis as typeof globalThis & { __meridianDeliveryWorker?: () => Promise<void> };

/**
 * Polls for due deliveries every `intervalMs` (an unref'd timer) until the returned function is called,
 * which waits for the poll under way. One per process: a second call returns the running worker's stop.
 */
/** Finished notifications (sent or given up) are kept this long on their channel, then deleted. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3_600_000;
/** How often the worker deletes expired deliveries (the query scans finished rows, so not every poll). */
const PRUNE_INTERVAL_MS = 3_600_000;

/** Deletes sent and failed deliveries older than DELIVERY_RETENTION_MS; pending ones stay whatever their age. */
export async function pruneDeliveries(db: Db, now: number): Promise<number> {
  const { count } = await db.alertDelivery.deleteMany({ where: { state: { in: ['sent', 'failed'] }, createdAt: { lt: new Date(now - DELIVERY_RETENTION_MS) } } });
  return count;
}

export function startDeliveryWorker(db: Db, intervalMs = DELIVERY_POLL_INTERVAL_MS): () => Promise<void> {
  if (holder.__meridianDeliveryWorker) return holder.__meridianDeliveryWorker;
  let running: Promise<void> | undefined;
  let prunedAt = 0;
  const poll = (): void => {
    const now = Date.now();
    const prune = now - prunedAt >= PRUNE_INTERVAL_MS;
    if (prune) prunedAt = now;
    // A poll slower than the interval (a slow receiver): skip a beat rather than run two at once.
    running ??= (prune ? pruneDeliveries(db, now).then(() => runDeliveries(db)) : runDeliveries(db))
      .then((outcomes) => {
        const failed = outcomes.filter((o) => o.state === 'failed' || o.state === 'pending').length;
        if (failed > 0) logger.info({ event: 'alert.delivery_failures', attempted: outcomes.length, failed }, 'some notifications failed');
      })
      .catch((e: unknown) => logger.warn({ event: 'alert.delivery_poll_failed', err: (e as Error).message }, 'notification poll failed'))
      .finally(() => (running = undefined));
  };
  const timer = setInterval(poll, intervalMs).unref();
  const stop = async (): Promise<void> => {
    clearInterval(timer);
    holder.__meridianDeliveryWorker = undefined;
    await running;
  };
  holder.__meridianDeliveryWorker = stop;
  return stop;
}
