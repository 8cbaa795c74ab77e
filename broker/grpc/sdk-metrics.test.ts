/**
 * The broker's metrics as a Prometheus scraper sees them after real SDK traffic: RocketMQ's names and labels,
 * values that match what was sent, received and acknowledged, and nothing of the messages' bodies.
 */
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { engineMetricProducer } from '../../server/broker/index.ts';
import { parsePrometheusText, samplesOf, valueOf, type Sample } from '../../server/prometheus-samples.ts';
import { Fixture, receiveAtLeast, sendMany, waitUntil } from './sdk-test-helpers.ts';

let fx: Fixture;
let exporter: PrometheusExporter;
let provider: MeterProvider;
const NODE = { node_id: 'metrics-test' };

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const { resourceMetrics } = await exporter.collect();
  const text = new PrometheusSerializer(undefined, false, undefined, true, true).serialize(resourceMetrics);
  return { text, samples: parsePrometheusText(text) };
}

beforeEach(async () => {
  exporter = new PrometheusExporter({ preventServerStart: true, metricProducers: [engineMetricProducer] });
  provider = new MeterProvider({ readers: [exporter] });
  fx = await Fixture.start({ broker: { metrics: { labels: { ...NODE, instance: 'east-1' } } } });
});

afterEach(async () => {
  await fx.close();
  await provider.shutdown();
});

describe('broker metrics after SDK traffic', () => {
  it('counts messages and bytes in and out, lag, in-flight and ready per group, with RocketMQ names and labels', async () => {
    fx.broker.createTopic({ name: 'orders', queueNums: 1 });
    fx.broker.createGroup({ name: 'billing' });
    const producer = await fx.producer({ topics: ['orders'] });
    const consumer = await fx.simpleConsumer('billing', 'orders');
    await sendMany(producer, 'orders', 20, 'secret-body');
    const got = await receiveAtLeast(consumer, 15, { batch: 5 });
    expect(got).toHaveLength(15);
    for (const m of got.slice(0, 10)) await consumer.ack(m);

    const { text, samples } = await scrape();
    const topic = { ...NODE, topic: 'orders' };
    expect(valueOf(samples, 'rocketmq_messages_in_total', { ...topic, message_type: 'normal', is_system: 'false', cluster: 'meridian', node_type: 'broker', instance: 'east-1' })).toBe(20);
    expect(valueOf(samples, 'rocketmq_throughput_in_total', topic)).toBeGreaterThan(20 * 'secret-body-0'.length);
    expect(valueOf(samples, 'rocketmq_message_size_count', topic)).toBe(20);
    expect(valueOf(samples, 'rocketmq_message_size_bucket', { ...topic, le: '1024' })).toBe(20);
    const group = { ...topic, consumer_group: 'billing' };
    expect(valueOf(samples, 'rocketmq_messages_out_total', { ...group, is_retry: 'false' })).toBe(15);
    expect(valueOf(samples, 'rocketmq_consumer_lag_messages', group)).toBe(10);
    expect(valueOf(samples, 'rocketmq_consumer_inflight_messages', group)).toBe(5);
    expect(valueOf(samples, 'rocketmq_consumer_ready_messages', group)).toBe(5);
    expect(valueOf(samples, 'rocketmq_consumer_lag_latency', group)).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'rocketmq_consumer_queueing_latency', group)).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'rocketmq_topic_number', NODE)).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'rocketmq_consumer_group_number', NODE)).toBe(1);
    expect(valueOf(samples, 'rocketmq_storage_size', { ...NODE, storage_type: 'local', storage_medium: 'disk' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'meridian_storage_disk_free_bytes', NODE)).toBeGreaterThan(0);
    // Counts, names and sizes only: never a body.
    expect(text).not.toContain('secret-body');
  });

  it('times every RPC by its status, and counts connected producers and consumers', async () => {
    fx.broker.createTopic({ name: 'orders' });
    fx.broker.createGroup({ name: 'billing' });
    const producer = await fx.producer({ topics: ['orders'] });
    await fx.simpleConsumer('billing', 'orders');
    await sendMany(producer, 'orders', 5);
    await expect(producer.send({ topic: 'no-such-topic', body: Buffer.from('x') })).rejects.toThrow();

    const { samples } = await scrape();
    const rpc = { ...NODE, protocol_type: 'grpc' };
    expect(valueOf(samples, 'rocketmq_rpc_latency_count', { ...rpc, request_code: 'send_message', response_code: 'ok', result: 'success' })).toBe(5);
    // The SDK asks for the route first, and gives up there.
    expect(valueOf(samples, 'rocketmq_rpc_latency_count', { ...rpc, request_code: 'query_route', response_code: 'topic_not_found' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'rocketmq_rpc_latency_count', { ...rpc, request_code: 'query_route', response_code: 'ok' })).toBeGreaterThanOrEqual(1);
    const buckets = samplesOf(samples, 'rocketmq_rpc_latency_bucket', { ...rpc, request_code: 'send_message', response_code: 'ok' }).map((s) => s.labels.le);
    expect(buckets).toEqual(['1', '3', '5', '7', '10', '100', '1000', '2000', '3000', '+Inf']);
    expect(valueOf(samples, 'rocketmq_producer_connections', { ...rpc, language: 'HTTP' }) ?? valueOf(samples, 'rocketmq_producer_connections', rpc)).toBe(1);
    expect(valueOf(samples, 'rocketmq_consumer_connections', { ...rpc, consumer_group: 'billing', consume_mode: 'pop' })).toBe(1);
  });

  it('counts dead letters per group and origin topic, and transactions by their end', async () => {
    fx.broker.createTopic({ name: 'jobs' });
    fx.broker.createTopic({ name: 'payments', messageType: 'TRANSACTION' });
    fx.broker.createGroup({ name: 'workers' });
    await fx.broker.put({ topic: 'jobs', body: Buffer.from('x') });
    const [m] = await waitUntil(async () => {
      const r = await fx.broker.receive({ group: 'workers', topic: 'jobs', maxMessages: 1, invisibleMs: 30_000, waitMs: 0 });
      return r.length > 0 ? r : undefined;
    }, { timeoutMs: 10_000, what: 'a delivery' });
    await fx.broker.forwardToDeadLetter('workers', 'jobs', m!.receiptHandle, 'poison');
    const half = await fx.broker.put({ topic: 'payments', body: Buffer.from('t') });
    await fx.broker.endTransaction(half.transactionId!, half.messageId, 'COMMIT');

    const { samples } = await scrape();
    expect(valueOf(samples, 'rocketmq_send_to_dlq_messages_total', { ...NODE, consumer_group: 'workers', topic: 'jobs' })).toBe(1);
    expect(valueOf(samples, 'rocketmq_commit_messages_total', { ...NODE, topic: 'payments' })).toBe(1);
    expect(valueOf(samples, 'rocketmq_rollback_messages_total', { ...NODE, topic: 'payments' })).toBe(0);
    expect(valueOf(samples, 'rocketmq_messages_in_total', { ...NODE, topic: 'payments', message_type: 'transaction' })).toBe(1);
  });

  it('a closed broker leaves the scrape', async () => {
    fx.broker.createTopic({ name: 'orders' });
    await fx.broker.put({ topic: 'orders', body: Buffer.from('x') });
    expect(valueOf((await scrape()).samples, 'rocketmq_messages_in_total', NODE)).toBe(1);
    await fx.close();
    const { samples } = await scrape();
    expect(samplesOf(samples, 'rocketmq_messages_in_total', NODE)).toEqual([]);
    expect(samplesOf(samples, 'rocketmq_message_size_count', NODE)).toEqual([]);
  });

  it("counts each client's sent and received messages and turns them into rates over 10 s", async () => {
    fx.broker.createTopic({ name: 'orders' });
    fx.broker.createGroup({ name: 'billing' });
    const producer = await fx.producer({ topics: ['orders'] });
    const consumer = await fx.simpleConsumer('billing', 'orders');
    await sendMany(producer, 'orders', 6);
    const got = await receiveAtLeast(consumer, 6);
    const byKind = () => Object.fromEntries(fx.endpoint.clients.list().map((c) => [c.kind, c]));
    expect(byKind().PRODUCER).toMatchObject({ sent: 6, received: 0 });
    expect(byKind().SIMPLE_CONSUMER).toMatchObject({ sent: 0, received: got.length });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 10_000 });
    try {
      expect(byKind().PRODUCER!.sendPerSec).toBeCloseTo(0.6, 1);
      expect(byKind().SIMPLE_CONSUMER!.receivePerSec).toBeCloseTo(got.length / 10, 1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts a group's lag from its consumers' subscription, before it received anything", async () => {
    fx.broker.createTopic({ name: 'orders', queueNums: 2 });
    fx.broker.createGroup({ name: 'late' });
    await fx.simpleConsumer('late', 'orders');
    const producer = await fx.producer({ topics: ['orders'] });
    await sendMany(producer, 'orders', 7);
    const { samples } = await scrape();
    expect(valueOf(samples, 'rocketmq_consumer_lag_messages', { ...NODE, consumer_group: 'late', topic: 'orders' })).toBe(7);
    expect(valueOf(samples, 'rocketmq_consumer_ready_messages', { ...NODE, consumer_group: 'late', topic: 'orders' })).toBe(7);
  });
});
