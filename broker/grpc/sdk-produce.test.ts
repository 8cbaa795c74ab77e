/** Producer → broker → SimpleConsumer through the official Node.js SDK: what is stored and what comes back. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, receiveAtLeast } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start();
});

afterEach(async () => {
  await fx.close();
});

describe('SDK producer', () => {
  it('sends with tag, keys and user properties; the receipt and the stored message carry them', async () => {
    fx.broker.createTopic({ name: 'orders', queueNums: 4 });
    const producer = await fx.producer({ topics: ['orders'] });

    const receipt = await producer.send({
      topic: 'orders',
      tag: 'created',
      keys: ['order-1', 'customer-9'],
      properties: new Map([
        ['region', 'eu'],
        ['priority', 'high'],
      ]),
      body: Buffer.from('{"id":1}'),
    });

    expect(receipt.messageId).toMatch(/^[0-9A-F]{34}$/);
    expect(typeof receipt.offset).toBe('number');
    expect(receipt.offset).toBeGreaterThanOrEqual(0);

    const stored = fx.broker.getMessageById(receipt.messageId);
    expect(stored.messageId).toBe(receipt.messageId);
    expect(stored.topic).toBe('orders');
    expect(stored.body.toString()).toBe('{"id":1}');
    expect(stored.tag).toBe('created');
    expect([...stored.keys]).toEqual(['order-1', 'customer-9']);
    expect(stored.properties).toMatchObject({ region: 'eu', priority: 'high' });
    expect(stored.queueOffset).toBe(receipt.offset);
    expect(fx.broker.queryByKey('orders', 'customer-9').map((m) => m.messageId)).toEqual([receipt.messageId]);
  });

  it('a producer and a consumer declaring many topics start up and work (their settings answer is not lost between route lookups)', async () => {
    const topics = ['t1', 't2', 't3', 't4', 't5'];
    for (const name of topics) fx.broker.createTopic({ name, queueNums: 1 });
    fx.broker.createGroup({ name: 'g-many' });
    const producer = await fx.producer({ topics });
    const consumer = await fx.simpleConsumer('g-many', 't1', { subscriptions: new Map(topics.map((t) => [t, '*'])) });
    for (const topic of topics) await producer.send({ topic, body: Buffer.from(topic) });
    const got = await receiveAtLeast(consumer, topics.length);
    expect(got.map((m) => m.body.toString()).sort()).toEqual(topics);
  });

  it('gives every message its own id and the offset of the queue it was stored in', async () => {
    fx.broker.createTopic({ name: 'events', queueNums: 2 });
    const producer = await fx.producer({ topics: ['events'] });

    const receipts = [];
    for (let i = 0; i < 6; i++) receipts.push(await producer.send({ topic: 'events', body: Buffer.from(`e${i}`) }));

    expect(new Set(receipts.map((r) => r.messageId)).size).toBe(6);
    for (const [i, r] of receipts.entries()) {
      const stored = fx.broker.getMessageById(r.messageId);
      expect(stored.body.toString()).toBe(`e${i}`);
      expect(stored.queueOffset).toBe(r.offset);
    }
    expect(fx.broker.topicStats('events').messageCount).toBe(6);
  });

  it('a producer without declared topics starts at once and routes on its first send', async () => {
    fx.broker.createTopic({ name: 'lazy' });
    const producer = await fx.producer();
    const r = await producer.send({ topic: 'lazy', body: Buffer.from('x') });
    expect(fx.broker.getMessageById(r.messageId).topic).toBe('lazy');
  });

  it('a consumer sees body, tag, keys, user properties (no engine-internal ones) and the bare topic', async () => {
    fx.broker.createTopic({ name: 'orders' });
    fx.broker.createGroup({ name: 'billing' });
    const producer = await fx.producer({ topics: ['orders'] });
    const consumer = await fx.simpleConsumer('billing', 'orders');

    const receipt = await producer.send({
      topic: 'orders',
      tag: 'paid',
      keys: ['order-7'],
      properties: new Map([['amount', '12.50']]),
      body: Buffer.from('paid 12.50'),
    });

    const [m] = await receiveAtLeast(consumer, 1);
    expect(m).toBeDefined();
    if (!m) return;
    expect(m.messageId).toBe(receipt.messageId);
    expect(m.topic).toBe('orders');
    expect(m.body.toString()).toBe('paid 12.50');
    expect(m.tag).toBe('paid');
    expect(m.keys).toEqual(['order-7']);
    expect(Object.fromEntries(m.properties)).toEqual({ amount: '12.50' });
    // The SDK only ever sets `corrupted` to true (on an MD5 mismatch); it stays undefined otherwise.
    expect(m.corrupted).toBeFalsy();
    expect(m.deliveryAttempt).toBe(1);
    expect(m.offset).toBe(receipt.offset);
    expect(m.bornTimestamp).toBeInstanceOf(Date);
    await consumer.ack(m);
  });

  it('a tag subscription only delivers matching messages', async () => {
    fx.broker.createTopic({ name: 'orders' });
    fx.broker.createGroup({ name: 'shipping' });
    const producer = await fx.producer({ topics: ['orders'] });
    const consumer = await fx.simpleConsumer('shipping', 'orders', { subscriptions: new Map([['orders', 'paid || refunded']]) });

    for (const tag of ['created', 'paid', 'cancelled', 'refunded', 'paid']) {
      await producer.send({ topic: 'orders', tag, body: Buffer.from(tag) });
    }
    const got = await receiveAtLeast(consumer, 3);
    for (const m of got) await consumer.ack(m);
    expect(got.map((m) => m.tag).sort()).toEqual(['paid', 'paid', 'refunded']);
    expect(await consumer.receive(10, 15_000)).toEqual([]);
  });
});
