/**
 * What the server comparisons (sdk-ceiling, stacks/compare.ts) share: a gRPC server started as its own
 * process, and one measured round of the official SDK's Producer against it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { BODY, closedLoop, producer } from './grpc-bench.ts';
import { percentile, processCpuUs } from './stats.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');

export interface ServerProcess {
  endpoints: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `node --import tsx <file>` (a null server that prints `{"port":…}` when ready); SIGTERM stops it. */
export async function startServerProcess(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${path.basename(file)} exited with ${code}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { endpoints: `127.0.0.1:${port}`, pid: child.pid!, stop };
}

export interface Round {
  msgPerSec: number;
  p50Us: number;
  p99Us: number;
  /** Server process CPU (user + sys) ÷ messages. */
  serverUsPerMsg: number;
  /** This process's CPU (the SDK and the loop) ÷ messages. */
  clientUsPerMsg: number;
}

/** Fresh producers (started and warmed by one send each, untimed), then `total` sends in a closed loop. */
export async function measureRound(target: { endpoints: string; pid: number }, topic: string, senders: number, total: number): Promise<Round> {
  const producers = await Promise.all(Array.from({ length: senders }, () => producer(target.endpoints, topic)));
  await Promise.all(producers.map((p) => p.send({ topic, body: BODY })));
  const server0 = processCpuUs(target.pid);
  const client0 = process.cpuUsage();
  const f = await closedLoop(producers, total, (p) => p.send({ topic, body: BODY }));
  const client = process.cpuUsage(client0);
  const serverUs = processCpuUs(target.pid) - server0;
  await Promise.all(producers.map((p) => p.shutdown()));
  const perMsg = (us: number) => Math.round((us / total) * 10) / 10;
  return { msgPerSec: f.msgPerSec, p50Us: f.p50Us, p99Us: f.p99Us, serverUsPerMsg: perMsg(serverUs), clientUsPerMsg: perMsg(client.user + client.system) };
}

export function medianOf(rounds: readonly Round[], key: keyof Round): number {
  return percentile(rounds.map((r) => r[key]).sort((a, b) => a - b), 50);
}
