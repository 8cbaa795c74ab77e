/**
 * Meridian's own probe resources (PROBE_PREFIX): only the engine makes them, users can neither create, see,
 * change nor delete them, and SDK clients reach them through the gRPC front end like any other topic.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BadRequestException } from 'rocketmq-client-nodejs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Fixture, receiveAtLeast } from '../../broker/grpc/sdk-test-helpers.ts';
import { Broker, isBrokerError, isSystemTopic, logger, PROBE_PREFIX, type BrokerErrorCode } from './index.ts';
import { closeTestBrokers, openTestBroker } from './test-support.ts';

const TOPIC = `${PROBE_PREFIX}normal`;
const GROUP = `${PROBE_PREFIX}normal`;

afterEach(async () => {
  vi.restoreAllMocks();
  await closeTestBrokers();
});

function expectCode(fn: () => unknown, code: BrokerErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isBrokerError(thrown) ? thrown.code : thrown).toBe(code);
}

describe('probe resources in the engine', () => {
  it('a user cannot create a topic or group with the probe prefix, with or without a namespace', async () => {
    const b = await openTestBroker();
    b.createNamespace('ns');
    for (const name of [TOPIC, PROBE_PREFIX.toUpperCase() + 'x']) {
      expectCode(() => b.createTopic({ name }), 'INVALID_NAME');
      expectCode(() => b.createTopic({ name, namespace: 'ns' }), 'INVALID_NAME');
      expectCode(() => b.createGroup({ name }), 'INVALID_NAME');
      expectCode(() => b.createGroup({ name, namespace: 'ns' }), 'INVALID_NAME');
    }
    expect(b.hasTopic(TOPIC)).toBe(false);
    expect(b.hasGroup(GROUP)).toBe(false);
    // Other rmq_sys_ group names stay as they were: allowed.
    expect(b.createGroup({ name: 'rmq_sys_other' }).name).toBe('rmq_sys_other');
  });

  it('ensureProbeTopic creates a system topic once, hidden from the lists, counted as system in metrics', async () => {
    const b = await openTestBroker();
    b.createTopic({ name: 'orders' });
    const t = b.ensureProbeTopic({ name: TOPIC, messageType: 'FIFO', queueNums: 1 });
    expect(t).toMatchObject({ name: TOPIC, namespace: '', messageType: 'FIFO', readQueueNums: 1, writeQueueNums: 1, perm: 'READ_WRITE', system: true });
    expect(b.ensureProbeTopic({ name: TOPIC, messageType: 'FIFO', queueNums: 1 })).toEqual(t);
    expect(b.listTopics().map((x) => x.name)).toEqual(['orders']);
    expect(b.listTopics({ namespace: '' }).map((x) => x.name)).toEqual(['orders']);
    expect(b.listTopics({ includeSystem: true }).map((x) => x.name)).toContain(TOPIC);
    expect(isSystemTopic(TOPIC)).toBe(true);
  });

  it('ensureProbeGroup creates a group once, hidden from the lists unless asked', async () => {
    const b = await openTestBroker();
    b.createGroup({ name: 'billing' });
    const g = b.ensureProbeGroup({ name: GROUP, fifo: true });
    expect(g).toMatchObject({ name: GROUP, namespace: '', fifo: true, consumeType: 'CLUSTERING' });
    expect(b.ensureProbeGroup({ name: GROUP, fifo: true })).toEqual(g);
    expect(b.listGroups().map((x) => x.name)).toEqual(['billing']);
    expect(b.listGroups({ namespace: '' }).map((x) => x.name)).toEqual(['billing']);
    expect(b.listGroups({ includeSystem: true }).map((x) => x.name).sort()).toEqual(['billing', GROUP]);
  });

  it('a user cannot change or delete a probe topic or group', async () => {
    const b = await openTestBroker();
    b.ensureProbeTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 1 });
    b.ensureProbeGroup({ name: GROUP });
    await expect(b.deleteTopic(TOPIC)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expectCode(() => b.updateTopic(TOPIC, { perm: 'NONE' }), 'PERMISSION_DENIED');
    expectCode(() => b.deleteGroup(GROUP), 'PERMISSION_DENIED');
    expectCode(() => b.updateGroup(GROUP, { fifo: true }), 'PERMISSION_DENIED');
    expect(b.getTopic(TOPIC).perm).toBe('READ_WRITE');
    expect(b.getGroup(GROUP).fifo).toBe(false);
  });

  it('refuses names outside the prefix, namespaced forms and bad arguments', async () => {
    const b = await openTestBroker();
    for (const name of ['orders', PROBE_PREFIX, `ns%${PROBE_PREFIX}x`, `${PROBE_PREFIX}a b`, PROBE_PREFIX + 'x'.repeat(128)]) {
      expectCode(() => b.ensureProbeTopic({ name, messageType: 'NORMAL', queueNums: 1 }), 'INVALID_NAME');
      expectCode(() => b.ensureProbeGroup({ name }), 'INVALID_NAME');
    }
    expectCode(() => b.ensureProbeTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 0 }), 'INVALID_ARGUMENT');
    expect(b.hasTopic(TOPIC)).toBe(false);
  });

  it('puts back a probe topic or group an earlier prober left in another shape, and says so in the log', async () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const b = await openTestBroker();
    const first = b.ensureProbeTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 4 });
    const t = b.ensureProbeTopic({ name: TOPIC, messageType: 'DELAY', queueNums: 1 });
    expect(t).toMatchObject({ messageType: 'DELAY', readQueueNums: 1, writeQueueNums: 1, system: true, createdAt: first.createdAt });
    b.ensureProbeGroup({ name: GROUP, fifo: false });
    expect(b.ensureProbeGroup({ name: GROUP, fifo: true }).fifo).toBe(true);
    const events = warn.mock.calls.map(([fields]) => (fields as { event?: string }).event);
    expect(events).toEqual(['broker.probe_topic_reshaped', 'broker.probe_group_reshaped']);
  });

  it('probe resources stay hidden system resources after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-probe-'));
    try {
      let b = await Broker.open({ dataDir: dir, segmentSize: 1 << 22, maxMessageSize: 64 << 10 });
      b.ensureProbeTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 1 });
      b.ensureProbeGroup({ name: GROUP });
      await b.close();
      b = await Broker.open({ dataDir: dir, segmentSize: 1 << 22, maxMessageSize: 64 << 10 });
      expect(b.getTopic(TOPIC).system).toBe(true);
      expect(b.listTopics()).toEqual([]);
      expect(b.listGroups()).toEqual([]);
      expect(b.hasGroup(GROUP)).toBe(true);
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('probe resources through gRPC', () => {
  let fx: Fixture | undefined;

  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('an SDK client sends to and receives from a probe topic, while other rmq_sys_ topics stay refused', async () => {
    fx = await Fixture.start();
    fx.broker.ensureProbeTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 1 });
    fx.broker.ensureProbeGroup({ name: GROUP });
    fx.broker.createTopic({ name: 'orders' });
    const producer = await fx.producer({ topics: [TOPIC] });
    const consumer = await fx.simpleConsumer(GROUP, TOPIC, { awaitDuration: 1000 });

    const receipt = await producer.send({ topic: TOPIC, body: Buffer.from('probe') });
    expect(fx.broker.getMessageById(receipt.messageId).topic).toBe(TOPIC);
    const [m] = await receiveAtLeast(consumer, 1);
    expect(m?.messageId).toBe(receipt.messageId);
    await consumer.ack(m!);

    for (const topic of ['rmq_sys_x', 'rmq_sys_trace', PROBE_PREFIX.toUpperCase() + 'normal']) {
      const err = await producer.send({ topic, body: Buffer.from('x') }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, topic).toBeInstanceOf(BadRequestException);
      expect((err as Error).message).toMatch(/reserved for the system/);
    }
  });

  it('a namespaced SDK client cannot reach a probe topic, and auto-create never makes one', async () => {
    fx = await Fixture.start({ autoCreate: true });
    fx.broker.createNamespace('ns1');
    fx.broker.ensureProbeTopic({ name: TOPIC, messageType: 'NORMAL', queueNums: 1 });
    const namespaced = await fx.producer({ namespace: 'ns1' });
    const err = await namespaced.send({ topic: TOPIC, body: Buffer.from('x') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BadRequestException);
    expect(fx.broker.hasTopic(`ns1%${TOPIC}`)).toBe(false);

    const producer = await fx.producer();
    const missing = `${PROBE_PREFIX}missing`;
    await expect(producer.send({ topic: missing, body: Buffer.from('x') })).rejects.toBeInstanceOf(Error);
    expect(fx.broker.hasTopic(missing)).toBe(false);
  });
});
