/**
 * Child process of crash-recovery.test.ts: opens a Broker on a data directory and writes as fast as it can
 * from many concurrent loops, printing one JSON line per acknowledged put, until it is killed (SIGKILL).
 *
 *   node --import tsx crash-writer.fixture.ts <broker options JSON> <round> <concurrency>
 *
 * Bodies are a pure function of (round, n), so the parent can check any stored message, acknowledged or not.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker, type BrokerOptions } from '../index.ts';

export const CRASH_TOPIC = 'crash';
export const CRASH_QUEUES = 4;

/** One acknowledged put, as printed by the writer. */
export interface CrashAck {
  messageId: string;
  queueId: number;
  queueOffset: number;
  bodySha: string;
  round: number;
  n: number;
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Mostly small bodies, with every 37th up to 60 KiB so records of very different sizes mix in a segment. */
export function crashBodySize(round: number, n: number): number {
  const h = (Math.imul(round + 1, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b)) >>> 0;
  if (n % 37 === 0) return 10_000 + (h % 51_000);
  return 1 + (h % 1500);
}

export function crashBody(round: number, n: number): Buffer {
  const size = crashBodySize(round, n);
  const out = Buffer.allocUnsafe(size);
  const seed = createHash('sha256').update(`crash-${round}-${n}`).digest();
  for (let at = 0; at < size; at += seed.length) seed.copy(out, at, 0, Math.min(seed.length, size - at));
  // Vary the repeated pattern along the body so a shifted read cannot match by accident.
  for (let at = 0; at + 4 <= size; at += 1024) out.writeUInt32LE(at ^ n, at);
  return out;
}

export function crashKey(round: number, n: number): string {
  return `r${round}-n${n}`;
}

async function main(): Promise<void> {
  const [optionsJson, roundArg, concurrencyArg] = process.argv.slice(2);
  const options = JSON.parse(optionsJson ?? '{}') as BrokerOptions;
  const round = Number(roundArg);
  const concurrency = Number(concurrencyArg ?? 16);
  // Never outlive a parent that forgot to kill us.
  setTimeout(() => process.exit(2), 30_000);

  const broker = await Broker.open(options);
  if (!broker.hasTopic(CRASH_TOPIC)) broker.createTopic({ name: CRASH_TOPIC, queueNums: CRASH_QUEUES });
  process.stdout.write('READY\n');

  let next = 0;
  const report = (n: number, body: Buffer, r: { messageId: string; queueId: number; queueOffset: number }): void => {
    const ack: CrashAck = { messageId: r.messageId, queueId: r.queueId, queueOffset: r.queueOffset, bodySha: sha256(body), round, n };
    // Synchronous on Linux pipes: a line written here is in the pipe before the next put starts.
    process.stdout.write(`${JSON.stringify(ack)}\n`);
  };
  const loop = async (id: number): Promise<void> => {
    for (let k = 0; ; k++) {
      // Every fourth step of a loop is a batch of three, so group commits mix single puts and batches.
      const count = (id + k) % 4 === 0 ? 3 : 1;
      const ns = Array.from({ length: count }, () => next++);
      const messages = ns.map((n) => ({
        topic: CRASH_TOPIC,
        body: crashBody(round, n),
        tag: `t${n % 5}`,
        keys: [crashKey(round, n)],
        properties: { round: String(round), n: String(n) },
      }));
      const results = count === 1 ? [await broker.put(messages[0]!)] : await broker.putBatch(messages);
      results.forEach((r, i) => report(ns[i]!, messages[i]!.body, r));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => loop(id)));
}

const invokedAs = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invokedAs === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`crash-writer failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
