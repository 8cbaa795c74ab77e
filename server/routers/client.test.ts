/** Connected clients as the official Node.js SDK reports itself, listed from a real gRPC endpoint. */
import os from 'node:os';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../broker/test-support.ts';
import { startConsoleTestEnv, testInstance, testUser, type ConsoleTestEnv } from '../console-test-env.ts';

let env: ConsoleTestEnv;
const I = 'clients';
const SDK_VERSION = '1.0.8';
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const started: { shutdown(): Promise<void> }[] = [];

const viewer = () => env.caller(testUser('viewer'));

beforeAll(async () => {
  env = await startConsoleTestEnv();
  await env.runtime.start(testInstance(I));
  const operator = env.caller(testUser('operator'));
  await operator.namespace.create({ instanceId: I, name: 'shop' });
  await operator.topic.create({ instanceId: I, namespace: 'shop', name: 'orders', queueNums: 1 });
  await operator.group.create({ instanceId: I, namespace: 'shop', name: 'billing' });
  const endpoints = `127.0.0.1:${env.runtime.get(I)!.endpoint!.port}`;
  const consumer = new SimpleConsumer({ endpoints, namespace: 'shop', logger: quiet, consumerGroup: 'billing', subscriptions: new Map([['orders', 'TagA || TagB']]), awaitDuration: 1500 });
  started.push(consumer);
  await consumer.startup();
  const producer = new Producer({ endpoints, namespace: 'shop', logger: quiet, topics: ['orders'] });
  started.push(producer);
  await producer.startup();
});

afterAll(async () => {
  await Promise.all(started.map((c) => c.shutdown()));
  await env.close();
});

describe('client.list', () => {
  it("shows each SDK's real language, version, platform and address, with bare names in their namespace", async () => {
    const page = await waitUntil(async () => {
      const p = await viewer().client.list({ instanceId: I, sort: 'kind' });
      return p.total === 2 ? p : undefined;
    }, { what: 'both SDK clients to be listed' });
    const [producer, consumer] = page.rows;
    for (const c of [producer, consumer]) {
      expect(c).toMatchObject({ language: 'NODE_JS', version: SDK_VERSION, platform: os.platform(), host: os.hostname(), namespace: 'shop' });
      expect(c!.address).toMatch(/^(127\.0\.0\.1|::ffff:127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):\d+$/);
      expect(c!.connectedAt).toBeLessThanOrEqual(c!.lastHeartbeat);
    }
    expect(producer).toMatchObject({ kind: 'PRODUCER', group: null, topics: ['orders'] });
    expect(consumer).toMatchObject({ kind: 'SIMPLE_CONSUMER', group: 'billing', subscriptions: [{ topic: 'orders', filterType: 'TAG', expression: 'TagA || TagB' }] });
    expect(JSON.stringify(page)).not.toContain('shop%');
  });

  it('pages, sorts and filters on the server', async () => {
    const byKind = await viewer().client.list({ instanceId: I, sort: 'kind', dir: 'desc', pageSize: 1 });
    expect([byKind.total, byKind.rows.map((r) => r.kind)]).toEqual([2, ['SIMPLE_CONSUMER']]);
    expect((await viewer().client.list({ instanceId: I, search: 'billing' })).rows.map((r) => r.kind)).toEqual(['SIMPLE_CONSUMER']);
    expect((await viewer().client.list({ instanceId: I, group: 'shop%billing' })).rows.map((r) => r.kind)).toEqual(['SIMPLE_CONSUMER']);
    expect((await viewer().client.list({ instanceId: I, search: 'no-such-client' })).total).toBe(0);
  });

  it("the group's page lists its consumers the same way", async () => {
    const { clients } = await viewer().group.get({ instanceId: I, name: 'shop%billing' });
    expect(clients).toMatchObject([{ kind: 'SIMPLE_CONSUMER', group: 'billing', language: 'NODE_JS', version: SDK_VERSION }]);
  });
});
