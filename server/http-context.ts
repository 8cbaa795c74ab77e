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

const MAX_AGE_S = 14 * 24 * 3600;

/** Set-Cookie for a new session (or its removal): httpOnly, SameSite=Lax, Secure behind https. */
export function sessionCookie(token: string | null, req: Request): string {
  const https = req.headers.get('x-forwarded-proto') === 'https' || new URL(req.url).protocol === 'https:';
  const value = token ? `${SESSION_COOKIE}=${encodeURIComponent(token)}; Max-Age=${MAX_AGE_S}` : `${SESSION_COOKIE}=; Max-Age=0`;
  return `${value}; Path=/; HttpOnly; SameSite=Lax${https ? '; Secure' : ''}`;
}

/** Builds the tRPC context of an HTTP request: the session cookie's user, the caller's address. */
export async function contextFromRequest(req: Request, deps: { db: Db; runtime: Runtime }): Promise<InnerContext> {
  const token = cookieValue(req.headers.get('cookie'), SESSION_COOKIE);
  const user = await validateSession(deps.db, token);
  const ip = req.headers.get('x-forwarded-for')?.split(',')[0]?.trim() ?? '';
  return { ...deps, user, ip, ...(token ? { sessionToken: token } : {}) };
}
