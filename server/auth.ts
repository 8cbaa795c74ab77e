// Console authentication: password hashing, database sessions, the first
// admin, and login rate limiting. Sessions live in the database, so any
// console node can serve any request.

import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { logger } from './broker/index.ts';
import type { Db } from './db.ts';
import { MIN_PASSWORD_LENGTH, ROLES, type Role } from './schemas.ts';
import { parseStoredScopes, type Scopes } from './scope.ts';

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

// ---------------------------------------------------------------------------
// Passwords

/** argon2id with @node-rs/argon2's defaults (19 MiB, t=2, p=1: OWASP's minimum). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** False for a wrong password and for a malformed hash; never throws. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A random password for generated accounts: 24 URL-safe characters (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

// Verified against when the user does not exist, so a login takes as long
// for unknown users as for wrong passwords.
let dummyHash: Promise<string> | undefined;
function timingDummy(): Promise<string> {
  dummyHash ??= hashPassword(generatePassword());
  return dummyHash;
}

// ---------------------------------------------------------------------------
// Sessions

export interface SessionOptions {
  /** A session unused for this long expires (sliding). Default 24 h. */
  idleMs?: number;
  /** A session expires this long after login, however active. Default 14 days. */
  absoluteMs?: number;
  now?: () => Date;
}

const DEFAULT_IDLE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_ABSOLUTE_MS = 14 * 24 * 60 * 60 * 1000;
/** lastSeenAt/expiresAt are written at most this often per session. */
const TOUCH_INTERVAL_MS = 60 * 1000;

export interface SessionMeta {
  ip?: string | null;
  userAgent?: string | null;
}

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
  sessionId: string;
  /** When the session expires unless used again (for the cookie's Expires). */
  sessionExpiresAt: Date;
  /** The instances and namespaces the role applies to (server/scope.ts); null = all. Admins are always null. */
  scopes: Scopes;
}

/**
 * A user's scope as the session carries it: admins are never scoped; a stored value that no longer parses is
 * no access (logged), never everything.
 */
export function sessionScopes(user: { username: string; role: Role; scopes: string | null }): Scopes {
  if (user.role === 'admin') return null;
  const scopes = parseStoredScopes(user.scopes);
  if (scopes !== undefined) return scopes;
  logger.warn({ event: 'console.scope_invalid', username: user.username }, 'stored console scope is not valid; the user has no access until an admin sets it again');
  return [];
}

/** SHA-256 hex of a session token: the only form stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function expiry(createdAt: Date, now: Date, opts: SessionOptions): Date {
  const idle = now.getTime() + (opts.idleMs ?? DEFAULT_IDLE_MS);
  const absolute = createdAt.getTime() + (opts.absoluteMs ?? DEFAULT_ABSOLUTE_MS);
  return new Date(Math.min(idle, absolute));
}

/**
 * Opens a session for a user and returns its token (32 random bytes,
 * base64url) for the cookie. Only the token's SHA-256 is stored.
 */
export async function createSession(
  db: Db,
  userId: string,
  meta: SessionMeta = {},
  opts: SessionOptions = {},
): Promise<{ token: string; expiresAt: Date }> {
  const now = opts.now?.() ?? new Date();
  const token = randomBytes(32).toString('base64url');
  const expiresAt = expiry(now, now, opts);
  await db.session.create({
    data: {
      userId,
      tokenHash: hashToken(token),
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      ip: meta.ip?.slice(0, 100) ?? null,
      userAgent: meta.userAgent?.slice(0, 500) ?? null,
    },
  });
  return { token, expiresAt };
}

/**
 * The user behind a session token, or null. An expired session is deleted.
 * A valid one slides: its expiry moves to now + idle (capped by the absolute
 * lifetime), written at most once a minute.
 */
export async function validateSession(
  db: Db,
  token: string | null | undefined,
  opts: SessionOptions = {},
): Promise<SessionUser | null> {
  if (!token || token.length > 200) return null;
  const now = opts.now?.() ?? new Date();
  const session = await db.session.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: { select: { id: true, username: true, role: true, scopes: true } } },
  });
  if (!session) return null;
  if (session.expiresAt.getTime() <= now.getTime()) {
    await db.session.deleteMany({ where: { id: session.id } });
    return null;
  }
  const { role } = session.user;
  if (!isRole(role)) return null;
  let expiresAt = session.expiresAt;
  if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
    expiresAt = expiry(session.createdAt, now, opts);
    await db.session.updateMany({ where: { id: session.id }, data: { lastSeenAt: now, expiresAt } });
  }
  return {
    id: session.user.id,
    username: session.user.username,
    role,
    sessionId: session.id,
    sessionExpiresAt: expiresAt,
    scopes: sessionScopes({ username: session.user.username, role, scopes: session.user.scopes }),
  };
}

/** Logs a token out. Unknown tokens are fine. */
export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.session.deleteMany({ where: { tokenHash: hashToken(token) } });
}

/** Logs a user out everywhere (password change, role change, deletion). */
export async function deleteUserSessions(db: Db, userId: string): Promise<number> {
  const { count } = await db.session.deleteMany({ where: { userId } });
  return count;
}

/** Removes expired sessions (startSessionSweeper calls it now and then). */
export async function deleteExpiredSessions(db: Db, now: Date = new Date()): Promise<number> {
  const { count } = await db.session.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}

/**
 * A session is deleted when used after it expired; the sweep removes those never used again. Every 10 minutes
 * keeps the table to about the live sessions for one indexed delete, whatever the number of console nodes.
 */
export const SESSION_SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * Deletes expired sessions now and every `intervalMs` (an unref'd timer: it never keeps the process alive).
 * Returns the stop function, which waits for a sweep under way so the database can close after it.
 */
export function startSessionSweeper(db: Db, intervalMs = SESSION_SWEEP_INTERVAL_MS): () => Promise<void> {
  let running: Promise<void> | undefined;
  const sweep = (): void => {
    // A database slower than the interval: skip a beat rather than pile up deletes.
    running ??= deleteExpiredSessions(db)
      .then((count) => {
        if (count > 0) logger.debug({ event: 'session.sweep', count }, 'expired sessions deleted');
      })
      .catch((e: unknown) => logger.warn({ event: 'session.sweep_failed', err: (e as Error).message }, 'expired sessions not deleted'))
      .finally(() => (running = undefined));
  };
  sweep();
  const timer = setInterval(sweep, intervalMs).unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

// ---------------------------------------------------------------------------
// First admin

export type EnsureAdminResult =
  | { created: false }
  /** `generatedPassword` is set when the password was generated: print it once, never log it. */
  | { created: true; username: string; generatedPassword?: string };

/**
 * On first start (no console user at all), creates the admin user:
 * username MERIDIAN_ADMIN_USER (default "admin"), password
 * MERIDIAN_ADMIN_PASSWORD or a generated one, which is returned so the caller
 * prints it once. Does nothing when any user exists; safe when several
 * console nodes start at once.
 */
export async function ensureAdmin(
  db: Db,
  env: Record<string, string | undefined> = process.env,
): Promise<EnsureAdminResult> {
  if ((await db.consoleUser.count()) > 0) return { created: false };
  const username = env.MERIDIAN_ADMIN_USER?.trim() || 'admin';
  const fromEnv = env.MERIDIAN_ADMIN_PASSWORD;
  if (fromEnv !== undefined && fromEnv.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`MERIDIAN_ADMIN_PASSWORD must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const password = fromEnv ?? generatePassword();
  const passwordHash = await hashPassword(password);
  try {
    await db.consoleUser.create({ data: { username, passwordHash, role: 'admin' } });
  } catch (e) {
    // Another console node created it first (unique username).
    if ((e as { code?: unknown }).code === 'P2002') return { created: false };
    throw e;
  }
  return fromEnv === undefined ? { created: true, username, generatedPassword: password } : { created: true, username };
}

// ---------------------------------------------------------------------------
// Login and rate limiting

export type AuthErrorCode = 'INVALID_CREDENTIALS' | 'RATE_LIMITED';

export class AuthError extends Error {
  readonly code: AuthErrorCode;
  /** For RATE_LIMITED: seconds until the next attempt is allowed. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: AuthErrorCode, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'AuthError';
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface RateLimiterOptions {
  /** Failures allowed per key within the window. Default 5. */
  maxFailures?: number;
  /** Default 15 minutes. */
  windowMs?: number;
  /** Keys tracked at most (memory bound). Default 10,000. */
  maxKeys?: number;
  now?: () => number;
}

/** The address key of callers whose address the console cannot know. */
export const UNKNOWN_ADDRESS = 'direct';

/**
 * Counts failed logins per key (username + client IP) in a sliding window.
 * In memory, per console node: with several nodes each allows `maxFailures`.
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(opts: RateLimiterOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 15 * 60 * 1000;
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Callers whose address is unknown (no trusted proxy) share one bucket per username: none can leave it. */
  static key(username: string, ip: string | null | undefined): string {
    return `${username.trim().toLowerCase()}\u0000${ip || UNKNOWN_ADDRESS}`;
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Throws AuthError RATE_LIMITED (with retryAfterSeconds) while the key is blocked. */
  check(key: string): void {
    const now = this.now();
    const list = this.recent(key, now);
    if (list.length >= this.maxFailures) {
      const oldest = list[list.length - this.maxFailures] ?? now;
      const retryAfterSeconds = Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
      throw new AuthError('RATE_LIMITED', `Too many failed logins. Try again in ${retryAfterSeconds} s.`, retryAfterSeconds);
    }
  }

  recordFailure(key: string): void {
    const now = this.now();
    const list = this.recent(key, now);
    list.push(now);
    this.failures.set(key, list);
    if (this.failures.size > this.maxKeys) this.prune(now);
  }

  recordSuccess(key: string): void {
    this.failures.delete(key);
  }

  private prune(now: number): void {
    for (const key of [...this.failures.keys()]) this.recent(key, now);
    // Still too many: forget the oldest keys (Map keeps insertion order).
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.maxKeys) break;
      this.failures.delete(key);
    }
  }
}

export interface LoginInput extends SessionMeta {
  username: string;
  password: string;
}

/**
 * The whole login: rate limit, verify, open a session, stamp lastLoginAt.
 * Unknown user and wrong password give the same error in the same time.
 */
export async function login(
  db: Db,
  limiter: LoginRateLimiter,
  input: LoginInput,
  opts: SessionOptions = {},
): Promise<{ token: string; expiresAt: Date; user: { id: string; username: string; role: Role; scopes: Scopes } }> {
  const key = LoginRateLimiter.key(input.username, input.ip);
  limiter.check(key);
  const user = await db.consoleUser.findUnique({ where: { username: input.username.trim() } });
  const ok = user
    ? await verifyPassword(user.passwordHash, input.password)
    : (await verifyPassword(await timingDummy(), input.password), false);
  if (!user || !ok || !isRole(user.role)) {
    limiter.recordFailure(key);
    throw new AuthError('INVALID_CREDENTIALS', 'Wrong username or password.');
  }
  limiter.recordSuccess(key);
  const session = await createSession(db, user.id, input, opts);
  await db.consoleUser.update({ where: { id: user.id }, data: { lastLoginAt: opts.now?.() ?? new Date() } });
  const role = user.role;
  return { ...session, user: { id: user.id, username: user.username, role, scopes: sessionScopes({ username: user.username, role, scopes: user.scopes }) } };
}
