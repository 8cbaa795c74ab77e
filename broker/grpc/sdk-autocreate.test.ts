/** Auto-create through the official Node.js SDK: topics on first send, groups on first sight. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, Fixture, receiveAtLeast, sendMany } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start({ autoCreate: true });
});

afterEach(async () => {
  await fx.close();
});

describe('SDK with autoCreate', () => {
  it('sending to an unknown topic creates it with the message type and 8 queues', async () => {
    const producer = await fx.producer({ topics: ['fresh'] });
    expect(fx.broker.hasTopic('fresh')).toBe(false); // routing alone creates nothing

    const r = await producer.send({ topic: 'fresh', body: Buffer.from('first') });
    const topic = fx.broker.getTopic('fresh');
    expect(topic.messageType).toBe('NORMAL');
    expect(topic.readQueueNums).toBe(8);
    expect(topic.writeQueueNums).toBe(8);
    expect(fx.broker.getMessageById(r.messageId).topic).toBe('fresh');
  });

  it('a FIFO message creates a FIFO topic', async () => {
    const producer = await fx.producer();
    const r = await producer.send({ topic: 'fresh-fifo', body: Buffer.from('f'), messageGroup: 'order-1' });
    expect(fx.broker.getTopic('fresh-fifo').messageType).toBe('FIFO');
    expect(fx.broker.getMessageById(r.messageId).topic).toBe('fresh-fifo');
  });

  it('a consumer group is created on first sight and receives what is sent after that, not before', async () => {
    const producer = await fx.producer();
    await producer.send({ topic: 'stream', body: Buffer.from('before') });
    expect(fx.broker.hasGroup('late-joiner')).toBe(false);

    const consumer = await fx.simpleConsumer('late-joiner', 'stream', { awaitDuration: 1000 });
    expect(fx.broker.getGroup('late-joiner').name).toBe('late-joiner');

    await sendMany(producer, 'stream', 4, 'after');
    const got = await receiveAtLeast(consumer, 4);
    expect(bodies(got).sort()).toEqual(['after-0', 'after-1', 'after-2', 'after-3']);
    for (const m of got) await consumer.ack(m);
    expect(await consumer.receive(10, 15_000)).toEqual([]);
  });

  it('a namespaced producer auto-creates the namespace and the topic inside it', async () => {
    const producer = await fx.producer({ namespace: 'auto' });
    const r = await producer.send({ topic: 'orders', body: Buffer.from('x') });
    expect(fx.broker.hasNamespace('auto')).toBe(true);
    expect(fx.broker.getMessageById(r.messageId).topic).toBe('auto%orders');
  });
});
