import { logger, type Broker } from '../../server/broker/index.ts';
import type { ClientRegistry } from './clients.ts';

interface Renewal {
  group: string;
  topic: string;
  clientId: string;
  visibleAt: number;
  deliveredAt: number;
}

/** Renew this long before a delivery would become visible again. */
const LEAD_MS = 10_000;
/** Stop renewing after this long: the message is then redelivered (RocketMQ's proxy uses 3 h). */
const MAX_RENEW_MS = 3 * 3600_000;
const TICK_MS = 2_000;
/** Ticks per invisible time at least, so a short invisible time (tests, tuned set-ups) is renewed before it ends. */
const TICKS_PER_INVISIBLE_TIME = 4;

/**
 * Push consumers receive with auto-renew and no invisible time: the broker keeps each delivery invisible
 * while its client is connected, until it is acked, nacked or forwarded, as the RocketMQ proxy does.
 */
export class Renewals {
  private readonly byHandle = new Map<string, Renewal>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly broker: Broker,
    private readonly clients: ClientRegistry,
    private readonly invisibleMs: number,
  ) {
    const tickMs = Math.max(1, Math.min(TICK_MS, Math.floor(invisibleMs / TICKS_PER_INVISIBLE_TIME)));
    this.timer = setInterval(() => this.tick(), tickMs).unref();
  }

  track(handle: string, r: Omit<Renewal, 'deliveredAt'>): void {
    this.byHandle.set(handle, { ...r, deliveredAt: Date.now() });
  }

  /** The client answered (ack, nack, DLQ): stop renewing. */
  forget(handle: string): void {
    this.byHandle.delete(handle);
  }

  private tick(): void {
    const now = Date.now();
    const live = new Set(this.clients.list().map((c) => c.clientId));
    for (const [handle, r] of this.byHandle) {
      if (!live.has(r.clientId) || now - r.deliveredAt > MAX_RENEW_MS) {
        this.byHandle.delete(handle);
        continue;
      }
      if (r.visibleAt - now > LEAD_MS) continue;
      try {
        r.visibleAt = this.broker.renewInvisibleDuration(r.group, r.topic, handle, this.invisibleMs);
      } catch (e) {
        // Acked, expired or redelivered meanwhile: nothing left to renew.
        logger.debug({ event: 'renew.skip', err: (e as Error).message }, 'renewal dropped');
        this.byHandle.delete(handle);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.byHandle.clear();
  }
}
