import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, hashPassword } from './auth.ts';
import { startConsoleTestEnv, testInstance, type ConsoleTestEnv } from './console-test-env.ts';
import type { Db } from './db.ts';
import { clientAddress, contextFromRequest, SESSION_COOKIE, trustedProxyHops } from './http-context.ts';
import { appRouter } from './routers/_app.ts';
import type { Runtime } from './runtime.ts';
import type { Role } from './schemas.ts';

let env: ConsoleTestEnv;
let db: Db;
let runtime: Runtime;

beforeAll(async () => {
  env = await startConsoleTestEnv();
  ({ db, runtime } = env);
  await runtime.start(testInstance('i1'));
});

afterAll(() => env.close());

function handle(req: Request, proxyHops = 0): Promise<Response> {
  return fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter, createContext: () => contextFromRequest(req, { db, runtime, proxyHops }) });
}

function call(cookie?: string): Promise<Response> {
  const input = encodeURIComponent(JSON.stringify({ instanceId: 'i1' }));
  return handle(new Request(`http://localhost/api/trpc/topic.list?input=${input}`, { headers: cookie ? { cookie } : {} }));
}

function post(path: string, body: unknown, headers: Record<string, string>, proxyHops = 0): Promise<Response> {
  return handle(new Request(`http://localhost/api/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }), proxyHops);
}

async function sessionCookieOf(username: string, role: Role): Promise<string> {
  const user = await db.consoleUser.create({ data: { username, passwordHash: await hashPassword('long-enough-pw'), role } });
  const { token } = await createSession(db, user.id, {});
  return `other=1; ${SESSION_COOKIE}=${encodeURIComponent(token)}`;
}

describe('tRPC over HTTP with the session cookie', () => {
  it('answers 401 without a session and serves a signed-in viewer', async () => {
    expect((await call()).status).toBe(401);
    expect((await call(`${SESSION_COOKIE}=forged`)).status).toBe(401);
    const res = await call(await sessionCookieOf('vera', 'viewer'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { total: number } } };
    expect(body.result.data.total).toBe(0);
  });

  it('answers engine errors with the status their code implies: a duplicate name is 409, not 500', async () => {
    const cookie = await sessionCookieOf('olga', 'operator');
    expect((await post('topic.create', { instanceId: 'i1', name: 'orders' }, { cookie })).status).toBe(200);
    const dup = await post('topic.create', { instanceId: 'i1', name: 'orders' }, { cookie });
    expect(dup.status).toBe(409);
    const body = (await dup.json()) as { error: { data: { code: string; appCode: string } } };
    expect(body.error.data).toMatchObject({ code: 'CONFLICT', appCode: 'TOPIC_EXISTS' });
    const missing = await post('group.delete', { instanceId: 'i1', name: 'nobody' }, { cookie });
    expect(missing.status).toBe(404);
  });
});

describe('expected failures over HTTP', () => {
  interface ErrorBody {
    error: { message: string; data: { code: string; appCode: string; field?: string; zodIssues?: { path: string; message: string }[] } };
  }
  const DAY_MS = 86_400_000;

  async function failure(path: string, body: unknown, cookie: string): Promise<{ status: number; error: ErrorBody['error'] }> {
    const res = await post(path, body, { cookie });
    return { status: res.status, error: ((await res.json()) as ErrorBody).error };
  }

  it('are 4xx with the appCode and a plain sentence: a far delivery time 400, a body over the limit 413, a bad name 400', async () => {
    const cookie = await sessionCookieOf('petra', 'operator');
    await runtime.start(testInstance('small', { name: 'small', maxMessageSize: 1024 }));
    await post('topic.create', { instanceId: 'small', name: 'later', messageType: 'DELAY' }, { cookie });
    await post('topic.create', { instanceId: 'small', name: 'plain' }, { cookie });

    const far = await failure('topic.send', { instanceId: 'small', name: 'later', body: 'x', deliverAt: Date.now() + 41 * DAY_MS }, cookie);
    expect(far.status).toBe(400);
    expect(far.error.data).toMatchObject({ appCode: 'INVALID_ARGUMENT', field: 'deliverAt' });
    expect(far.error.message).toMatch(/^Delivery time .* is more than 40 days ahead, the limit of this instance$/);

    const big = await failure('topic.send', { instanceId: 'small', name: 'plain', body: 'x'.repeat(1025) }, cookie);
    expect([big.status, big.error.data.appCode, big.error.message]).toEqual([413, 'MESSAGE_TOO_LARGE', 'Message body is 1025 bytes; the limit is 1024 bytes']);

    const badName = await failure('topic.create', { instanceId: 'small', name: 'bad name!' }, cookie);
    expect([badName.status, badName.error.data.appCode, badName.error.data.field]).toEqual([400, 'BAD_REQUEST', 'name']);
    expect(badName.error.message).toBe("Name: Use letters, digits, '|', '-' or '_'");
    expect(badName.error.data.zodIssues).toEqual([{ path: 'name', message: "Use letters, digits, '|', '-' or '_'" }]);

    const audit = await db.auditEvent.findMany({ where: { actor: 'petra', result: 'error' }, orderBy: { at: 'asc' } });
    expect(audit.map((e) => [e.action, e.errorCode])).toEqual([
      ['topic.send', 'INVALID_ARGUMENT'],
      ['topic.send', 'MESSAGE_TOO_LARGE'],
      ['topic.create', 'BAD_REQUEST'],
    ]);
  });
});

describe('login rate limit and forwarded headers', () => {
  const MAX_FAILURES = 5;

  async function failLogins(username: string, forwardedFor: (i: number) => string, proxyHops: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i <= MAX_FAILURES; i++) {
      const res = await post('auth.login', { username, password: `guess-${i}` }, { 'x-forwarded-for': forwardedFor(i) }, proxyHops);
      statuses.push(res.status);
    }
    return statuses;
  }

  it('without a trusted proxy, a new X-Forwarded-For on every try does not escape the limit', async () => {
    const statuses = await failLogins('mallory-target', (i) => `203.0.113.${i}`, 0);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('behind a trusted proxy, the address the proxy forwarded is the key: other clients are not locked out', async () => {
    expect(await failLogins('shared-user', () => '198.51.100.7', 1)).toEqual([401, 401, 401, 401, 401, 429]);
    const other = await post('auth.login', { username: 'shared-user', password: 'guess' }, { 'x-forwarded-for': '198.51.100.8' }, 1);
    expect(other.status).toBe(401);
    // What the client prepends itself is left of the proxy's entry and changes nothing.
    const spoofed = await post('auth.login', { username: 'shared-user', password: 'guess' }, { 'x-forwarded-for': '10.1.2.3, 198.51.100.7' }, 1);
    expect(spoofed.status).toBe(429);
  });

  it('reads the client address as MERIDIAN_TRUST_PROXY says', () => {
    const req = new Request('http://localhost/', { headers: { 'x-forwarded-for': '192.0.2.1, 10.0.0.5' } });
    expect(clientAddress(req, 0)).toBeNull();
    expect(clientAddress(req, 1)).toBe('10.0.0.5');
    expect(clientAddress(req, 2)).toBe('192.0.2.1');
    expect(clientAddress(req, 5)).toBe('192.0.2.1');
    expect(clientAddress(new Request('http://localhost/'), 1)).toBeNull();
    expect(trustedProxyHops({})).toBe(0);
    expect(trustedProxyHops({ MERIDIAN_TRUST_PROXY: '1' })).toBe(1);
    expect(() => trustedProxyHops({ MERIDIAN_TRUST_PROXY: 'yes' })).toThrow(/MERIDIAN_TRUST_PROXY/);
  });
});
