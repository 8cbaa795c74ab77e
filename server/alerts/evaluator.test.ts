import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../broker/index.ts';
import { startConsoleTestEnv, testInstance, testUser, trpcError, type ConsoleTestEnv } from '../console-test-env.ts';
import { MetricSampler } from '../metrics-history/sampler.ts';
import { HistoryStore, SAMPLE_MS } from '../metrics-history/store.ts';
import { runDeliveries } from './delivery-worker.ts';
import { AlertEvaluator } from './evaluator.ts';
import { startWebhookReceiver, type WebhookReceiver } from './test-receivers.ts';

let env: ConsoleTestEnv;
let broker: Broker;
let hook: WebhookReceiver;
let sampler: MetricSampler;
let evaluator: AlertEvaluator;
const t0 = Math.floor(Date.now() / SAMPLE_MS) * SAMPLE_MS;
const operator = () => env.caller(testUser('operator'));

/** A sampling tick and an evaluation at `t`, then whatever notifications are due. */
async function at(t: number): Promise<void> {
  await sampler.tick(t);
  await evaluator.evaluate(t);
  await runDeliveries(env.db, new Date(t + 1));
}

const kinds = () => hook.requests.map((r) => (JSON.parse(r.body) as { kind: string }).kind);

beforeAll(async () => {
  env = await startConsoleTestEnv();
  hook = await startWebhookReceiver();
  await env.db.instance.create({ data: { id: 'a1', name: 'alerting', region: 'local', grpcPort: 0 } });
  await env.runtime.start(testInstance('a1', { name: 'alerting' }));
  broker = env.runtime.get('a1')!.broker!;
  broker.createTopic({ name: 'orders' });
  broker.createGroup({ name: 'billing' });
  broker.commitOffset('billing', 'orders', 0, 0);
  sampler = new MetricSampler(env.runtime, new HistoryStore(env.db));
  evaluator = new AlertEvaluator(env.db, env.runtime);
});

afterAll(async () => {
  await hook.close();
  await env.close();
});

describe('alert evaluation', () => {
  it('fires once the backlog held for the duration, notifies once, and resolves once after it drained', async () => {
    const admin = env.caller(testUser('admin'));
    const channel = await admin.alertChannel.create({ name: 'ops-hook', target: { kind: 'webhook', url: hook.url } });
    const channelId = (channel as { id: string }).id;
    await operator().alert.createRule({ name: 'billing behind', instanceId: 'a1', scopeKind: 'group', scopeName: 'billing', metric: 'backlog', comparison: 'gt', threshold: 10, forMinutes: 1, channelIds: [channelId] });
    await at(t0);
    for (let i = 0; i < 20; i++) await broker.put({ topic: 'orders', body: Buffer.from(`m${i}`) });

    await at(t0 + SAMPLE_MS);
    expect((await operator().alert.rules({})).rows[0]!.state).toBe('pending');
    await at(t0 + 4 * SAMPLE_MS);
    expect(await env.db.alertEvent.count()).toBe(0);
    await at(t0 + 8 * SAMPLE_MS);
    const [fired] = (await operator().alert.events({ active: true })).rows;
    expect(fired).toMatchObject({ ruleName: 'billing behind', scope: 'group billing on alerting', value: 20, threshold: 10 });
    expect(fired!.message).toBe('Backlog (messages) of group billing on alerting is 20 messages (> 10 messages for 1 min)');
    expect(await operator().alert.active()).toMatchObject({ total: 1, warning: 1 });
    expect(kinds()).toEqual(['fired']);

    // Still over: no second notification.
    await at(t0 + 10 * SAMPLE_MS);
    expect(kinds()).toEqual(['fired']);

    // Drained: resolved after a minute of being fine, not at the first good sample.
    const got = await broker.receive({ group: 'billing', topic: 'orders', maxMessages: 32, invisibleMs: 60_000, waitMs: 0 });
    for (const m of got) broker.ack('billing', 'orders', m.receiptHandle);
    await at(t0 + 11 * SAMPLE_MS);
    expect((await operator().alert.events({ active: true })).total).toBe(1);
    await at(t0 + 18 * SAMPLE_MS);
    expect((await operator().alert.events({ active: true })).total).toBe(0);
    const history = (await operator().alert.events({})).rows;
    expect(history).toHaveLength(1);
    expect(history[0]!.resolvedAt).toBe(t0 + 18 * SAMPLE_MS);
    expect(kinds()).toEqual(['fired', 'resolved']);
    await at(t0 + 20 * SAMPLE_MS);
    expect(kinds()).toEqual(['fired', 'resolved']);
  });

  it('fires "instance down" for a stopped instance and adds the built-in prober rule where the prober runs', async () => {
    await operator().alert.createRule({ name: 'down', instanceId: 'a1', scopeKind: 'instance', metric: 'instance_down', comparison: 'gte', threshold: 1 });
    await env.db.instance.update({ where: { id: 'a1' }, data: { proberEnabled: true } });
    await env.runtime.stop('a1');
    await evaluator.evaluate(t0 + 30 * SAMPLE_MS);
    const open = (await operator().alert.events({ active: true })).rows;
    expect(open.map((e) => e.message)).toContain('Instance alerting is down');
    const builtIn = (await operator().alert.rules({})).rows.find((r) => r.builtIn)!;
    expect(builtIn).toMatchObject({ metric: 'prober_failed', instanceName: 'alerting', severity: 'critical' });
    expect(await trpcError(operator().alert.deleteRule({ id: builtIn.id }))).toMatchObject({ appCode: 'RULE_BUILT_IN' });

    // The prober's latest round failed a check: the built-in rule fires, naming the instance.
    await env.db.probeResult.create({ data: { instanceId: 'a1', check: 'normal', ok: false, latencyMs: 10_000, error: 'INSTANCE_NOT_RUNNING: instance alerting is stopped', at: new Date(t0 + 31 * SAMPLE_MS) } });
    await evaluator.evaluate(t0 + 32 * SAMPLE_MS);
    const messages = (await operator().alert.events({ active: true })).rows.map((e) => e.message);
    expect(messages).toContain('1 prober check failing on instance alerting');
  });

  it('refuses a rule whose metric does not exist for its scope, and viewers cannot write rules', async () => {
    expect(await trpcError(operator().alert.createRule({ name: 'x', instanceId: 'a1', scopeKind: 'topic', scopeName: 'orders', metric: 'lag_seconds', threshold: 1 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await trpcError(operator().alert.createRule({ name: 'x', instanceId: 'nope', scopeKind: 'instance', metric: 'backlog', threshold: 1 }))).toMatchObject({ appCode: 'INSTANCE_NOT_FOUND' });
    expect(await trpcError(env.caller(testUser('viewer')).alert.createRule({ name: 'x', instanceId: 'a1', scopeKind: 'instance', metric: 'backlog', threshold: 1 }))).toMatchObject({ code: 'FORBIDDEN' });
    const audit = await env.db.auditEvent.findMany({ where: { action: 'alert.createRule', result: 'ok' } });
    expect(audit.length).toBeGreaterThanOrEqual(2);
  });
});
