import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ConsumeResult, Producer, PushConsumer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { loopDelayMonitor, loopDelayMs } from '../loop-delay.ts';
import { startBrokerProcess, type BrokerProcess } from './broker-process.ts';
import { RawProducer } from './raw-client.ts';
import { latencySummaryUs, mbPerSec, rate } from './stats.ts';

type Line = Record<string, unknown>;
export const BODY = Buffer.alloc(1024, 98);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
/** One topic per phase, so each consumer group sees only its own phase's messages. */
const TOPIC = 'bench-send';
const E2E_TOPIC = 'bench-e2e';
const DRAIN_TOPIC = 'bench-drain';
const ROOT = path.join(import.meta.dirname, '..', '..');
/** How long after the last send the e2e consumer waits for the rest before it reports what arrived. */
const E2E_GRACE_MS = 30_000;

export async function producer(endpoints: string, topic = TOPIC): Promise<Producer> {
  const p = new Producer({ endpoints, namespace: '', topics: [topic], logger: quiet });
  await p.startup();
  return p;
}

/** Latency percentiles (latencySummaryUs), the worst sample, and p99 ÷ p50 (issue 12 asks ≤ 3 at 1 sender, sync). */
export function tail(samplesNs: number[]) {
  const s = latencySummaryUs(samplesNs);
  return { ...s, maxUs: Math.round(samplesNs.reduce((a, b) => Math.max(a, b), 0) / 1000), p99OfP50: Math.round((s.p99Us / s.p50Us) * 100) / 100 };
}

/** Each sender sends in a closed loop (next send after the previous answer) until `total` sends are done. */
export async function closedLoop<S>(senders: readonly S[], total: number, send: (s: S) => Promise<unknown>) {
  const samples: number[] = [];
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    senders.map(async (s) => {
      while (issued < total) {
        issued++;
        const t0 = process.hrtime.bigint();
        await send(s);
        samples.push(Number(process.hrtime.bigint() - t0));
      }
    }),
  );
  const ms = performance.now() - started;
  return { producers: senders.length, messages: total, msgPerSec: rate(total, ms), mbPerSec: mbPerSec(total * BODY.length, ms), ...tail(samples) };
}

/** CPU µs per message, to 0.1 µs. */
export function perMsg(cpuUs: number, messages: number): number {
  return Math.round((cpuUs / messages) * 10) / 10;
}

/**
 * `count` sends at `perSec`, each started on schedule whatever the earlier ones are doing (an open loop, as
 * an application that sends on events does); `send` gets its start time. Resolves with each send's latency (ns).
 */
export async function openLoop(perSec: number, count: number, send: (startNs: bigint) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  const sends: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / perSec - performance.now();
    // Each send in its own turn of the event loop, as sends on events would be: behind schedule, a loop
    // that did not yield would issue the whole backlog at once and answer no reply until it was through.
    await new Promise((r) => (wait > 1 ? setTimeout(r, wait) : setImmediate(r)));
    const t0 = process.hrtime.bigint();
    sends.push(send(t0).then(() => void samples.push(Number(process.hrtime.bigint() - t0))));
  }
  await Promise.all(sends);
  return samples;
}

/**
 * The broker's event-loop delay and GC pauses over `run` (broker/main.ts's SIGUSR2 stats; the call before
 * `run` starts a fresh interval), its CPU (user + sys, µs), and this process's event-loop delay (the SDK
 * client's; in the e2e round the consumer's): which side of the connection a latency tail stalls on.
 */
async function observe<T>(broker: BrokerProcess, run: () => Promise<T>): Promise<{ result: T; cpuUs: number; loop: Line }> {
  const client = loopDelayMonitor();
  await broker.stats();
  client.enable();
  const result = await run();
  client.disable();
  const s = await broker.stats();
  const clientLoop = loopDelayMs(client);
  const loop = {
    brokerLoopP50Ms: s.eventLoopDelayMs.p50,
    brokerLoopP99Ms: s.eventLoopDelayMs.p99,
    brokerLoopMaxMs: s.eventLoopDelayMs.max,
    brokerGcMaxMs: s.gc.maxMs,
    clientLoopP99Ms: clientLoop.p99,
    clientLoopMaxMs: clientLoop.max,
  };
  return { result, cpuUs: s.cpuUs.user + s.cpuUs.system, loop };
}

/**
 * The official SDK's send rate with `concurrency` senders, and what each message cost in CPU: the broker
 * process's and this client process's, over the timed loop only. An untimed warm-up of the same sends comes
 * first: a broker runs warm (JIT-compiled) in production, and a cold lone sender's first thousands of sends
 * cost twice the CPU of later ones.
 */
async function sendRate(endpoints: string, broker: BrokerProcess, flush: string, concurrency: number, total: number): Promise<Line[]> {
  const producers = await Promise.all(Array.from({ length: concurrency }, () => producer(endpoints)));
  await closedLoop(producers, Math.max(WARM_UP_SENDS, total / 2), (p) => p.send({ topic: TOPIC, body: BODY }));
  const client0 = process.cpuUsage();
  const { result: figures, cpuUs: serverUs, loop } = await observe(broker, () => closedLoop(producers, total, (p) => p.send({ topic: TOPIC, body: BODY })));
  const client = process.cpuUsage(client0);
  await Promise.all(producers.map((p) => p.shutdown()));
  return [
    { bench: 'grpc.send', flush, ...figures },
    { bench: 'grpc.server-cpu', flush, producers: concurrency, messages: total, usPerMsg: perMsg(serverUs, total), clientUsPerMsg: perMsg(client.user + client.system, total), ...loop },
  ];
}

/**
 * A message body that starts with its send time: process.hrtime (CLOCK_MONOTONIC on Linux), one clock for
 * every process on the machine, so a receiver in another process can subtract it from its own reading.
 */
export function stampedBody(sentNs: bigint): Buffer {
  const body = Buffer.from(BODY);
  body.write(String(sentNs).padEnd(20, ' '), 0, 'latin1');
  return body;
}

/** Sent by e2e-producer.ts until the consumer has seen one (then the timed messages start). */
export const PROBE_BODY = Buffer.from('probe');

/**
 * Send→receive latency at a steady rate, producer and consumer in separate processes as users run them: a
 * child process (e2e-producer.ts) sends with the official SDK's Producer, this process receives with its
 * PushConsumer (the SDK's own receive loop: a new long poll as soon as one returns, acks beside it), and a
 * message's latency is its arrival in the listener minus the send time in its body.
 */
async function e2eProcesses(endpoints: string, broker: BrokerProcess, flush: string, perSec: number, seconds: number): Promise<Line[]> {
  const total = perSec * seconds;
  const roundStartNs = process.hrtime.bigint();
  const samples: number[] = [];
  let probed!: () => void;
  let allIn!: () => void;
  const probeSeen = new Promise<void>((r) => (probed = r));
  const done = new Promise<void>((r) => (allIn = r));
  const consumer = new PushConsumer({
    endpoints,
    namespace: '',
    consumerGroup: 'bench-e2e',
    subscriptions: new Map([[E2E_TOPIC, '*']]),
    logger: quiet,
    messageListener: {
      consume(m) {
        const now = process.hrtime.bigint();
        if (m.body.equals(PROBE_BODY)) probed();
        else {
          const sentNs = BigInt(m.body.toString('latin1', 0, 20).trim());
          // A straggler of an earlier round (a duplicate from an SDK retry) is not this round's.
          if (sentNs > roundStartNs && samples.push(Number(now - sentNs)) === total) allIn();
        }
        return ConsumeResult.SUCCESS;
      },
    },
  });
  await consumer.startup();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'e2e-producer.ts'), endpoints, E2E_TOPIC, String(perSec), String(total)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  const lines = createInterface({ input: child.stdout });
  const report = new Promise<Line>((resolve, reject) => {
    lines.once('line', (l) => resolve(JSON.parse(l) as Line));
    child.once('exit', (code) => reject(new Error(`e2e-producer.ts exited with ${code} before it reported`)));
  });
  try {
    await Promise.race([probeSeen, report]);
    const consumer0 = process.cpuUsage();
    const { result: sent, cpuUs, loop } = await observe(broker, async () => {
      child.stdin.write('go\n');
      const sent = await report;
      // What has not arrived by then is lost: the line's `messages` says how many arrived.
      await Promise.race([done, new Promise((r) => setTimeout(r, E2E_GRACE_MS).unref())]);
      return sent;
    });
    const consumerCpu = process.cpuUsage(consumer0);
    const { cpuUsPerMsg: producerCpuUsPerMsg, ...sendFigures } = sent;
    // CPU per message of the three processes: × the rate, what share of the machine's cores the load needs.
    const cpu = { producerCpuUsPerMsg, consumerCpuUsPerMsg: perMsg(consumerCpu.user + consumerCpu.system, total), brokerCpuUsPerMsg: perMsg(cpuUs, total) };
    return [
      { bench: 'grpc.send.steady', flush, ratePerSec: perSec, messages: total, ...sendFigures },
      { bench: 'grpc.e2e.processes', flush, ratePerSec: perSec, messages: samples.length, ...tail(samples), ...cpu, ...loop },
    ];
  } finally {
    report.catch(() => undefined);
    killChild();
    process.off('exit', killChild);
    await consumer.shutdown();
  }
}

/** The same loads from the light raw client: what the broker (gRPC + engine) sustains when the SDK is not the bound. */
async function rawSend(endpoints: string, flush: string, concurrency: number, total: number): Promise<Line> {
  const producers = Array.from({ length: concurrency }, () => new RawProducer(endpoints));
  await Promise.all(producers.map((p) => p.send(TOPIC, BODY)));
  const figures = await closedLoop(producers, total, (p) => p.send(TOPIC, BODY));
  for (const p of producers) p.close();
  return { bench: 'grpc.send.raw', flush, ...figures };
}

async function rawSteady(endpoints: string, broker: BrokerProcess, flush: string, perSec: number, seconds: number): Promise<Line> {
  const p = new RawProducer(endpoints);
  await p.send(TOPIC, BODY);
  const { result: samples, loop } = await observe(broker, () => openLoop(perSec, perSec * seconds, () => p.send(TOPIC, BODY)));
  p.close();
  return { bench: 'grpc.send.raw.steady', flush, ratePerSec: perSec, messages: samples.length, ...tail(samples), ...loop };
}

/** A backlog drained by one SimpleConsumer in batches of 32 (receive + ack each). */
async function consumeRate(endpoints: string, flush: string, backlog: number): Promise<Line> {
  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: 'bench-drain', subscriptions: new Map([[DRAIN_TOPIC, '*']]), awaitDuration: 1000, logger: quiet });
  await consumer.startup();
  const p = await producer(endpoints, DRAIN_TOPIC);
  for (let i = 0; i < backlog; i += 64) await Promise.all(Array.from({ length: Math.min(64, backlog - i) }, () => p.send({ topic: DRAIN_TOPIC, body: BODY })));
  await p.shutdown();
  let got = 0;
  const started = performance.now();
  while (got < backlog) {
    const batch = await consumer.receive(32, 30000);
    if (batch.length === 0) break;
    got += batch.length;
    await Promise.all(batch.map((m) => consumer.ack(m)));
  }
  const ms = performance.now() - started;
  await consumer.shutdown();
  return { bench: 'grpc.consume', flush, batch: 32, messages: got, msgPerSec: rate(got, ms), mbPerSec: mbPerSec(got * BODY.length, ms) };
}

/** Untimed sends before each measured SDK round (see sendRate). */
const WARM_UP_SENDS = 3000;

export async function runGrpcBench(opts: { dir: string; quick: boolean }, emit: (l: Line) => void): Promise<void> {
  const q = opts.quick;
  for (const flush of ['async', 'sync'] as const) {
    const broker = await startBrokerProcess({
      dataDir: path.join(opts.dir, `grpc-${flush}`),
      flush,
      bootstrap: { topics: [TOPIC, E2E_TOPIC, DRAIN_TOPIC].map((name) => ({ name, queues: 8 })), groups: [{ name: 'bench-e2e' }, { name: 'bench-drain' }] },
      extraArgs: ['--long-polling-ms', '2000'],
    });
    const endpoints = `127.0.0.1:${broker.port}`;
    try {
      emit(await rawSteady(endpoints, broker, flush, 1000, q ? 3 : 15));
      emit(await rawSend(endpoints, flush, 16, q ? 10_000 : 60_000));
      for (const [senders, total] of [[1, q ? 2000 : 10_000], [16, q ? 5000 : 40_000], [64, q ? 6400 : 40_000]] as const) {
        for (const l of await sendRate(endpoints, broker, flush, senders, total)) emit(l);
      }
      // 1,000/s is issue 12's rate; 300/s one the two SDK clients and the broker fit on 2 cores today, which
      // separates their latency from queueing for CPU.
      for (const perSec of [300, 1000]) for (const l of await e2eProcesses(endpoints, broker, flush, perSec, q ? 3 : 15)) emit(l);
      if (flush === 'async') emit(await consumeRate(endpoints, flush, q ? 5000 : 30_000));
    } finally {
      await broker.stop();
    }
  }
  emit({ bench: 'grpc.machine', cpus: os.cpus().length, note: 'client and broker share the machine' });
}
