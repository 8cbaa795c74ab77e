import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRows } from './audit-view.ts';
import { sessionScopes } from './auth.ts';
import { unwrapName } from './broker/index.ts';
import { startConsoleTestEnv, testUser, trpcError, type ConsoleTestEnv } from './console-test-env.ts';
import type { Role } from './schemas.ts';
import { ConsoleScope, namespaceOf, ScopesSchema, scopeSummary, type Scopes } from './scope.ts';

let env: ConsoleTestEnv;
let eu: string;
let us: string;

const admin = () => env.caller(testUser('admin'));
/** An operator limited to namespace "shop" on eu (and nothing of us). */
const shopScopes = (): Scopes => [{ instanceId: eu, namespaces: ['shop'] }];
const as = (role: Role, scopes: Scopes, username = `${role}-scoped`) => env.caller({ ...testUser(role, username, scopes), id: `${username}-id` });
const shopOperator = () => as('operator', shopScopes(), 'shop-op');

beforeAll(async () => {
  env = await startConsoleTestEnv();
  eu = (await admin().instance.create({ name: 'eu-1', region: 'eu', grpcPort: 0 })).id;
  us = (await admin().instance.create({ name: 'us-1', region: 'us', grpcPort: 0 })).id;
  for (const instanceId of [eu, us]) {
    await admin().namespace.create({ instanceId, name: 'shop' });
    await admin().namespace.create({ instanceId, name: 'billing' });
    await admin().topic.create({ instanceId, namespace: 'shop', name: 'orders' });
    await admin().topic.create({ instanceId, namespace: 'billing', name: 'invoices' });
    await admin().topic.create({ instanceId, name: 'plain' });
    await admin().group.create({ instanceId, namespace: 'shop', name: 'packers' });
    await admin().group.create({ instanceId, namespace: 'billing', name: 'accountants' });
  }
});

afterAll(() => env.close());

describe('console scopes (real SQLite + real embedded engines)', () => {
  it('a scoped operator lists only the instances, namespaces, topics and groups of their scope, with totals to match', async () => {
    const op = shopOperator();
    expect((await op.instance.list({})).rows.map((i) => i.name)).toEqual(['eu-1']);
    expect((await op.namespace.list({ instanceId: eu })).rows.map((n) => n.name)).toEqual(['shop']);
    const topics = await op.topic.list({ instanceId: eu });
    expect(topics.rows.map((t) => t.name)).toEqual(['shop%orders']);
    expect(topics.total).toBe(1);
    expect((await op.group.list({ instanceId: eu })).rows.map((g) => g.name)).toEqual(['shop%packers']);
    expect((await op.metrics.overview({ range: '1h' })).map((i) => i.name)).toEqual(['eu-1']);
  });

  it('works within the scope: creating, reading and sending in their namespace', async () => {
    const op = shopOperator();
    await op.topic.create({ instanceId: eu, namespace: 'shop', name: 'returns' });
    expect((await op.topic.get({ instanceId: eu, name: 'shop%orders' })).topic.name).toBe('shop%orders');
    const sent = await op.topic.send({ instanceId: eu, name: 'shop%orders', body: 'hello' });
    expect((await op.message.get({ instanceId: eu, messageId: sent.messageId })).message?.topic).toBe('orders');
  });

  it('is FORBIDDEN outside the scope: another namespace, the default one, another instance, and messages found by id', async () => {
    const op = shopOperator();
    const forbidden = { code: 'FORBIDDEN', appCode: 'FORBIDDEN' };
    expect(await trpcError(op.topic.create({ instanceId: eu, namespace: 'billing', name: 'refunds' }))).toEqual(forbidden);
    expect(await trpcError(op.topic.create({ instanceId: eu, name: 'loose' }))).toEqual(forbidden);
    expect(await trpcError(op.namespace.create({ instanceId: eu, name: 'marketing' }))).toEqual(forbidden);
    expect(await trpcError(op.topic.get({ instanceId: eu, name: 'billing%invoices' }))).toEqual(forbidden);
    expect(await trpcError(op.topic.list({ instanceId: eu, namespace: 'billing' }))).toEqual(forbidden);
    expect(await trpcError(op.topic.delete({ instanceId: eu, name: 'billing%invoices' }))).toEqual(forbidden);
    expect(await trpcError(op.group.get({ instanceId: eu, name: 'billing%accountants' }))).toEqual(forbidden);
    expect(await trpcError(op.deadLetter.count({ instanceId: eu, group: 'billing%accountants' }))).toEqual(forbidden);
    expect(await trpcError(op.group.resetOffset({ instanceId: eu, name: 'shop%packers', topic: 'billing%invoices', target: { position: 'latest' } }))).toEqual(forbidden);
    expect(await trpcError(op.topic.list({ instanceId: us }))).toEqual(forbidden);
    expect(await trpcError(op.instance.get({ instanceId: us }))).toEqual(forbidden);
    expect(await trpcError(op.metrics.history({ instanceId: eu, kind: 'topic', name: 'billing%invoices', range: '1h' }))).toEqual(forbidden);
    // An instance-wide switch needs the whole instance.
    expect(await trpcError(op.health.setProber({ instanceId: eu, enabled: false }))).toEqual(forbidden);

    const billing = await admin().topic.send({ instanceId: eu, name: 'billing%invoices', body: 'secret invoice' });
    expect(await trpcError(op.message.get({ instanceId: eu, messageId: billing.messageId }))).toEqual(forbidden);
    expect(await trpcError(op.message.body({ instanceId: eu, messageId: billing.messageId }))).toEqual(forbidden);
    expect(await trpcError(op.message.resend({ instanceId: eu, messageId: billing.messageId }))).toEqual(forbidden);
    const steps = await op.message.lastSteps({ instanceId: eu, messageIds: [billing.messageId] });
    expect(steps[billing.messageId]).toBeNull();
  });

  it('an empty namespace list gives every namespace of that instance, and only that instance', async () => {
    const viewer = as('viewer', [{ instanceId: us, namespaces: [] }]);
    expect((await viewer.topic.list({ instanceId: us })).rows.map((t) => t.name).sort()).toEqual(['billing%invoices', 'plain', 'shop%orders']);
    expect(await trpcError(viewer.topic.list({ instanceId: eu }))).toMatchObject({ code: 'FORBIDDEN' });
    // Still a viewer inside the scope.
    expect(await trpcError(viewer.topic.create({ instanceId: us, name: 'nope' }))).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('leaves the unscoped user unaffected', async () => {
    const op = env.caller(testUser('operator'));
    expect((await op.instance.list({})).total).toBe(2);
    expect((await op.topic.list({ instanceId: us })).total).toBe(3);
    expect((await op.topic.get({ instanceId: eu, name: 'billing%invoices' })).topic.name).toBe('billing%invoices');
  });

  it('admins set scopes on the users page, a scope on an admin is refused, and the audit log records the actor scope', async () => {
    await admin().user.create({ username: 'carol', password: 'correct-horse-battery', role: 'operator', scopes: shopScopes() });
    const listed = (await admin().user.list({ search: 'carol' })).rows[0];
    expect(listed?.scopes).toEqual(shopScopes());
    expect(await trpcError(admin().user.create({ username: 'root2', password: 'correct-horse-battery', role: 'admin', scopes: shopScopes() }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'ADMIN_SCOPED' });
    expect(await trpcError(admin().user.update({ username: 'carol', scopes: [{ instanceId: 'no-such', namespaces: [] }] }))).toMatchObject({ appCode: 'INSTANCE_NOT_FOUND' });
    await admin().user.update({ username: 'carol', scopes: null });
    expect((await admin().user.list({ search: 'carol' })).rows[0]?.scopes).toBeNull();

    await shopOperator().topic.create({ instanceId: eu, namespace: 'shop', name: 'audited' });
    const event = await env.db.auditEvent.findFirstOrThrow({ where: { action: 'topic.create', actor: 'shop-op', target: `${eu}/shop/audited` } });
    const [row] = await auditRows(env.db, [event]);
    expect(row?.detail[0]).toEqual({ key: 'actor scope', value: 'eu-1: shop' });

    // The scoped operator's audit list: only eu, and there (shared by namespace) only their own events.
    const mine = await shopOperator().audit.list({});
    expect(mine.rows.length).toBeGreaterThan(0);
    expect(mine.rows.every((r) => r.actor === 'shop-op' && r.instanceId === eu)).toBe(true);
    expect(mine.total).toBe(mine.rows.length);
  });
});

describe('scope values', () => {
  it('validates as the users page types: known namespace names, the default one as "", each instance once', () => {
    expect(ScopesSchema.safeParse([{ instanceId: 'a', namespaces: ['', 'shop'] }]).success).toBe(true);
    expect(ScopesSchema.safeParse([{ instanceId: 'a', namespaces: ['bad name'] }]).success).toBe(false);
    expect(ScopesSchema.safeParse([{ instanceId: 'a', namespaces: [] }, { instanceId: 'a', namespaces: ['x'] }]).success).toBe(false);
    expect(ScopesSchema.safeParse([]).success).toBe(false);
    expect(ScopesSchema.parse(null)).toBeNull();
  });

  it('puts retry and dead-letter names in their group\'s namespace, and stored names without a % in the default one', () => {
    const scope = new ConsoleScope([{ instanceId: 'a', namespaces: ['shop'] }]).on('a');
    expect(scope.allowsName('shop%orders')).toBe(true);
    expect(scope.allowsName('%RETRY%shop%packers')).toBe(true);
    expect(scope.allowsName('%DLQ%shop%packers')).toBe(true);
    expect(scope.allowsName('orders')).toBe(false);
    expect(new ConsoleScope([{ instanceId: 'a', namespaces: [''] }]).on('a').allowsName('orders')).toBe(true);
  });

  it('reads a stored name\'s namespace exactly as the engine does', () => {
    for (const name of ['orders', 'shop%orders', '%RETRY%shop%packers', '%DLQ%shop%packers', '%RETRY%packers', '%DLQ%packers', '%RETRY%shop%g+shop%t', 'a%b%c']) {
      expect(namespaceOf(name), name).toBe(unwrapName(name).namespace);
    }
  });

  it('admins are never scoped, and a stored scope that no longer parses gives no access rather than all', () => {
    expect(sessionScopes({ username: 'x', role: 'admin', scopes: '[{"instanceId":"a","namespaces":[]}]' })).toBeNull();
    expect(sessionScopes({ username: 'x', role: 'viewer', scopes: 'not json' })).toEqual([]);
    expect(scopeSummary([])).toBe('No access');
    expect(scopeSummary(null)).toBe('All instances');
  });
});
