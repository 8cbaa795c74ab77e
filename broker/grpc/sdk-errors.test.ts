/** Broker refusals as the official Node.js SDK surfaces them: exception classes and RocketMQ codes. */
import { BadRequestException, ClientException, FilterExpression, NotFoundException, SimpleConsumer, UnsupportedException } from 'rocketmq-client-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, quietLogger } from './sdk-test-helpers.ts';

const KiB = 1024;
const MAX_BODY = 64 * KiB;

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start({ broker: { maxMessageSize: MAX_BODY } });
});

afterEach(async () => {
  await fx.close();
});

/** `err.cause`, if err is an object with one. */
function causeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'cause' in err ? err.cause : undefined;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, the promise resolved');
}

describe('SDK errors', () => {
  it('a producer declaring an unknown topic fails startup with TOPIC_NOT_FOUND (40402) underneath', async () => {
    // Startup tries the route 3 times (1 s, then 2 s apart) and wraps the last error twice.
    const err = await rejection(fx.producer({ topics: ['missing'] }));
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/Startup the rocketmq client failed/);
    const inner = causeOf(causeOf(err));
    expect(inner).toBeInstanceOf(NotFoundException);
    expect(inner).toMatchObject({ code: 40402 });
  });

  it('sending to an unknown topic rejects with NotFoundException 40402 and stores nothing', async () => {
    fx.broker.createTopic({ name: 'known' });
    const producer = await fx.producer();
    const err = await rejection(producer.send({ topic: 'missing', body: Buffer.from('x') }));
    expect(err).toBeInstanceOf(NotFoundException);
    expect(err).toBeInstanceOf(ClientException);
    expect(err).toMatchObject({ code: 40402 });
    expect(fx.broker.hasTopic('missing')).toBe(false);
    // The producer still works for existing topics.
    const r = await producer.send({ topic: 'known', body: Buffer.from('ok') });
    expect(fx.broker.getMessageById(r.messageId).body.toString()).toBe('ok');
  });

  it('a SimpleConsumer of an unknown group starts, but receive rejects with CONSUMER_GROUP_NOT_FOUND (40403)', async () => {
    fx.broker.createTopic({ name: 'jobs' });
    const consumer = await fx.simpleConsumer('ghosts', 'jobs', { awaitDuration: 1000 });
    const err = await rejection(consumer.receive(10, 15_000));
    expect(err).toBeInstanceOf(NotFoundException);
    expect(err).toMatchObject({ code: 40403 });
    expect(fx.broker.hasGroup('ghosts')).toBe(false);
  });

  it('a body over the broker limit is refused by the SDK (the broker advertises max_body_size) and not stored', async () => {
    fx.broker.createTopic({ name: 'blobs' });
    const producer = await fx.producer({ topics: ['blobs'] });

    const err = await rejection(producer.send({ topic: 'blobs', body: Buffer.alloc(MAX_BODY + 1, 1) }));
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(new RegExp(`max size=${MAX_BODY}`));
    expect(fx.broker.topicStats('blobs').messageCount).toBe(0);

    // Exactly at the limit is fine.
    const r = await producer.send({ topic: 'blobs', body: Buffer.alloc(MAX_BODY, 2) });
    expect(fx.broker.getMessageById(r.messageId).body.length).toBe(MAX_BODY);
    expect(fx.broker.topicStats('blobs').messageCount).toBe(1);
  });

  it('a FIFO message to a NORMAL topic is refused client-side (the route lists the accepted types)', async () => {
    fx.broker.createTopic({ name: 'plain', messageType: 'NORMAL' });
    const producer = await fx.producer({ topics: ['plain'] });
    const err = await rejection(producer.send({ topic: 'plain', body: Buffer.from('x'), messageGroup: 'g1' }));
    expect(err).toBeInstanceOf(TypeError);
    expect(fx.broker.topicStats('plain').messageCount).toBe(0);
  });

  it('messages the broker refuses reject with the protocol code and are not stored', async () => {
    fx.broker.createTopic({ name: 'strict' });
    // A failed send isolates the endpoint in the SDK; a fresh producer per case keeps the cases independent.
    const cases: { send: { tag?: string; properties?: Map<string, string>; body: Buffer }; type: typeof ClientException; code: number }[] = [
      { send: { body: Buffer.alloc(0) }, type: UnsupportedException, code: 41302 }, // MESSAGE_BODY_EMPTY
      { send: { tag: 'a|b', body: Buffer.from('x') }, type: BadRequestException, code: 40004 }, // ILLEGAL_MESSAGE_TAG
      { send: { properties: new Map([['__engine', '1']]), body: Buffer.from('x') }, type: BadRequestException, code: 40007 },
    ];
    for (const c of cases) {
      const producer = await fx.producer({ topics: ['strict'] });
      const err = await rejection(producer.send({ topic: 'strict', ...c.send }));
      expect(err).toBeInstanceOf(c.type);
      expect(err).toMatchObject({ code: c.code });
      await fx.shutdown(producer);
    }
    expect(fx.broker.topicStats('strict').messageCount).toBe(0);
  });

  it('an invisible time outside 1 s to 12 h rejects with ILLEGAL_INVISIBLE_TIME (40011)', async () => {
    fx.broker.createTopic({ name: 'jobs' });
    fx.broker.createGroup({ name: 'workers' });
    const consumer = await fx.simpleConsumer('workers', 'jobs', { awaitDuration: 1000 });
    for (const ms of [500, 13 * 3600 * 1000]) {
      const err = await rejection(consumer.receive(1, ms));
      expect(err).toBeInstanceOf(BadRequestException);
      expect(err).toMatchObject({ code: 40011 });
    }
  });

  it('a SQL92 subscription receives only matching messages; a malformed one is refused when it subscribes', async () => {
    fx.broker.createTopic({ name: 'jobs' });
    fx.broker.createGroup({ name: 'workers' });
    const consumer = await fx.simpleConsumer('workers', 'jobs', {
      awaitDuration: 1000,
      subscriptions: new Map([['jobs', new FilterExpression("priority > 5 AND region IN ('eu', 'us')", 2)]]),
    });
    const producer = await fx.producer({ topics: ['jobs'] });
    const sends: [string, string][] = [['9', 'eu'], ['1', 'eu'], ['7', 'ap'], ['8', 'us']];
    for (const [priority, region] of sends) {
      await producer.send({ topic: 'jobs', body: Buffer.from(`${priority}-${region}`), properties: new Map([['priority', priority], ['region', region]]) });
    }
    const got: string[] = [];
    for (let i = 0; i < 4 && got.length < 2; i++) for (const m of await consumer.receive(10, 15_000)) got.push(m.body.toString());
    expect(got.sort()).toEqual(['8-us', '9-eu']);

    const bad = new SimpleConsumer({
      endpoints: fx.endpoints,
      namespace: '',
      logger: quietLogger,
      consumerGroup: 'workers',
      subscriptions: new Map([['jobs', new FilterExpression('priority >', 2)]]),
      awaitDuration: 1000,
    });
    const err = (await rejection(bad.startup())) as Error & { cause?: { code?: number; message?: string } };
    expect(err.cause).toBeInstanceOf(BadRequestException);
    expect(err.cause).toMatchObject({ code: 40010 });
    expect(err.cause?.message).toContain('position');
    await bad.shutdown().catch(() => undefined);
  });

  it('a consumer receiving after the broker went away gets a transport error, not a hang', async () => {
    fx.broker.createTopic({ name: 'jobs' });
    fx.broker.createGroup({ name: 'workers' });
    const consumer = await fx.simpleConsumer('workers', 'jobs', { awaitDuration: 1000 });
    await fx.endpoint.close(500);
    const t0 = Date.now();
    const err = await rejection(consumer.receive(10, 15_000));
    expect(err).toBeInstanceOf(Error);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});
