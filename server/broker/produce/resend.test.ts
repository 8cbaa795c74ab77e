/** An operator's resend: a new message with the original's content, linked both ways in the traces. */
import { afterEach, describe, expect, it } from 'vitest';
import { consumerPropertiesOf, SystemProperty, type Broker } from '../index.ts';
import { closeTestBrokers, openTestBroker } from '../test-support.ts';

const open = (): Promise<Broker> => openTestBroker({ txnFirstCheckMs: 3_600_000 });

afterEach(closeTestBrokers);

describe('resend', () => {
  it('copies body, keys, tag, user properties and message group to a new id, naming the original both ways', async () => {
    const b = await open();
    b.createTopic({ name: 'orders', messageType: 'FIFO', queueNums: 4 });
    const original = await b.put({ topic: 'orders', body: '{"id":7}', tag: 'paid', keys: ['o-7'], properties: { region: 'eu' }, messageGroup: 'cust-1' });
    const copy = await b.resend(original.messageId, { by: 'operator alice' });
    expect(copy.messageId).not.toBe(original.messageId);
    const m = b.getMessageById(copy.messageId);
    expect({ body: m.body.toString(), tag: m.tag, keys: m.keys, region: m.properties.region, queueId: m.queueId }).toEqual({
      body: '{"id":7}',
      tag: 'paid',
      keys: ['o-7'],
      region: 'eu',
      queueId: original.queueId, // same message group, same queue
    });
    expect(m.properties[SystemProperty.RESENT_FROM]).toBe(original.messageId);
    expect(consumerPropertiesOf(m.properties)).toEqual({ region: 'eu', RESENT_FROM: original.messageId });
    expect((await b.traceOf(original.messageId)).map((e) => [e.step, e.relatedMessageId])).toEqual([
      ['PRODUCED', undefined],
      ['STORED', undefined],
      ['RESENT', copy.messageId],
    ]);
    expect((await b.traceOf(copy.messageId)).map((e) => [e.step, e.relatedMessageId])).toEqual([
      ['PRODUCED', undefined],
      ['STORED', undefined],
      ['RESENT', original.messageId],
    ]);
  });

  it('keeps the producer’s trace context, and never copies RESENT_FROM as a user property', async () => {
    const b = await open();
    b.createTopic({ name: 't' });
    const traceContext = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const original = await b.put({ topic: 't', body: 'x', traceContext });
    const copy = await b.resend(original.messageId, { by: 'alice' });
    expect(b.getMessageById(copy.messageId).properties[SystemProperty.TRACE_CONTEXT]).toBe(traceContext);
    const again = b.getMessageById((await b.resend(copy.messageId, { by: 'alice' })).messageId);
    expect(again.properties[SystemProperty.RESENT_FROM]).toBe(copy.messageId);
    expect(again.properties.RESENT_FROM).toBeUndefined();
  });

  it('sends a dead letter back to its original topic, and refuses a topic of another type', async () => {
    const b = await open();
    b.createTopic({ name: 't', queueNums: 1 });
    b.createTopic({ name: 'f', messageType: 'FIFO', queueNums: 1 });
    b.createGroup({ name: 'g', maxDeliveryAttempts: 1 });
    const sent = await b.put({ topic: 't', body: 'doomed' });
    const [r] = await b.receive({ group: 'g', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 0 });
    await b.forwardToDeadLetter('g', 't', r!.receiptHandle, 'test');
    expect(b.getMessageById(sent.messageId).topic).toBe('%DLQ%g');
    const again = await b.resend(sent.messageId, { by: 'operator bob' });
    expect(b.getMessageById(again.messageId).topic).toBe('t');
    await expect(b.resend(sent.messageId, { to: 'f', by: 'x' })).rejects.toMatchObject({ code: 'MESSAGE_TYPE_MISMATCH' });
    await expect(b.resend('unknown', { by: 'x' })).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });

  it('delivers a resent TRANSACTION message at once, committed by the operator', async () => {
    const b = await open();
    b.createTopic({ name: 'pay', messageType: 'TRANSACTION', queueNums: 1 });
    b.createGroup({ name: 'g' });
    const half = await b.put({ topic: 'pay', body: 'x', messageType: 'TRANSACTION' });
    await b.endTransaction(half.transactionId!, half.messageId, 'COMMIT');
    await b.resend(half.messageId, { by: 'operator carol' });
    const got = await b.receive({ group: 'g', topic: 'pay', maxMessages: 10, invisibleMs: 10_000, waitMs: 0 });
    expect(got.map((x) => x.message.body.toString())).toEqual(['x', 'x']);
  });
});
