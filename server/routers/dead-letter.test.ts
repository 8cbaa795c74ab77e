/** The DLQ console API: counts, paged and filtered listing, resend and purge (one, a selection, a filter as a job), roles and audit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../broker/index.ts';
import { waitUntil } from '../broker/test-support.ts';
import { startConsoleTestEnv, testInstance, testUser, trpcError, type ConsoleTestEnv } from '../console-test-env.ts';
import { jobRunner } from '../jobs/runner.ts';
import { deadLetterOffsets, deliveredCounts, makeDeadLetters } from '../jobs/test-dead-letters.ts';
import type { Role } from '../schemas.ts';

let env: ConsoleTestEnv;
let broker: Broker;
const I = 'dlq';

function as(role: Role) {
  return env.caller(testUser(role));
}

beforeAll(async () => {
  env = await startConsoleTestEnv();
  await env.runtime.start(testInstance(I));
  broker = env.runtime.get(I)!.broker!;
});

afterAll(async () => {
  await jobRunner(env.db, env.runtime).stop();
  await env.close();
});

let n = 0;
/** A fresh topic and group with `count` dead letters, tagged a / b alternately; `at` is each one's DLQ offset, by index. */
async function withDeadLetters(count: number) {
  const topic = `orders${++n}`;
  const group = `billing${n}`;
  const ids = await makeDeadLetters(broker, topic, group, Array.from({ length: count }, (_, i) => ({ body: `{"n":${i}}`, tag: i % 2 === 0 ? 'a' : 'b', keys: [`k${i}`] })));
  const offsets = deadLetterOffsets(broker, group);
  return { topic, group, ids, at: (i: number) => offsets.get(ids[i]!)! };
}

async function jobDone(jobId: string) {
  return waitUntil(
    async () => {
      const job = await as('viewer').job.get({ instanceId: I, jobId });
      return job.state === 'RUNNING' || job.state === 'QUEUED' ? undefined : job;
    },
    { what: `job ${jobId} to finish` },
  );
}

describe('dead-letter queues in the console', () => {
  it('the groups list and the group page count each DLQ', async () => {
    const { group } = await withDeadLetters(3);
    const list = await as('viewer').group.list({ instanceId: I, search: group });
    expect(list.rows.find((r) => r.name === group)?.deadLetters).toBe(3);
    expect((await as('viewer').group.get({ instanceId: I, name: group })).deadLetters).toBe(3);
    expect(await as('viewer').deadLetter.count({ instanceId: I, group })).toEqual({ count: 3 });
  });

  it('lists dead letters page by page with the engine cursor, filtered by tag, with origin and failure', async () => {
    const { topic, group, ids } = await withDeadLetters(5);
    const pages: Awaited<ReturnType<ReturnType<typeof as>['deadLetter']['list']>>[] = [];
    let cursor: (typeof pages)[number]['nextCursor'] | undefined;
    do {
      const page = await as('viewer').deadLetter.list({ instanceId: I, group, pageSize: 2, order: 'oldest', ...(cursor ? { cursor } : {}) });
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.rows.length)).toEqual([2, 2, 1]);
    const rows = pages.flatMap((p) => p.rows);
    expect(rows.map((r) => r.originMessageId).sort()).toEqual([...ids].sort());
    expect(rows.find((r) => r.originMessageId === ids[0])).toMatchObject({ originTopic: topic, originTopicRef: topic, reason: 'CLIENT_FORWARDED', attempts: 1, resentAt: null, tag: 'a', keys: ['k0'] });
    const tagged = await as('viewer').deadLetter.list({ instanceId: I, group, pageSize: 10, match: { tag: 'b' } });
    expect(tagged.rows.map((r) => r.tag)).toEqual(['b', 'b']);
  });

  it('resends one letter back to its group, which receives it once; the list shows when', async () => {
    const { topic, group, ids, at } = await withDeadLetters(2);
    expect(await as('operator').deadLetter.resend({ instanceId: I, group, offset: at(0) })).toEqual({ resent: true });
    expect(await deliveredCounts(broker, topic, group)).toEqual(new Map([[ids[0], 1]]));
    const rows = (await as('viewer').deadLetter.list({ instanceId: I, group })).rows;
    expect(rows.find((r) => r.originMessageId === ids[0])?.resentAt).toEqual(expect.any(Number));
    expect(rows.find((r) => r.originMessageId === ids[1])?.resentAt).toBeNull();
  });

  it('a message dead-lettered twice is two letters, each resent and purged by its own offset', async () => {
    const { topic, group, ids, at } = await withDeadLetters(1);
    const first = at(0);
    await as('operator').deadLetter.resend({ instanceId: I, group, offset: first });
    const [again] = await broker.receive({ group, topic, maxMessages: 1, invisibleMs: 60_000, waitMs: 0 });
    await broker.forwardToDeadLetter(group, topic, again!.receiptHandle, 'failed once more');
    const rows = (await as('viewer').deadLetter.list({ instanceId: I, group, order: 'oldest' })).rows;
    expect(rows.map((r) => r.originMessageId)).toEqual([ids[0], ids[0]]);
    const second = rows[1]!.offset;
    expect(rows.map((r) => r.offset)).toEqual([first, second]);
    expect(rows.map((r) => r.resentAt !== null)).toEqual([true, false]);

    expect(await as('operator').deadLetter.resend({ instanceId: I, group, offset: second })).toEqual({ resent: true });
    expect(await deliveredCounts(broker, topic, group)).toEqual(new Map([[ids[0], 1]]));
    expect(await as('operator').deadLetter.purge({ instanceId: I, group, target: { offsets: [first] } })).toEqual({ purged: 1 });
    expect((await as('viewer').deadLetter.list({ instanceId: I, group })).rows.map((r) => r.offset)).toEqual([second]);
  });

  it('a selected letter purged before its resend job reaches it is counted missing, and the job goes on', async () => {
    const { topic, group, ids, at } = await withDeadLetters(3);
    await as('operator').deadLetter.purge({ instanceId: I, group, target: { offsets: [at(1)] } });
    const { jobId } = await as('operator').deadLetter.resendMany({ instanceId: I, group, target: { offsets: [at(0), at(1), at(2)] } });
    expect(await jobDone(jobId)).toMatchObject({ state: 'DONE', done: 3, total: 3, error: null, counts: { resent: 2, alreadyResent: 0, missing: 1 } });
    expect([...(await deliveredCounts(broker, topic, group)).keys()].sort()).toEqual([ids[0], ids[2]].sort());
  });

  it('resends everything matching a filter as a background job that reaches DONE with its progress, each letter once', async () => {
    const { topic, group, ids } = await withDeadLetters(250);
    const { jobId } = await as('operator').deadLetter.resendMany({ instanceId: I, group, target: { match: { tag: 'a' } } });
    const job = await jobDone(jobId);
    expect(job).toMatchObject({ state: 'DONE', kind: 'DLQ_RESEND', group, total: 250, done: 250, counts: { resent: 125, skipped: 0 }, createdBy: 'operator' });
    const delivered = await deliveredCounts(broker, topic, group);
    expect([...delivered.keys()].sort()).toEqual(ids.filter((_, i) => i % 2 === 0).sort());
    expect([...delivered.values()].every((c) => c === 1)).toBe(true);

    // "Resend all" again: the letters resent already are skipped, the others go now.
    const again = await jobDone((await as('operator').deadLetter.resendMany({ instanceId: I, group, target: {} })).jobId);
    expect(again.counts).toEqual({ resent: 125, alreadyResent: 0, missing: 0, skipped: 125 });
    expect((await deliveredCounts(broker, topic, group)).size).toBe(125);
  });

  it('resends a selection as a job, and lists the job with the group', async () => {
    const { topic, group, ids, at } = await withDeadLetters(4);
    const { jobId } = await as('operator').deadLetter.resendMany({ instanceId: I, group, target: { offsets: [at(1), at(3)] } });
    expect(await jobDone(jobId)).toMatchObject({ state: 'DONE', done: 2, total: 2, counts: { resent: 2, missing: 0 } });
    expect([...(await deliveredCounts(broker, topic, group)).keys()].sort()).toEqual([ids[1], ids[3]].sort());
    expect((await as('viewer').job.list({ instanceId: I, group })).map((j) => j.id)).toEqual([jobId]);
  });

  it('purges one, a selection, everything matching a filter (a job), and all', async () => {
    const { group, ids, at } = await withDeadLetters(8);
    expect(await as('operator').deadLetter.purge({ instanceId: I, group, target: { offsets: [at(0)] } })).toEqual({ purged: 1 });
    expect(await as('operator').deadLetter.purge({ instanceId: I, group, target: { offsets: [at(1), at(2)] } })).toEqual({ purged: 2 });
    const { jobId } = await as('operator').deadLetter.purgeMatching({ instanceId: I, group, match: { tag: 'b' } });
    expect(await jobDone(jobId)).toMatchObject({ state: 'DONE', counts: { purged: 3 } }); // 3, 5 and 7 (1 went already)
    expect((await as('viewer').deadLetter.list({ instanceId: I, group })).rows.map((r) => r.originMessageId).sort()).toEqual([ids[4], ids[6]].sort());
    expect(await as('operator').deadLetter.purge({ instanceId: I, group, target: { all: true } })).toEqual({ purged: 2 });
    expect(await as('viewer').deadLetter.count({ instanceId: I, group })).toEqual({ count: 0 });
  });

  it('a time range of when letters were dead-lettered limits the list, "resend all matching" and "purge matching" alike', async () => {
    const { topic, group, ids: older } = await withDeadLetters(3);
    const storedAt = async () => new Map((await as('viewer').deadLetter.list({ instanceId: I, group, pageSize: 100 })).rows.map((r) => [r.originMessageId, r.storeTimestamp]));
    const lastOlder = Math.max(...(await storedAt()).values());
    // The newer letters are dead-lettered strictly after the older ones, so one instant separates them.
    await waitUntil(() => Date.now() > lastOlder, { what: 'the clock to pass the older letters' });
    const newer = await makeDeadLetters(broker, topic, group, ['{"n":3}', '{"n":4}']);
    const times = await storedAt();
    const from = Math.min(...newer.map((id) => times.get(id)!));
    expect(from).toBeGreaterThan(lastOlder);
    const listed = async (range: { beginMs?: number; endMs?: number }) => (await as('viewer').deadLetter.list({ instanceId: I, group, pageSize: 100, ...range })).rows.map((r) => r.originMessageId).sort();

    expect(await listed({ beginMs: from })).toEqual([...newer].sort());
    expect(await listed({ endMs: from - 1 })).toEqual([...older].sort());
    expect(await listed({ beginMs: Date.now() + 60_000 })).toEqual([]);
    expect(await trpcError(as('viewer').deadLetter.list({ instanceId: I, group, beginMs: from, endMs: from - 1 }))).toMatchObject({ code: 'BAD_REQUEST' });

    const resent = await jobDone((await as('operator').deadLetter.resendMany({ instanceId: I, group, target: { beginMs: from } })).jobId);
    expect(resent).toMatchObject({ state: 'DONE', counts: { resent: 2, skipped: 0 } });
    expect([...(await deliveredCounts(broker, topic, group)).keys()].sort()).toEqual([...newer].sort());

    const purged = await jobDone((await as('operator').deadLetter.purgeMatching({ instanceId: I, group, endMs: from - 1, match: { tag: 'a' } })).jobId);
    expect(purged).toMatchObject({ state: 'DONE', counts: { purged: 2 } }); // older 0 and 2 are tagged a; the newer ones have no tag
    expect(await listed({})).toEqual([older[1]!, ...newer].sort());
    expect(await trpcError(as('operator').deadLetter.purgeMatching({ instanceId: I, group }))).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('viewers may look but not resend or purge, and every action is audited', async () => {
    const { group, at } = await withDeadLetters(1);
    expect(await trpcError(as('viewer').deadLetter.resend({ instanceId: I, group, offset: at(0) }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    expect(await trpcError(as('viewer').deadLetter.purge({ instanceId: I, group, target: { all: true } }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    await as('operator').deadLetter.purge({ instanceId: I, group, target: { all: true } });
    const events = await env.db.auditEvent.findMany({ where: { target: `${I}/${group}` }, orderBy: { at: 'asc' } });
    expect(events.map((e) => [e.action, e.result, e.actor])).toEqual([
      ['deadLetter.resend', 'error', 'viewer'],
      ['deadLetter.purge', 'error', 'viewer'],
      ['deadLetter.purge', 'ok', 'operator'],
    ]);
    expect(JSON.parse(events[0]!.input)).toMatchObject({ offset: at(0) });
  });
});

describe('jobs', () => {
  it('a waiting job can be cancelled and then never runs; a finished one cannot', async () => {
    const { group } = await withDeadLetters(1);
    const queued = await env.db.job.create({ data: { kind: 'DLQ_PURGE', instanceId: I, params: JSON.stringify({ group, target: { endMs: Date.now() } }), createdBy: 'operator' } });
    expect(await as('operator').job.cancel({ instanceId: I, jobId: queued.id })).toMatchObject({ state: 'CANCELLED' });
    await jobRunner(env.db, env.runtime).idle();
    expect(await as('viewer').deadLetter.count({ instanceId: I, group })).toEqual({ count: 1 });
    expect(await trpcError(as('operator').job.cancel({ instanceId: I, jobId: queued.id }))).toEqual({ code: 'CONFLICT', appCode: 'JOB_FINISHED' });
  });

  it("a job of another instance is not found through this one's API", async () => {
    const other = await env.db.job.create({ data: { kind: 'DLQ_PURGE', instanceId: 'elsewhere', params: '{}', createdBy: 'x', state: 'DONE' } });
    expect(await trpcError(as('viewer').job.get({ instanceId: I, jobId: other.id }))).toEqual({ code: 'NOT_FOUND', appCode: 'JOB_NOT_FOUND' });
  });
});
