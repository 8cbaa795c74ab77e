/** A message found by id is shown with the user's topic, and where the timer or a transaction holds it. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker } from './index.ts';
import { closeTestBrokers, openTestBroker, waitUntil } from './test-support.ts';

const open = (): Promise<Broker> => openTestBroker({ txnFirstCheckMs: 3_600_000 });

afterEach(closeTestBrokers);

describe('describeMessage', () => {
  it('a scheduled message shows its own topic and its due time, then its recall (only through its own topic); never the timer topic', async () => {
    const b = await open();
    b.createTopic({ name: 'later', messageType: 'DELAY', queueNums: 1 });
    const dueAt = Date.now() + 3_600_000;
    const sent = await b.put({ topic: 'later', body: 'x', deliverAt: dueAt });
    const found = b.describeMessage(sent.messageId)!;
    expect(found.topic).toBe('later');
    expect(found.held).toMatchObject({ kind: 'SCHEDULED', state: 'PENDING', dueAt, recallHandle: sent.recallHandle });
    expect(b.waitingScheduled('later').map((w) => w.messageId)).toEqual([sent.messageId]);
    b.createTopic({ name: 'other', messageType: 'DELAY', queueNums: 1 });
    expect(() => b.recall(sent.recallHandle!, 'other')).toThrow(/does not belong to topic "other"/);
    expect(() => b.recall(sent.recallHandle!, 'missing')).toThrow(expect.objectContaining({ code: 'TOPIC_NOT_FOUND' }));
    b.recall(sent.recallHandle!, 'later');
    expect(b.describeMessage(sent.messageId)!.held).toMatchObject({ kind: 'SCHEDULED', state: 'RECALLED' });
    expect(b.waitingScheduled('later')).toEqual([]);
  });

  it('a fired message is found in its topic with nothing holding it', async () => {
    const b = await open();
    b.createTopic({ name: 'soon', messageType: 'DELAY', queueNums: 1 });
    const sent = await b.put({ topic: 'soon', body: 'x', deliverAt: Date.now() + 300 });
    const found = await waitUntil(() => (b.describeMessage(sent.messageId)?.held ? undefined : b.describeMessage(sent.messageId)), { what: 'the message to fire' });
    expect(found.topic).toBe('soon');
    expect(found.message.topic).toBe('soon');
  });

  it('a half message shows its own topic and its transaction; an operator end is traced as such', async () => {
    const b = await open();
    b.createTopic({ name: 'pay', messageType: 'TRANSACTION', queueNums: 1 });
    const half = await b.put({ topic: 'pay', body: 'x', messageType: 'TRANSACTION' });
    expect(b.describeMessage(half.messageId)).toMatchObject({ topic: 'pay', held: { kind: 'TRANSACTION', transactionId: half.transactionId, state: 'PREPARED' } });
    await b.endTransaction(half.transactionId!, half.messageId, 'ROLLBACK', 'operator alice');
    expect(b.describeMessage(half.messageId)!.held).toMatchObject({ kind: 'TRANSACTION', state: 'ROLLED_BACK' });
    expect((await b.traceOf(half.messageId)).at(-1)).toMatchObject({ step: 'ROLLED_BACK', detail: 'ended by operator alice' });
  });

  it('an unknown id is undefined, and a plain message is shown as stored', async () => {
    const b = await open();
    b.createTopic({ name: 't', queueNums: 1 });
    const sent = await b.put({ topic: 't', body: 'x' });
    expect(b.describeMessage('nope')).toBeUndefined();
    expect(b.describeMessage(sent.messageId)).toMatchObject({ topic: 't' });
    expect(b.describeMessage(sent.messageId)!.held).toBeUndefined();
  });
});
