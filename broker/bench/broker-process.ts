import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** The broker's `broker.stats` log line (broker/main.ts, on SIGUSR2): the interval since the previous one. */
export interface BrokerStats {
  intervalMs: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number; samples: number };
  gc: { count: number; totalMs: number; maxMs: number };
  cpuUs: { user: number; system: number };
  memoryMb: { rss: number; heapUsed: number };
}

export interface BrokerProcess {
  port: number;
  child: ChildProcess;
  /** The broker's stats since the previous call (or its start), which also starts a new interval. */
  stats(): Promise<BrokerStats>;
  stop(): Promise<void>;
}

const ROOT = path.join(import.meta.dirname, '..', '..');
/** A stats line comes within a few ms and the start line within seconds; far longer means the broker is stuck. */
const STATS_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 60_000;

/** Starts `broker/main.ts` in its own process (as users run it) and waits for its start log line. */
export async function startBrokerProcess(opts: {
  dataDir: string;
  flush: 'sync' | 'async';
  bootstrap: object;
  extraArgs?: string[];
  /** Reopen the existing data (a restart) instead of starting empty. */
  keepData?: boolean;
}): Promise<BrokerProcess> {
  if (!opts.keepData) fs.rmSync(opts.dataDir, { recursive: true, force: true });
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const bootstrapFile = path.join(opts.dataDir, '..', `${path.basename(opts.dataDir)}-bootstrap.json`);
  fs.writeFileSync(bootstrapFile, JSON.stringify(opts.bootstrap));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'broker', 'main.ts'), '--data-dir', opts.dataDir, '--port', '0', '--host', '127.0.0.1', '--flush', opts.flush, '--bootstrap', bootstrapFile, ...(opts.extraArgs ?? [])],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, MERIDIAN_LOG_LEVEL: 'info' } },
  );
  // Never outlive the benchmark, even when it fails.
  process.once('exit', () => child.kill('SIGKILL'));
  /** Waiters for the next log line of an event, oldest first. */
  const waiting = new Map<string, ((line: Record<string, unknown>) => void)[]>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    if (!text.startsWith('{')) return;
    const line = JSON.parse(text) as Record<string, unknown>;
    waiting.get(String(line.event))?.shift()?.(line);
  });
  const next = (event: string, timeoutMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${event} line from the broker within ${timeoutMs} ms`)), timeoutMs);
      const onExit = (code: number | null) => reject(new Error(`broker exited with ${code} while waiting for ${event}`));
      child.once('exit', onExit);
      const list = waiting.get(event) ?? [];
      list.push((line) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(line);
      });
      waiting.set(event, list);
    });
  const port = (await next('broker.start', START_TIMEOUT_MS)).port as number;
  return {
    port,
    child,
    stats: async () => {
      const line = next('broker.stats', STATS_TIMEOUT_MS);
      child.kill('SIGUSR2');
      return (await line) as unknown as BrokerStats;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
