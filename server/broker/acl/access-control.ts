import path from 'node:path';
import type { z } from 'zod';
import { BrokerError } from '../errors.ts';
import { decryptSecret, encryptSecret, loadAclKey, readAclFile, writeAclFile, type AclFile, type StoredUser } from './acl-store.ts';
import { AddressList } from './addresses.ts';
import { compileAcl, decide, type AccessCheck, type AccessDecision, type CompiledAcl } from './evaluator.ts';
import { RateLimiter } from './rate-limiter.ts';
import {
  AclSettingsSchema,
  PolicySchema,
  RateLimitsSchema,
  UserInputSchema,
  type AclBootstrap,
  type AclSettings,
  type AclUserView,
  type Policy,
  type PolicyType,
  type RateLimits,
  type UserInput,
  type UserStatus,
  type UserType,
} from './rules.ts';
import { clockSkewMs, parseAuthorization, parseDateTime, signatureMatches } from './signature.ts';

export type AuthFailure = 'ADDRESS_NOT_ALLOWED' | 'MISSING_CREDENTIALS' | 'MALFORMED_CREDENTIALS' | 'MISSING_DATE_TIME' | 'BAD_DATE_TIME' | 'CLOCK_SKEW' | 'UNKNOWN_USER' | 'USER_DISABLED' | 'BAD_SIGNATURE';

/** Who a request comes from, as its headers and connection say. */
export interface RequestIdentity {
  authorization: string;
  dateTime: string;
  /** The peer's address (no port). */
  ip: string;
}

export type Authentication = { ok: true; username: string | undefined } | { ok: false; reason: AuthFailure; message: string };

/** Denials since start, by reason: the `rocketmq_authentication_denied` / authorization metrics read them. */
export type DenialCounts = Record<AuthFailure | AccessDecision['reason'], number>;

export interface UserPatch {
  password?: string;
  userType?: UserType;
  userStatus?: UserStatus;
}

interface LiveUser {
  stored: StoredUser;
  password: string;
}

/**
 * The instance's access control: the allow-list, request authentication, ACL 2.0 authorization and rate
 * limits, over the state in `metadata/acl.json`. Everything a request needs is precompiled (address lists,
 * each user's sorted entries, decrypted passwords) and rebuilt on change, so a check does no I/O.
 */
export class AccessControl {
  private readonly file: string;
  private readonly key: Buffer;
  private data: AclFile;
  private readonly users = new Map<string, LiveUser>();
  private readonly compiled = new Map<string, CompiledAcl>();
  private allowList: AddressList | undefined;
  readonly limiter: RateLimiter;
  readonly denials: Partial<DenialCounts> = {};
  private readonly listeners = new Set<() => void>();

  constructor(metaDir: string) {
    this.file = path.join(metaDir, 'acl.json');
    this.key = loadAclKey(metaDir);
    this.data = readAclFile(this.file);
    for (const u of this.data.users) this.users.set(u.username, { stored: u, password: decryptSecret(this.key, u.password) });
    this.limiter = new RateLimiter(this.data.limits);
    this.rebuild();
  }

  // -------------------------------------------------------------------------------------------------------
  // Reading

  get settings(): AclSettings {
    return this.data.settings;
  }

  get limits(): RateLimits {
    return this.data.limits;
  }

  listUsers(): AclUserView[] {
    return [...this.users.values()].map((u) => viewOf(u.stored)).sort((a, b) => a.username.localeCompare(b.username));
  }

  getUser(username: string): AclUserView {
    return viewOf(this.live(username).stored);
  }

  policiesOf(username: string): Policy[] {
    this.live(username);
    return this.data.acls[username] ?? [];
  }

  /** Calls `listener` after every change (the gRPC front-end drops what it cached per connection). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // -------------------------------------------------------------------------------------------------------
  // Requests

  /** The allow-list, checked before anything else: empty allows every address. */
  addressAllowed(ip: string): boolean {
    return this.allowList === undefined || this.allowList.has(ip);
  }

  /** The request's user, when its signature is good; the allow-list is checked first. */
  authenticate(req: RequestIdentity, now = Date.now()): Authentication {
    if (!this.addressAllowed(req.ip)) return this.refuse('ADDRESS_NOT_ALLOWED', `Address ${req.ip || 'unknown'} is not in the instance's IP allow-list`);
    if (!this.data.settings.authentication) return { ok: true, username: undefined };
    const credential = parseAuthorization(req.authorization);
    if (credential === 'MISSING') return this.refuse('MISSING_CREDENTIALS', `Request from ${req.ip} carries no credentials: this instance requires authentication (set the SDK's access key and secret)`);
    if (typeof credential === 'string') return this.refuse('MALFORMED_CREDENTIALS', `Request from ${req.ip} has a malformed authorization header (expected MQv2-HMAC-SHA1 Credential=…, SignedHeaders=x-mq-date-time, Signature=<hex>)`);
    const who = `User:${credential.username}`;
    if (!req.dateTime) return this.refuse('MISSING_DATE_TIME', `Request of ${who} from ${req.ip} has no x-mq-date-time header to check its signature against`);
    const signedAt = parseDateTime(req.dateTime);
    if (signedAt === undefined) return this.refuse('BAD_DATE_TIME', `Request of ${who} from ${req.ip} has an x-mq-date-time that is not yyyyMMddTHHmmssZ`);
    const user = this.users.get(credential.username);
    if (!user) return this.refuse('UNKNOWN_USER', `${who} from ${req.ip} is not a user of this instance`);
    if (user.stored.userStatus === 'DISABLE') return this.refuse('USER_DISABLED', `${who} from ${req.ip} is disabled`);
    if (!signatureMatches(credential, req.dateTime, user.password)) return this.refuse('BAD_SIGNATURE', `The signature of ${who} from ${req.ip} does not match: check the access secret`);
    const skew = clockSkewMs(signedAt, now, this.data.settings.maxClockSkewMs);
    if (skew > 0) {
      return this.refuse('CLOCK_SKEW', `Request of ${who} from ${req.ip} was signed ${Math.round(skew / 1000)} s away from the broker's clock (at most ${this.data.settings.maxClockSkewMs / 1000} s): check the client's clock`);
    }
    return { ok: true, username: credential.username };
  }

  /**
   * Whether `username` may do all of `checks` from `ip` (authorization off: always). The caller counts a
   * refusal with `countDenial` once it has answered.
   */
  authorize(username: string | undefined, checks: readonly AccessCheck[], ip: string): AccessDecision {
    if (!this.data.settings.authorization) return { allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: '*' };
    return this.evaluate(username, checks, ip);
  }

  /** The evaluator's answer whatever the switches say: the console's "can X do Y" checker. */
  evaluate(username: string | undefined, checks: readonly AccessCheck[], ip: string): AccessDecision {
    return decide(username === undefined ? undefined : this.compiled.get(username), checks, ip);
  }

  countDenial(reason: AuthFailure | AccessDecision['reason']): void {
    this.denials[reason] = (this.denials[reason] ?? 0) + 1;
  }

  // -------------------------------------------------------------------------------------------------------
  // Changes (each persisted before it applies)

  updateSettings(patch: Partial<AclSettings>): AclSettings {
    const settings = parseOrThrow(AclSettingsSchema, { ...this.data.settings, ...patch });
    this.commit({ ...this.data, settings });
    return settings;
  }

  setLimits(limits: RateLimits): RateLimits {
    const parsed = parseOrThrow(RateLimitsSchema, limits);
    this.commit({ ...this.data, limits: parsed });
    this.limiter.configure(parsed);
    return parsed;
  }

  createUser(input: UserInput): AclUserView {
    const u = parseOrThrow(UserInputSchema, input);
    if (this.users.has(u.username)) throw new BrokerError('USER_EXISTS', `User ${u.username} already exists`, { field: 'username' });
    return this.putUser(u);
  }

  /** Creates the user or updates its password, type and status (the bootstrap's create-or-update). */
  upsertUser(input: UserInput): AclUserView {
    return this.putUser(parseOrThrow(UserInputSchema, input));
  }

  updateUser(username: string, patch: UserPatch): AclUserView {
    const current = this.live(username);
    const u = parseOrThrow(UserInputSchema, { username, password: patch.password ?? current.password, userType: patch.userType ?? current.stored.userType, userStatus: patch.userStatus ?? current.stored.userStatus });
    return this.putUser(u);
  }

  deleteUser(username: string): void {
    this.live(username);
    const acls = { ...this.data.acls };
    delete acls[username];
    this.commit({ ...this.data, users: this.data.users.filter((u) => u.username !== username), acls }, () => this.users.delete(username));
  }

  /** Replaces the user's policy of that type (an ACL holds one per type); no entries removes it. */
  setPolicy(username: string, policy: Policy): Policy[] {
    this.live(username);
    const p = parseOrThrow(PolicySchema, policy);
    const others = (this.data.acls[username] ?? []).filter((x) => x.policyType !== p.policyType);
    const policies = p.entries.length ? [...others, p] : others;
    this.commit({ ...this.data, acls: { ...this.data.acls, [username]: policies } });
    return policies;
  }

  removePolicy(username: string, policyType: PolicyType): Policy[] {
    return this.setPolicy(username, { policyType, entries: [] });
  }

  /** Users and policies of a bootstrap file: created or updated, never deleted. Policies merge by resource. */
  applyBootstrap(boot: AclBootstrap): void {
    for (const u of boot.users) this.upsertUser(u);
    for (const acl of boot.acls) {
      const username = acl.subject.slice('User:'.length);
      if (!this.users.has(username)) throw new BrokerError('USER_NOT_FOUND', `The ACL of ${acl.subject} names no user of the bootstrap or the instance`, { field: 'acls.subject' });
      for (const policy of acl.policies) {
        const current = this.policiesOf(username).find((p) => p.policyType === policy.policyType)?.entries ?? [];
        const resources = new Set(policy.entries.map((e) => e.resource));
        this.setPolicy(username, { policyType: policy.policyType, entries: [...current.filter((e) => !resources.has(e.resource)), ...policy.entries] });
      }
    }
  }

  private putUser(u: UserInput): AclUserView {
    const now = Date.now();
    const prev = this.users.get(u.username)?.stored;
    const stored: StoredUser = { username: u.username, password: encryptSecret(this.key, u.password), userType: u.userType, userStatus: u.userStatus, createdAt: prev?.createdAt ?? now, updatedAt: now };
    this.commit({ ...this.data, users: [...this.data.users.filter((x) => x.username !== u.username), stored] }, () => this.users.set(u.username, { stored, password: u.password }));
    return viewOf(stored);
  }

  private live(username: string): LiveUser {
    const u = this.users.get(username);
    if (!u) throw new BrokerError('USER_NOT_FOUND', `User ${username} does not exist`, { field: 'username' });
    return u;
  }

  /** Persists `next`, then applies it (and `applyLive`, the in-memory side) before any listener hears of it. */
  private commit(next: AclFile, applyLive?: () => void): void {
    writeAclFile(this.file, next);
    this.data = next;
    applyLive?.();
    this.rebuild();
    for (const l of this.listeners) l();
  }

  private rebuild(): void {
    const ips = this.data.settings.allowIps;
    this.allowList = ips.length ? new AddressList(ips) : undefined;
    this.compiled.clear();
    for (const [name, u] of this.users) this.compiled.set(name, compileAcl(u.stored, this.data.acls[name] ?? []));
  }

  private refuse(reason: AuthFailure, message: string): Authentication {
    return { ok: false, reason, message };
  }
}

function viewOf(u: StoredUser): AclUserView {
  return { username: u.username, userType: u.userType, userStatus: u.userStatus, createdAt: u.createdAt, updatedAt: u.updatedAt };
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  throw new BrokerError('INVALID_ARGUMENT', `${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}`, field ? { field } : {});
}
