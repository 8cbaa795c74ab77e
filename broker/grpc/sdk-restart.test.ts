/** A broker restart in the middle of consumption, seen through the official Node.js SDK. */
import type { MessageView } from 'rocketmq-client-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, Fixture, receiveAtLeast, sendMany } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start();
});

afterEach(async () => {
  await fx.close();
});

describe('SDK across a broker restart', () => {
  it('a new consumer of the same group gets exactly the un-acked rest; in-flight ones return after their invisible time', async () => {
    const N = 20;
    fx.broker.createTopic({ name: 'ledger', queueNums: 4 });
    fx.broker.createGroup({ name: 'auditor' });
    const producer = await fx.producer({ topics: ['ledger'] });
    const ids = await sendMany(producer, 'ledger', N, 'entry');
    const oldPort = fx.endpoint.port;

    // Receive 12 (invisible 3 s), ack 10 of them; 2 stay in flight, 8 were never delivered.
    const consumer = await fx.simpleConsumer('auditor', 'ledger', { awaitDuration: 1000 });
    const received = await receiveAtLeast(consumer, 12, { batch: 12, invisibleMs: 3000 });
    expect(received).toHaveLength(12);
    const acked = received.slice(0, 10);
    const inflight = received.slice(10);
    for (const m of acked) await consumer.ack(m);
    const inflightSince = Date.now();

    await fx.restart(); // shuts the clients down, closes endpoint + engine, reopens the same dir on a new port
    expect(fx.endpoint.port).not.toBe(oldPort);

    const again = await fx.simpleConsumer('auditor', 'ledger', { awaitDuration: 2000 });
    const rest: MessageView[] = [];
    const receivedAt = new Map<string, number>();
    const deadline = Date.now() + 15_000;
    while (rest.length < N - acked.length && Date.now() < deadline) {
      for (const m of await again.receive(32, 15_000)) {
        rest.push(m);
        receivedAt.set(m.messageId, Date.now());
        await again.ack(m);
      }
    }

    const ackedIds = new Set(acked.map((m) => m.messageId));
    const inflightIds = new Set(inflight.map((m) => m.messageId));
    const restIds = rest.map((m) => m.messageId);
    expect(restIds.filter((id) => ackedIds.has(id))).toEqual([]);
    expect(new Set(restIds).size).toBe(restIds.length);
    expect([...restIds].sort()).toEqual(ids.filter((id) => !ackedIds.has(id)).sort());

    // Never-delivered ones come as attempt 1; the in-flight ones as attempt 2, only once their 3 s ran out.
    for (const m of rest) expect(m.deliveryAttempt).toBe(inflightIds.has(m.messageId) ? 2 : 1);
    for (const id of inflightIds) expect(receivedAt.get(id)! - inflightSince).toBeGreaterThanOrEqual(2500);

    expect(await again.receive(32, 15_000)).toEqual([]);
    expect(fx.broker.groupStats('auditor', ['ledger']).lag).toBe(0);
  });

  it('topics, groups, stored messages and producer sends survive the restart', async () => {
    fx.broker.createTopic({ name: 'ledger', queueNums: 2 });
    fx.broker.createGroup({ name: 'auditor' });
    const p1 = await fx.producer({ topics: ['ledger'] });
    const before = await sendMany(p1, 'ledger', 3, 'before');

    await fx.restart();

    expect(fx.broker.getTopic('ledger').readQueueNums).toBe(2);
    expect(fx.broker.getGroup('auditor').name).toBe('auditor');
    for (const id of before) expect(fx.broker.getMessageById(id).topic).toBe('ledger');

    const p2 = await fx.producer({ topics: ['ledger'] });
    const after = await sendMany(p2, 'ledger', 2, 'after');
    const consumer = await fx.simpleConsumer('auditor', 'ledger', { awaitDuration: 1000 });
    const got = await receiveAtLeast(consumer, 5);
    expect(got.map((m) => m.messageId).sort()).toEqual([...before, ...after].sort());
    expect(bodies(got).sort()).toEqual(['after-0', 'after-1', 'before-0', 'before-1', 'before-2']);
  });
});
