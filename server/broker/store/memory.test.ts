import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { MemoryReport } from './memory-writer.fixture.ts';

const FIXTURE = fileURLToPath(new URL('./memory-writer.fixture.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MB = 1024 * 1024;
const TOTAL_MB = 600;
const MESSAGE_KB = 64;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-memory-'));

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function runFixture(): Promise<{ report: MemoryReport | undefined; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', FIXTURE, dataDir, String(TOTAL_MB), String(MESSAGE_KB)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (c: string) => (out += c));
  child.stderr.on('data', (c: string) => (stderr += c));
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 100_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(watchdog);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  return { report: line ? (JSON.parse(line) as MemoryReport) : undefined, code, stderr };
}

describe('memory while writing and reading far more than fits in a heap', () => {
  it(
    `stays bounded over ${TOTAL_MB} MB of ${MESSAGE_KB} KiB messages written then read back`,
    async () => {
      const { report, code, stderr } = await runFixture();
      expect(code, stderr).toBe(0);
      expect(report).toBeDefined();
      const r = report!;
      const count = Math.floor((TOTAL_MB * MB) / (MESSAGE_KB * 1024));
      expect(r.written).toBe(count);
      expect(r.read).toBe(count);
      expect(r.mismatches).toBe(0);

      const write = r.samples.filter((s) => s.phase === 'write');
      const read = r.samples.filter((s) => s.phase === 'read');
      expect(write).toHaveLength(TOTAL_MB / 100);
      expect(read).toHaveLength(TOTAL_MB / 100);

      // The first 100 MB is warm-up (JIT, buffers, index file); from the next sample on RSS must stay flat.
      const all = [...write, ...read];
      const baseline = all[1]!.rss;
      const table = all.map((s) => `${s.phase} ${Math.round(s.bytes / MB)} MB: rss ${Math.round(s.rss / MB)} MB`).join('; ');
      for (const s of all.slice(1)) {
        expect(s.rss - baseline, `RSS grew by more than 150 MB after warm-up (${table})`).toBeLessThan(150 * MB);
      }
      expect(all.at(-1)!.rss - baseline, table).toBeLessThan(150 * MB);
      // Nothing proportional to the data is kept: the peak is far below the volume written.
      expect(Math.max(...all.map((s) => s.rss)), table).toBeLessThan((TOTAL_MB * MB) / 2);
    },
    120_000,
  );
});
