import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../schemas.ts';
import { startConsoleTestEnv, testInstance, testUser, trpcError as errorOf, type ConsoleTestEnv } from '../console-test-env.ts';

let env: ConsoleTestEnv;
const I = 'inst';

function as(role: Role) {
  return env.caller(testUser(role));
}

beforeAll(async () => {
  env = await startConsoleTestEnv();
  await env.runtime.start(testInstance(I));
});

afterAll(() => env.close());

describe('namespaces', () => {
  it('lists with resource counts and refuses to delete a namespace that still holds resources', async () => {
    await as('operator').namespace.create({ instanceId: I, name: 'shop' });
    await as('operator').topic.create({ instanceId: I, namespace: 'shop', name: 'orders' });
    const page = await as('viewer').namespace.list({ instanceId: I });
    expect(page.rows).toMatchObject([{ name: 'shop', topics: 1, groups: 0 }]);
    expect(await errorOf(as('operator').namespace.delete({ instanceId: I, name: 'shop' }))).toEqual({ code: 'PRECONDITION_FAILED', appCode: 'NAMESPACE_NOT_EMPTY' });
    await as('operator').topic.delete({ instanceId: I, name: 'shop%orders' });
    await as('operator').namespace.delete({ instanceId: I, name: 'shop' });
    expect((await as('viewer').namespace.list({ instanceId: I })).total).toBe(0);
  });
});

describe('groups', () => {
  it('creates, lists with backlog, previews and applies an offset reset', async () => {
    await as('operator').topic.create({ instanceId: I, name: 'events', queueNums: 2 });
    await as('operator').group.create({ instanceId: I, name: 'billing', maxDeliveryAttempts: 5, description: 'bills' });
    const broker = env.runtime.get(I)!.broker!;
    for (let i = 0; i < 6; i++) await broker.put({ topic: 'events', body: `e${i}` });
    broker.commitOffset('billing', 'events', 0, 0);
    const list = await as('viewer').group.list({ instanceId: I });
    expect(list.rows[0]).toMatchObject({ name: 'billing', maxDeliveryAttempts: 5, consumeType: 'CLUSTERING', backlog: 6, onlineConsumers: 0 });

    const skip = await as('viewer').group.previewReset({ instanceId: I, name: 'billing', topic: 'events', target: { position: 'latest' } });
    expect(skip.delta).toBe(-6);
    expect((await as('viewer').group.get({ instanceId: I, name: 'billing' })).stats.lag).toBe(6);
    await as('operator').group.resetOffset({ instanceId: I, name: 'billing', topic: 'events', target: { position: 'latest' } });
    expect((await as('viewer').group.get({ instanceId: I, name: 'billing' })).stats.lag).toBe(0);
    const replay = await as('viewer').group.previewReset({ instanceId: I, name: 'billing', topic: 'events', target: { timestamp: 0 } });
    expect(replay.delta).toBe(6);
    expect(await errorOf(as('viewer').group.resetOffset({ instanceId: I, name: 'billing', topic: 'events', target: { timestamp: 0 } }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
  });
});

describe('group retry schedule', () => {
  it("spells out the wait before each redelivery, as the group's policy sets it, up to the dead-letter queue", async () => {
    const exponential = { kind: 'exponential' as const, initialMs: 1_000, multiplier: 2, maxMs: 5_000 };
    await as('operator').group.create({ instanceId: I, name: 'backoff', maxDeliveryAttempts: 5, retryPolicy: exponential });
    expect((await as('viewer').group.get({ instanceId: I, name: 'backoff' })).retrySchedule).toEqual([
      { attempt: 2, delayMs: 1_000 },
      { attempt: 3, delayMs: 2_000 },
      { attempt: 4, delayMs: 4_000 },
      { attempt: 5, delayMs: 5_000 },
    ]);
    await as('operator').group.update({ instanceId: I, name: 'backoff', maxDeliveryAttempts: 4, retryPolicy: { kind: 'customized', delaysMs: [10, 20] } });
    expect((await as('viewer').group.get({ instanceId: I, name: 'backoff' })).retrySchedule).toEqual([
      { attempt: 2, delayMs: 10 },
      { attempt: 3, delayMs: 20 },
      { attempt: 4, delayMs: 20 },
    ]);
    await as('operator').group.update({ instanceId: I, name: 'backoff', maxDeliveryAttempts: 1 });
    expect((await as('viewer').group.get({ instanceId: I, name: 'backoff' })).retrySchedule).toEqual([]);
  });
});

describe('users and audit', () => {
  it('admins manage users by username; others cannot; the audit trail names each user, its error codes, and no secrets', async () => {
    const created = await as('admin').user.create({ username: 'vera', password: 'viewer-secret-pw', role: 'viewer' });
    expect(await errorOf(as('operator').user.create({ username: 'eve', password: 'xxxxxxxxxx', role: 'admin' }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    expect(await errorOf(as('admin').user.create({ username: 'x', password: 'short', role: 'viewer' }))).toMatchObject({ code: 'BAD_REQUEST' });
    await as('admin').user.update({ username: created.username, role: 'operator' });
    expect((await as('admin').user.list({ search: 'vera' })).rows[0]).toMatchObject({ role: 'operator' });

    await as('admin').user.delete({ username: 'vera' });
    expect(await errorOf(as('admin').user.delete({ username: 'vera' }))).toEqual({ code: 'NOT_FOUND', appCode: 'USER_NOT_FOUND' });

    const audit = await as('operator').audit.list({ action: 'user.' });
    expect(audit.rows.map((r) => [r.action, r.target, r.result, r.errorCode])).toEqual([
      ['user.delete', 'vera', 'error', 'USER_NOT_FOUND'],
      ['user.delete', 'vera', 'ok', null],
      ['user.update', 'vera', 'ok', null],
      ['user.create', 'x', 'error', 'BAD_REQUEST'],
      ['user.create', 'eve', 'error', 'FORBIDDEN'],
      ['user.create', 'vera', 'ok', null],
    ]);
    expect(audit.rows.every((r) => !JSON.stringify(r.detail).includes('viewer-secret-pw'))).toBe(true);
    expect(audit.rows.at(-1)?.detail).toEqual([
      { key: 'username', value: 'vera' },
      { key: 'password', value: '[redacted]' },
      { key: 'role', value: 'viewer' },
    ]);
    expect((await as('operator').audit.list({ result: 'error', actor: 'operator' })).rows.map((r) => r.action)).toContain('user.create');
    expect(await errorOf(as('viewer').audit.list({}))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
  });
});
