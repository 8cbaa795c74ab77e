import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSession, hashPassword } from './auth.ts';
import { startConsoleTestEnv, testInstance, type ConsoleTestEnv } from './console-test-env.ts';
import type { Db } from './db.ts';
import { contextFromRequest, SESSION_COOKIE } from './http-context.ts';
import { appRouter } from './routers/_app.ts';
import type { Runtime } from './runtime.ts';

let env: ConsoleTestEnv;
let db: Db;
let runtime: Runtime;

beforeAll(async () => {
  env = await startConsoleTestEnv();
  ({ db, runtime } = env);
  await runtime.start(testInstance('i1'));
});

afterAll(() => env.close());

function call(cookie?: string): Promise<Response> {
  const input = encodeURIComponent(JSON.stringify({ instanceId: 'i1' }));
  const req = new Request(`http://localhost/api/trpc/topic.list?input=${input}`, { headers: cookie ? { cookie } : {} });
  return fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter, createContext: () => contextFromRequest(req, { db, runtime }) });
}

describe('tRPC over HTTP with the session cookie', () => {
  it('answers 401 without a session and serves a signed-in viewer', async () => {
    expect((await call()).status).toBe(401);
    expect((await call(`${SESSION_COOKIE}=forged`)).status).toBe(401);
    const user = await db.consoleUser.create({ data: { username: 'vera', passwordHash: await hashPassword('long-enough-pw'), role: 'viewer' } });
    const { token } = await createSession(db, user.id, {});
    const res = await call(`other=1; ${SESSION_COOKIE}=${encodeURIComponent(token)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: { total: number } } };
    expect(body.result.data.total).toBe(0);
  });
});
