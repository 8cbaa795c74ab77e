import { AddressList } from './addresses.ts';
import type { Action, Decision, Policy, PolicyEntry, PolicyType, ResourceType, UserStatus, UserType } from './rules.ts';

/** One thing a request does: an action (or any of several) on a named resource. */
export interface AccessCheck {
  type: Extract<ResourceType, 'Topic' | 'Group'>;
  /** The stored (namespaced) name. */
  name: string;
  /** The request needs one of these (QueryRoute: PUB or SUB). */
  actions: readonly Action[];
}

/** The entry that decided, as the console's checker and a denial's message name it. */
export interface DecidingEntry {
  policyType: PolicyType;
  /** Position in its policy's entries. */
  index: number;
  resource: string;
  decision: Decision;
}

export type AccessReason = 'SUPER_USER' | 'ALLOWED_BY_ENTRY' | 'DENIED_BY_ENTRY' | 'NO_MATCHING_POLICY' | 'UNKNOWN_USER' | 'USER_DISABLED';

export interface AccessDecision {
  allowed: boolean;
  reason: AccessReason;
  /** The resource the decision is about, as `Topic:name` (the first one refused, or the last one checked). */
  resource: string;
  entry?: DecidingEntry;
}

type Pattern = 'ANY' | 'LITERAL' | 'PREFIXED';

interface CompiledEntry extends DecidingEntry {
  /** Undefined: any type (`*`). */
  type: ResourceType | undefined;
  pattern: Pattern;
  name: string;
  all: boolean;
  actions: ReadonlySet<Action>;
  addresses: AddressList | undefined;
}

/** A user's ACL, compiled once when it changes: entries per policy, most specific first. */
export interface CompiledAcl {
  userType: UserType;
  userStatus: UserStatus;
  custom: readonly CompiledEntry[];
  defaults: readonly CompiledEntry[];
}

const PATTERN_RANK: Record<Pattern, number> = { LITERAL: 2, PREFIXED: 1, ANY: 0 };

/** `Group:%RETRY%g` and `Group:%DLQ%g` are the group g (RocketMQ's Resource.ofGroup). */
export function groupResourceName(name: string): string {
  for (const prefix of ['%RETRY%', '%DLQ%']) if (name.startsWith(prefix)) return name.slice(prefix.length);
  return name;
}

export function compileEntry(policyType: PolicyType, index: number, e: PolicyEntry): CompiledEntry {
  const base = { policyType, index, resource: e.resource, decision: e.decision, all: e.actions.includes('ALL'), actions: new Set(e.actions), addresses: e.sourceIps.length ? new AddressList(e.sourceIps) : undefined };
  if (e.resource === '*') return { ...base, type: undefined, pattern: 'ANY', name: '' };
  const colon = e.resource.indexOf(':');
  const typeText = e.resource.slice(0, colon).toLowerCase();
  const type = (['Topic', 'Group', 'Namespace', 'Cluster'] as const).find((t) => t.toLowerCase() === typeText);
  const name = e.resource.slice(colon + 1);
  if (name === '*') return { ...base, type, pattern: 'ANY', name: '' };
  if (name.endsWith('*')) return { ...base, type, pattern: 'PREFIXED', name: name.slice(0, -1) };
  return { ...base, type, pattern: 'LITERAL', name: type === 'Group' ? groupResourceName(name) : name };
}

/**
 * Most specific first: a typed resource before `*`; literal before prefix before any; the longer prefix
 * first; and on a tie DENY before ALLOW (the rule Apache's comparator meant, apache/rocketmq#9784).
 */
function bySpecificity(a: CompiledEntry, b: CompiledEntry): number {
  return (
    Number(b.type !== undefined) - Number(a.type !== undefined) ||
    PATTERN_RANK[b.pattern] - PATTERN_RANK[a.pattern] ||
    b.name.length - a.name.length ||
    Number(b.decision === 'DENY') - Number(a.decision === 'DENY')
  );
}

export function compileAcl(user: { userType: UserType; userStatus: UserStatus }, policies: readonly Policy[]): CompiledAcl {
  const of = (type: PolicyType) => (policies.find((p) => p.policyType === type)?.entries ?? []).map((e, i) => compileEntry(type, i, e)).sort(bySpecificity);
  return { userType: user.userType, userStatus: user.userStatus, custom: of('CUSTOM'), defaults: of('DEFAULT') };
}

function matches(e: CompiledEntry, check: AccessCheck, name: string, ip: string): boolean {
  if (e.type !== undefined && e.type !== check.type) return false;
  if (e.pattern === 'LITERAL' && e.name !== name) return false;
  if (e.pattern === 'PREFIXED' && !name.startsWith(e.name)) return false;
  if (!e.all && !check.actions.includes('ANY') && !check.actions.some((a) => e.actions.has(a))) return false;
  return e.addresses === undefined || e.addresses.has(ip);
}

function decideOne(acl: CompiledAcl, check: AccessCheck, ip: string): AccessDecision {
  const name = check.type === 'Group' ? groupResourceName(check.name) : check.name;
  const resource = `${check.type}:${name}`;
  // The lists are sorted, so the first match is the most specific; DEFAULT only when no CUSTOM entry matches.
  const entry = acl.custom.find((e) => matches(e, check, name, ip)) ?? acl.defaults.find((e) => matches(e, check, name, ip));
  if (!entry) return { allowed: false, reason: 'NO_MATCHING_POLICY', resource };
  const deciding: DecidingEntry = { policyType: entry.policyType, index: entry.index, resource: entry.resource, decision: entry.decision };
  return { allowed: entry.decision === 'ALLOW', reason: entry.decision === 'ALLOW' ? 'ALLOWED_BY_ENTRY' : 'DENIED_BY_ENTRY', resource, entry: deciding };
}

/** Every check must pass; the answer names the first that does not (or the last that did). */
export function decide(acl: CompiledAcl | undefined, checks: readonly AccessCheck[], ip: string): AccessDecision {
  const first = checks[0];
  const resource = first ? `${first.type}:${first.type === 'Group' ? groupResourceName(first.name) : first.name}` : '*';
  if (!acl) return { allowed: false, reason: 'UNKNOWN_USER', resource };
  if (acl.userStatus === 'DISABLE') return { allowed: false, reason: 'USER_DISABLED', resource };
  if (acl.userType === 'SUPER') return { allowed: true, reason: 'SUPER_USER', resource };
  let last: AccessDecision = { allowed: true, reason: 'ALLOWED_BY_ENTRY', resource };
  for (const check of checks) {
    last = decideOne(acl, check, ip);
    if (!last.allowed) return last;
  }
  return last;
}
