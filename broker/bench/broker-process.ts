import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface BrokerProcess {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = path.join(import.meta.dirname, '..', '..');

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
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        if (!line.includes('"broker.start"')) continue;
        resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}`)));
  });
  return {
    port,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
