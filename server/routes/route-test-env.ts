/**
 * Test support for the HTTP routes beside tRPC (not a test itself): the console test environment, a signed-in
 * session cookie per role (real sessions in the database, as a browser has them), and requests built for a
 * route handler called directly.
 */
import { createSession } from '../auth.ts';
import { startConsoleTestEnv, type ConsoleTestEnv } from '../console-test-env.ts';
import { SESSION_COOKIE } from '../http-context.ts';
import type { Role } from '../schemas.ts';
import type { HttpDeps } from './http.ts';

export interface RouteTestEnv {
  env: ConsoleTestEnv;
  deps: HttpDeps;
  /** A session cookie of a user with this role (one user per role, created on first use). */
  cookie(role: Role): Promise<string>;
  /** A request to `path` (e.g. `/api/instances/i1/messages/export?topic=t`) as `role`, or anonymous with null. */
  request(path: string, role: Role | null, init?: RequestInit): Promise<Request>;
  close(): Promise<void>;
}

export async function startRouteTestEnv(): Promise<RouteTestEnv> {
  const env = await startConsoleTestEnv();
  const cookies = new Map<Role, string>();
  const cookie = async (role: Role) => {
    let c = cookies.get(role);
    if (!c) {
      const user = await env.db.consoleUser.create({ data: { username: `route-${role}`, passwordHash: 'unused', role } });
      const { token } = await createSession(env.db, user.id);
      c = `${SESSION_COOKIE}=${encodeURIComponent(token)}`;
      cookies.set(role, c);
    }
    return c;
  };
  return {
    env,
    deps: { db: env.db, runtime: env.runtime, proxyHops: 0 },
    cookie,
    async request(path, role, init = {}) {
      const headers = new Headers(init.headers);
      if (role) headers.set('cookie', await cookie(role));
      return new Request(`http://localhost${path}`, { ...init, headers });
    },
    close: () => env.close(),
  };
}

/** A response body's NDJSON lines, parsed. */
export async function ndjsonOfResponse<T = unknown>(res: Response): Promise<T[]> {
  const text = await res.text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}
