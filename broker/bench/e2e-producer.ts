/**
 * The producer half of grpc-bench's `grpc.e2e.processes`, in its own process. Arguments: endpoints, topic,
 * messages per second, messages. Sends PROBE_BODY every PROBE_EVERY_MS until a line on stdin says the
 * consumer has seen one (so no timed message waits for the consumer's first assignment), then the messages
 * at the rate with the official SDK, each body stamped with its send time; prints its send latencies
 * (grpc-bench's `tail`), how many sends failed and its CPU per message as one JSON line, and exits.
 */
import { createInterface } from 'node:readline';
import { openLoop, perMsg, PROBE_BODY, producer, stampedBody, tail } from './grpc-bench.ts';

const PROBE_EVERY_MS = 50;

const [endpoints, topic, perSec, count] = process.argv.slice(2) as [string, string, string, string];
const p = await producer(endpoints, topic);
let go = false;
createInterface({ input: process.stdin }).once('line', () => (go = true));
while (!go) {
  await p.send({ topic, body: PROBE_BODY });
  await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
}
// A failed send (a loaded machine can time one out) is counted, not fatal: the consumer then misses it.
let failed = 0;
const cpu0 = process.cpuUsage();
const samples = await openLoop(Number(perSec), Number(count), (sentNs) => p.send({ topic, body: stampedBody(sentNs) }).catch(() => void failed++));
const cpu = process.cpuUsage(cpu0);
await p.shutdown();
process.stdout.write(`${JSON.stringify({ ...tail(samples), failed, cpuUsPerMsg: perMsg(cpu.user + cpu.system, Number(count)) })}\n`);
process.exit(0);
