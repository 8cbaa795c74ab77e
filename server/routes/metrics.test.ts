import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testInstance } from '../console-test-env.ts';
import { startMetrics, type MetricsHandle } from '../metrics-export.ts';
import { parsePrometheusText, valueOf } from '../prometheus-samples.ts';
import { serveMetrics } from './metrics.ts';
import { startRouteTestEnv, type RouteTestEnv } from './route-test-env.ts';

let t: RouteTestEnv;
let metrics: MetricsHandle;

beforeAll(async () => {
  metrics = startMetrics();
  t = await startRouteTestEnv();
  await t.env.runtime.start(testInstance('m1', { name: 'east-orders' }));
  await t.env.runtime.start(testInstance('m2', { name: 'west-orders' }));
  for (const id of ['m1', 'm2']) t.env.runtime.get(id)!.broker!.createTopic({ name: 'orders' });
  await t.env.runtime.get('m1')!.broker!.put({ topic: 'orders', body: Buffer.from('private payload') });
});

afterAll(async () => {
  await t.close();
  await metrics.shutdown();
});

describe('GET /metrics on the console', () => {
  it('serves every embedded instance with an instance label to a signed-in user, and no body', async () => {
    const res = await serveMetrics(await t.request('/metrics', 'viewer'), t.deps, metrics, undefined);
    expect(res.status).toBe(200);
    const text = await res.text();
    const samples = parsePrometheusText(text);
    expect(valueOf(samples, 'rocketmq_messages_in_total', { instance: 'east-orders', node_id: 'east-orders', topic: 'orders' })).toBe(1);
    expect(valueOf(samples, 'rocketmq_topic_number', { instance: 'west-orders' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('private payload');
  });

  it('answers 401 with a code to an anonymous scraper, and takes the bearer token when one is set', async () => {
    const anonymous = await serveMetrics(await t.request('/metrics', null), t.deps, metrics, undefined);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
    const wrong = await serveMetrics(await t.request('/metrics', null, { headers: { authorization: 'Bearer nope' } }), t.deps, metrics, 'right-token');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
    const right = await serveMetrics(await t.request('/metrics', null, { headers: { authorization: 'Bearer right-token' } }), t.deps, metrics, 'right-token');
    expect(right.status).toBe(200);
    expect(await right.text()).toContain('rocketmq_messages_in_total');
  });

  it('drops a stopped instance from the next scrape', async () => {
    await t.env.runtime.stop('m2');
    const samples = parsePrometheusText(await (await serveMetrics(await t.request('/metrics', 'viewer'), t.deps, metrics, undefined)).text());
    expect(valueOf(samples, 'rocketmq_topic_number', { instance: 'west-orders' })).toBeUndefined();
    expect(valueOf(samples, 'rocketmq_topic_number', { instance: 'east-orders' })).toBeGreaterThanOrEqual(1);
  });
});
