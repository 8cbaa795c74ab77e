import { describe, expect, it } from 'vitest';
import { AclBootstrapSchema, AclSettingsSchema, PolicyEntrySchema, PolicySchema, UserInputSchema, addressProblem, resourceProblem } from './rules.ts';

describe('resourceProblem', () => {
  it.each(['*', 'Topic:*', 'Topic:orders', 'Topic:order-*', 'Group:billing', 'group:billing', 'TOPIC:orders', 'Namespace:ns1', 'Cluster:DefaultCluster', 'Topic:ns1%orders', 'Topic:ns1%*', 'Group:%RETRY%billing'])('accepts %s', (text) => {
    expect(resourceProblem(text)).toBeUndefined();
  });

  it.each([
    ['Topic:a*b', /Only a trailing \*/],
    ['Topic:**', /Only a trailing \*/],
    ['Foo:x', /Unknown resource type "Foo"/],
    ['orders', /is not a resource: write Type:name/],
    ['Topic:', /names no topic/],
    ['Topic:or ders', /characters a name cannot have/],
    [`Topic:${'x'.repeat(300)}`, /longer than a name can be/],
  ])('refuses %s, saying why', (text, message) => {
    expect(resourceProblem(text)).toMatch(message);
  });
});

describe('addressProblem', () => {
  it.each(['10.0.0.7', '10.0.0.0/8', '0.0.0.0/0', '2001:db8::/32', '::1', '::ffff:10.1.2.3'])('accepts %s', (text) => {
    expect(addressProblem(text)).toBeUndefined();
  });

  it.each(['10.0.0.256', '10.0.0.0/33', '2001:db8::/129', 'localhost', '10.0.0.*', ''])('refuses %s, naming it', (text) => {
    expect(addressProblem(text)).toContain(`"${text}" is not an IP address or CIDR`);
  });
});

describe('PolicyEntrySchema', () => {
  it("reads Apache's mixed-case names: actions, decision", () => {
    expect(PolicyEntrySchema.parse({ resource: 'Topic:orders', actions: ['Pub', 'sub', 'ALL'], decision: 'Allow' })).toEqual({ resource: 'Topic:orders', actions: ['PUB', 'SUB', 'ALL'], sourceIps: [], decision: 'ALLOW' });
    expect(PolicyEntrySchema.parse({ resource: '*', actions: ['Any'], sourceIps: ['10.0.0.0/8'], decision: 'deny' })).toMatchObject({ actions: ['ANY'], sourceIps: ['10.0.0.0/8'], decision: 'DENY' });
  });

  it('trims the resource and the addresses', () => {
    expect(PolicyEntrySchema.parse({ resource: ' Topic:orders ', actions: ['PUB'], sourceIps: [' 10.0.0.7 '], decision: 'ALLOW' })).toMatchObject({ resource: 'Topic:orders', sourceIps: ['10.0.0.7'] });
  });

  function problems(value: unknown): string[] {
    const r = PolicyEntrySchema.safeParse(value);
    expect(r.success).toBe(false);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  }

  it('refuses a bad CIDR with a message naming it', () => {
    expect(problems({ resource: 'Topic:orders', actions: ['PUB'], sourceIps: ['10.0.0.0/40'], decision: 'ALLOW' })).toEqual(['sourceIps.0: "10.0.0.0/40" is not an IP address or CIDR (10.0.0.7, 10.0.0.0/8, 2001:db8::/32)']);
  });

  it('refuses a wildcard inside a name and an unknown type', () => {
    expect(problems({ resource: 'Topic:a*b', actions: ['PUB'], decision: 'ALLOW' })[0]).toMatch(/^resource: Only a trailing \*/);
    expect(problems({ resource: 'Foo:x', actions: ['PUB'], decision: 'ALLOW' })[0]).toMatch(/^resource: Unknown resource type "Foo"/);
  });

  it('refuses an unknown action or decision, and no action at all', () => {
    expect(problems({ resource: '*', actions: ['Publish'], decision: 'ALLOW' })[0]).toMatch(/^actions\.0: Actions are PUB, SUB/);
    expect(problems({ resource: '*', actions: ['PUB'], decision: 'Maybe' })[0]).toMatch(/^decision: The decision is one of ALLOW, DENY/);
    expect(problems({ resource: '*', actions: [], decision: 'ALLOW' })[0]).toBe('actions: Give at least one action');
  });
});

describe('the other schemas', () => {
  it('defaults a policy to CUSTOM and reads Default in any case', () => {
    expect(PolicySchema.parse({ entries: [] }).policyType).toBe('CUSTOM');
    expect(PolicySchema.parse({ policyType: 'Default', entries: [] }).policyType).toBe('DEFAULT');
  });

  it('defaults a user to an enabled NORMAL one and reads Super', () => {
    expect(UserInputSchema.parse({ username: 'orders-app', password: '12345678' })).toEqual({ username: 'orders-app', password: '12345678', userType: 'NORMAL', userStatus: 'ENABLE' });
    expect(UserInputSchema.parse({ username: 'root', password: '12345678', userType: 'Super', userStatus: 'disable' })).toMatchObject({ userType: 'SUPER', userStatus: 'DISABLE' });
  });

  it('refuses a short password and a username with a space', () => {
    expect(UserInputSchema.safeParse({ username: 'orders-app', password: 'short' }).error?.issues[0]?.message).toBe('The password needs at least 8 characters');
    expect(UserInputSchema.safeParse({ username: 'orders app', password: '12345678' }).error?.issues[0]?.message).toMatch(/^The username must use 1-64 letters/);
  });

  it("reads Apache's ACL JSON", () => {
    const boot = AclBootstrapSchema.parse({
      users: [{ username: 'rocketmq', password: '12345678', userType: 'Super' }],
      acls: [{ subject: 'User:app', policies: [{ policyType: 'Custom', entries: [{ resource: 'Topic:orders', actions: ['Pub'], decision: 'Allow' }] }] }],
    });
    expect(boot.acls[0]?.policies[0]).toEqual({ policyType: 'CUSTOM', entries: [{ resource: 'Topic:orders', actions: ['PUB'], sourceIps: [], decision: 'ALLOW' }] });
    expect(AclBootstrapSchema.safeParse({ acls: [{ subject: 'app', policies: [] }] }).error?.issues[0]?.message).toBe('The subject is User:<username>');
  });

  it('defaults the switches to open, with a 15 minute skew', () => {
    expect(AclSettingsSchema.parse({})).toEqual({ authentication: false, authorization: false, allowIps: [], maxClockSkewMs: 900_000 });
  });
});
