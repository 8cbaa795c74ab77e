/**
 * A resend-all job interrupted by kill -9 of the console process resumes on the next start and resends every
 * dead letter exactly once: the consumer of the group receives each message once, and the job reaches DONE.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../broker/test-support.ts';
import { createDb, type Db } from '../db.ts';
import { migrateDatabase } from '../migrate/index.ts';
import { Runtime, specOf } from '../runtime.ts';
import { DLQ_JOB_BATCH } from './dead-letter-jobs.ts';
import { deliveredCounts, makeDeadLetters } from './test-dead-letters.ts';

const FIXTURE = fileURLToPath(new URL('./console-process.fixture.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LETTERS = DLQ_JOB_BATCH * 20;
const TOPIC = 'orders';
const GROUP = 'billing';

let dir: string;
let url: string;
let db: Db;
let instance: Awaited<ReturnType<Db['instance']['create']>>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-job-crash-'));
  url = `file:${path.join(dir, 'console.db')}`;
  await migrateDatabase(url);
  db = createDb(url);
  instance = await db.instance.create({ data: { name: 'default', region: 'local', grpcPort: 0, kind: 'embedded' } });
});

afterAll(async () => {
  await db.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The console process: started as `npm start` starts it, on this data root and database. */
function startConsole(pauseAfter?: number): { child: ChildProcess; output: () => string; exited: Promise<[number | null, NodeJS.Signals | null]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, url, ...(pauseAfter ? [String(pauseAfter)] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MERIDIAN_LOG_LEVEL: 'debug' } });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  return { child, output: () => out, exited: once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]> };
}

/** The furthest progress a console's log says it saved for the job. */
function savedProgress(output: string, id: string): number {
  let done = 0;
  for (const line of output.split('\n')) {
    if (!line.includes('"job.progress"')) continue;
    const e = JSON.parse(line) as { jobId: string; done: number };
    if (e.jobId === id) done = Math.max(done, e.done);
  }
  return done;
}

async function job(id: string) {
  // The child writes the same SQLite file: a read that meets its lock is simply tried again.
  const reader = createDb(url);
  try {
    return await waitUntil(() => reader.job.findUnique({ where: { id } }).catch(() => null), { what: `job ${id} to be readable` });
  } finally {
    await reader.$disconnect();
  }
}

async function killed(run: ReturnType<typeof startConsole>): Promise<void> {
  run.child.kill('SIGKILL');
  const [, signal] = await run.exited;
  expect(signal, run.output()).toBe('SIGKILL');
}

describe('a resend job killed with the console process', () => {
  it('resumes on the next start and resends every dead letter exactly once', async () => {
    const runtime = new Runtime(dir);
    await runtime.start(specOf(instance));
    const ids = await makeDeadLetters(runtime.get(instance.id)!.broker!, TOPIC, GROUP, Array.from({ length: LETTERS }, (_, i) => `letter ${i}`));
    await runtime.stopAll();
    // The operator's "resend all": the job row as the console writes it, to be run by the next console start.
    const { id } = await db.job.create({ data: { kind: 'DLQ_RESEND', instanceId: instance.id, params: JSON.stringify({ group: GROUP, target: { endMs: Date.now() } }), createdBy: 'alice' } });

    // 1. Killed in the middle of a batch: some of its letters resent, its progress not saved yet.
    const pausedAt = DLQ_JOB_BATCH * 2 + DLQ_JOB_BATCH / 2;
    const first = startConsole(pausedAt);
    await waitUntil(() => first.output().includes('PAUSED'), { what: 'the first console to pause mid-batch', timeoutMs: 60_000 });
    await killed(first);
    expect(await job(id)).toMatchObject({ state: 'RUNNING', done: DLQ_JOB_BATCH * 2, total: LETTERS });

    // 2. Killed while it works, once its log says it saved progress past the first run's (the database is not
    // polled meanwhile: SQLite takes one writing process at a time).
    const second = startConsole();
    await waitUntil(() => savedProgress(second.output(), id) >= DLQ_JOB_BATCH * 5 || second.output().includes('IDLE'), { what: 'the second console to make progress', timeoutMs: 60_000 });
    if (second.child.exitCode === null) await killed(second);

    // 3. Runs to the end.
    const third = startConsole();
    const [code] = await third.exited;
    expect(code, third.output()).toBe(0);
    expect(third.output()).toContain('IDLE');
    const done = await job(id);
    expect(done).toMatchObject({ state: 'DONE', done: LETTERS, total: LETTERS, error: null });
    const counts = JSON.parse(done.result) as { resent: number; alreadyResent: number; skipped: number };
    // A letter resent before a kill and met again (its batch repeated) is counted once: as skipped (the DLQ
    // says it was resent) or as already resent (the engine knew the job's dedupe key).
    expect(counts.resent + counts.alreadyResent + counts.skipped).toBe(LETTERS);
    expect(counts.alreadyResent + counts.skipped).toBeGreaterThanOrEqual(DLQ_JOB_BATCH / 2);

    // The group's consumer receives each message exactly once.
    const after = new Runtime(dir);
    await after.start(specOf(instance));
    try {
      const delivered = await deliveredCounts(after.get(instance.id)!.broker!, TOPIC, GROUP);
      expect([...delivered.keys()].sort()).toEqual([...ids].sort());
      expect([...delivered.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    } finally {
      await after.stopAll();
    }
  });
});
