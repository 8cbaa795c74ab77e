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

/** More proxies than this in front of one console is a misconfiguration, not a deployment. */
const MAX_PROXY_HOPS = 10;

/**
 * How many reverse proxies in front of the console append to X-Forwarded-For, from MERIDIAN_TRUST_PROXY
 * (unset or 0: none, and no forwarded header is believed). Throws on anything but a small whole number.
 */
export function trustedProxyHops(env: Record<string, string | undefined> = process.env): number {
  const raw = env.MERIDIAN_TRUST_PROXY?.trim() ?? '';
  if (raw === '') return 0;
  const hops = Number(raw);
  if (!Number.isInteger(hops) || hops < 0 || hops > MAX_PROXY_HOPS) {
    throw new Error(`MERIDIAN_TRUST_PROXY must be the number of proxies in front of the console (0-${MAX_PROXY_HOPS}), not "${raw}"`);
  }
  return hops;
}

/**
 * The client's address, or null when it cannot be known. A Next.js route handler never sees the socket, and
 * Next fills X-Forwarded-For from the socket only when the request has none, so without a trusted proxy the
 * header is whatever the client wrote. Each proxy appends the peer it saw: the entry `hops` from the right was
 * written by the outermost trusted proxy, and anything left of it is the client's own claim.
 */
export function clientAddress(req: Request, hops: number): string | null {
  if (hops === 0) return null;
  const chain = (req.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return chain[Math.max(0, chain.length - hops)] ?? null;
}

export interface HttpDeps {
  db: Db;
  runtime: Runtime;
  /** trustedProxyHops() of this console. */
  proxyHops: number;
}

/** Builds the tRPC context of an HTTP request: the session cookie's user, the caller's address. */
export async function contextFromRequest(req: Request, { db, runtime, proxyHops }: HttpDeps): Promise<InnerContext> {
  const token = cookieValue(req.headers.get('cookie'), SESSION_COOKIE);
  const user = await validateSession(db, token);
  return { db, runtime, user, ip: clientAddress(req, proxyHops), ...(token ? { sessionToken: token } : {}) };
}
