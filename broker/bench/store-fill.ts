/**
 * Child process of the store benchmark: fills a data directory with N keyed 1 KiB messages, prints their
 * ids, then reports "filled" and waits to be killed with SIGKILL (never closing the store).
 */
import { Broker } from '../../server/broker/index.ts';

const [dataDir, countArg] = process.argv.slice(2);
const count = Number(countArg);
const broker = await Broker.open({ dataDir: dataDir!, flush: 'async' });
if (!broker.hasTopic('bench-lookup')) broker.createTopic({ name: 'bench-lookup', queueNums: 8 });
const body = Buffer.alloc(1024, 120);
const ids: string[] = [];
const BATCH = 256;
for (let i = 0; i < count; i += BATCH) {
  const puts = [];
  for (let k = i; k < Math.min(count, i + BATCH); k++) puts.push(broker.put({ topic: 'bench-lookup', body, keys: [`key-${k}`] }));
  for (const r of await Promise.all(puts)) if (ids.length < 100_000) ids.push(r.messageId);
}
process.stdout.write(`${JSON.stringify({ filled: count, sampleIds: ids.filter((_, i) => i % 10 === 0) })}\n`);
setInterval(() => {}, 1000);
