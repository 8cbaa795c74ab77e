/** Namespaces through the official Node.js SDK: `namespace: 'ns1'` maps to the engine's `ns1%name` resources. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, receiveAtLeast, sendMany } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start();
  fx.broker.createNamespace('ns1');
  fx.broker.createNamespace('ns2');
});

afterEach(async () => {
  await fx.close();
});

describe('SDK namespaces', () => {
  it('a producer and consumer with namespace ns1 use ns1%t; deliveries carry the bare topic name', async () => {
    const topic = fx.broker.createTopic({ namespace: 'ns1', name: 't' });
    expect(topic.name).toBe('ns1%t');
    fx.broker.createGroup({ namespace: 'ns1', name: 'g' });

    const producer = await fx.producer({ namespace: 'ns1', topics: ['t'] });
    const consumer = await fx.simpleConsumer('g', 't', { namespace: 'ns1', awaitDuration: 1000 });
    const receipt = await producer.send({ topic: 't', tag: 'a', keys: ['k1'], body: Buffer.from('in ns1') });

    const stored = fx.broker.getMessageById(receipt.messageId);
    expect(stored.topic).toBe('ns1%t');
    expect(fx.broker.topicStats('ns1%t').messageCount).toBe(1);

    const [m] = await receiveAtLeast(consumer, 1);
    expect(m?.messageId).toBe(receipt.messageId);
    expect(m?.topic).toBe('t');
    expect(m?.body.toString()).toBe('in ns1');
    await consumer.ack(m!);
    expect(fx.broker.groupStats('ns1%g', ['ns1%t']).lag).toBe(0);
    expect(await consumer.receive(10, 15_000)).toEqual([]);
  });

  it('the same bare names in two namespaces are separate topics and groups', async () => {
    fx.broker.createTopic({ namespace: 'ns1', name: 't' });
    fx.broker.createTopic({ namespace: 'ns2', name: 't' });
    fx.broker.createGroup({ namespace: 'ns1', name: 'g' });
    fx.broker.createGroup({ namespace: 'ns2', name: 'g' });

    const p1 = await fx.producer({ namespace: 'ns1', topics: ['t'] });
    const p2 = await fx.producer({ namespace: 'ns2', topics: ['t'] });
    const ids1 = await sendMany(p1, 't', 3, 'one');
    const ids2 = await sendMany(p2, 't', 2, 'two');
    expect(fx.broker.topicStats('ns1%t').messageCount).toBe(3);
    expect(fx.broker.topicStats('ns2%t').messageCount).toBe(2);

    const c1 = await fx.simpleConsumer('g', 't', { namespace: 'ns1', awaitDuration: 1000 });
    const c2 = await fx.simpleConsumer('g', 't', { namespace: 'ns2', awaitDuration: 1000 });
    const got1 = await receiveAtLeast(c1, 3);
    const got2 = await receiveAtLeast(c2, 2);
    expect(got1.map((m) => m.messageId).sort()).toEqual([...ids1].sort());
    expect(got2.map((m) => m.messageId).sort()).toEqual([...ids2].sort());
    expect([...(await c1.receive(10, 15_000)), ...(await c2.receive(10, 15_000))]).toEqual([]);
  });

  it('a topic that exists only outside the namespace is not found from inside it', async () => {
    fx.broker.createTopic({ name: 't' });
    const producer = await fx.producer({ namespace: 'ns1' });
    await expect(producer.send({ topic: 't', body: Buffer.from('x') })).rejects.toMatchObject({ code: 40402 });
    expect(fx.broker.topicStats('t').messageCount).toBe(0);
  });
});
