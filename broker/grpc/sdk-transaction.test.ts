/** Transactional messages through the official SDK: commit, rollback, and the broker's check-back. */
import { afterEach, describe, expect, it } from 'vitest';
import pb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';
import type { MessageView } from 'rocketmq-client-nodejs';
import { Fixture, receiveAtLeast, waitUntil } from './sdk-test-helpers.ts';

let fx: Fixture;

afterEach(async () => {
  await fx.close();
});

describe('SDK transactions', () => {
  it('a committed half message is delivered, a rolled-back one never; ending twice is idempotent', async () => {
    fx = await Fixture.start({ longPollingMs: 1000 });
    fx.broker.createTopic({ name: 'payments', messageType: 'TRANSACTION' });
    fx.broker.createGroup({ name: 'ledger' });
    const producer = await fx.producer({ topics: ['payments'], checker: { check: async () => pb.TransactionResolution.ROLLBACK } });
    const consumer = await fx.simpleConsumer('ledger', 'payments', { awaitDuration: 1000 });

    const t1 = producer.beginTransaction();
    const committed = await producer.send({ topic: 'payments', body: Buffer.from('commit me') }, t1);
    expect(committed.transactionId).toBeTruthy();
    expect(await consumer.receive(10, 15_000)).toEqual([]); // half messages are invisible
    await t1.commit();

    const t2 = producer.beginTransaction();
    await producer.send({ topic: 'payments', body: Buffer.from('roll me back') }, t2);
    await t2.rollback();

    const got = await receiveAtLeast(consumer, 1);
    expect(got.map((m) => m.body.toString())).toEqual(['commit me']);
    expect(got[0]!.messageId).toBe(committed.messageId);
    expect(await fx.broker.endTransaction(committed.transactionId, committed.messageId, 'COMMIT')).toBe('COMMITTED');
    await expect(fx.broker.endTransaction(committed.transactionId, committed.messageId, 'ROLLBACK')).rejects.toMatchObject({ code: 'TRANSACTION_ENDED' });
    await expect(fx.broker.endTransaction('unknown', '', 'COMMIT')).rejects.toMatchObject({ code: 'TRANSACTION_NOT_FOUND' });
    expect(await consumer.receive(10, 15_000)).toEqual([]);
  });

  it('an unresolved transaction is checked back with the producer, whose checker commits it', async () => {
    fx = await Fixture.start({ longPollingMs: 1000, broker: { txnFirstCheckMs: 500, txnCheckIntervalMs: 1000, txnMaxChecks: 3 } });
    fx.broker.createTopic({ name: 'orders', messageType: 'TRANSACTION' });
    fx.broker.createGroup({ name: 'shipping' });
    const checked: MessageView[] = [];
    const producer = await fx.producer({
      topics: ['orders'],
      checker: {
        async check(mv: MessageView) {
          checked.push(mv);
          return pb.TransactionResolution.COMMIT;
        },
      },
    });
    const consumer = await fx.simpleConsumer('shipping', 'orders', { awaitDuration: 1000 });
    const tx = producer.beginTransaction();
    const sent = await producer.send({ topic: 'orders', body: Buffer.from('orphan') }, tx);
    // The producer "crashes" before ending the transaction: the broker asks it.
    const got = await receiveAtLeast(consumer, 1, { timeoutMs: 15_000 });
    expect(got.map((m) => m.messageId)).toEqual([sent.messageId]);
    expect(checked[0]?.messageId).toBe(sent.messageId);
    expect(checked[0]?.topic).toBe('orders');
  });

  it('with no answer, the transaction is rolled back after the last check and the reason recorded', async () => {
    fx = await Fixture.start({ longPollingMs: 1000, broker: { txnFirstCheckMs: 200, txnCheckIntervalMs: 300, txnMaxChecks: 2 } });
    fx.broker.createTopic({ name: 'orders', messageType: 'TRANSACTION' });
    const producer = await fx.producer({ topics: ['orders'], checker: { check: async () => pb.TransactionResolution.TRANSACTION_RESOLUTION_UNSPECIFIED } });
    const tx = producer.beginTransaction();
    const sent = await producer.send({ topic: 'orders', body: Buffer.from('never') }, tx);
    await waitUntil(() => fx.broker.pendingTransactions('orders').length === 0, { what: 'the unanswered transaction to be rolled back' });
    expect(fx.broker.pendingTransactions('orders')).toEqual([]);
    await expect(fx.broker.endTransaction(sent.transactionId, sent.messageId, 'COMMIT')).rejects.toThrow(/no answer after 2 check-backs/);
  });
});
