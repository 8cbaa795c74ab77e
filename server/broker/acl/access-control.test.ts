import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BrokerError, type BrokerErrorCode } from '../errors.ts';
import { AccessControl, type RequestIdentity } from './access-control.ts';
import { RateLimitsSchema, type PolicyEntry, type UserInput } from './rules.ts';

const PASSWORD = 'Orders-S3cret-pw';
const IP = '10.1.2.3';
const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const DATE_TIME = '20261202T120000Z';

let dirs: string[] = [];
function tempMetaDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-acl-'));
  dirs.push(dir);
  return path.join(dir, 'metadata');
}

beforeEach(() => {
  // The key comes from metadata/acl.key unless a test sets one.
  vi.stubEnv('MERIDIAN_ACL_KEY', '');
});

afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

/** Runs `fn`, expecting a BrokerError with `code`; returns it for further checks. */
function brokerError(code: BrokerErrorCode, fn: () => unknown): BrokerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).code).toBe(code);
    return e as BrokerError;
  }
  throw new Error(`expected a ${code} BrokerError, nothing was thrown`);
}

/** The header an SDK sends, its HMAC computed here with node:crypto. */
function signedHeader(username: string, password: string, dateTime = DATE_TIME): string {
  const hex = createHmac('sha1', password).update(dateTime).digest('hex').toUpperCase();
  return `MQv2-HMAC-SHA1 Credential=${username}, SignedHeaders=x-mq-date-time, Signature=${hex}`;
}

const signed = (username: string, password = PASSWORD, ip = IP): RequestIdentity => ({ authorization: signedHeader(username, password), dateTime: DATE_TIME, ip });

const allowOrders: PolicyEntry = { resource: 'Topic:orders', actions: ['PUB'], sourceIps: [], decision: 'ALLOW' };

describe('AccessControl: persistence', () => {
  it('keeps users, policies, switches and limits across a restart', () => {
    const meta = tempMetaDir();
    const a = new AccessControl(meta);
    a.createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    a.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [allowOrders] });
    a.updateSettings({ authentication: true, authorization: true, allowIps: ['10.0.0.0/8'] });
    const limits = RateLimitsSchema.parse({ send: { perSecond: 50 }, topics: { orders: { perSecond: 5 } } });
    a.setLimits(limits);

    const b = new AccessControl(meta);
    expect(b.listUsers()).toEqual(a.listUsers());
    expect(b.policiesOf('orders-app')).toEqual([{ policyType: 'CUSTOM', entries: [allowOrders] }]);
    expect(b.settings).toMatchObject({ authentication: true, authorization: true, allowIps: ['10.0.0.0/8'] });
    expect(b.limits).toEqual(limits);
    // The password decrypts after the restart: the user can still sign in, and is still allowed.
    expect(b.authenticate(signed('orders-app'), NOW)).toEqual({ ok: true, username: 'orders-app' });
    expect(b.authorize('orders-app', [{ type: 'Topic', name: 'orders', actions: ['PUB'] }], IP)).toMatchObject({ allowed: true });
  });

  it('stores no plaintext password, in a file only its owner can read', () => {
    const meta = tempMetaDir();
    new AccessControl(meta).createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    const file = path.join(meta, 'acl.json');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('orders-app');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('makes a key file only its owner can read', () => {
    const meta = tempMetaDir();
    new AccessControl(meta);
    const key = path.join(meta, 'acl.key');
    expect(fs.readFileSync(key, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
  });

  it('uses MERIDIAN_ACL_KEY instead of a key file when it is set', () => {
    const meta = tempMetaDir();
    vi.stubEnv('MERIDIAN_ACL_KEY', randomBytes(32).toString('hex'));
    new AccessControl(meta).createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    expect(fs.existsSync(path.join(meta, 'acl.key'))).toBe(false);
    expect(new AccessControl(meta).authenticate(signed('orders-app'), NOW)).toMatchObject({ ok: true });
  });

  it.each(['not-hex', 'ab'.repeat(31), `${'ab'.repeat(32)}00`])('refuses a MERIDIAN_ACL_KEY of the wrong form (%s)', (key) => {
    vi.stubEnv('MERIDIAN_ACL_KEY', key);
    const err = brokerError('INVALID_ARGUMENT', () => new AccessControl(tempMetaDir()));
    expect(err.message).toMatch(/MERIDIAN_ACL_KEY must be 64 hex digits/);
  });

  it('refuses to open with a different MERIDIAN_ACL_KEY, saying what changed', () => {
    const meta = tempMetaDir();
    vi.stubEnv('MERIDIAN_ACL_KEY', randomBytes(32).toString('hex'));
    new AccessControl(meta).createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    vi.stubEnv('MERIDIAN_ACL_KEY', randomBytes(32).toString('hex'));
    const err = brokerError('CORRUPT_DATA', () => new AccessControl(meta));
    expect(err.message).toMatch(/does not decrypt with this key: was MERIDIAN_ACL_KEY or metadata\/acl\.key changed\?/);
  });

  it('refuses to open when acl.key was replaced', () => {
    const meta = tempMetaDir();
    new AccessControl(meta).createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    fs.writeFileSync(path.join(meta, 'acl.key'), randomBytes(32).toString('hex'));
    brokerError('CORRUPT_DATA', () => new AccessControl(meta));
  });

  it('refuses a damaged acl.key with a typed error naming the file', () => {
    const meta = tempMetaDir();
    new AccessControl(meta);
    fs.writeFileSync(path.join(meta, 'acl.key'), 'abc');
    const err = brokerError('CORRUPT_DATA', () => new AccessControl(meta));
    expect(err.message).toContain(path.join(meta, 'acl.key'));
  });

  it('refuses an acl.json that is not an ACL file', () => {
    const meta = tempMetaDir();
    new AccessControl(meta);
    fs.writeFileSync(path.join(meta, 'acl.json'), JSON.stringify({ users: 'everyone' }));
    expect(brokerError('CORRUPT_DATA', () => new AccessControl(meta)).message).toMatch(/acl\.json is not a valid ACL file/);
  });
});

describe('AccessControl: users and policies', () => {
  let ac: AccessControl;
  beforeEach(() => {
    ac = new AccessControl(tempMetaDir());
    ac.createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
  });

  it('shows a user without its password', () => {
    const view = ac.getUser('orders-app');
    expect(view).toMatchObject({ username: 'orders-app', userType: 'NORMAL', userStatus: 'ENABLE' });
    expect(Object.keys(view).sort()).toEqual(['createdAt', 'updatedAt', 'userStatus', 'userType', 'username']);
  });

  it('refuses to create a user twice', () => {
    const err = brokerError('USER_EXISTS', () => ac.createUser({ username: 'orders-app', password: 'another-pw-1', userType: 'NORMAL', userStatus: 'ENABLE' }));
    expect(err.details).toEqual({ field: 'username' });
    // The first password still signs in.
    expect(ac.updateSettings({ authentication: true }).authentication).toBe(true);
    expect(ac.authenticate(signed('orders-app'), NOW)).toMatchObject({ ok: true });
  });

  it.each([
    ['username', { username: 'orders app', password: PASSWORD }, /^username: The username must use 1-64 letters/],
    ['username', { username: '', password: PASSWORD }, /^username: /],
    ['password', { username: 'billing', password: 'short' }, /^password: The password needs at least 8 characters/],
    ['userType', { username: 'billing', password: PASSWORD, userType: 'ADMIN' }, /^userType: The user type is one of SUPER, NORMAL/],
  ])('refuses an invalid %s, naming the field', (field, input, message) => {
    const err = brokerError('INVALID_ARGUMENT', () => ac.createUser({ userType: 'NORMAL', userStatus: 'ENABLE', ...input } as unknown as UserInput));
    expect(err.details).toEqual({ field });
    expect(err.message).toMatch(message);
    expect(ac.listUsers().map((u) => u.username)).toEqual(['orders-app']);
  });

  it('refuses to update, delete or grant to a user that does not exist', () => {
    expect(brokerError('USER_NOT_FOUND', () => ac.updateUser('nobody', { userStatus: 'DISABLE' })).message).toBe('User nobody does not exist');
    brokerError('USER_NOT_FOUND', () => ac.deleteUser('nobody'));
    brokerError('USER_NOT_FOUND', () => ac.setPolicy('nobody', { policyType: 'CUSTOM', entries: [allowOrders] }));
    brokerError('USER_NOT_FOUND', () => ac.getUser('nobody'));
  });

  it('changes a password: the old one stops signing, the new one signs', () => {
    ac.updateSettings({ authentication: true });
    const created = ac.getUser('orders-app').createdAt;
    ac.updateUser('orders-app', { password: 'New-pass-word-2' });
    expect(ac.authenticate(signed('orders-app'), NOW)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(ac.authenticate(signed('orders-app', 'New-pass-word-2'), NOW)).toMatchObject({ ok: true });
    expect(ac.getUser('orders-app').createdAt).toBe(created);
  });

  it('keeps the password when only the status changes', () => {
    ac.updateSettings({ authentication: true });
    ac.updateUser('orders-app', { userStatus: 'DISABLE' });
    expect(ac.authenticate(signed('orders-app'), NOW)).toMatchObject({ ok: false, reason: 'USER_DISABLED' });
    ac.updateUser('orders-app', { userStatus: 'ENABLE' });
    expect(ac.authenticate(signed('orders-app'), NOW)).toMatchObject({ ok: true });
  });

  it('deletes a user with its policies', () => {
    ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [allowOrders] });
    ac.deleteUser('orders-app');
    expect(ac.listUsers()).toEqual([]);
    ac.createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    expect(ac.policiesOf('orders-app')).toEqual([]);
  });

  it('replaces a policy by its type, and an empty one removes it', () => {
    const deny: PolicyEntry = { resource: 'Topic:audit', actions: ['ALL'], sourceIps: [], decision: 'DENY' };
    const anyTopic: PolicyEntry = { resource: 'Topic:*', actions: ['SUB'], sourceIps: [], decision: 'ALLOW' };
    ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [allowOrders] });
    ac.setPolicy('orders-app', { policyType: 'DEFAULT', entries: [anyTopic] });
    expect(ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [deny] })).toEqual([
      { policyType: 'DEFAULT', entries: [anyTopic] },
      { policyType: 'CUSTOM', entries: [deny] },
    ]);
    expect(ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [] })).toEqual([{ policyType: 'DEFAULT', entries: [anyTopic] }]);
    expect(ac.removePolicy('orders-app', 'DEFAULT')).toEqual([]);
    expect(ac.policiesOf('orders-app')).toEqual([]);
  });

  it('refuses an invalid entry, naming its field, and keeps the policy it had', () => {
    ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [allowOrders] });
    const err = brokerError('INVALID_ARGUMENT', () => ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [{ ...allowOrders, resource: 'Topic:a*b' }] }));
    expect(err.details).toEqual({ field: 'entries.0.resource' });
    expect(ac.policiesOf('orders-app')).toEqual([{ policyType: 'CUSTOM', entries: [allowOrders] }]);
  });

  it('decides with a policy as soon as it is set', () => {
    const check = [{ type: 'Topic' as const, name: 'orders', actions: ['PUB' as const] }];
    expect(ac.evaluate('orders-app', check, IP)).toMatchObject({ allowed: false, reason: 'NO_MATCHING_POLICY' });
    ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [allowOrders] });
    expect(ac.evaluate('orders-app', check, IP)).toMatchObject({ allowed: true, reason: 'ALLOWED_BY_ENTRY', entry: { policyType: 'CUSTOM', index: 0 } });
  });

  it('refuses settings that are not valid, naming the field', () => {
    const err = brokerError('INVALID_ARGUMENT', () => ac.updateSettings({ allowIps: ['10.0.0.0/99'] }));
    expect(err.details).toEqual({ field: 'allowIps.0' });
    expect(ac.settings.allowIps).toEqual([]);
  });

  it('applies new rate limits to the limiter', () => {
    ac.setLimits(RateLimitsSchema.parse({ topics: { orders: { perSecond: 1 } } }));
    expect(ac.limiter.admitSend('orders', 1, NOW)).toBeUndefined();
    expect(ac.limiter.admitSend('orders', 1, NOW)).toEqual({ scope: 'topic', name: 'orders', perSecond: 1 });
  });
});

describe('AccessControl: bootstrap', () => {
  const auditDeny: PolicyEntry = { resource: 'Topic:audit', actions: ['ALL'], sourceIps: [], decision: 'DENY' };

  it('creates and updates users, merges entries by resource, and deletes nothing', () => {
    const ac = new AccessControl(tempMetaDir());
    ac.updateSettings({ authentication: true });
    ac.createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    ac.createUser({ username: 'keep-me', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [allowOrders, auditDeny] });

    const ordersSub: PolicyEntry = { resource: 'Topic:orders', actions: ['SUB'], sourceIps: [], decision: 'DENY' };
    const any: PolicyEntry = { resource: '*', actions: ['SUB'], sourceIps: [], decision: 'ALLOW' };
    ac.applyBootstrap({
      users: [
        { username: 'orders-app', password: 'Rotated-pw-123', userType: 'NORMAL', userStatus: 'ENABLE' },
        { username: 'rocketmq', password: '12345678', userType: 'SUPER', userStatus: 'ENABLE' },
      ],
      acls: [{ subject: 'User:orders-app', policies: [{ policyType: 'CUSTOM', entries: [ordersSub] }, { policyType: 'DEFAULT', entries: [any] }] }],
    });

    expect(ac.listUsers().map((u) => [u.username, u.userType])).toEqual([
      ['keep-me', 'NORMAL'],
      ['orders-app', 'NORMAL'],
      ['rocketmq', 'SUPER'],
    ]);
    expect(ac.authenticate(signed('orders-app', 'Rotated-pw-123'), NOW)).toMatchObject({ ok: true });
    expect(ac.policiesOf('orders-app')).toEqual([
      { policyType: 'CUSTOM', entries: [auditDeny, ordersSub] },
      { policyType: 'DEFAULT', entries: [any] },
    ]);
  });

  it('refuses an ACL for a user that neither the bootstrap nor the instance has', () => {
    const ac = new AccessControl(tempMetaDir());
    const err = brokerError('USER_NOT_FOUND', () => ac.applyBootstrap({ users: [], acls: [{ subject: 'User:ghost', policies: [{ policyType: 'CUSTOM', entries: [allowOrders] }] }] }));
    expect(err.message).toContain('User:ghost');
  });
});

describe('AccessControl: authenticate', () => {
  let ac: AccessControl;
  beforeEach(() => {
    ac = new AccessControl(tempMetaDir());
    ac.createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    ac.createUser({ username: 'retired', password: PASSWORD, userType: 'NORMAL', userStatus: 'DISABLE' });
  });

  it('checks the allow-list first, even with authentication off', () => {
    ac.updateSettings({ allowIps: ['10.0.0.0/8', '2001:db8::/32'] });
    expect(ac.authenticate({ authorization: '', dateTime: '', ip: '192.0.2.1' }, NOW)).toEqual({ ok: false, reason: 'ADDRESS_NOT_ALLOWED', message: "Address 192.0.2.1 is not in the instance's IP allow-list" });
    expect(ac.authenticate({ authorization: '', dateTime: '', ip: '' }, NOW)).toMatchObject({ ok: false, reason: 'ADDRESS_NOT_ALLOWED', message: expect.stringContaining('Address unknown') });
    expect(ac.authenticate({ authorization: '', dateTime: '', ip: '::ffff:10.9.9.9' }, NOW)).toEqual({ ok: true, username: undefined });
    expect(ac.addressAllowed('2001:db8::7')).toBe(true);
    // With authentication on, a good signature from outside the list is still refused.
    ac.updateSettings({ authentication: true });
    expect(ac.authenticate(signed('orders-app', PASSWORD, '192.0.2.1'), NOW)).toMatchObject({ ok: false, reason: 'ADDRESS_NOT_ALLOWED' });
  });

  it('lets every request in, as no user, with authentication off', () => {
    expect(ac.authenticate({ authorization: 'garbage', dateTime: 'garbage', ip: IP }, NOW)).toEqual({ ok: true, username: undefined });
    expect(ac.authenticate(signed('orders-app'), NOW)).toEqual({ ok: true, username: undefined });
  });

  describe('with authentication on', () => {
    beforeEach(() => {
      ac.updateSettings({ authentication: true });
    });

    const hex = createHmac('sha1', PASSWORD).update(DATE_TIME).digest('hex');
    const cases: [string, RequestIdentity, string, RegExp][] = [
      ['MISSING_CREDENTIALS', { authorization: '', dateTime: DATE_TIME, ip: IP }, 'no credentials', /carries no credentials: this instance requires authentication/],
      ['MALFORMED_CREDENTIALS', { authorization: `MQv2-HMAC-SHA1 Credential=orders-app, Signature=${hex}0`, dateTime: DATE_TIME, ip: IP }, 'odd-length hex', /malformed authorization header/],
      ['MALFORMED_CREDENTIALS', { authorization: 'Basic b3JkZXJzOnB3', dateTime: DATE_TIME, ip: IP }, 'another scheme', /malformed authorization header/],
      ['MISSING_DATE_TIME', { ...signed('orders-app'), dateTime: '' }, 'no date-time', /^Request of User:orders-app from 10\.1\.2\.3 has no x-mq-date-time/],
      ['BAD_DATE_TIME', { ...signed('orders-app'), dateTime: '2026-12-02T12:00:00Z' }, 'an ISO date-time', /x-mq-date-time that is not yyyyMMddTHHmmssZ/],
      ['BAD_DATE_TIME', { authorization: signedHeader('orders-app', PASSWORD, '20261302T120000Z'), dateTime: '20261302T120000Z', ip: IP }, 'month 13', /not yyyyMMddTHHmmssZ/],
      ['UNKNOWN_USER', signed('ghost'), 'an unknown user', /^User:ghost from 10\.1\.2\.3 is not a user of this instance$/],
      ['USER_DISABLED', signed('retired'), 'a disabled user', /^User:retired from 10\.1\.2\.3 is disabled$/],
      ['BAD_SIGNATURE', signed('orders-app', 'Wrong-password-1'), 'another password', /^The signature of User:orders-app from 10\.1\.2\.3 does not match: check the access secret$/],
      ['BAD_SIGNATURE', { ...signed('orders-app'), dateTime: '20261202T120001Z' }, 'a date-time other than the signed one', /does not match/],
    ];

    it.each(cases)('refuses with %s for %s', (reason, req, _what, message) => {
      const r = ac.authenticate(req, NOW);
      expect(r).toMatchObject({ ok: false, reason });
      expect(r.ok ? '' : r.message).toMatch(message);
    });

    it('refuses a request signed 20 minutes off the clock, saying by how much', () => {
      const r = ac.authenticate(signed('orders-app'), NOW + 20 * 60_000);
      expect(r).toEqual({ ok: false, reason: 'CLOCK_SKEW', message: "Request of User:orders-app from 10.1.2.3 was signed 1200 s away from the broker's clock (at most 900 s): check the client's clock" });
    });

    it('accepts a request signed in local time with a Z, 8 hours ahead', () => {
      expect(ac.authenticate(signed('orders-app'), NOW - 8 * 3_600_000)).toEqual({ ok: true, username: 'orders-app' });
    });

    it('accepts a good signature in either hex case, and Go\'s credential form', () => {
      expect(ac.authenticate(signed('orders-app'), NOW)).toEqual({ ok: true, username: 'orders-app' });
      expect(ac.authenticate({ authorization: `MQv2-HMAC-SHA1 Credential=orders-app//Rocketmq, SignedHeaders=x-mq-date-time, Signature=${hex}`, dateTime: DATE_TIME, ip: IP }, NOW)).toEqual({ ok: true, username: 'orders-app' });
    });

    it('never puts the password or the signature in a refusal', () => {
      const secrets = [PASSWORD, hex, hex.toUpperCase()];
      const requests = [...cases.map((c) => c[1]), signed('orders-app')];
      for (const req of requests) {
        for (const now of [NOW, NOW + 20 * 60_000]) {
          const r = ac.authenticate(req, now);
          if (r.ok) continue;
          for (const s of secrets) expect(r.message).not.toContain(s);
        }
      }
    });
  });
});

describe('AccessControl: authorize and evaluate', () => {
  const check = [{ type: 'Topic' as const, name: 'orders', actions: ['PUB' as const] }];
  let ac: AccessControl;
  beforeEach(() => {
    ac = new AccessControl(tempMetaDir());
    ac.createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
  });

  it('allows everything with authorization off, even no user', () => {
    expect(ac.authorize(undefined, check, IP)).toMatchObject({ allowed: true });
    expect(ac.authorize('orders-app', check, IP)).toMatchObject({ allowed: true });
  });

  it('decides by the ACL with authorization on', () => {
    ac.updateSettings({ authorization: true });
    expect(ac.authorize(undefined, check, IP)).toMatchObject({ allowed: false, reason: 'UNKNOWN_USER' });
    expect(ac.authorize('orders-app', check, IP)).toMatchObject({ allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' });
    ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [allowOrders] });
    expect(ac.authorize('orders-app', check, IP)).toMatchObject({ allowed: true, reason: 'ALLOWED_BY_ENTRY' });
  });

  it('evaluates by the ACL whatever the switches say', () => {
    expect(ac.settings.authorization).toBe(false);
    expect(ac.evaluate('orders-app', check, IP)).toMatchObject({ allowed: false, reason: 'NO_MATCHING_POLICY' });
    expect(ac.evaluate('ghost', check, IP)).toMatchObject({ allowed: false, reason: 'UNKNOWN_USER' });
    ac.updateUser('orders-app', { userType: 'SUPER' });
    expect(ac.evaluate('orders-app', check, IP)).toMatchObject({ allowed: true, reason: 'SUPER_USER' });
  });

  it('counts denials by reason', () => {
    ac.countDenial('BAD_SIGNATURE');
    ac.countDenial('BAD_SIGNATURE');
    ac.countDenial('DENIED_BY_ENTRY');
    expect(ac.denials).toEqual({ BAD_SIGNATURE: 2, DENIED_BY_ENTRY: 1 });
  });
});

describe('AccessControl: onChange', () => {
  it('tells its listeners of every change, after the change applies', () => {
    const ac = new AccessControl(tempMetaDir());
    const seen: string[][] = [];
    const stop = ac.onChange(() => seen.push(ac.listUsers().map((u) => `${u.username}:${u.userStatus}`)));
    ac.createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    ac.updateUser('orders-app', { userStatus: 'DISABLE' });
    ac.setPolicy('orders-app', { policyType: 'CUSTOM', entries: [allowOrders] });
    ac.updateSettings({ authentication: true });
    ac.deleteUser('orders-app');
    expect(seen).toEqual([['orders-app:ENABLE'], ['orders-app:DISABLE'], ['orders-app:DISABLE'], ['orders-app:DISABLE'], []]);
    stop();
    ac.updateSettings({ authentication: false });
    expect(seen).toHaveLength(5);
  });

  it('lets a listener see the new user authenticate', () => {
    const ac = new AccessControl(tempMetaDir());
    ac.updateSettings({ authentication: true });
    const results: boolean[] = [];
    ac.onChange(() => results.push(ac.authenticate(signed('orders-app'), NOW).ok));
    ac.createUser({ username: 'orders-app', password: PASSWORD, userType: 'NORMAL', userStatus: 'ENABLE' });
    expect(results).toEqual([true]);
  });
});
