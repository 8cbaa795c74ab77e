/**
 * Job claims between console nodes sharing one database (a lease per claim, taken over once it runs out), jobs
 * left for the node that runs their instance, and resuming on an instance's start rather than on a page's query.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../broker/index.ts';
import { embeddedAdmin, type BrokerAdmin } from '../broker-admin.ts';
import { startConsoleTestEnv, testInstance, testUser, type ConsoleTestEnv } from '../console-test-env.ts';
import { JobRunner, jobRunner } from './runner.ts';
import { makeDeadLetters } from './test-dead-letters.ts';

const I = 'jobs';
/** Short enough that a test waits out a lease quickly; a batch here takes milliseconds. */
const LEASE_MS = 300;
let env: ConsoleTestEnv;
const runners: JobRunner[] = [];

beforeAll(async () => {
  env = await startConsoleTestEnv();
  await env.runtime.start(testInstance(I));
});

afterAll(async () => {
  for (const r of runners) await r.stop();
  await jobRunner(env.db, env.runtime).stop();
  await env.close();
});

function broker(): Broker {
  return env.runtime.get(I)!.broker!;
}

/** A console node on the shared database; `reads` counts the DLQ pages it read (its batches). */
function node(owner: string, runs = true) {
  const node = { reads: 0, runner: undefined as unknown as JobRunner };
  const adminOf = (id: string): BrokerAdmin | undefined => {
    const admin = runs ? embeddedAdmin(env.runtime.get(id)) : undefined;
    if (!admin) return undefined;
    return Object.assign(Object.create(admin) as BrokerAdmin, {
      deadLetters: (...args: Parameters<BrokerAdmin['deadLetters']>) => {
        node.reads++;
        return admin.deadLetters(...args);
      },
    });
  };
  node.runner = new JobRunner({ db: env.db, adminOf }, { leaseMs: LEASE_MS, owner });
  runners.push(node.runner);
  return node;
}

let n = 0;
/** A purge job of a fresh group's `count` dead letters, as the console leaves it in the database (QUEUED). */
async function purgeJob(count: number, over: { state?: string; owner?: string; leaseUntil?: Date } = {}) {
  const group = `g${++n}`;
  await makeDeadLetters(broker(), `t${n}`, group, Array.from({ length: count }, (_, i) => `m${i}`));
  const job = await env.db.job.create({ data: { kind: 'DLQ_PURGE', instanceId: I, params: JSON.stringify({ group, target: { endMs: Date.now() } }), createdBy: 'operator', ...over } });
  return { group, job };
}

const row = (id: string) => env.db.job.findUniqueOrThrow({ where: { id } });

describe('job claims between console nodes', () => {
  it('of two nodes resuming one job at once, one runs it and the other leaves it alone', async () => {
    const { group, job } = await purgeJob(5);
    const a = node('node-a');
    const b = node('node-b');
    await Promise.all([a.runner.resumeInstance(I), b.runner.resumeInstance(I)]);
    await Promise.all([a.runner.idle(), b.runner.idle()]);
    const done = await row(job.id);
    expect(done).toMatchObject({ state: 'DONE', done: 5, total: 5, leaseUntil: null, result: JSON.stringify({ purged: 5 }) });
    expect(Math.min(a.reads, b.reads)).toBe(0);
    expect(Math.max(a.reads, b.reads)).toBeGreaterThan(0);
    expect(done.owner).toBe(a.reads > 0 ? 'node-a' : 'node-b');
    expect(broker().deadLetterCount(group)).toBe(0);
  });

  it('a job held by a node that stopped renewing its lease is taken over once the lease runs out, not before', async () => {
    const leaseUntil = new Date(Date.now() + LEASE_MS);
    const { job } = await purgeJob(2, { state: 'RUNNING', owner: 'killed-node', leaseUntil });
    const c = node('node-c');
    await c.runner.resumeInstance(I);
    await c.runner.idle();
    const done = await row(job.id);
    expect(done).toMatchObject({ state: 'DONE', owner: 'node-c', result: JSON.stringify({ purged: 2 }) });
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(leaseUntil.getTime());
  });

  it('a node where the instance does not run leaves its jobs QUEUED, handing back one it held', async () => {
    const { job: waiting } = await purgeJob(1);
    const { job: held } = await purgeJob(1, { state: 'RUNNING', owner: 'node-d', leaseUntil: new Date(Date.now() + 60_000) });
    const d = node('node-d', false);
    await d.runner.resumeInstance(I);
    await d.runner.idle();
    expect(await row(waiting.id)).toMatchObject({ state: 'QUEUED', error: null, owner: null });
    expect(await row(held.id)).toMatchObject({ state: 'QUEUED', error: null, owner: null, leaseUntil: null });
    await env.db.job.updateMany({ where: { id: { in: [waiting.id, held.id] } }, data: { state: 'CANCELLED' } });
  });
});

describe('where jobs resume', () => {
  it('reading jobs starts none; the instance starting again resumes them', async () => {
    const runner = jobRunner(env.db, env.runtime);
    await runner.idle();
    const { group, job } = await purgeJob(3);
    const viewer = env.caller(testUser('viewer'));
    expect(await viewer.job.get({ instanceId: I, jobId: job.id })).toMatchObject({ state: 'QUEUED' });
    expect((await viewer.job.list({ instanceId: I })).find((j) => j.id === job.id)).toMatchObject({ state: 'QUEUED' });
    await runner.idle();
    expect(await row(job.id)).toMatchObject({ state: 'QUEUED', startedAt: null });

    await env.runtime.start(testInstance(I));
    await runner.idle();
    expect(await row(job.id)).toMatchObject({ state: 'DONE', owner: runner.owner, result: JSON.stringify({ purged: 3 }) });
    expect(broker().deadLetterCount(group)).toBe(0);
  });

  it('a job started while its instance is down waits QUEUED (not FAILED) and runs once the instance starts', async () => {
    const runner = jobRunner(env.db, env.runtime);
    const group = `g${++n}`;
    await makeDeadLetters(broker(), `t${n}`, group, ['a', 'b']);
    await env.runtime.stop(I);
    const job = await runner.start({ kind: 'DLQ_PURGE', instanceId: I, params: { group, target: { endMs: Date.now() } }, createdBy: 'operator' });
    await runner.idle();
    expect(await row(job.id)).toMatchObject({ state: 'QUEUED', error: null });
    await env.runtime.start(testInstance(I));
    await runner.idle();
    expect(await row(job.id)).toMatchObject({ state: 'DONE', result: JSON.stringify({ purged: 2 }) });
  });
});
