/** DELAY topics through the official SDK: delivery at the requested time, and recall before it fires. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, waitUntil } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start({ longPollingMs: 1000 });
});

afterEach(async () => {
  await fx.close();
});

describe('SDK delay messages', () => {
  it('a delayed message arrives after its delay, not before; a recalled one never arrives', async () => {
    fx.broker.createTopic({ name: 'later', messageType: 'DELAY' });
    fx.broker.createGroup({ name: 'waiters' });
    const producer = await fx.producer({ topics: ['later'] });
    const consumer = await fx.simpleConsumer('waiters', 'later', { awaitDuration: 1000 });
    const sentAt = Date.now();
    const kept = await producer.send({ topic: 'later', body: Buffer.from('kept'), delay: 2000 });
    const recalled = await producer.send({ topic: 'later', body: Buffer.from('recalled'), delay: 2000 });
    expect(recalled.recallHandle).toBeTruthy();
    const receipt = await producer.recallMessage('later', recalled.recallHandle);
    expect(receipt.messageId).toBe(recalled.messageId);

    // Due after the recalled one: the timer fires in due order, so once the marker has arrived the recalled
    // message's time has been dealt with (a fired copy would be stored no later than the marker's).
    const marker = await producer.send({ topic: 'later', body: Buffer.from('marker'), delay: 2000 });

    const got: { id: string; body: string; at: number; deliveryTimestamp?: Date }[] = [];
    await waitUntil(
      async () => {
        for (const m of await consumer.receive(10, 15_000)) {
          got.push({ id: m.messageId, body: m.body.toString(), at: Date.now() - sentAt, ...(m.deliveryTimestamp ? { deliveryTimestamp: m.deliveryTimestamp } : {}) });
          await consumer.ack(m);
        }
        return got.some((g) => g.id === marker.messageId);
      },
      { what: 'the marker, due after the recalled message, to arrive', timeoutMs: 20_000 },
    );
    expect(got.map((g) => g.body).sort()).toEqual(['kept', 'marker']);
    const first = got.find((g) => g.body === 'kept')!;
    expect(first.id).toBe(kept.messageId);
    expect(first.at).toBeGreaterThanOrEqual(1900);
    expect(first.deliveryTimestamp).toBeInstanceOf(Date);
    await expect(producer.recallMessage('later', recalled.recallHandle)).rejects.toThrow(/recalled/);
  });
});
