/**
 * ACL 2.0 through the real gRPC port as the official Node.js SDK meets it: sessionCredentials signing, users,
 * policies, the IP allow-list, and what a refused client sees (UnauthorizedException 40100 with the reason).
 */
import { UnauthorizedException, type Producer } from 'rocketmq-client-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyEntry, UserInput } from '../../server/broker/index.ts';
import { Fixture, receiveAtLeast } from './sdk-test-helpers.ts';

const SECRET = 's3cret-Passw0rd';
/** Short, so a refused call that the SDK retries still fails fast. */
const REQUEST_TIMEOUT = 3000;

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start();
  for (const name of ['orders', 'payments', 'ord-eu', 'secret']) fx.broker.createTopic({ name });
  fx.broker.createGroup({ name: 'billing' });
  fx.broker.access.updateSettings({ authentication: true, authorization: true });
});

afterEach(async () => {
  await fx.close();
});

const allow = (resource: string, ...actions: PolicyEntry['actions']): PolicyEntry => ({ resource, actions, sourceIps: [], decision: 'ALLOW' });
const deny = (resource: string, ...actions: PolicyEntry['actions']): PolicyEntry => ({ resource, actions, sourceIps: [], decision: 'DENY' });

/** A user with one CUSTOM policy of these entries (none: no policy at all). */
function user(username: string, entries: PolicyEntry[], patch: Partial<UserInput> = {}): void {
  fx.broker.access.createUser({ username, password: SECRET, userType: 'NORMAL', userStatus: 'ENABLE', ...patch });
  if (entries.length) fx.broker.access.setPolicy(username, { policyType: 'CUSTOM', entries });
}

function credentials(accessKey: string, accessSecret = SECRET) {
  return { sessionCredentials: { accessKey, accessSecret }, requestTimeout: REQUEST_TIMEOUT };
}

/** A producer that declares no topic: it starts without a call, so the first send is what gets refused. */
function producerAs(accessKey: string | undefined, accessSecret = SECRET): Promise<Producer> {
  return fx.producer(accessKey === undefined ? { requestTimeout: REQUEST_TIMEOUT, maxAttempts: 1 } : { ...credentials(accessKey, accessSecret), maxAttempts: 1 });
}

/** The UnauthorizedException a rejection carries, itself or as a cause (startup wraps its errors twice). */
async function unauthorized(p: Promise<unknown>): Promise<UnauthorizedException> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new Error('expected a rejection, the promise resolved');
  for (let e: unknown = err; e; e = typeof e === 'object' && e !== null && 'cause' in e ? e.cause : undefined) {
    if (e instanceof UnauthorizedException) {
      expect(e.code).toBe(40100);
      return e;
    }
  }
  throw new Error(`expected an UnauthorizedException, got ${String(err)}`);
}

function send(p: Producer, topic: string, body = 'x') {
  return p.send({ topic, body: Buffer.from(body) });
}

describe('authentication through the SDK', () => {
  it('the right secret sends, receives and acks', async () => {
    user('app', [allow('Topic:orders', 'PUB', 'SUB'), allow('Group:billing', 'SUB')]);
    const producer = await fx.producer({ topics: ['orders'], ...credentials('app') });
    const consumer = await fx.simpleConsumer('billing', 'orders', { ...credentials('app'), awaitDuration: 1000 });
    const sent = await send(producer, 'orders', 'hello');
    const [got] = await receiveAtLeast(consumer, 1);
    expect(got?.messageId).toBe(sent.messageId);
    expect(got?.body.toString()).toBe('hello');
    await consumer.ack(got!);
    expect(fx.broker.groupStats('billing').lag).toBe(0);
    expect(fx.endpoint.clients.list({}).some((c) => c.user === 'app')).toBe(true);
  });

  it('a wrong secret is refused with 40100 saying the signature does not match, and counted', async () => {
    user('app', [allow('Topic:*', 'PUB')]);
    const producer = await producerAs('app', 'not-the-secret');
    const err = await unauthorized(send(producer, 'orders'));
    expect(err.message).toMatch(/signature of User:app from 127\.0\.0\.1 does not match/);
    expect(err.message).not.toContain('not-the-secret');
    expect(err.message).not.toContain(SECRET);
    expect(fx.broker.access.denials.BAD_SIGNATURE).toBeGreaterThan(0);
    expect(fx.broker.topicStats('orders').messageCount).toBe(0);
  });

  it('an unknown user is refused naming the user', async () => {
    const err = await unauthorized(send(await producerAs('ghost'), 'orders'));
    expect(err.message).toMatch(/User:ghost from 127\.0\.0\.1 is not a user of this instance/);
    expect(fx.broker.access.denials.UNKNOWN_USER).toBeGreaterThan(0);
  });

  it('a disabled user is refused as disabled, and works again once enabled', async () => {
    user('app', [allow('Topic:orders', 'PUB')], { userStatus: 'DISABLE' });
    const producer = await producerAs('app');
    const err = await unauthorized(send(producer, 'orders'));
    expect(err.message).toMatch(/User:app from 127\.0\.0\.1 is disabled/);
    fx.broker.access.updateUser('app', { userStatus: 'ENABLE' });
    await expect(send(producer, 'orders')).resolves.toMatchObject({ messageId: expect.any(String) });
  });

  it('a client without credentials is told the instance requires authentication', async () => {
    const err = await unauthorized(send(await producerAs(undefined), 'orders'));
    expect(err.message).toMatch(/carries no credentials: this instance requires authentication/);
    expect(fx.broker.access.denials.MISSING_CREDENTIALS).toBeGreaterThan(0);
  });

  it('a producer declaring topics fails startup with the UnauthorizedException underneath', async () => {
    const err = await unauthorized(fx.producer({ topics: ['orders'], ...credentials('ghost') }));
    expect(err.message).toMatch(/User:ghost/);
  });
});

describe('authorization through the SDK', () => {
  it('PUB on orders sends there, but payments is refused naming user, action, resource and address', async () => {
    user('app', [allow('Topic:orders', 'PUB')]);
    const producer = await producerAs('app');
    await send(producer, 'orders');
    const err = await unauthorized(send(producer, 'payments'));
    expect(err.message).toMatch(/User:app has no permission to PUB or SUB Topic:payments from 127\.0\.0\.1: no policy entry matches/);
    expect(fx.broker.topicStats('orders').messageCount).toBe(1);
    expect(fx.broker.topicStats('payments').messageCount).toBe(0);
    expect(fx.broker.access.denials.NO_MATCHING_POLICY).toBeGreaterThan(0);
  });

  it('PUB is what a send needs: SUB alone lets the route through but the send is refused', async () => {
    user('app', [allow('Topic:payments', 'SUB')]);
    const err = await unauthorized(send(await producerAs('app'), 'payments'));
    expect(err.message).toMatch(/User:app has no permission to PUB Topic:payments from 127\.0\.0\.1/);
  });

  it('a consumer with SUB on the group but not the topic cannot start; with both it receives', async () => {
    user('reader', [allow('Group:billing', 'SUB')]);
    const err = await unauthorized(fx.simpleConsumer('billing', 'orders', credentials('reader')));
    expect(err.message).toMatch(/User:reader has no permission to PUB or SUB Topic:orders from 127\.0\.0\.1/);

    fx.broker.access.setPolicy('reader', { policyType: 'CUSTOM', entries: [allow('Group:billing', 'SUB'), allow('Topic:orders', 'SUB')] });
    const consumer = await fx.simpleConsumer('billing', 'orders', { ...credentials('reader'), awaitDuration: 1000 });
    fx.broker.access.createUser({ username: 'root', password: SECRET, userType: 'SUPER', userStatus: 'ENABLE' });
    await send(await producerAs('root'), 'orders', 'for-reader');
    const got = await receiveAtLeast(consumer, 1);
    expect(got.map((m) => m.body.toString())).toEqual(['for-reader']);
    await consumer.ack(got[0]!);
  });

  it('a prefix resource (Topic:ord-*) covers ord-eu only', async () => {
    user('app', [allow('Topic:ord-*', 'PUB')]);
    const producer = await producerAs('app');
    await send(producer, 'ord-eu');
    const err = await unauthorized(send(producer, 'orders'));
    expect(err.message).toMatch(/Topic:orders/);
  });

  it('a wildcard resource (Topic:*) covers every topic', async () => {
    user('app', [allow('Topic:*', 'PUB')]);
    const producer = await producerAs('app');
    for (const t of ['orders', 'payments', 'secret']) await send(producer, t);
    expect(fx.broker.topicStats('secret').messageCount).toBe(1);
  });

  it('DENY Topic:secret wins over ALLOW Topic:*, and says which entry decided', async () => {
    user('app', [allow('Topic:*', 'PUB'), deny('Topic:secret', 'PUB')]);
    const producer = await producerAs('app');
    await send(producer, 'orders');
    const err = await unauthorized(send(producer, 'secret'));
    expect(err.message).toMatch(/User:app has no permission to PUB or SUB Topic:secret from 127\.0\.0\.1: denied by an entry \(CUSTOM entry #2: Topic:secret DENY\)/);
    expect(fx.broker.topicStats('secret').messageCount).toBe(0);
    expect(fx.broker.access.denials.DENIED_BY_ENTRY).toBeGreaterThan(0);
  });

  it('a SUPER user with no policy reaches everything', async () => {
    user('root', [], { userType: 'SUPER' });
    const producer = await producerAs('root');
    await send(producer, 'secret');
    const consumer = await fx.simpleConsumer('billing', 'secret', { ...credentials('root'), awaitDuration: 1000 });
    await send(producer, 'secret', 'two');
    const got = await receiveAtLeast(consumer, 2);
    expect(got.map((m) => m.body.toString()).sort()).toEqual(['two', 'x']);
  });
});

describe('the IP allow-list', () => {
  it('refuses an address outside it before anything else, and admits it once the list covers it', async () => {
    user('root', [], { userType: 'SUPER' });
    fx.broker.access.updateSettings({ allowIps: ['10.9.9.9/32'] });
    const producer = await producerAs('root');
    const err = await unauthorized(send(producer, 'orders'));
    expect(err.message).toMatch(/Address 127\.0\.0\.1 is not in the instance's IP allow-list/);
    expect(fx.broker.access.denials.ADDRESS_NOT_ALLOWED).toBeGreaterThan(0);

    fx.broker.access.updateSettings({ allowIps: ['10.9.9.9/32', '127.0.0.0/8'] });
    await send(producer, 'orders');
    expect(fx.broker.topicStats('orders').messageCount).toBe(1);
  });

  it('applies with authentication off too', async () => {
    fx.broker.access.updateSettings({ authentication: false, authorization: false, allowIps: ['10.9.9.9/32'] });
    const err = await unauthorized(send(await producerAs(undefined), 'orders'));
    expect(err.message).toMatch(/Address 127\.0\.0\.1/);
  });
});
