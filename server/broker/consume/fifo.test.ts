import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../broker.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A deterministic pseudo-random sequence, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('FIFO consumption', () => {
  it('each message group is acknowledged strictly in send order across consumers, failures and a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-fifo-'));
    dirs.push(dir);
    const opts = { dataDir: dir, segmentSize: 1 << 20, maxMessageSize: 64 << 10 };
    let broker = await Broker.open(opts);
    broker.createTopic({ name: 'orders', messageType: 'FIFO', queueNums: 4 });
    broker.createGroup({ name: 'fulfil', fifo: true, maxDeliveryAttempts: 50 });
    const GROUPS = 20;
    const PER_GROUP = 10;
    for (let seq = 0; seq < PER_GROUP; seq++) {
      await broker.putBatch(Array.from({ length: GROUPS }, (_, g) => ({ topic: 'orders', body: `${g}:${seq}`, messageGroup: `order-${g}`, messageType: 'FIFO' as const })));
    }
    const acked = new Map<number, number[]>();
    const random = rng(42);
    let total = 0;

    /** Three consumers until `target` acks; a failure abandons the rest of its batch (it comes back in order). */
    async function consume(b: Broker, target: number): Promise<void> {
      await Promise.all(
        Array.from({ length: 3 }, async () => {
          while (total < target) {
            const batch = await b.receive({ group: 'fulfil', topic: 'orders', maxMessages: 4, invisibleMs: 200, waitMs: 100 });
            for (const r of batch) {
              if (random() < 0.15) break; // induced failure: stop here, let the rest expire
              const [g, seq] = r.message.body.toString().split(':').map(Number) as [number, number];
              b.ack('fulfil', 'orders', r.receiptHandle);
              acked.set(g, [...(acked.get(g) ?? []), seq]);
              total++;
              if (total >= target) break;
            }
          }
        }),
      );
    }

    await consume(broker, (GROUPS * PER_GROUP) / 2);
    await broker.close();
    broker = await Broker.open(opts);
    await consume(broker, GROUPS * PER_GROUP);
    await broker.close();

    for (let g = 0; g < GROUPS; g++) expect(acked.get(g)).toEqual(Array.from({ length: PER_GROUP }, (_, i) => i));
  }, 60_000);
});
