/** Operators act on messages the engine still holds back: recall a scheduled one, end a half message. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../broker/index.ts';
import { startConsoleTestEnv, testInstance, testUser, trpcError as errorOf, type ConsoleTestEnv } from '../console-test-env.ts';
import type { Role } from '../schemas.ts';

let env: ConsoleTestEnv;
let broker: Broker;
const I = 'held';
const HOUR_MS = 3_600_000;

function as(role: Role) {
  return env.caller(testUser(role, `${role}-ann`));
}

async function auditOf(action: string) {
  const rows = await env.db.auditEvent.findMany({ where: { action }, orderBy: { at: 'asc' } });
  return rows.map((e) => [e.actor, e.target, e.result, e.errorCode]);
}

beforeAll(async () => {
  env = await startConsoleTestEnv();
  await env.runtime.start(testInstance(I));
  broker = env.runtime.get(I)!.broker!;
  await as('operator').topic.create({ instanceId: I, name: 'later', messageType: 'DELAY', queueNums: 1 });
  await as('operator').topic.create({ instanceId: I, name: 'pay', messageType: 'TRANSACTION', queueNums: 1 });
  await as('operator').topic.create({ instanceId: I, name: 'other', messageType: 'TRANSACTION', queueNums: 1 });
});

afterAll(() => env.close());

describe('scheduled messages', () => {
  it('are listed soonest first with their recall handles, and an operator recall takes one off the list for good', async () => {
    const far = await as('operator').topic.send({ instanceId: I, name: 'later', body: 'far', deliverAt: Date.now() + 2 * HOUR_MS });
    const near = await as('operator').topic.send({ instanceId: I, name: 'later', body: 'near', deliverAt: Date.now() + HOUR_MS });
    const listed = await as('viewer').topic.scheduled({ instanceId: I, topic: 'later' });
    expect(listed.messages.map((m) => m.messageId)).toEqual([near.messageId, far.messageId]);
    expect((await as('viewer').topic.scheduled({ instanceId: I, topic: 'later', limit: 1 })).messages).toHaveLength(1);

    const handle = listed.messages[0]!.recallHandle;
    expect(await errorOf(as('viewer').topic.recall({ instanceId: I, topic: 'later', recallHandle: handle }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    expect(await as('operator').topic.recall({ instanceId: I, topic: 'later', recallHandle: handle })).toEqual({ messageId: near.messageId });
    expect((await as('viewer').topic.scheduled({ instanceId: I, topic: 'later' })).messages.map((m) => m.messageId)).toEqual([far.messageId]);

    const again = as('operator').topic.recall({ instanceId: I, topic: 'later', recallHandle: handle });
    await expect(again).rejects.toThrow(`Message ${near.messageId} was already recalled`);
    expect(await errorOf(as('operator').topic.recall({ instanceId: I, topic: 'later', recallHandle: handle }))).toEqual({ code: 'NOT_FOUND', appCode: 'MESSAGE_NOT_FOUND' });
    expect(await errorOf(as('operator').topic.recall({ instanceId: I, topic: 'later', recallHandle: 'garbage' }))).toEqual({ code: 'NOT_FOUND', appCode: 'MESSAGE_NOT_FOUND' });
    expect(await errorOf(as('viewer').topic.scheduled({ instanceId: I, topic: 'missing' }))).toEqual({ code: 'NOT_FOUND', appCode: 'TOPIC_NOT_FOUND' });

    expect(await auditOf('topic.recall')).toEqual([
      ['viewer-ann', `${I}/later`, 'error', 'FORBIDDEN'],
      ['operator-ann', `${I}/later`, 'ok', null],
      ['operator-ann', `${I}/later`, 'error', 'MESSAGE_NOT_FOUND'],
      ['operator-ann', `${I}/later`, 'error', 'MESSAGE_NOT_FOUND'],
      ['operator-ann', `${I}/later`, 'error', 'MESSAGE_NOT_FOUND'],
    ]);
  });
});

describe('half messages', () => {
  it('an operator commits one in place of its producer; ending it again is a conflict', async () => {
    const half = await broker.put({ topic: 'pay', body: 'charge', messageType: 'TRANSACTION' });
    const end = { instanceId: I, topic: 'pay', transactionId: half.transactionId!, messageId: half.messageId };
    expect(await errorOf(as('viewer').topic.endTransaction({ ...end, resolution: 'COMMIT' }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    expect(await as('operator').topic.endTransaction({ ...end, resolution: 'COMMIT' })).toEqual({ state: 'COMMITTED' });
    expect(broker.describeMessage(half.messageId)).toMatchObject({ topic: 'pay', message: { topic: 'pay' } });
    expect((await broker.traceOf(half.messageId)).at(-1)).toMatchObject({ step: 'COMMITTED', detail: 'ended by operator operator-ann' });

    expect(await errorOf(as('operator').topic.endTransaction({ ...end, resolution: 'ROLLBACK' }))).toEqual({ code: 'CONFLICT', appCode: 'TRANSACTION_ENDED' });
    await expect(as('operator').topic.endTransaction({ ...end, resolution: 'ROLLBACK' })).rejects.toThrow(`Transaction ${half.transactionId} was already committed`);
    expect(await auditOf('topic.endTransaction')).toEqual([
      ['viewer-ann', `${I}/pay`, 'error', 'FORBIDDEN'],
      ['operator-ann', `${I}/pay`, 'ok', null],
      ['operator-ann', `${I}/pay`, 'error', 'TRANSACTION_ENDED'],
      ['operator-ann', `${I}/pay`, 'error', 'TRANSACTION_ENDED'],
    ]);
  });

  it('a rollback discards the message; a transaction is only ended through its own topic, and unknown ones are not found', async () => {
    const half = await broker.put({ topic: 'pay', body: 'refund', messageType: 'TRANSACTION' });
    const end = { instanceId: I, transactionId: half.transactionId!, messageId: half.messageId, resolution: 'ROLLBACK' as const };
    expect(await errorOf(as('operator').topic.endTransaction({ ...end, topic: 'other' }))).toEqual({ code: 'BAD_REQUEST', appCode: 'MESSAGE_NOT_IN_TOPIC' });
    expect(await as('operator').topic.endTransaction({ ...end, topic: 'pay' })).toEqual({ state: 'ROLLED_BACK' });
    expect(broker.describeMessage(half.messageId)?.held).toMatchObject({ kind: 'TRANSACTION', state: 'ROLLED_BACK' });
    expect(await errorOf(as('operator').topic.endTransaction({ ...end, topic: 'pay', transactionId: 'no-such-tx', messageId: 'no-such-message' }))).toEqual({
      code: 'NOT_FOUND',
      appCode: 'TRANSACTION_NOT_FOUND',
    });
    expect(await errorOf(as('operator').topic.endTransaction({ ...end, topic: 'missing' }))).toEqual({ code: 'NOT_FOUND', appCode: 'TOPIC_NOT_FOUND' });
  });
});
