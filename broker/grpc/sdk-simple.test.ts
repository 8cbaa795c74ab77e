/** SimpleConsumer through the official Node.js SDK: receive, ack, invisible time, redelivery, DLQ, groups. */
import type { MessageView, SimpleConsumer } from 'rocketmq-client-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerError } from '../../server/broker/index.ts';
import { bodies, Fixture, receiveAtLeast, sendMany, waitUntil } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start();
});

afterEach(async () => {
  await fx.close();
});

/** Count of messages in a topic, 0 while it does not exist yet (DLQ topics are created on first use). */
function messageCount(topic: string): number {
  return fx.broker.hasTopic(topic) ? fx.broker.topicStats(topic).messageCount : 0;
}

function expectInvalidHandle(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).code).toBe('INVALID_RECEIPT_HANDLE');
    return;
  }
  throw new Error('expected INVALID_RECEIPT_HANDLE, nothing was thrown');
}

async function ackAll(c: SimpleConsumer, ms: readonly MessageView[]): Promise<void> {
  for (const m of ms) await c.ack(m);
}

describe('SDK SimpleConsumer', () => {
  it('receives every message once; acked ones never come back', async () => {
    fx.broker.createTopic({ name: 'jobs', queueNums: 4 });
    fx.broker.createGroup({ name: 'workers' });
    const producer = await fx.producer({ topics: ['jobs'] });
    const consumer = await fx.simpleConsumer('workers', 'jobs', { awaitDuration: 1000 });
    const ids = await sendMany(producer, 'jobs', 25, 'job');

    const got = await receiveAtLeast(consumer, 25, { batch: 10 });
    expect(got.map((m) => m.messageId).sort()).toEqual([...ids].sort());
    expect(got.every((m) => m.deliveryAttempt === 1)).toBe(true);
    await ackAll(consumer, got);

    // Nothing left, and nothing acked is redelivered (even past the invisible time of 1 s asked here).
    const t0 = Date.now();
    expect(await consumer.receive(32, 1000)).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // the long poll was held for awaitDuration
    expect(await consumer.receive(32, 1000)).toEqual([]);
    expect(fx.broker.groupStats('workers').lag).toBe(0);
  });

  it('a message received but not acked is redelivered after its invisible time with deliveryAttempt 2', async () => {
    fx.broker.createTopic({ name: 'jobs' });
    fx.broker.createGroup({ name: 'workers' });
    const producer = await fx.producer({ topics: ['jobs'] });
    const consumer = await fx.simpleConsumer('workers', 'jobs', { awaitDuration: 2000 });
    const [id] = await sendMany(producer, 'jobs', 1);

    const [first] = await receiveAtLeast(consumer, 1, { invisibleMs: 1500 });
    expect(first?.messageId).toBe(id);
    expect(first?.deliveryAttempt).toBe(1);
    const receivedAt = Date.now();

    // The long poll is answered when the invisible time runs out.
    const again = await consumer.receive(10, 1500);
    const waited = Date.now() - receivedAt;
    expect(again.map((m) => m.messageId)).toEqual([id]);
    expect(again[0]?.deliveryAttempt).toBe(2);
    expect(waited).toBeGreaterThanOrEqual(1300);
    expect(waited).toBeLessThan(3500);

    // The first delivery's handle died with the redelivery; the new one acks.
    expectInvalidHandle(() => fx.broker.ack('workers', 'jobs', first!.receiptHandle));
    await consumer.ack(again[0]!);
    expect(await consumer.receive(10, 1000)).toEqual([]);
  });

  it('changeInvisibleDuration extends the deadline and swaps the receipt handle', async () => {
    fx.broker.createTopic({ name: 'jobs' });
    fx.broker.createGroup({ name: 'workers' });
    const producer = await fx.producer({ topics: ['jobs'] });
    const consumer = await fx.simpleConsumer('workers', 'jobs', { awaitDuration: 2000 });
    await sendMany(producer, 'jobs', 1);

    const [m] = await receiveAtLeast(consumer, 1, { invisibleMs: 1000 });
    expect(m).toBeDefined();
    if (!m) return;
    const oldHandle = m.receiptHandle;
    await consumer.changeInvisibleDuration(m, 6000);
    expect(m.receiptHandle).not.toBe(oldHandle); // the SDK mutates the view with the broker's new handle

    // Past the original 1 s deadline (a 2 s long poll: the endpoint's cap), the message stays hidden.
    expect(await consumer.receive(10, 1000)).toEqual([]);

    // The old handle is refused, by the engine and over the wire.
    expectInvalidHandle(() => fx.broker.ack('workers', 'jobs', oldHandle));
    expectInvalidHandle(() => fx.broker.changeInvisibleDuration('workers', 'jobs', oldHandle, 1000));

    await consumer.ack(m);
    expect(await consumer.receive(10, 1000)).toEqual([]);
    expect(fx.broker.groupStats('workers').lag).toBe(0);
  });

  it('acking with a stale handle rejects with INVALID_RECEIPT_HANDLE (40013)', async () => {
    fx.broker.createTopic({ name: 'jobs' });
    fx.broker.createGroup({ name: 'workers' });
    const producer = await fx.producer({ topics: ['jobs'] });
    const consumer = await fx.simpleConsumer('workers', 'jobs', { awaitDuration: 1000 });
    await sendMany(producer, 'jobs', 1);

    const [m] = await receiveAtLeast(consumer, 1);
    expect(m).toBeDefined();
    if (!m) return;
    await consumer.ack(m);
    await expect(consumer.ack(m)).rejects.toMatchObject({ code: 40013 });
  });

  it('after maxDeliveryAttempts the message goes to %DLQ%<group> and is no longer delivered', async () => {
    fx.broker.createTopic({ name: 'jobs' });
    fx.broker.createGroup({ name: 'fragile', maxDeliveryAttempts: 2 });
    const producer = await fx.producer({ topics: ['jobs'] });
    const consumer = await fx.simpleConsumer('fragile', 'jobs', { awaitDuration: 2000 });
    const [id] = await sendMany(producer, 'jobs', 1, 'poison');

    // Never acked: attempt 1, then attempt 2 after 1 s.
    const attempts: number[] = [];
    const deadline = Date.now() + 10_000;
    while (attempts.length < 2 && Date.now() < deadline) {
      for (const m of await consumer.receive(10, 1000)) {
        expect(m.messageId).toBe(id);
        attempts.push(m.deliveryAttempt ?? 0);
      }
    }
    expect(attempts).toEqual([1, 2]);

    // Once the second invisible time ends, the message is dead-lettered instead of delivered a third time.
    const after: MessageView[] = [];
    await waitUntil(
      async () => {
        after.push(...(await consumer.receive(10, 1000)));
        return messageCount('%DLQ%fragile') === 1;
      },
      { what: 'the message to reach the DLQ', timeoutMs: 10_000 },
    );
    after.push(...(await consumer.receive(10, 1000)));
    expect(after).toEqual([]);
    expect(messageCount('%DLQ%fragile')).toBe(1);

    const dlq = fx.broker.getMessages('%DLQ%fragile', 0, 0, 10);
    expect(dlq.messages).toHaveLength(1);
    expect(dlq.messages[0]?.messageId).toBe(id);
    expect(dlq.messages[0]?.body.toString()).toBe('poison-0');
    expect(fx.broker.groupStats('fragile', ['jobs']).lag).toBe(0);
  });

  it('two groups each receive every message', async () => {
    fx.broker.createTopic({ name: 'news', queueNums: 4 });
    fx.broker.createGroup({ name: 'mail' });
    fx.broker.createGroup({ name: 'search' });
    const producer = await fx.producer({ topics: ['news'] });
    const mail = await fx.simpleConsumer('mail', 'news', { awaitDuration: 1000 });
    const search = await fx.simpleConsumer('search', 'news', { awaitDuration: 1000 });
    const ids = [...(await sendMany(producer, 'news', 12))].sort();

    const [a, b] = await Promise.all([receiveAtLeast(mail, 12), receiveAtLeast(search, 12)]);
    expect(a.map((m) => m.messageId).sort()).toEqual(ids);
    expect(b.map((m) => m.messageId).sort()).toEqual(ids);
    await Promise.all([ackAll(mail, a), ackAll(search, b)]);
    const [a2, b2] = await Promise.all([mail.receive(32, 1000), search.receive(32, 1000)]);
    expect([...a2, ...b2]).toEqual([]);
  });

  it('two consumers of one group split the messages without duplicates and together get all', async () => {
    fx.broker.createTopic({ name: 'work', queueNums: 4 });
    fx.broker.createGroup({ name: 'pool' });
    const producer = await fx.producer({ topics: ['work'] });
    const c1 = await fx.simpleConsumer('pool', 'work', { awaitDuration: 1000 });
    const c2 = await fx.simpleConsumer('pool', 'work', { awaitDuration: 1000 });
    const ids = await sendMany(producer, 'work', 30);

    const seen = new Map<string, number>();
    const perConsumer = [0, 0];
    const drain = async (c: SimpleConsumer, i: 0 | 1): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (seen.size < ids.length && Date.now() < deadline) {
        for (const m of await c.receive(4, 15_000)) {
          seen.set(m.messageId, (seen.get(m.messageId) ?? 0) + 1);
          perConsumer[i]!++;
          await c.ack(m);
        }
      }
    };
    await Promise.all([drain(c1, 0), drain(c2, 1)]);

    expect([...seen.keys()].sort()).toEqual([...ids].sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(perConsumer[0]! + perConsumer[1]!).toBe(ids.length);
    expect(perConsumer[0]).toBeGreaterThan(0);
    expect(perConsumer[1]).toBeGreaterThan(0);
  });

  it('a group made before the messages receives them, in order per queue', async () => {
    fx.broker.createTopic({ name: 'seq', queueNums: 1 });
    fx.broker.createGroup({ name: 'reader' });
    const producer = await fx.producer({ topics: ['seq'] });
    await sendMany(producer, 'seq', 10, 's');
    const consumer = await fx.simpleConsumer('reader', 'seq');
    const got = await receiveAtLeast(consumer, 10, { batch: 3 });
    expect(bodies(got)).toEqual(Array.from({ length: 10 }, (_, i) => `s-${i}`));
    await ackAll(consumer, got);
  });
});
