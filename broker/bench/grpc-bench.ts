import os from 'node:os';
import path from 'node:path';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { startBrokerProcess } from './broker-process.ts';
import { RawProducer } from './raw-client.ts';
import { latencySummaryUs, mbPerSec, processCpuUs, rate } from './stats.ts';

type Line = Record<string, unknown>;
export const BODY = Buffer.alloc(1024, 98);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
/** One topic per phase, so each consumer group sees only its own phase's messages. */
const TOPIC = 'bench-send';
const E2E_TOPIC = 'bench-e2e';
const DRAIN_TOPIC = 'bench-drain';

export async function producer(endpoints: string, topic = TOPIC): Promise<Producer> {
  const p = new Producer({ endpoints, namespace: '', topics: [topic], logger: quiet });
  await p.startup();
  return p;
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
  return { producers: senders.length, messages: total, msgPerSec: rate(total, ms), mbPerSec: mbPerSec(total * BODY.length, ms), ...latencySummaryUs(samples) };
}

/**
 * The official SDK's send rate with `concurrency` senders, and what each message cost in CPU: the broker
 * process's (from /proc) and this client process's, over the timed loop only.
 */
async function sendRate(endpoints: string, brokerPid: number, flush: string, concurrency: number, total: number): Promise<Line[]> {
  const producers = await Promise.all(Array.from({ length: concurrency }, () => producer(endpoints)));
  const server0 = processCpuUs(brokerPid);
  const client0 = process.cpuUsage();
  const figures = await closedLoop(producers, total, (p) => p.send({ topic: TOPIC, body: BODY }));
  const client = process.cpuUsage(client0);
  const serverUs = processCpuUs(brokerPid) - server0;
  await Promise.all(producers.map((p) => p.shutdown()));
  const perMsg = (us: number) => Math.round((us / total) * 10) / 10;
  return [
    { bench: 'grpc.send', flush, ...figures },
    { bench: 'grpc.server-cpu', flush, producers: concurrency, messages: total, usPerMsg: perMsg(serverUs), clientUsPerMsg: perMsg(client.user + client.system) },
  ];
}

/** Sends at a steady rate and measures send latency and send→receive latency with a SimpleConsumer. */
async function steady(endpoints: string, flush: string, perSec: number, seconds: number): Promise<Line[]> {
  const p = await producer(endpoints, E2E_TOPIC);
  const consumer = new SimpleConsumer({ endpoints, namespace: '', consumerGroup: 'bench-e2e', subscriptions: new Map([[E2E_TOPIC, '*']]), awaitDuration: 2000, logger: quiet });
  await consumer.startup();
  const sendSamples: number[] = [];
  const e2eSamples: number[] = [];
  const total = perSec * seconds;
  let received = 0;
  let stop = false;
  const consumeLoop = (async () => {
    while (!stop && received < total) {
      const batch = await consumer.receive(32, 15000);
      const now = process.hrtime.bigint();
      for (const m of batch) {
        e2eSamples.push(Number(now - BigInt(m.body.toString('latin1', 0, 20).trim())));
        received++;
      }
      await Promise.all(batch.map((m) => consumer.ack(m)));
    }
  })();
  const started = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const body = Buffer.from(BODY);
    const t0 = process.hrtime.bigint();
    body.write(String(t0).padEnd(20, ' '), 0, 'latin1');
    sends.push(p.send({ topic: E2E_TOPIC, body }).then(() => void sendSamples.push(Number(process.hrtime.bigint() - t0))));
  }
  await Promise.all(sends);
  const deadline = Date.now() + 30_000;
  while (received < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  stop = true;
  await consumeLoop.catch(() => undefined);
  await p.shutdown();
  await consumer.shutdown();
  return [
    { bench: 'grpc.send.steady', flush, ratePerSec: perSec, messages: total, ...latencySummaryUs(sendSamples), maxUs: Math.round(Math.max(...sendSamples) / 1000) },
    { bench: 'grpc.e2e', flush, ratePerSec: perSec, messages: received, ...latencySummaryUs(e2eSamples) },
  ];
}

/** The same loads from the light raw client: what the broker (gRPC + engine) sustains when the SDK is not the bound. */
async function rawSend(endpoints: string, flush: string, concurrency: number, total: number): Promise<Line> {
  const producers = Array.from({ length: concurrency }, () => new RawProducer(endpoints));
  await Promise.all(producers.map((p) => p.send(TOPIC, BODY)));
  const figures = await closedLoop(producers, total, (p) => p.send(TOPIC, BODY));
  for (const p of producers) p.close();
  return { bench: 'grpc.send.raw', flush, ...figures };
}

async function rawSteady(endpoints: string, flush: string, perSec: number, seconds: number): Promise<Line> {
  const p = new RawProducer(endpoints);
  await p.send(TOPIC, BODY);
  const samples: number[] = [];
  const sends: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < perSec * seconds; i++) {
    const wait = started + (i * 1000) / perSec - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t0 = process.hrtime.bigint();
    sends.push(p.send(TOPIC, BODY).then(() => void samples.push(Number(process.hrtime.bigint() - t0))));
  }
  await Promise.all(sends);
  p.close();
  return { bench: 'grpc.send.raw.steady', flush, ratePerSec: perSec, messages: samples.length, ...latencySummaryUs(samples), maxUs: Math.round(Math.max(...samples) / 1000) };
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
      emit(await rawSteady(endpoints, flush, 1000, q ? 3 : 15));
      emit(await rawSend(endpoints, flush, 16, q ? 10_000 : 60_000));
      const pid = broker.child.pid!;
      for (const [senders, total] of [[1, q ? 2000 : 10_000], [16, q ? 5000 : 40_000], [64, q ? 6400 : 40_000]] as const) {
        for (const l of await sendRate(endpoints, pid, flush, senders, total)) emit(l);
      }
      for (const l of await steady(endpoints, flush, 1000, q ? 3 : 15)) emit(l);
      if (flush === 'async') emit(await consumeRate(endpoints, flush, q ? 5000 : 30_000));
    } finally {
      await broker.stop();
    }
  }
  emit({ bench: 'grpc.machine', cpus: os.cpus().length, note: 'client and broker share the machine' });
}
