import { TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../schemas.ts';
import { startConsoleTestEnv, testInstance, testUser, trpcCode as codeOf, trpcError as errorOf, type ConsoleTestEnv } from '../console-test-env.ts';

let env: ConsoleTestEnv;
const instanceId = 'acl-1';

function as(role: Role) {
  return env.caller(testUser(role));
}

beforeAll(async () => {
  env = await startConsoleTestEnv();
  await env.runtime.start(testInstance(instanceId, { maxTps: 500 }));
});

afterAll(() => env.close());

describe('acl router (real SQLite + real embedded engine)', () => {
  it('refuses viewers; operators read but cannot change; admins change', async () => {
    expect(await codeOf(as('viewer').acl.settings({ instanceId }))).toBe('FORBIDDEN');
    expect(await codeOf(as('viewer').acl.users({ instanceId }))).toBe('FORBIDDEN');
    expect(await as('operator').acl.settings({ instanceId })).toMatchObject({ settings: { authentication: false, authorization: false, allowIps: [] }, users: 0, someoneAllowed: false });
    expect(await codeOf(as('operator').acl.updateSettings({ instanceId, authorization: true }))).toBe('FORBIDDEN');
    expect(await codeOf(as('operator').acl.createUser({ instanceId, username: 'op-made' }))).toBe('FORBIDDEN');
    expect(await codeOf(as('operator').acl.setLimits({ instanceId, topics: {}, groups: {} }))).toBe('FORBIDDEN');
    const settings = await as('admin').acl.updateSettings({ instanceId, allowIps: ['10.0.0.0/8', '127.0.0.1'] });
    expect(settings).toMatchObject({ authentication: false, authorization: false, allowIps: ['10.0.0.0/8', '127.0.0.1'] });
    expect(await errorOf(as('admin').acl.updateSettings({ instanceId, allowIps: ['10.0.0.300'] }))).toEqual({ code: 'BAD_REQUEST', appCode: 'BAD_REQUEST' });
    await as('admin').acl.updateSettings({ instanceId, allowIps: [] });
  });

  it('answers a generated password once, on create and reset, and never in a list', async () => {
    const created = await as('admin').acl.createUser({ instanceId, username: 'app' });
    expect(created.user).toMatchObject({ username: 'app', userType: 'NORMAL', userStatus: 'ENABLE' });
    expect(created.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const reset = await as('admin').acl.resetPassword({ instanceId, username: 'app' });
    expect(reset.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(reset.password).not.toBe(created.password);
    const given = await as('admin').acl.createUser({ instanceId, username: 'given', password: 'correct-horse', userType: 'SUPER' });
    expect(given.password).toBe('correct-horse');

    const list = await as('operator').acl.users({ instanceId });
    expect(list.rows.map((u) => [u.username, u.userType])).toEqual([['app', 'NORMAL'], ['given', 'SUPER']]);
    const listed = JSON.stringify(list);
    for (const secret of [created.password, reset.password, 'correct-horse']) expect(listed).not.toContain(secret);
    expect(JSON.stringify(await as('operator').acl.policies({ instanceId, username: 'app' }))).not.toContain(reset.password);

    expect(await errorOf(as('admin').acl.createUser({ instanceId, username: 'app' }))).toEqual({ code: 'CONFLICT', appCode: 'USER_EXISTS' });
    expect(await codeOf(as('admin').acl.createUser({ instanceId, username: 'short', password: 'abc' }))).toBe('BAD_REQUEST');
    expect(await errorOf(as('admin').acl.resetPassword({ instanceId, username: 'nobody' }))).toEqual({ code: 'NOT_FOUND', appCode: 'USER_NOT_FOUND' });
  });

  it('keeps passwords out of the audit log of create and reset', async () => {
    await as('admin').acl.createUser({ instanceId, username: 'audited', password: 'audit-secret-1' });
    await as('admin').acl.resetPassword({ instanceId, username: 'audited', password: 'audit-secret-2' });
    const rows = await env.db.auditEvent.findMany({ where: { instanceId, target: `${instanceId}/audited` }, orderBy: { at: 'asc' } });
    expect(rows.map((r) => [r.action, r.result])).toEqual([
      ['acl.createUser', 'ok'],
      ['acl.resetPassword', 'ok'],
    ]);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain('audit-secret-1');
    expect(stored).not.toContain('audit-secret-2');
  });

  it('the checker answers with the entry that decided, also while authorization is off', async () => {
    await as('admin').acl.setPolicy({
      instanceId,
      username: 'app',
      policy: {
        policyType: 'CUSTOM',
        entries: [
          { resource: 'Topic:order-*', actions: ['PUB'], sourceIps: [], decision: 'ALLOW' },
          { resource: 'Topic:order-audit', actions: ['PUB'], sourceIps: [], decision: 'DENY' },
        ],
      },
    });
    const allowed = await as('operator').acl.check({ instanceId, username: 'app', type: 'Topic', name: 'order-new', action: 'PUB', ip: '10.1.2.3' });
    expect(allowed).toEqual({ authorization: false, decision: { allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:order-new', entry: { policyType: 'CUSTOM', index: 0, resource: 'Topic:order-*', decision: 'ALLOW' } } });
    const denied = await as('operator').acl.check({ instanceId, username: 'app', type: 'Topic', name: 'order-audit', action: 'PUB', ip: '10.1.2.3' });
    expect(denied.decision).toMatchObject({ allowed: false, reason: 'DENIED_BY_ENTRY', entry: { index: 1, resource: 'Topic:order-audit', decision: 'DENY' } });
    const unmatched = await as('operator').acl.check({ instanceId, username: 'app', type: 'Topic', name: 'payments', action: 'PUB', ip: '10.1.2.3' });
    expect(unmatched.decision).toMatchObject({ allowed: false, reason: 'NO_MATCHING_POLICY' });
    expect(unmatched.decision.entry).toBeUndefined();
    expect(await codeOf(as('operator').acl.check({ instanceId, username: 'app', type: 'Topic', name: 'x', action: 'PUB', ip: 'not-an-ip' }))).toBe('BAD_REQUEST');
  });

  it('refuses an invalid resource naming the field, and leaves the policy as it was', async () => {
    const error = await as('admin')
      .acl.setPolicy({ instanceId, username: 'app', policy: { policyType: 'CUSTOM', entries: [{ resource: 'Queue:orders', actions: ['PUB'], sourceIps: [], decision: 'ALLOW' }] } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    const cause = (error as TRPCError).cause;
    expect(cause).toBeInstanceOf(ZodError);
    expect((cause as ZodError).issues[0]).toMatchObject({ path: ['policy', 'entries', 0, 'resource'], message: expect.stringContaining('Unknown resource type "Queue"') });
    expect(await codeOf(as('admin').acl.setPolicy({ instanceId, username: 'app', policy: { policyType: 'CUSTOM', entries: [{ resource: 'Topic:x', actions: ['PUB'], sourceIps: ['10.0.0.0/33'], decision: 'ALLOW' }] } }))).toBe('BAD_REQUEST');
    const policies = await as('operator').acl.policies({ instanceId, username: 'app' });
    expect(policies[0]?.entries.map((e) => e.resource)).toEqual(['Topic:order-*', 'Topic:order-audit']);
  });

  it('says whether anyone could reach anything before authorization goes on', async () => {
    expect((await as('operator').acl.settings({ instanceId })).someoneAllowed).toBe(true);
    await as('admin').acl.updateUser({ instanceId, username: 'given', userStatus: 'DISABLE' });
    await as('admin').acl.updateUser({ instanceId, username: 'app', userStatus: 'DISABLE' });
    expect((await as('operator').acl.settings({ instanceId })).someoneAllowed).toBe(false);
    await as('admin').acl.updateUser({ instanceId, username: 'app', userStatus: 'ENABLE' });
    expect((await as('operator').acl.settings({ instanceId })).someoneAllowed).toBe(true);
  });

  it('shows the instance limits from the spec and changes per-topic and per-group ones', async () => {
    const before = await as('operator').acl.limits({ instanceId });
    expect(before.spec).toEqual({ maxTps: 500, maxReceiveTps: null });
    expect(before.limits.send).toEqual({ perSecond: 500 });
    const after = await as('admin').acl.setLimits({ instanceId, topics: { orders: { perSecond: 50, burst: 100 } }, groups: { billing: { perSecond: 10 } } });
    expect(after).toMatchObject({ send: { perSecond: 500 }, topics: { orders: { perSecond: 50, burst: 100 } }, groups: { billing: { perSecond: 10 } } });
    const read = await as('operator').acl.limits({ instanceId });
    expect(read.usage.map((u) => [u.scope, u.name])).toEqual(expect.arrayContaining([['send', expect.any(String)], ['topic', 'orders'], ['group', 'billing']]));
    expect(await codeOf(as('admin').acl.setLimits({ instanceId, topics: { orders: { perSecond: 0 } }, groups: {} }))).toBe('BAD_REQUEST');
  });

  it('counts denials by reason and deletes users', async () => {
    env.runtime.get(instanceId)!.broker!.access.countDenial('BAD_SIGNATURE');
    expect(await as('operator').acl.denials({ instanceId })).toMatchObject({ BAD_SIGNATURE: 1 });
    await as('admin').acl.deleteUser({ instanceId, username: 'audited' });
    expect((await as('operator').acl.users({ instanceId })).rows.map((u) => u.username)).not.toContain('audited');
    expect(await errorOf(as('admin').acl.deleteUser({ instanceId, username: 'audited' }))).toEqual({ code: 'NOT_FOUND', appCode: 'USER_NOT_FOUND' });
  });
});
