/**
 * Rate limits through the real gRPC port: over the limit a request gets TOO_MANY_REQUESTS (42900) at once, the
 * client can carry on, and per-topic / per-group limits touch only their own resource.
 */
import { TooManyRequestsException, type Producer } from 'rocketmq-client-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, RawClient, rawMetadata, receiveAtLeast, waitUntil, wireMessage, type RawStatus } from './sdk-test-helpers.ts';

let fx: Fixture;
let raw: RawClient | undefined;

beforeEach(async () => {
  fx = await Fixture.start();
  fx.broker.createTopic({ name: 'orders' });
  fx.broker.createTopic({ name: 'payments' });
  fx.broker.createGroup({ name: 'billing' });
});

afterEach(async () => {
  raw?.close();
  raw = undefined;
  await fx.close();
});

type SendReply = { status: RawStatus; entries: { status: RawStatus }[] };

/** `n` one-message SendMessage calls at once; their entry statuses. */
async function rawBurst(topic: string, n: number): Promise<RawStatus[]> {
  raw ??= new RawClient(fx.endpoints);
  const client = raw;
  const replies = await Promise.all(Array.from({ length: n }, () => client.unary<SendReply>('SendMessage', { messages: [wireMessage(topic)] }, rawMetadata())));
  return replies.map((r) => r.entries[0]!.status);
}

const codes = (statuses: RawStatus[]) => statuses.map((s) => s.code);

/** Sends until the broker takes it, retrying only what the limit refused; how many refusals were seen. */
async function sendThroughLimit(producer: Producer, topic: string, body: string): Promise<number> {
  let refused = 0;
  await waitUntil(async () => {
    try {
      await producer.send({ topic, body: Buffer.from(body) });
      return true;
    } catch (e) {
      if (!(e instanceof TooManyRequestsException)) throw e;
      refused++;
      return false;
    }
  }, { what: `the limit to admit a send to ${topic}`, timeoutMs: 15_000 });
  return refused;
}

describe('send limits', () => {
  it('a burst over the instance limit gets TOO_MANY_REQUESTS at once for the excess; only admitted messages are stored', async () => {
    fx.broker.access.setLimits({ send: { perSecond: 5, burst: 5 }, receive: null, topics: {}, groups: {} });
    const statuses = await rawBurst('orders', 20);
    const refused = statuses.filter((s) => s.code === 'TOO_MANY_REQUESTS');
    expect(refused.length).toBeGreaterThan(0);
    expect(codes(statuses).filter((c) => c === 'OK').length).toBeGreaterThanOrEqual(5);
    expect(refused[0]?.message).toBe("The instance's send limit of 5 messages/s is reached; retry later");
    expect(fx.broker.topicStats('orders').messageCount).toBe(statuses.length - refused.length);
    expect(fx.broker.access.limiter.usage()).toEqual([expect.objectContaining({ scope: 'send', perSecond: 5, burst: 5, refused: refused.length, admitted: 20 - refused.length })]);
  });

  it('the SDK surfaces the refusal as TooManyRequestsException 42900', async () => {
    fx.broker.access.setLimits({ send: { perSecond: 1, burst: 1 }, receive: null, topics: {}, groups: {} });
    const producer = await fx.producer({ maxAttempts: 1, requestTimeout: 3000 });
    await producer.send({ topic: 'orders', body: Buffer.from('first') });
    const err = await producer.send({ topic: 'orders', body: Buffer.from('second') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TooManyRequestsException);
    expect(err).toMatchObject({ code: 42900, message: expect.stringMatching(/send limit of 1 messages\/s is reached/) });
  });

  it('a producer with the default retry keeps working through the limit: every message arrives as the bucket refills', async () => {
    fx.broker.access.setLimits({ send: { perSecond: 5, burst: 5 }, receive: null, topics: {}, groups: {} });
    const producer = await fx.producer({ topics: ['orders'], requestTimeout: 3000 });
    let refused = 0;
    for (let i = 0; i < 20; i++) refused += await sendThroughLimit(producer, 'orders', `m-${i}`);
    expect(fx.broker.topicStats('orders').messageCount).toBe(20);
    // Every send the SDK gave up on was refused on each of its 3 attempts (its default retry, which the
    // Node SDK runs without a pause), so the broker counted at least three refusals per give-up.
    const usage = fx.broker.access.limiter.usage()[0];
    expect(usage?.refused).toBeGreaterThan(0);
    expect(usage?.refused).toBeGreaterThanOrEqual(refused * 3);
    expect(usage?.admitted).toBe(20);
  });

  it('a per-topic limit applies to that topic only', async () => {
    fx.broker.access.setLimits({ send: null, receive: null, topics: { orders: { perSecond: 1, burst: 1 } }, groups: {} });
    const orders = await rawBurst('orders', 10);
    expect(codes(orders)).toContain('TOO_MANY_REQUESTS');
    expect(orders.find((s) => s.code === 'TOO_MANY_REQUESTS')?.message).toBe('The send limit of topic orders of 1 messages/s is reached; retry later');
    expect(codes(await rawBurst('payments', 10))).toEqual(Array(10).fill('OK'));
    expect(fx.broker.topicStats('payments').messageCount).toBe(10);
  });
});

describe('receive limits', () => {
  it('refuses receives with 42900 while the bucket is empty, then lets the consumer carry on', async () => {
    fx.broker.access.setLimits({ send: null, receive: { perSecond: 1, burst: 1 }, topics: {}, groups: {} });
    const producer = await fx.producer({ topics: ['orders'] });
    for (let i = 0; i < 6; i++) await producer.send({ topic: 'orders', body: Buffer.from(`m-${i}`) });
    const consumer = await fx.simpleConsumer('billing', 'orders', { awaitDuration: 1000 });

    // The first receive is admitted with one token and charged for every message it returns.
    const first = await consumer.receive(4, 30_000);
    expect(first.length).toBeGreaterThan(1);
    const err = await consumer.receive(4, 30_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TooManyRequestsException);
    expect(err).toMatchObject({ code: 42900, message: expect.stringMatching(/The instance's receive limit of 1 messages\/s is reached/) });

    const rest: string[] = [];
    await waitUntil(async () => {
      try {
        rest.push(...(await receiveAtLeast(consumer, 6 - first.length - rest.length, { timeoutMs: 1000 })).map((m) => m.body.toString()));
      } catch (e) {
        if (!(e instanceof TooManyRequestsException)) throw e;
      }
      return first.length + rest.length >= 6;
    }, { what: 'the receive limit to let the rest through', timeoutMs: 20_000 });
    expect([...first.map((m) => m.body.toString()), ...rest].sort()).toEqual(['m-0', 'm-1', 'm-2', 'm-3', 'm-4', 'm-5']);
  });

  it('a per-group limit names the group and leaves other groups alone', async () => {
    fx.broker.createGroup({ name: 'audit' });
    fx.broker.access.setLimits({ send: null, receive: null, topics: {}, groups: { billing: { perSecond: 1, burst: 1 } } });
    const producer = await fx.producer({ topics: ['orders'] });
    for (let i = 0; i < 4; i++) await producer.send({ topic: 'orders', body: Buffer.from(`m-${i}`) });
    const billing = await fx.simpleConsumer('billing', 'orders', { awaitDuration: 1000 });
    const audit = await fx.simpleConsumer('audit', 'orders', { awaitDuration: 1000 });

    expect((await billing.receive(4, 30_000)).length).toBeGreaterThan(1);
    await expect(billing.receive(4, 30_000)).rejects.toMatchObject({ code: 42900, message: expect.stringMatching(/receive limit of group billing/) });
    expect(await receiveAtLeast(audit, 4)).toHaveLength(4);
  });
});
