import { validateSession } from './auth.ts';
import type { Db } from './db.ts';
import type { Runtime } from './runtime.ts';
import type { InnerContext } from './trpc.ts';

export const SESSION_COOKIE = 'meridian_session';

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

/** Builds the tRPC context of an HTTP request: the session cookie's user, the caller's address. */
export async function contextFromRequest(req: Request, deps: { db: Db; runtime: Runtime }): Promise<InnerContext> {
  const token = cookieValue(req.headers.get('cookie'), SESSION_COOKIE);
  const user = await validateSession(deps.db, token);
  const ip = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? '';
  return { ...deps, user, ip, ...(token ? { sessionToken: token } : {}) };
}
