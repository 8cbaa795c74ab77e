/** A message looked up by id shows the user's topic, never the internal one the engine holds it under. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../broker/index.ts';
import { startConsoleTestEnv, testInstance, testUser, type ConsoleTestEnv } from '../console-test-env.ts';
import type { Role } from '../schemas.ts';

let env: ConsoleTestEnv;
let broker: Broker;
const I = 'msg';
const INTERNAL_TOPIC = /rmq_sys_|RMQ_SYS_/;

function as(role: Role) {
  return env.caller(testUser(role));
}

beforeAll(async () => {
  env = await startConsoleTestEnv();
  await env.runtime.start(testInstance(I));
  broker = env.runtime.get(I)!.broker!;
  await as('operator').namespace.create({ instanceId: I, name: 'shop' });
  await as('operator').topic.create({ instanceId: I, namespace: 'shop', name: 'later', messageType: 'DELAY', queueNums: 1 });
  await as('operator').topic.create({ instanceId: I, namespace: 'shop', name: 'pay', messageType: 'TRANSACTION', queueNums: 1 });
});

afterAll(() => env.close());

describe('message.get', () => {
  it('a scheduled message shows its own topic and namespace, when it is due and the handle to recall it', async () => {
    const dueAt = Date.now() + 3_600_000;
    const sent = await as('operator').topic.send({ instanceId: I, name: 'shop%later', body: 'soon', deliverAt: dueAt });
    const found = await as('viewer').message.get({ instanceId: I, messageId: sent.messageId });
    expect(found.message).toMatchObject({ topic: 'later', namespace: 'shop', topicRef: 'shop%later', body: 'soon', deliverAt: dueAt, queueId: null, queueOffset: null });
    expect(found.message?.held).toEqual({ kind: 'SCHEDULED', state: 'PENDING', dueAt, recallHandle: expect.any(String) });
    expect(JSON.stringify(found)).not.toMatch(INTERNAL_TOPIC);

    await as('operator').topic.recall({ instanceId: I, topic: 'shop%later', recallHandle: (found.message?.held as { recallHandle: string }).recallHandle });
    expect((await as('viewer').message.get({ instanceId: I, messageId: sent.messageId })).message?.held).toMatchObject({ state: 'RECALLED' });
  });

  it('a half message shows its own topic and its open transaction', async () => {
    const half = await broker.put({ topic: 'shop%pay', body: 'charge', messageType: 'TRANSACTION' });
    const found = await as('viewer').message.get({ instanceId: I, messageId: half.messageId });
    expect(found.message).toMatchObject({ topic: 'pay', namespace: 'shop', held: { kind: 'TRANSACTION', transactionId: half.transactionId, state: 'PREPARED', checks: 0 } });
    expect(found.trace.map((e) => e.step)).toContain('HALF');
    expect(JSON.stringify(found)).not.toMatch(INTERNAL_TOPIC);
  });

  it('a plain message shows its place in its topic and nothing holding it', async () => {
    await as('operator').topic.create({ instanceId: I, name: 'plain', queueNums: 1 });
    const sent = await as('operator').topic.send({ instanceId: I, name: 'plain', body: 'hi' });
    expect((await as('viewer').message.get({ instanceId: I, messageId: sent.messageId })).message).toMatchObject({ topic: 'plain', namespace: '', queueId: 0, queueOffset: 0, held: null });
  });

  it('an unknown id finds nothing', async () => {
    expect(await as('viewer').message.get({ instanceId: I, messageId: 'no-such-id' })).toEqual({ message: undefined, trace: [] });
  });
});
