/** The queue model's long poll: woken by the store's dispatch, filtered like receive. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { subscriptionFilter, type Broker } from '../index.ts';
import { closeTestBrokers, openTestBroker } from '../test-support.ts';

async function open(): Promise<Broker> {
  const b = await openTestBroker();
  b.createTopic({ name: 't', queueNums: 1 });
  return b;
}

afterEach(async () => {
  vi.useRealTimers();
  await closeTestBrokers();
});

describe('Broker.pull', () => {
  it('a waiting pull is answered by the dispatch of a new message, not by a timer', async () => {
    const b = await open();
    // With timers frozen, a pull that polled on a timer would never look again; only the dispatch can wake it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    const pending = b.pull({ topic: 't', queueId: 0, offset: 0, maxMessages: 8, waitMs: 60_000 });
    await b.put({ topic: 't', body: 'hello' });
    const res = await pending;
    expect(res.status).toBe('FOUND');
    expect(res.messages.map((m) => m.body.toString())).toEqual(['hello']);
  });

  it('skips what a SQL92 filter rejects and waits on for a match', async () => {
    const b = await open();
    await b.put({ topic: 't', body: 'small', properties: { amount: '5' } });
    const filter = subscriptionFilter('SQL', 'amount > 100');
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    const pending = b.pull({ topic: 't', queueId: 0, offset: 0, maxMessages: 8, filter, waitMs: 60_000 });
    await b.put({ topic: 't', body: 'big', properties: { amount: '500' } });
    const res = await pending;
    expect(res.messages.map((m) => m.body.toString())).toEqual(['big']);
    expect(res.nextOffset).toBe(2);
  });

  it('refuses a queue the topic does not have', async () => {
    const b = await open();
    expect(() => b.pull({ topic: 't', queueId: 3, offset: 0, maxMessages: 1, waitMs: 0 })).toThrow(expect.objectContaining({ code: 'QUEUE_NOT_FOUND' }));
  });
});
