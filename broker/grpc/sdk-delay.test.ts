/** DELAY topics through the official SDK: delivery at the requested time, and recall before it fires. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture } from './sdk-test-helpers.ts';

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

    const got: { id: string; body: string; at: number; deliveryTimestamp?: Date }[] = [];
    while (Date.now() - sentAt < 6000) {
      for (const m of await consumer.receive(10, 15_000)) {
        got.push({ id: m.messageId, body: m.body.toString(), at: Date.now() - sentAt, ...(m.deliveryTimestamp ? { deliveryTimestamp: m.deliveryTimestamp } : {}) });
        await consumer.ack(m);
      }
      if (got.length > 0 && Date.now() - sentAt > 3500) break;
    }
    expect(got.map((g) => g.body)).toEqual(['kept']);
    expect(got[0]!.id).toBe(kept.messageId);
    expect(got[0]!.at).toBeGreaterThanOrEqual(1900);
    expect(got[0]!.deliveryTimestamp).toBeInstanceOf(Date);
    await expect(producer.recallMessage('later', recalled.recallHandle)).rejects.toThrow(/recalled/);
  });
});
