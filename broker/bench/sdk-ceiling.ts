/**
 * `npm run bench -- sdk-ceiling`: the official SDK's Producer, 1 and 64 closed-loop senders of 1 KiB bodies,
 * against Meridian as users run it (a broker process, sync flush) and, in the same run, against a null server
 * (stacks/lean-h2.ts: answers the SDK correctly, stores nothing; the cheapest of the gRPC stacks measured by
 * stacks/compare.ts, so the ceiling is the SDK's and not a server's). The two alternate round by round (the order
 * swapping each round) and each line gives the medians. `ofNull` = Meridian's msg/s ÷ the null server's: how
 * close a Node SDK user gets to the ceiling the SDK itself sets on this machine (issue 12 asks ≥ 0.9).
 *
 * The null server runs in its own process, as the broker does. Inside the bench's process its gRPC work would
 * queue on the SDK's event loop (one core) while the broker's runs on another core, which would lower the
 * ceiling and flatter Meridian; as a child, both targets get the same topology and only the server differs.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startBrokerProcess } from './broker-process.ts';
import { BODY, closedLoop, producer } from './grpc-bench.ts';
import { percentile, processCpuUs } from './stats.ts';

type Line = Record<string, unknown>;
const TOPIC = 'bench-ceiling';
const ROOT = path.join(import.meta.dirname, '..', '..');

interface Target {
  endpoints: string;
  pid: number;
}

interface Round {
  msgPerSec: number;
  p50Us: number;
  p99Us: number;
  /** Server process CPU (user + sys) ÷ messages. */
  serverCpuUs: number;
  /** This process's CPU (the SDK and the loop) ÷ messages. */
  clientCpuUs: number;
}

async function startNullServer(): Promise<Target & { stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'stacks', 'lean-h2.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`null server exited with ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { endpoints: `127.0.0.1:${port}`, pid: child.pid!, stop };
}

/** Fresh producers (started and warmed by one send each, untimed), then `total` sends in a closed loop. */
async function measure(target: Target, senders: number, total: number): Promise<Round> {
  const producers = await Promise.all(Array.from({ length: senders }, () => producer(target.endpoints, TOPIC)));
  await Promise.all(producers.map((p) => p.send({ topic: TOPIC, body: BODY })));
  const server0 = processCpuUs(target.pid);
  const client0 = process.cpuUsage();
  const f = await closedLoop(producers, total, (p) => p.send({ topic: TOPIC, body: BODY }));
  const client = process.cpuUsage(client0);
  const serverCpuUs = (processCpuUs(target.pid) - server0) / total;
  await Promise.all(producers.map((p) => p.shutdown()));
  return { msgPerSec: f.msgPerSec, p50Us: f.p50Us, p99Us: f.p99Us, serverCpuUs: Math.round(serverCpuUs), clientCpuUs: Math.round((client.user + client.system) / total) };
}

function median(rounds: Round[], key: keyof Round): number {
  return percentile(rounds.map((r) => r[key]).sort((a, b) => a - b), 50);
}

function line(producers: number, messages: number, meridian: Round[], nul: Round[]): Line {
  const msgPerSec = median(meridian, 'msgPerSec');
  const nullMsgPerSec = median(nul, 'msgPerSec');
  return {
    bench: 'sdk-ceiling',
    producers,
    msgPerSec,
    nullMsgPerSec,
    ofNull: Math.round((msgPerSec / nullMsgPerSec) * 1000) / 1000,
    messages,
    samples: meridian.map((r) => r.msgPerSec),
    nullSamples: nul.map((r) => r.msgPerSec),
    p50Us: median(meridian, 'p50Us'),
    p99Us: median(meridian, 'p99Us'),
    nullP50Us: median(nul, 'p50Us'),
    nullP99Us: median(nul, 'p99Us'),
    serverCpuUs: median(meridian, 'serverCpuUs'),
    nullServerCpuUs: median(nul, 'serverCpuUs'),
    clientCpuUs: median(meridian, 'clientCpuUs'),
    nullClientCpuUs: median(nul, 'clientCpuUs'),
  };
}

export async function runSdkCeilingBench(opts: { dir: string; quick: boolean }, emit: (l: Line) => void): Promise<void> {
  const q = opts.quick;
  const rounds = q ? 3 : 5;
  const broker = await startBrokerProcess({ dataDir: path.join(opts.dir, 'sdk-ceiling'), flush: 'sync', bootstrap: { topics: [{ name: TOPIC, queues: 8 }] } });
  const nullServer = await startNullServer();
  const meridian: Target = { endpoints: `127.0.0.1:${broker.port}`, pid: broker.child.pid! };
  try {
    // One untimed pass each, so neither side's first round runs cold (JIT, first store files).
    for (const t of [meridian, nullServer]) await measure(t, 64, q ? 1000 : 3000);
    for (const [senders, total] of [
      [1, q ? 1500 : 5000],
      [64, q ? 6000 : 30_000],
    ] as const) {
      const results = new Map<Target, Round[]>([
        [meridian, []],
        [nullServer, []],
      ]);
      for (let r = 0; r < rounds; r++) {
        for (const t of r % 2 === 0 ? [meridian, nullServer] : [nullServer, meridian]) results.get(t)!.push(await measure(t, senders, total));
      }
      emit(line(senders, total, results.get(meridian)!, results.get(nullServer)!));
    }
  } finally {
    await Promise.all([nullServer.stop(), broker.stop()]);
  }
}
