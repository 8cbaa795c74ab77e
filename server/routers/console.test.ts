import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashPassword } from '../auth.ts';
import type { Role } from '../schemas.ts';
import { boot } from '../boot.ts';
import { startConsoleTestEnv, testUser, trpcCode as codeOf, type ConsoleTestEnv } from '../console-test-env.ts';
import type { Db } from '../db.ts';
import type { Runtime } from '../runtime.ts';
import type { InnerContext } from '../trpc.ts';

let env: ConsoleTestEnv;
let db: Db;
let runtime: Runtime;

function as(role: Role | null, extra: Partial<InnerContext> = {}) {
  return env.caller(role ? testUser(role, `${role}-user`) : null, extra);
}

beforeAll(async () => {
  env = await startConsoleTestEnv();
  ({ db, runtime } = env);
  printed = await printedBy(() => boot(db, runtime, { MERIDIAN_ADMIN_PASSWORD: 'first-admin-pw', MERIDIAN_GRPC_PORT: '0', MERIDIAN_REGION: 'eu-test', PORT: '3123' }));
  grpcPort = runtime.list()[0]!.endpoint!.port;
});

let printed: string;
let grpcPort: number;

/** What `run` writes to stdout (the start-up lines a person reads). */
async function printedBy(run: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

afterAll(() => env.close());

describe('first start', () => {
  it('creates the admin and a running default instance; a second boot changes nothing', async () => {
    expect(await db.consoleUser.findMany({ select: { username: true, role: true } })).toEqual([{ username: 'admin', role: 'admin' }]);
    const page = await as('viewer').instance.list({});
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]).toMatchObject({ name: 'default', region: 'eu-test', status: 'running', summary: { topics: 0 } });
    await printedBy(() => boot(db, runtime, { MERIDIAN_ADMIN_PASSWORD: 'other-password' }));
    expect(await db.instance.count()).toBe(1);
    expect(await db.consoleUser.count()).toBe(1);
  });

  it('ends with one line naming the console URL, the gRPC endpoint and who signs in', async () => {
    expect(printed).toBe(`Meridian console on http://localhost:3123 · gRPC localhost:${grpcPort} · sign in as admin\n`);
    const again = await printedBy(() => boot(db, runtime, {}));
    expect(again).toMatch(/^Meridian console on http:\/\/localhost:3000 · gRPC localhost:\d+ · sign in as admin\n$/);
  });

  it('prints a generated first password once, before that line', async () => {
    const fresh = await startConsoleTestEnv();
    try {
      const out = await printedBy(() => boot(fresh.db, fresh.runtime, { MERIDIAN_GRPC_PORT: '0', MERIDIAN_ADMIN_USER: 'root' }));
      const [firstStart, last] = [out.match(/sign in as "root" with password (\S+)/), out.trimEnd().split('\n').at(-1)];
      expect(firstStart?.[1]).toMatch(/^\S{16,}$/);
      expect(last).toMatch(/^Meridian console on http:\/\/localhost:3000 · gRPC localhost:\d+ · sign in as root$/);
    } finally {
      await fresh.close();
    }
  });
});

describe('auth router', () => {
  it('logs in with the right password (setting the cookie), refuses a wrong one, and rate-limits', async () => {
    let cookie: string | null | undefined;
    const anon = as(null, { setCookie: (v) => (cookie = v), ip: '10.0.0.1' });
    expect(await codeOf(anon.auth.login({ username: 'admin', password: 'wrong' }))).toBe('UNAUTHORIZED');
    const ok = await anon.auth.login({ username: 'admin', password: 'first-admin-pw' });
    expect(ok.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(cookie).toBeTruthy();
    const attacker = as(null, { ip: '10.9.9.9' });
    for (let i = 0; i < 5; i++) await codeOf(attacker.auth.login({ username: 'admin', password: `guess-${i}` }));
    expect(await codeOf(attacker.auth.login({ username: 'admin', password: 'first-admin-pw' }))).toBe('TOO_MANY_REQUESTS');
  });
});

describe('instance router', () => {
  it('admins create, update and delete (with name confirmation); others are refused; every mutation is audited', async () => {
    await db.consoleUser.create({ data: { username: 'op', passwordHash: await hashPassword('operator-pw'), role: 'operator' } });
    expect(await codeOf(as('operator').instance.create({ name: 'eu-2', region: 'eu', grpcPort: 0 }))).toBe('FORBIDDEN');
    const created = await as('admin').instance.create({ name: 'eu-2', region: 'eu', grpcPort: 0, description: 'second', retentionHours: 100 });
    // Traces are kept as long as the messages unless the admin says otherwise.
    expect(created).toMatchObject({ name: 'eu-2', status: 'running', retentionHours: 100, traceRetentionHours: 100 });
    expect(await codeOf(as('admin').instance.create({ name: 'eu-2', region: 'eu', grpcPort: 0 }))).toBe('CONFLICT');
    expect(await codeOf(as('admin').instance.create({ name: 'Bad Name', region: 'eu', grpcPort: 0 }))).toBe('BAD_REQUEST');
    const updated = await as('admin').instance.update({ instanceId: created.id, flushMode: 'sync', traceRetentionHours: 12 });
    expect(runtime.get(created.id)?.broker?.flushMode).toBe('sync');
    expect(runtime.get(created.id)?.spec.traceRetentionHours).toBe(12);
    expect(updated.flushMode).toBe('sync');
    expect(await codeOf(as('admin').instance.delete({ instanceId: created.id, confirmName: 'wrong' }))).toBe('BAD_REQUEST');
    await as('admin').instance.delete({ instanceId: created.id, confirmName: 'eu-2' });
    expect(runtime.get(created.id)).toBeUndefined();

    const events = await db.auditEvent.findMany({ where: { action: { startsWith: 'instance.' } }, orderBy: { at: 'asc' } });
    expect(events.map((e) => [e.actor, e.action, e.result])).toEqual([
      ['operator-user', 'instance.create', 'error'],
      ['admin-user', 'instance.create', 'ok'],
      ['admin-user', 'instance.create', 'error'],
      ['admin-user', 'instance.create', 'error'],
      ['admin-user', 'instance.update', 'ok'],
      ['admin-user', 'instance.delete', 'error'],
      ['admin-user', 'instance.delete', 'ok'],
    ]);
    const logins = await db.auditEvent.findMany({ where: { action: 'auth.login' } });
    expect(logins.every((e) => !e.input.includes('first-admin-pw'))).toBe(true);
  });
});
