import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../broker/index.ts';
import { startConsoleTestEnv, testInstance, type ConsoleTestEnv } from '../console-test-env.ts';
import { fold } from './fields.ts';
import { quantile } from './rates.ts';
import { MetricSampler } from './sampler.ts';
import { HistoryStore, ROLLUP_MS, SAMPLE_MS } from './store.ts';

describe('folding points', () => {
  it('averages rates over the span with missing points as zero, keeps the worst gauge, adds up size buckets', () => {
    const tenSeconds = (values: Record<string, number | number[]>) => ({ values, spanMs: 10_000 });
    expect(fold('group', [tenSeconds({ out: 10, lag: 5, lagSec: 2 }), tenSeconds({ out: 20, lag: 9, lagSec: 1 })], 40_000)).toEqual({ out: 7.5, lag: 9, lagSec: 2 });
    expect(fold('topic', [tenSeconds({ size: [1, 2, 0] }), tenSeconds({ size: [0, 3] })], 20_000)).toEqual({ size: [1, 5, 0] });
    expect(fold('instance', [tenSeconds({ storage: 10, diskFree: 7 }), tenSeconds({ storage: 12, diskFree: 5 })], 20_000)).toEqual({ storage: 12, diskFree: 5 });
    expect(fold('group', [], 300_000)).toEqual({});
    // A 5-minute rollup and the newest 10-second point in one 10-minute step: weighted by what each covers.
    expect(fold('group', [{ values: { out: 2 }, spanMs: 300_000 }, { values: { out: 30 }, spanMs: 10_000 }], 600_000)).toEqual({ out: 1.5 });
  });

  it('takes quantiles of bucket counts as histogram_quantile does', () => {
    expect(quantile([1, 3, 5], [0, 10, 0, 0], 0.5)).toBe(2);
    expect(quantile([1, 3, 5], [100, 0, 0, 0], 0.99)).toBeCloseTo(0.99);
    expect(quantile([1, 3, 5], [0, 0, 0, 4], 0.99)).toBe(5);
    expect(quantile([1, 3, 5], [0, 0, 0, 0], 0.99)).toBeUndefined();
  });
});

describe('the sampler and its history', () => {
  let env: ConsoleTestEnv;
  let broker: Broker;
  let store: HistoryStore;
  let sampler: MetricSampler;
  const t0 = Math.floor(Date.now() / ROLLUP_MS) * ROLLUP_MS - ROLLUP_MS;

  beforeAll(async () => {
    env = await startConsoleTestEnv();
    await env.db.instance.create({ data: { id: 'h1', name: 'history', region: 'local', grpcPort: 0 } });
    await env.runtime.start(testInstance('h1', { name: 'history' }));
    broker = env.runtime.get('h1')!.broker!;
    broker.createTopic({ name: 'orders', queueNums: 2 });
    broker.createTopic({ name: 'idle' });
    broker.createGroup({ name: 'billing' });
    store = new HistoryStore(env.db);
    sampler = new MetricSampler(env.runtime, store);
  });

  afterAll(() => env.close());

  it('stores per-second rates, lag and lag seconds per instance, topic and group, and not idle topics', async () => {
    await sampler.tick(t0);
    for (let i = 0; i < 50; i++) await broker.put({ topic: 'orders', body: Buffer.from(`m${i}`) });
    const got = await broker.receive({ group: 'billing', topic: 'orders', maxMessages: 20, invisibleMs: 60_000, waitMs: 0 });
    for (const m of got.slice(0, 10)) broker.ack('billing', 'orders', m.receiptHandle);
    await sampler.tick(t0 + SAMPLE_MS);

    const range = [t0, t0 + 2 * SAMPLE_MS] as const;
    const inst = await store.chart({ instanceId: 'h1', kind: 'instance', name: '' }, ...range, t0 + 2 * SAMPLE_MS);
    expect(inst.stepMs).toBe(SAMPLE_MS);
    const point = inst.points.find((p) => p.at === t0 + SAMPLE_MS)!.values;
    expect(point.in).toBe(5);
    expect(point.out).toBe(got.length / 10);
    expect(point.backlog).toBe(40);
    const topic = (await store.chart({ instanceId: 'h1', kind: 'topic', name: 'orders' }, ...range, t0 + 2 * SAMPLE_MS)).points.find((p) => p.at === t0 + SAMPLE_MS)!.values;
    expect(topic.in).toBe(5);
    expect((topic.size as number[])[0]).toBe(50);
    expect((topic.queueIn as number[]).reduce((s, n) => s + n, 0)).toBe(5);
    const group = (await store.chart({ instanceId: 'h1', kind: 'group', name: 'billing' }, ...range, t0 + 2 * SAMPLE_MS)).points.find((p) => p.at === t0 + SAMPLE_MS)!.values;
    expect(group.lag).toBe(40);
    expect(group.inflight).toBe(10);
    expect(group.lagSec).toBeGreaterThanOrEqual(0);
    const idle = await store.chart({ instanceId: 'h1', kind: 'topic', name: 'idle' }, ...range, t0 + 2 * SAMPLE_MS);
    expect(idle.points.every((p) => Object.keys(p.values).length === 0)).toBe(true);
  });

  it('rolls 10-second points up into 5-minute points and serves long ranges from them, at most 240 points', async () => {
    const rolled = await store.rollUp(t0 + 3_600_000 + ROLLUP_MS);
    expect(rolled).toBeGreaterThan(0);
    expect(await env.db.metricSample.count({ where: { resolution: 3600 } })).toBeGreaterThan(0);
    const now = t0 + 2 * 24 * 3_600_000;
    const month = await store.chart({ instanceId: 'h1', kind: 'instance', name: '' }, now - 30 * 24 * 3_600_000, now, now);
    expect(month.points.length).toBeLessThanOrEqual(240);
    expect(month.stepMs % ROLLUP_MS).toBe(0);
    const withData = month.points.filter((p) => p.values.in !== undefined);
    expect(withData).toHaveLength(1);
    // 50 messages in one step, whatever tier they were read from.
    expect(withData[0]!.values.in).toBeCloseTo(50 / (month.stepMs / 1000), 2);
    const day = await store.chart({ instanceId: 'h1', kind: 'instance', name: '' }, t0 - 3_600_000, t0 + 23 * 3_600_000, t0 + 23 * 3_600_000);
    const dayData = day.points.filter((p) => p.values.in !== undefined);
    expect(dayData).toHaveLength(1);
    expect(dayData[0]!.values.in).toBeCloseTo(50 / (day.stepMs / 1000), 2);
  });

  it('deletes 10-second points after a day and everything after 30 days', async () => {
    await store.rollUp(t0 + 25 * 3_600_000);
    expect(await env.db.metricSample.count({ where: { resolution: SAMPLE_MS / 1000 } })).toBe(0);
    expect(await env.db.metricSample.count({ where: { resolution: ROLLUP_MS / 1000 } })).toBeGreaterThan(0);
    await store.rollUp(t0 + 31 * 24 * 3_600_000);
    expect(await env.db.metricSample.count()).toBe(0);
    expect(await env.db.metricSeries.count()).toBe(0);
  });
});
