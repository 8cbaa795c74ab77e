import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthError,
  createSession,
  deleteExpiredSessions,
  deleteSession,
  deleteUserSessions,
  ensureAdmin,
  hashPassword,
  hashToken,
  login,
  LoginRateLimiter,
  startSessionSweeper,
  validateSession,
  verifyPassword,
} from './auth.ts';
import { waitUntil } from './broker/test-support.ts';
import { startConsoleTestEnv, type ConsoleTestEnv } from './console-test-env.ts';
import type { Db } from './db.ts';

let env: ConsoleTestEnv;
let db: Db;

beforeAll(async () => {
  env = await startConsoleTestEnv();
  db = env.db;
});
afterAll(() => env.close());
beforeEach(async () => {
  await db.session.deleteMany();
  await db.consoleUser.deleteMany();
});

async function user(username = 'alice', role = 'operator', password = 'correct horse'): Promise<string> {
  const u = await db.consoleUser.create({ data: { username, role, passwordHash: await hashPassword(password) } });
  return u.id;
}

describe('passwords', () => {
  it('hashes with argon2id and verifies', async () => {
    const h = await hashPassword('s3cret-pass');
    expect(h).toMatch(/^\$argon2id\$/);
    expect(h).not.toContain('s3cret-pass');
    expect(await hashPassword('s3cret-pass')).not.toBe(h); // salted
    expect(await verifyPassword(h, 's3cret-pass')).toBe(true);
    expect(await verifyPassword(h, 's3cret-pasS')).toBe(false);
    expect(await verifyPassword('not a hash', 's3cret-pass')).toBe(false);
  });
});

describe('sessions', () => {
  it('create → validate → delete', async () => {
    const userId = await user();
    const { token, expiresAt } = await createSession(db, userId, { ip: '10.0.0.1', userAgent: 'vitest' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now());

    const stored = await db.session.findMany();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ tokenHash: hashToken(token), ip: '10.0.0.1', userAgent: 'vitest' });
    expect(JSON.stringify(stored)).not.toContain(token);

    const u = await validateSession(db, token);
    expect(u).toMatchObject({ id: userId, username: 'alice', role: 'operator' });
    expect(await validateSession(db, `${token}x`)).toBeNull();
    expect(await validateSession(db, '')).toBeNull();
    expect(await validateSession(db, undefined)).toBeNull();

    await deleteSession(db, token);
    expect(await validateSession(db, token)).toBeNull();
    await deleteSession(db, token); // unknown token: fine
  });

  it('expires when idle, is deleted on use, and slides while used', async () => {
    const userId = await user();
    const t0 = new Date('2030-01-01T00:00:00Z');
    const at = (ms: number) => () => new Date(t0.getTime() + ms);
    const opts = { idleMs: 10 * 60_000, absoluteMs: 60 * 60_000 };
    const { token } = await createSession(db, userId, {}, { ...opts, now: at(0) });

    // Used after 9 minutes: still valid, and the idle window slides.
    const u = await validateSession(db, token, { ...opts, now: at(9 * 60_000) });
    expect(u?.sessionExpiresAt.toISOString()).toBe(at(19 * 60_000)().toISOString());
    const row = await db.session.findFirstOrThrow();
    expect(row.lastSeenAt.toISOString()).toBe(at(9 * 60_000)().toISOString());
    // Used again within a minute: no write.
    await validateSession(db, token, { ...opts, now: at(9 * 60_000 + 30_000) });
    expect((await db.session.findFirstOrThrow()).lastSeenAt.toISOString()).toBe(row.lastSeenAt.toISOString());

    // Idle past the window: null, and the row is gone.
    expect(await validateSession(db, token, { ...opts, now: at(19 * 60_000 + 1) })).toBeNull();
    expect(await db.session.count()).toBe(0);
  });

  it('never outlives its absolute lifetime however active', async () => {
    const userId = await user();
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    const opts = { idleMs: 10 * 60_000, absoluteMs: 25 * 60_000 };
    const { token } = await createSession(db, userId, {}, { ...opts, now: () => new Date(t0) });
    for (const min of [8, 16, 24]) {
      expect(await validateSession(db, token, { ...opts, now: () => new Date(t0 + min * 60_000) })).not.toBeNull();
    }
    expect((await db.session.findFirstOrThrow()).expiresAt.getTime()).toBe(t0 + 25 * 60_000);
    expect(await validateSession(db, token, { ...opts, now: () => new Date(t0 + 25 * 60_000) })).toBeNull();
  });

  it('logs a user out everywhere, cleans up expired sessions, and cascades on user deletion', async () => {
    const a = await user('a');
    const b = await user('b');
    await createSession(db, a);
    await createSession(db, a);
    const { token: tb } = await createSession(db, b);
    expect(await deleteUserSessions(db, a)).toBe(2);
    await createSession(db, a, {}, { idleMs: -1 });
    expect(await deleteExpiredSessions(db)).toBe(1);
    await db.consoleUser.delete({ where: { id: b } });
    expect(await validateSession(db, tb)).toBeNull();
    expect(await db.session.count()).toBe(0);
  });
});

describe('session sweeper', () => {
  it('deletes a session that expired and was never used again, and keeps live ones', async () => {
    const userId = await user();
    const stop = startSessionSweeper(db, 20);
    try {
      const { token } = await createSession(db, userId);
      await createSession(db, userId, {}, { idleMs: -1 });
      await waitUntil(async () => (await db.session.count()) === 1, { what: 'the sweeper to delete the expired session' });
      expect((await db.session.findFirstOrThrow()).tokenHash).toBe(hashToken(token));
    } finally {
      await stop();
    }
  });
});

describe('ensureAdmin', () => {
  it('creates the first admin with a generated password, once', async () => {
    const first = await ensureAdmin(db, {});
    expect(first).toMatchObject({ created: true, username: 'admin' });
    if (!first.created) throw new Error('unreachable');
    const pw = first.generatedPassword ?? '';
    expect(pw.length).toBeGreaterThanOrEqual(20);
    const admin = await db.consoleUser.findUniqueOrThrow({ where: { username: 'admin' } });
    expect(admin.role).toBe('admin');
    expect(admin.passwordHash).not.toContain(pw);
    expect(await verifyPassword(admin.passwordHash, pw)).toBe(true);

    expect(await ensureAdmin(db, {})).toEqual({ created: false });
    expect(await ensureAdmin(db, { MERIDIAN_ADMIN_PASSWORD: 'another-password' })).toEqual({ created: false });
    expect(await db.consoleUser.count()).toBe(1);
  });

  it('takes the password (and username) from the environment and does not return it', async () => {
    const r = await ensureAdmin(db, { MERIDIAN_ADMIN_PASSWORD: 'from-the-env-1', MERIDIAN_ADMIN_USER: 'root' });
    expect(r).toEqual({ created: true, username: 'root' });
    const root = await db.consoleUser.findUniqueOrThrow({ where: { username: 'root' } });
    expect(await verifyPassword(root.passwordHash, 'from-the-env-1')).toBe(true);
  });

  it('refuses a short MERIDIAN_ADMIN_PASSWORD', async () => {
    await expect(ensureAdmin(db, { MERIDIAN_ADMIN_PASSWORD: 'short' })).rejects.toThrow(/at least 8/);
    expect(await db.consoleUser.count()).toBe(0);
  });

  it('is safe when several nodes start at once', async () => {
    const results = await Promise.all([ensureAdmin(db, {}), ensureAdmin(db, {}), ensureAdmin(db, {})]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await db.consoleUser.count()).toBe(1);
  });
});

describe('login rate limiting', () => {
  it('blocks a username+ip after 5 failures for 15 minutes, with retry-after', () => {
    let now = 1_000_000;
    const limiter = new LoginRateLimiter({ now: () => now });
    const key = LoginRateLimiter.key('Alice', '10.0.0.1');
    for (let i = 0; i < 5; i++) {
      limiter.check(key);
      limiter.recordFailure(key);
      now += 1000;
    }
    let err: unknown;
    try {
      limiter.check(key);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 15 * 60 - 5 });
    // Other keys are unaffected; the username is case-insensitive.
    expect(() => limiter.check(LoginRateLimiter.key('alice', '10.0.0.2'))).not.toThrow();
    expect(() => limiter.check(LoginRateLimiter.key('ALICE', '10.0.0.1'))).toThrow(AuthError);
    // The oldest failure leaves the window: one more attempt is allowed.
    now = 1_000_000 + 15 * 60_000 + 1;
    expect(() => limiter.check(key)).not.toThrow();
    limiter.recordFailure(key);
    expect(() => limiter.check(key)).toThrow(AuthError);
  });

  it('a success clears the failures; memory stays bounded', () => {
    const limiter = new LoginRateLimiter({ maxFailures: 2, maxKeys: 100 });
    const key = LoginRateLimiter.key('bob', null);
    limiter.recordFailure(key);
    limiter.recordSuccess(key);
    limiter.recordFailure(key);
    expect(() => limiter.check(key)).not.toThrow();
    for (let i = 0; i < 1000; i++) limiter.recordFailure(LoginRateLimiter.key(`u${i}`, 'ip'));
    expect((limiter as unknown as { failures: Map<string, number[]> }).failures.size).toBeLessThanOrEqual(100);
  });

  it('login(): wrong password and unknown user look the same; 6th try is rate limited; success opens a session', async () => {
    await user('carol', 'viewer', 'carol-password');
    const limiter = new LoginRateLimiter();
    const attempt = (username: string, password: string) =>
      login(db, limiter, { username, password, ip: '192.0.2.7', userAgent: 'vitest' });

    await expect(attempt('nobody', 'x')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    for (let i = 0; i < 5; i++) {
      await expect(attempt('carol', 'wrong')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    await expect(attempt('carol', 'carol-password')).rejects.toMatchObject({ code: 'RATE_LIMITED' });

    const ok = await login(db, new LoginRateLimiter(), { username: 'carol', password: 'carol-password', ip: '192.0.2.7' });
    expect(ok.user).toMatchObject({ username: 'carol', role: 'viewer' });
    expect(await validateSession(db, ok.token)).toMatchObject({ username: 'carol', role: 'viewer' });
    expect((await db.consoleUser.findUniqueOrThrow({ where: { username: 'carol' } })).lastLoginAt).toBeInstanceOf(Date);
  });
});
