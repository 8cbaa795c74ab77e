import type { Broker } from '../../server/broker/index.ts';

/**
 * Consumes a group's backlog on one topic with `consumers` concurrent loops, each receiving 32 at a time and
 * acking every message, until `total` are acked; a loop also stops once a receive comes back empty after
 * `giveUpMs` (a backlog that can never drain, e.g. FIFO groups stuck behind a bug, ends the run instead of
 * hanging it). Returns how many were consumed and how long it took. Each loop yields to the event loop after
 * every receive, as a consumer whose requests arrive over the network does: a receive that answers at once
 * resolves in microtasks, and loops that never yield would starve every timer (the trace flush, the
 * checkpoint) for the whole run.
 */
export async function drainBacklog(
  broker: Broker,
  opts: { group: string; topic: string; total: number; consumers: number; giveUpMs?: number },
): Promise<{ consumed: number; ms: number }> {
  const { group, topic, total, consumers, giveUpMs = Number.POSITIVE_INFINITY } = opts;
  let consumed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: consumers }, async () => {
      while (consumed < total) {
        const got = await broker.receive({ group, topic, maxMessages: 32, invisibleMs: 60_000, waitMs: 100 });
        for (const r of got) broker.ack(group, topic, r.receiptHandle);
        consumed += got.length;
        await new Promise((resolve) => setImmediate(resolve));
        if (got.length === 0 && performance.now() - started > giveUpMs) break;
      }
    }),
  );
  return { consumed, ms: performance.now() - started };
}
