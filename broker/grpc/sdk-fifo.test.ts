/**
 * FIFO consumption through the official Node.js SDK. PROTOCOL.md §5: with an orderly group and message
 * groups, a group has at most one batch in flight per queue (or per group), in order; a redelivered
 * message keeps its place.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, Fixture, receiveAtLeast } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start();
});

afterEach(async () => {
  await fx.close();
});

describe('SDK FIFO', () => {
  it('a FIFO producer stores one message group in one queue, in send order', async () => {
    fx.broker.createTopic({ name: 'orders', messageType: 'FIFO', queueNums: 4 });
    const producer = await fx.producer({ topics: ['orders'] });
    const receipts = [];
    for (let i = 0; i < 5; i++) receipts.push(await producer.send({ topic: 'orders', messageGroup: 'order-1', body: Buffer.from(`step-${i}`) }));
    const stored = receipts.map((r) => fx.broker.getMessageById(r.messageId));
    expect(new Set(stored.map((m) => m.queueId)).size).toBe(1);
    expect(stored.map((m) => m.queueOffset)).toEqual([...stored.map((m) => m.queueOffset)].sort((a, b) => a - b));
  });

  it('while a batch of a message group is in flight, the next messages of that group are held back', async () => {
    fx.broker.createTopic({ name: 'orders', messageType: 'FIFO', queueNums: 4 });
    fx.broker.createGroup({ name: 'fulfil', fifo: true });
    const producer = await fx.producer({ topics: ['orders'] });
    const consumer = await fx.simpleConsumer('fulfil', 'orders', { awaitDuration: 1000 });
    for (let i = 0; i < 4; i++) await producer.send({ topic: 'orders', messageGroup: 'order-1', body: Buffer.from(`step-${i}`) });

    const first = await receiveAtLeast(consumer, 2, { batch: 2, invisibleMs: 2000 });
    expect(bodies(first)).toEqual(['step-0', 'step-1']);
    expect(first[0]?.messageGroup).toBe('order-1');

    // step-0 and step-1 are neither acked nor expired: step-2 must not be handed out yet.
    expect(bodies(await consumer.receive(2, 1500))).toEqual([]);

    // Not acked: they come back first, in order, before anything newer.
    const again = await receiveAtLeast(consumer, 2, { batch: 2, invisibleMs: 15_000, timeoutMs: 5000 });
    expect(bodies(again)).toEqual(['step-0', 'step-1']);
    expect(again.map((m) => m.deliveryAttempt)).toEqual([2, 2]);
    for (const m of again) await consumer.ack(m);

    const rest = await receiveAtLeast(consumer, 2, { batch: 2 });
    expect(bodies(rest)).toEqual(['step-2', 'step-3']);
  });
});
