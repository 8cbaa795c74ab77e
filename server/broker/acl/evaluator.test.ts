import { describe, expect, it } from 'vitest';
import { compileAcl, decide, type AccessCheck, type AccessReason } from './evaluator.ts';
import type { Action, Decision, PolicyEntry, PolicyType, UserStatus, UserType } from './rules.ts';

function entry(resource: string, decision: Decision, actions: Action[] = ['PUB', 'SUB'], sourceIps: string[] = []): PolicyEntry {
  return { resource, actions, sourceIps, decision };
}
const allow = (resource: string, actions?: Action[], sourceIps?: string[]) => entry(resource, 'ALLOW', actions, sourceIps);
const deny = (resource: string, actions?: Action[], sourceIps?: string[]) => entry(resource, 'DENY', actions, sourceIps);

const topic = (name: string, actions: Action[] = ['PUB']): AccessCheck => ({ type: 'Topic', name, actions });
const group = (name: string, actions: Action[] = ['SUB']): AccessCheck => ({ type: 'Group', name, actions });

function aclOf(custom: PolicyEntry[], defaults: PolicyEntry[] = [], user: { userType: UserType; userStatus: UserStatus } = { userType: 'NORMAL', userStatus: 'ENABLE' }) {
  return compileAcl(user, [
    { policyType: 'CUSTOM', entries: custom },
    { policyType: 'DEFAULT', entries: defaults },
  ]);
}

const IP = '192.0.2.10';

interface Case {
  behaviour: string;
  custom?: PolicyEntry[];
  defaults?: PolicyEntry[];
  checks: AccessCheck[];
  ip?: string;
  allowed: boolean;
  reason: AccessReason;
  /** The resource the decision names. */
  resource: string;
  /** The deciding entry: its policy, position and decision. */
  by?: { policyType: PolicyType; index: number; decision: Decision };
}

const cases: Case[] = [
  // Specificity: literal, then prefix, then Topic:*, then *.
  { behaviour: 'a literal entry beats a prefix that would deny', custom: [deny('Topic:ord*'), allow('Topic:orders')], checks: [topic('orders')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'ALLOW' } },
  { behaviour: 'a literal DENY beats a prefix ALLOW', custom: [allow('Topic:ord*'), deny('Topic:orders')], checks: [topic('orders')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'DENY' } },
  { behaviour: 'a prefix beats Topic:*', custom: [deny('Topic:*'), allow('Topic:ord*')], checks: [topic('orders')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'ALLOW' } },
  { behaviour: 'Topic:* beats *', custom: [deny('*'), allow('Topic:*')], checks: [topic('orders')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'ALLOW' } },
  { behaviour: '* covers groups as well as topics', custom: [allow('*')], checks: [group('billing')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Group:billing', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'Topic:* does not cover a group', custom: [allow('Topic:*')], checks: [group('billing')], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Group:billing' },
  { behaviour: 'the longer prefix wins (deny)', custom: [allow('Topic:o*'), deny('Topic:ord*')], checks: [topic('orders')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'DENY' } },
  { behaviour: 'the longer prefix wins (allow)', custom: [deny('Topic:o*'), allow('Topic:ord*')], checks: [topic('orders')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'ALLOW' } },
  { behaviour: 'a prefix that is not one of the name is no match', custom: [allow('Topic:pay*')], checks: [topic('orders')], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },
  { behaviour: 'a literal matches its name only, not a longer one', custom: [allow('Topic:order')], checks: [topic('orders')], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },
  { behaviour: 'a Group entry does not grant the topic of the same name', custom: [allow('Group:orders')], checks: [topic('orders')], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },

  // Equal specificity: DENY wins whichever was written first (not Apache's comparator, apache/rocketmq#9784).
  { behaviour: 'DENY wins a tie written after the ALLOW', custom: [allow('Topic:orders'), deny('Topic:orders')], checks: [topic('orders')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'DENY' } },
  { behaviour: 'DENY wins a tie written before the ALLOW', custom: [deny('Topic:orders'), allow('Topic:orders')], checks: [topic('orders')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'DENY' } },
  { behaviour: 'DENY wins a tie of equal prefixes', custom: [allow('Topic:ord*'), deny('Topic:ord*')], checks: [topic('orders')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'DENY' } },
  { behaviour: 'DENY wins a tie of * entries', custom: [allow('*'), deny('*')], checks: [topic('orders')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'DENY' } },

  // CUSTOM decides before DEFAULT.
  { behaviour: 'a DEFAULT ALLOW never overrides a matching CUSTOM DENY', custom: [deny('Topic:orders')], defaults: [allow('Topic:orders')], checks: [topic('orders')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'DENY' } },
  { behaviour: 'a CUSTOM Topic:* decides before a more specific DEFAULT entry', custom: [allow('Topic:*')], defaults: [deny('Topic:orders')], checks: [topic('orders')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'DEFAULT applies when no CUSTOM entry matches the resource', custom: [allow('Topic:payments')], defaults: [allow('Topic:*')], checks: [topic('orders')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'DEFAULT', index: 0, decision: 'ALLOW' } },
  { behaviour: 'DEFAULT applies when the CUSTOM entry is for another action', custom: [deny('Topic:orders', ['SUB'])], defaults: [allow('Topic:orders', ['PUB'])], checks: [topic('orders', ['PUB'])], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'DEFAULT', index: 0, decision: 'ALLOW' } },
  { behaviour: 'DEFAULT applies when the CUSTOM entry is for other addresses', custom: [allow('Topic:orders', ['PUB'], ['10.0.0.0/8'])], defaults: [deny('Topic:*')], checks: [topic('orders')], ip: '172.16.0.1', allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'DEFAULT', index: 0, decision: 'DENY' } },
  { behaviour: 'a DEFAULT DENY refuses what no CUSTOM entry grants', defaults: [deny('*')], checks: [group('billing')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Group:billing', by: { policyType: 'DEFAULT', index: 0, decision: 'DENY' } },

  // Default deny.
  { behaviour: 'a user without entries is refused', checks: [topic('orders')], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },

  // Actions.
  { behaviour: 'ALL in an entry grants PUB', custom: [allow('Topic:orders', ['ALL'])], checks: [topic('orders', ['PUB'])], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'ALL in an entry grants DELETE', custom: [allow('Topic:orders', ['ALL'])], checks: [topic('orders', ['DELETE'])], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'ALL in a DENY entry refuses SUB', custom: [deny('Topic:orders', ['ALL'])], checks: [topic('orders', ['SUB'])], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'DENY' } },
  { behaviour: 'an entry granting SUB does not grant PUB', custom: [allow('Topic:orders', ['SUB'])], checks: [topic('orders', ['PUB'])], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },
  { behaviour: 'ANY in the request matches an entry granting SUB', custom: [allow('Topic:orders', ['SUB'])], checks: [topic('orders', ['ANY'])], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'ANY in the request matches a DENY entry too', custom: [deny('Topic:orders', ['PUB'])], checks: [topic('orders', ['ANY'])], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'DENY' } },
  { behaviour: 'a QueryRoute (PUB or SUB) is allowed by an entry granting only SUB', custom: [allow('Topic:orders', ['SUB'])], checks: [topic('orders', ['PUB', 'SUB'])], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'a QueryRoute is not allowed by an entry granting only CREATE', custom: [allow('Topic:orders', ['CREATE'])], checks: [topic('orders', ['PUB', 'SUB'])], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },

  // Source addresses.
  { behaviour: 'an exact IPv4 address matches that address', custom: [allow('Topic:orders', ['PUB'], ['10.0.0.7'])], checks: [topic('orders')], ip: '10.0.0.7', allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'an exact IPv4 address does not match its neighbour', custom: [allow('Topic:orders', ['PUB'], ['10.0.0.7'])], checks: [topic('orders')], ip: '10.0.0.8', allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },
  { behaviour: 'an IPv4 CIDR matches an address inside it', custom: [allow('Topic:orders', ['PUB'], ['10.0.0.0/8'])], checks: [topic('orders')], ip: '10.200.1.1', allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'an IPv4 CIDR does not match an address outside it', custom: [allow('Topic:orders', ['PUB'], ['10.0.0.0/8'])], checks: [topic('orders')], ip: '11.0.0.1', allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },
  { behaviour: 'an IPv6 CIDR matches an address inside it', custom: [allow('Topic:orders', ['PUB'], ['2001:db8::/32'])], checks: [topic('orders')], ip: '2001:db8:1::5', allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'an IPv6 CIDR does not match an address outside it', custom: [allow('Topic:orders', ['PUB'], ['2001:db8::/32'])], checks: [topic('orders')], ip: '2001:db9::1', allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },
  { behaviour: 'an IPv4-mapped IPv6 peer is checked as its IPv4 address', custom: [allow('Topic:orders', ['PUB'], ['10.1.0.0/16'])], checks: [topic('orders')], ip: '::ffff:10.1.2.3', allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'an IPv4-mapped IPv6 peer outside the CIDR is no match', custom: [allow('Topic:orders', ['PUB'], ['10.1.0.0/16'])], checks: [topic('orders')], ip: '::ffff:10.2.2.3', allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },
  { behaviour: 'an empty address list matches any address', custom: [allow('Topic:orders', ['PUB'], [])], checks: [topic('orders')], ip: '203.0.113.99', allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'an empty address list matches an unknown address', custom: [allow('Topic:orders', ['PUB'], [])], checks: [topic('orders')], ip: '', allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'an address list does not match an unknown address', custom: [allow('Topic:orders', ['PUB'], ['0.0.0.0/0'])], checks: [topic('orders')], ip: '', allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },

  // Retry and dead-letter names are the group's.
  { behaviour: '%RETRY%billing is checked as Group:billing', custom: [allow('Group:billing', ['SUB'])], checks: [group('%RETRY%billing')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Group:billing', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: '%DLQ%billing is checked as Group:billing', custom: [deny('Group:billing', ['SUB'])], checks: [group('%DLQ%billing')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Group:billing', by: { policyType: 'CUSTOM', index: 0, decision: 'DENY' } },
  { behaviour: 'an entry written as Group:%RETRY%billing is the group billing', custom: [allow('Group:%RETRY%billing', ['SUB'])], checks: [group('billing')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Group:billing', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },

  // Namespaced names are matched as stored.
  { behaviour: 'Topic:ns1%orders matches the namespaced topic', custom: [allow('Topic:ns1%orders')], checks: [topic('ns1%orders')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:ns1%orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'Topic:orders does not match the namespaced topic', custom: [allow('Topic:orders')], checks: [topic('ns1%orders')], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:ns1%orders' },
  { behaviour: 'Topic:ns1%* covers the topics of namespace ns1', custom: [allow('Topic:ns1%*')], checks: [topic('ns1%orders')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:ns1%orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'Topic:ns1%* does not cover namespace ns2', custom: [allow('Topic:ns1%*')], checks: [topic('ns2%orders')], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:ns2%orders' },

  // Several checks: every one must pass.
  { behaviour: 'a receive passes when the group and the topic are both granted', custom: [allow('Group:billing', ['SUB']), allow('Topic:orders', ['SUB'])], checks: [group('billing'), topic('orders', ['SUB'])], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'ALLOW' } },
  { behaviour: 'a receive is refused on the topic when only the group is granted', custom: [allow('Group:billing', ['SUB'])], checks: [group('billing'), topic('orders', ['SUB'])], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' },
  { behaviour: 'a receive refused on both names the first check', custom: [deny('Topic:orders', ['SUB'])], checks: [group('billing'), topic('orders', ['SUB'])], allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Group:billing' },
  { behaviour: 'a denied topic after an allowed group names the topic and its entry', custom: [allow('Group:billing', ['SUB']), deny('Topic:orders', ['SUB'])], checks: [group('billing'), topic('orders', ['SUB'])], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 1, decision: 'DENY' } },

  // Type names are case-insensitive.
  { behaviour: 'topic:orders is Topic:orders', custom: [allow('topic:orders')], checks: [topic('orders')], allowed: true, reason: 'ALLOWED_BY_ENTRY', resource: 'Topic:orders', by: { policyType: 'CUSTOM', index: 0, decision: 'ALLOW' } },
  { behaviour: 'GROUP:bill* is a Group prefix', custom: [deny('GROUP:bill*', ['SUB'])], checks: [group('billing')], allowed: false, reason: 'DENIED_BY_ENTRY', resource: 'Group:billing', by: { policyType: 'CUSTOM', index: 0, decision: 'DENY' } },
];

describe('decide', () => {
  it.each(cases)('$behaviour', (c) => {
    const d = decide(aclOf(c.custom ?? [], c.defaults ?? []), c.checks, c.ip ?? IP);
    expect({ allowed: d.allowed, reason: d.reason, resource: d.resource }).toEqual({ allowed: c.allowed, reason: c.reason, resource: c.resource });
    if (c.by) expect(d.entry).toMatchObject(c.by);
    else expect(d.entry).toBeUndefined();
  });

  it.each(cases)('$behaviour, whatever order the entries were written in', (c) => {
    const d = decide(aclOf([...(c.custom ?? [])].reverse(), [...(c.defaults ?? [])].reverse()), c.checks, c.ip ?? IP);
    expect({ allowed: d.allowed, reason: d.reason, resource: d.resource }).toEqual({ allowed: c.allowed, reason: c.reason, resource: c.resource });
    // Reversed, the deciding entry is the same one: same policy and decision, mirrored position.
    if (c.by) {
      const count = (c.by.policyType === 'CUSTOM' ? c.custom : c.defaults)?.length ?? 0;
      expect(d.entry).toMatchObject({ ...c.by, index: count - 1 - c.by.index });
    }
  });

  it('names the deciding entry as written', () => {
    const d = decide(aclOf([allow('Topic:*'), deny('topic:ord*', ['PUB'])]), [topic('orders')], IP);
    expect(d.entry).toEqual({ policyType: 'CUSTOM', index: 1, resource: 'topic:ord*', decision: 'DENY' });
  });

  it('lets a SUPER user do anything, a DENY entry notwithstanding', () => {
    const acl = aclOf([deny('*', ['ALL'])], [], { userType: 'SUPER', userStatus: 'ENABLE' });
    expect(decide(acl, [group('billing'), topic('orders', ['SUB'])], IP)).toEqual({ allowed: true, reason: 'SUPER_USER', resource: 'Group:billing' });
  });

  it('refuses a disabled user whatever its entries grant', () => {
    const acl = aclOf([allow('*', ['ALL'])], [], { userType: 'NORMAL', userStatus: 'DISABLE' });
    expect(decide(acl, [topic('orders')], IP)).toEqual({ allowed: false, reason: 'USER_DISABLED', resource: 'Topic:orders' });
  });

  it('refuses a disabled SUPER user', () => {
    const acl = aclOf([], [], { userType: 'SUPER', userStatus: 'DISABLE' });
    expect(decide(acl, [topic('orders')], IP)).toMatchObject({ allowed: false, reason: 'USER_DISABLED' });
  });

  it('refuses a user without an ACL as unknown, naming the first resource', () => {
    expect(decide(undefined, [group('%RETRY%billing'), topic('orders')], IP)).toEqual({ allowed: false, reason: 'UNKNOWN_USER', resource: 'Group:billing' });
  });

  it('refuses a user whose ACL has no policies at all', () => {
    const acl = compileAcl({ userType: 'NORMAL', userStatus: 'ENABLE' }, []);
    expect(decide(acl, [topic('orders')], IP)).toEqual({ allowed: false, reason: 'NO_MATCHING_POLICY', resource: 'Topic:orders' });
  });
});
