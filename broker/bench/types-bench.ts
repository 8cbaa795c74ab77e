import fs from 'node:fs';
import path from 'node:path';
import { Broker, compileSql } from '../../server/broker/index.ts';
import { drainBacklog } from './drain.ts';
import { latencySummaryUs, percentile, rate } from './stats.ts';

type Line = Record<string, unknown>;
const BODY = Buffer.alloc(256, 99);

async function fresh(dir: string): Promise<Broker> {
  fs.rmSync(dir, { recursive: true, force: true });
  return Broker.open({ dataDir: dir });
}

/** Schedules `count` messages due evenly over `spreadMs`, consumes them, and measures how late each fired. */
async function timerAccuracy(dir: string, count: number, spreadMs: number): Promise<Line[]> {
  const broker = await fresh(dir);
  broker.createTopic({ name: 'delayed', messageType: 'DELAY', queueNums: 8 });
  broker.createGroup({ name: 'g' });
  // Far enough ahead that scheduling (about 10k/s here) ends before the first message is due.
  const start = Date.now() + 2000 + Math.ceil(count / 10);
  const t0 = performance.now();
  for (let i = 0; i < count; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, count - i) }, (_, k) => {
        const due = start + Math.floor(((i + k) * spreadMs) / count);
        return broker.put({ topic: 'delayed', body: BODY, deliverAt: due, properties: { due: String(due) } });
      }),
    );
  }
  const scheduleMs = performance.now() - t0;
  const lateness: number[] = [];
  const deadline = start + spreadMs + 30_000;
  while (lateness.length < count && Date.now() < deadline) {
    const got = await broker.receive({ group: 'g', topic: 'delayed', maxMessages: 1024, invisibleMs: 60_000, waitMs: 200 });
    const now = Date.now();
    for (const r of got) {
      lateness.push(now - Number(r.message.properties.due));
      broker.ack('g', 'delayed', r.receiptHandle);
    }
  }
  await broker.close();
  const sorted = Float64Array.from(lateness).sort();
  return [
    { bench: 'types.timer.schedule', messages: count, msgPerSec: rate(count, scheduleMs) },
    { bench: 'types.timer.lateness', messages: count, fired: lateness.length, spreadMs, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1] ?? null },
  ];
}

/** Consume rate of a backlog with 4 consumers, FIFO (1,000 message groups) vs NORMAL. */
async function fifoVsNormal(dir: string, count: number): Promise<Line[]> {
  const out: Line[] = [];
  for (const fifo of [false, true]) {
    const broker = await fresh(dir);
    broker.createTopic({ name: 't', messageType: fifo ? 'FIFO' : 'NORMAL', queueNums: 8 });
    broker.createGroup({ name: 'g', fifo });
    for (let i = 0; i < count; i += 1000) {
      await broker.putBatch(Array.from({ length: Math.min(1000, count - i) }, (_, k) => ({ topic: 't', body: BODY, ...(fifo ? { messageGroup: `group-${(i + k) % 1000}`, messageType: 'FIFO' as const } : {}) })));
    }
    const { consumed, ms } = await drainBacklog(broker, { group: 'g', topic: 't', total: count, consumers: 4, giveUpMs: 60_000 });
    out.push({ bench: 'types.consume', type: fifo ? 'FIFO' : 'NORMAL', consumers: 4, messageGroups: fifo ? 1000 : 0, messages: consumed, msgPerSec: rate(consumed, ms) });
    await broker.close();
  }
  out.push({ bench: 'types.fifo.ratio', ofNormal: Math.round((Number(out[1]!.msgPerSec) / Number(out[0]!.msgPerSec)) * 100) / 100 });
  return out;
}

/** Evaluations per second of a 5-clause SQL92 expression. */
function filterRate(n: number): Line {
  const match = compileSql("price > 100 AND region IN ('eu', 'us') AND tier <> 'free' AND qty BETWEEN 1 AND 50 AND NOT (flag = 'x')");
  const props = [
    { price: '150', region: 'eu', tier: 'gold', qty: '10', flag: 'y' },
    { price: '50', region: 'us', tier: 'free', qty: '3' },
    { price: '500', region: 'ap', tier: 'gold', qty: '70', flag: 'x' },
  ];
  let hits = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) if (match(props[i % 3]!)) hits++;
  const ms = performance.now() - t0;
  return { bench: 'types.filter.sql', clauses: 5, evaluations: n, matched: hits, evalPerSec: rate(n, ms) };
}

/** Prepare + commit per transaction, 16 in flight. */
async function txnRate(dir: string, count: number): Promise<Line> {
  const broker = await fresh(dir);
  broker.createTopic({ name: 'tx', messageType: 'TRANSACTION', queueNums: 8 });
  const samples: number[] = [];
  let issued = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (issued < count) {
        issued++;
        const s = process.hrtime.bigint();
        const half = await broker.put({ topic: 'tx', body: BODY });
        await broker.endTransaction(half.transactionId!, half.messageId, 'COMMIT');
        samples.push(Number(process.hrtime.bigint() - s));
      }
    }),
  );
  const ms = performance.now() - t0;
  await broker.close();
  return { bench: 'types.txn.commit', concurrency: 16, transactions: count, txPerSec: rate(count, ms), ...latencySummaryUs(samples) };
}

export async function runTypesBench(opts: { dir: string; quick: boolean }, emit: (l: Line) => void): Promise<void> {
  const q = opts.quick;
  const dir = path.join(opts.dir, 'types');
  emit(filterRate(q ? 300_000 : 3_000_000));
  for (const l of await fifoVsNormal(dir, q ? 5_000 : 50_000)) emit(l);
  emit(await txnRate(dir, q ? 2_000 : 20_000));
  for (const l of await timerAccuracy(dir, q ? 5_000 : 100_000, q ? 5_000 : 60_000)) emit(l);
  fs.rmSync(dir, { recursive: true, force: true });
}
