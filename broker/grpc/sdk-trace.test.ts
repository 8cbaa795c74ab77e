/** The trace's first steps as a send through the gRPC endpoint leaves them: who sent it, how long it took, and refusals. */
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import { ConsumeResult, FilterExpression, type MessageView } from 'rocketmq-client-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messagingService } from './proto.ts';
import { Fixture, receiveAtLeast, waitUntil } from './sdk-test-helpers.ts';

const SDK_VERSION = (createRequire(import.meta.url)('rocketmq-client-nodejs/package.json') as { version: string }).version;

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start();
});

afterEach(async () => {
  await fx.close();
});

type SendReply = { status: { code: string }; entries: { status: { code: string; message: string } }[] };

/** One SendMessage from a plain gRPC client that says it is a Go SDK, with the message id it chooses. */
function rawSend(message: { id: string; topic: string; tag?: string }): Promise<SendReply> {
  const Client = messagingService();
  const client = new Client(fx.endpoints, grpc.credentials.createInsecure()) as grpc.Client &
    Record<string, (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, res: SendReply) => void) => void>;
  const md = new grpc.Metadata();
  md.set('x-mq-client-id', 'raw-trace-client');
  md.set('x-mq-language', 'GOLANG');
  md.set('x-mq-client-version', '5.1.0');
  md.set('x-mq-protocol', 'v2');
  const wire = {
    topic: { name: message.topic, resource_namespace: '' },
    user_properties: {},
    system_properties: {
      message_id: message.id,
      message_type: 'NORMAL',
      body_encoding: 'IDENTITY',
      born_timestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
      born_host: 'raw-host',
      queue_id: 0,
      keys: [],
      ...(message.tag !== undefined ? { tag: message.tag } : {}),
    },
    body: Buffer.from('x'),
  };
  return new Promise((resolve, reject) =>
    client.SendMessage!({ messages: [wire] }, md, { deadline: Date.now() + 10_000 }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res);
    }),
  );
}

describe('trace of a send through the gRPC endpoint', () => {
  it('shows PRODUCED with the SDK client, its language and version, latency and status, then STORED and the delivery', async () => {
    fx.broker.createTopic({ name: 'orders', queueNums: 2 });
    fx.broker.createGroup({ name: 'billing' });
    const producer = await fx.producer({ topics: ['orders'] });
    const consumer = await fx.simpleConsumer('billing', 'orders');
    const receipt = await producer.send({ topic: 'orders', tag: 'paid', body: Buffer.from('o-1') });
    const [view] = await receiveAtLeast(consumer, 1);
    await consumer.ack(view!);

    const stored = fx.broker.getMessageById(receipt.messageId);
    const events = await fx.broker.traceOf(receipt.messageId);
    expect(events.slice(0, 2).map((e) => e.step)).toEqual(['PRODUCED', 'STORED']);
    const [produced, store] = events;
    expect(produced).toMatchObject({ topic: 'orders', clientId: producer.clientId, sdk: `NODE_JS ${SDK_VERSION}`, host: stored.bornHost, status: 'OK' });
    expect(produced!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(produced!.at + produced!.latencyMs!).toBe(stored.storeTimestamp);
    expect(store).toMatchObject({ at: stored.storeTimestamp, queueId: stored.queueId, offset: receipt.offset });
    // The consumer never sees the engine's property.
    expect([...view!.properties.keys()].some((k) => k.startsWith('__'))).toBe(false);
    expect(events.map((e) => e.step)).toContain('DELIVERED');
  });

  it('delivers an operator’s resend with the user property RESENT_FROM naming the original', async () => {
    fx.broker.createTopic({ name: 'orders', queueNums: 1 });
    fx.broker.createGroup({ name: 'billing' });
    const consumer = await fx.simpleConsumer('billing', 'orders');
    const original = await fx.broker.put({ topic: 'orders', body: 'o-1', properties: { region: 'eu' } });
    const copy = await fx.broker.resend(original.messageId, { by: 'operator alice' });
    const views = await receiveAtLeast(consumer, 2);
    const resent = views.find((v) => v.messageId === copy.messageId);
    expect(resent?.properties.get('RESENT_FROM')).toBe(original.messageId);
    expect(resent?.properties.get('region')).toBe('eu');
    expect(views.find((v) => v.messageId === original.messageId)?.properties.has('RESENT_FROM')).toBe(false);
  });

  it('shows FILTERED for a group whose tag subscription turned the message away, once the group has read past it', async () => {
    // One queue: once the group has consumed a message sent after the filtered one, it has read past it.
    fx.broker.createTopic({ name: 'orders', queueNums: 1 });
    fx.broker.createGroup({ name: 'paid-only' });
    const producer = await fx.producer({ topics: ['orders'] });
    const consumed: string[] = [];
    await fx.pushConsumer(
      'paid-only',
      'orders',
      {
        consume(mv: MessageView) {
          consumed.push(mv.messageId);
          return ConsumeResult.SUCCESS;
        },
      },
      { subscriptions: new Map([['orders', new FilterExpression('paid')]]) },
    );
    const refunded = await producer.send({ topic: 'orders', tag: 'refunded', body: Buffer.from('r-1') });
    const paid = await producer.send({ topic: 'orders', tag: 'paid', body: Buffer.from('p-1') });
    await waitUntil(() => consumed.includes(paid.messageId), { what: 'the paid message to be consumed' });
    expect(consumed).not.toContain(refunded.messageId);

    const stored = fx.broker.getMessageById(refunded.messageId);
    const events = await fx.broker.traceOf(refunded.messageId);
    expect(events.map((e) => e.step)).toEqual(['PRODUCED', 'STORED', 'FILTERED']);
    // At the store time (when it became the group's to filter), with the group and its expression.
    expect(events[2]).toEqual({
      messageId: refunded.messageId,
      step: 'FILTERED',
      at: stored.storeTimestamp,
      topic: 'orders',
      queueId: 0,
      offset: refunded.offset,
      group: 'paid-only',
      detail: "filtered out by the group's subscription TAG:paid",
    });
    // The same fact as the message's delivery state for the group.
    expect(await fx.broker.deliveryStates(refunded.messageId)).toEqual([{ group: 'paid-only', state: 'FILTERED', filterExpression: 'TAG:paid' }]);
    // The matching message's trace has its delivery, and no FILTERED.
    const paidSteps = (await fx.broker.traceOf(paid.messageId)).map((e) => e.step);
    expect(paidSteps).toContain('DELIVERED');
    expect(paidSteps).not.toContain('FILTERED');
  });

  it('records a refused send as PRODUCE_FAILED with the status code, under the id the client gave', async () => {
    fx.broker.createTopic({ name: 'strict' });
    const badTag = await rawSend({ id: 'RAW-BAD-TAG', topic: 'strict', tag: 'a|b' });
    const noTopic = await rawSend({ id: 'RAW-NO-TOPIC', topic: 'missing' });
    expect(badTag.entries[0]!.status.code).toBe('ILLEGAL_MESSAGE_TAG');
    expect(noTopic.entries[0]!.status.code).toBe('TOPIC_NOT_FOUND');

    expect(await fx.broker.traceOf('RAW-BAD-TAG')).toEqual([
      expect.objectContaining({
        step: 'PRODUCE_FAILED',
        status: 'ILLEGAL_MESSAGE_TAG',
        detail: badTag.entries[0]!.status.message,
        topic: 'strict',
        clientId: 'raw-trace-client',
        sdk: 'GOLANG 5.1.0',
        host: 'raw-host',
      }),
    ]);
    expect(await fx.broker.traceOf('RAW-NO-TOPIC')).toEqual([expect.objectContaining({ step: 'PRODUCE_FAILED', status: 'TOPIC_NOT_FOUND', topic: 'missing' })]);
  });
});
