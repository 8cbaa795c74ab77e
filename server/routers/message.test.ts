/** Finding messages from the console: by id, by key, by topic and time with filters, and acting on them. */
import { SimpleConsumer } from 'rocketmq-client-nodejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../broker/index.ts';
import { waitUntil } from '../broker/test-support.ts';
import { startConsoleTestEnv, testInstance, testUser, trpcError, type ConsoleTestEnv } from '../console-test-env.ts';
import type { Role } from '../schemas.ts';
import { bodyKindOf } from './message.ts';

let env: ConsoleTestEnv;
let broker: Broker;
const I = 'msg';
const quiet = { info() {}, warn() {}, error() {}, debug() {} };
const INTERNAL_TOPIC = /rmq_sys_|RMQ_SYS_/;
const ALL_TIME = { beginMs: 0, endMs: Number.MAX_SAFE_INTEGER };

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
  await as('operator').namespace.create({ instanceId: I, name: 'shop' });
  await as('operator').topic.create({ instanceId: I, namespace: 'shop', name: 'later', messageType: 'DELAY', queueNums: 1 });
  await as('operator').topic.create({ instanceId: I, namespace: 'shop', name: 'pay', messageType: 'TRANSACTION', queueNums: 1 });
  await as('operator').topic.create({ instanceId: I, namespace: 'shop', name: 'orders', queueNums: 3 });
  await as('operator').topic.create({ instanceId: I, namespace: 'shop', name: 'orders-copy', queueNums: 1 });
  await as('operator').topic.create({ instanceId: I, namespace: 'shop', name: 'fifo', messageType: 'FIFO', queueNums: 1 });
  // 30 orders over three queues: every third is paid (tag), from the EU (property), and carries a JSON body.
  for (let i = 0; i < 30; i++) {
    await broker.put({
      topic: 'shop%orders',
      // ~200 bytes each: a 1 KiB scan budget covers about five of them.
      body: JSON.stringify({ order: { id: i, sku: `sku-${i % 5}` }, note: i === 27 ? 'needle in a haystack' : 'hay', pad: '.'.repeat(150) }),
      tag: i % 3 === 0 ? 'paid' : 'created',
      keys: [`order-${i}`, 'customer-7'],
      properties: { region: i % 2 === 0 ? 'eu-west' : 'us-east' },
    });
  }
});

afterAll(() => env.close());

describe('message.get', () => {
  it('a scheduled message shows its own topic and namespace, when it is due and the handle to recall it', async () => {
    const dueAt = Date.now() + 3_600_000;
    const sent = await as('operator').topic.send({ instanceId: I, name: 'shop%later', body: 'soon', deliverAt: dueAt });
    const found = await as('viewer').message.get({ instanceId: I, messageId: sent.messageId });
    expect(found.message).toMatchObject({ topic: 'later', namespace: 'shop', topicRef: 'shop%later', bodyPreview: Buffer.from('soon').toString('base64'), bodyKind: 'text', deliverAt: dueAt, queueId: null, queueOffset: null });
    expect(found.message?.held).toEqual({ kind: 'SCHEDULED', state: 'PENDING', dueAt, recallHandle: expect.any(String) });
    expect(JSON.stringify(found)).not.toMatch(INTERNAL_TOPIC);

    await as('operator').topic.recall({ instanceId: I, topic: 'shop%later', recallHandle: (found.message?.held as { recallHandle: string }).recallHandle });
    expect((await as('viewer').message.get({ instanceId: I, messageId: sent.messageId })).message?.held).toMatchObject({ state: 'RECALLED' });
  });

  it('a half message shows its own topic and its open transaction', async () => {
    const half = await broker.put({ topic: 'shop%pay', body: 'charge', messageType: 'TRANSACTION' });
    const found = await as('viewer').message.get({ instanceId: I, messageId: half.messageId });
    expect(found.message).toMatchObject({ topic: 'pay', namespace: 'shop', messageType: 'TRANSACTION', held: { kind: 'TRANSACTION', transactionId: half.transactionId, state: 'PREPARED', checks: 0 } });
    expect(found.trace.map((e) => e.step)).toContain('HALF');
    expect(JSON.stringify(found)).not.toMatch(INTERNAL_TOPIC);
  });

  it('a plain message shows its place in its topic, its system properties and nothing holding it', async () => {
    await as('operator').topic.create({ instanceId: I, name: 'plain', queueNums: 1 });
    const sent = await broker.put({ topic: 'plain', body: 'hi', tag: 't', keys: ['k'], properties: { a: '1' }, traceContext: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect((await as('viewer').message.get({ instanceId: I, messageId: sent.messageId })).message).toMatchObject({
      topic: 'plain',
      namespace: '',
      queueId: 0,
      queueOffset: 0,
      commitLogOffset: expect.any(Number),
      tag: 't',
      keys: ['k'],
      properties: { a: '1' },
      messageType: 'NORMAL',
      messageGroup: null,
      traceContext: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      bodyBytes: 2,
      storeSize: expect.any(Number),
      held: null,
    });
  });

  it('ships only the start of a large body; message.body has all of it', async () => {
    const big = 'x'.repeat(100 * 1024);
    const sent = await broker.put({ topic: 'plain', body: big });
    const found = await as('viewer').message.get({ instanceId: I, messageId: sent.messageId });
    expect(Buffer.from(found.message!.bodyPreview, 'base64').length).toBe(64 * 1024);
    expect(found.message!.bodyBytes).toBe(big.length);
    const full = await as('viewer').message.body({ instanceId: I, messageId: sent.messageId });
    expect(Buffer.from(full.body!, 'base64').toString()).toBe(big);
  });

  it('an unknown id finds nothing', async () => {
    expect(await as('viewer').message.get({ instanceId: I, messageId: 'no-such-id' })).toEqual({ message: undefined, trace: [] });
    expect(await as('viewer').message.body({ instanceId: I, messageId: 'no-such-id' })).toEqual({ body: null });
  });

  it('tells JSON, text and binary bodies apart', () => {
    expect(bodyKindOf(Buffer.from(' {"a": [1, 2]} '))).toBe('json');
    expect(bodyKindOf(Buffer.from('{not json'))).toBe('text');
    expect(bodyKindOf(Buffer.from('héllo\nwörld\t!'))).toBe('text');
    expect(bodyKindOf(Buffer.from([0xff, 0xfe, 0x00, 0x01]))).toBe('binary');
    expect(bodyKindOf(Buffer.from('a\u0000b'))).toBe('binary');
  });
});

describe('message.browse', () => {
  const orders = { instanceId: I, topic: 'shop%orders', ...ALL_TIME };

  it('pages a topic newest first with the cursor over all its queues, each message once', async () => {
    const seen: number[] = [];
    const ids = new Set<string>();
    let cursor: Parameters<ReturnType<typeof as>['message']['browse']>[0]['cursor'];
    for (let pages = 0; pages < 10; pages++) {
      const page = await as('viewer').message.browse({ ...orders, pageSize: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...page.rows.map((r) => r.storeTimestamp));
      for (const r of page.rows) ids.add(r.messageId);
      expect(page.budgetReached).toBe(false);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(30);
    expect(ids.size).toBe(30);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
  });

  it('oldest first starts at the oldest message, each row without its body', async () => {
    const all = (await as('viewer').message.browse({ ...orders, pageSize: 100 })).rows;
    const [first] = (await as('viewer').message.browse({ ...orders, order: 'oldest', pageSize: 1 })).rows;
    expect(first!.storeTimestamp).toBe(Math.min(...all.map((r) => r.storeTimestamp)));
    expect(Object.keys(first!).sort()).toEqual(['bodyBytes', 'bornTimestamp', 'keys', 'messageId', 'queueId', 'queueOffset', 'storeSize', 'storeTimestamp', 'tag']);
    expect(first!.keys).toContain('customer-7');
  });

  it('filters on the server by tag, key, property, body text and JSON path, all parts at once', async () => {
    const ids = async (match: object) => (await as('viewer').message.browse({ ...orders, pageSize: 100, match })).rows.map((r) => r.keys[0]);
    expect(await ids({ tag: 'paid' })).toHaveLength(10);
    expect(await ids({ tag: 'paid || created' })).toHaveLength(30);
    expect(await ids({ key: 'order-4' })).toEqual(['order-4']);
    expect(await ids({ property: { name: 'region', op: 'eq', value: 'eu-west' } })).toHaveLength(15);
    expect(await ids({ property: { name: 'region', op: 'contains', value: 'east' } })).toHaveLength(15);
    expect(await ids({ bodyContains: 'needle' })).toEqual(['order-27']);
    expect(await ids({ json: { path: 'order.sku', equals: 'sku-3' } })).toHaveLength(6);
    expect(await ids({ json: { path: 'order.id', equals: '12' } })).toEqual(['order-12']);
    // Paid (every 3rd), EU (even) and sku-0 (every 5th): orders 0 and 0+30k only.
    expect(await ids({ tag: 'paid', property: { name: 'region', op: 'eq', value: 'eu-west' }, json: { path: 'order.sku', equals: 'sku-0' } })).toEqual(['order-0']);
  });

  it('stops a filtered page at its scan budget and says how far it got; continuing finds the rest', async () => {
    // Order 27 sits behind at least nine older messages of its own queue, more than the budget reads.
    const input = { ...orders, order: 'oldest' as const, pageSize: 100, match: { bodyContains: 'needle' }, maxScanBytes: 1024 };
    const first = await as('viewer').message.browse(input);
    expect(first.rows).toEqual([]);
    expect(first.budgetReached).toBe(true);
    expect(first.scannedMessages).toBeGreaterThan(0);
    expect(first.scannedMessages).toBeLessThan(30);
    expect(first.scannedBytes).toBeGreaterThanOrEqual(input.maxScanBytes);
    expect(first.reachedMs).toEqual(expect.any(Number));
    let page = first;
    let scanned = first.scannedMessages;
    const found: string[] = [];
    while (page.nextCursor) {
      page = await as('viewer').message.browse({ ...input, cursor: page.nextCursor });
      scanned += page.scannedMessages;
      found.push(...page.rows.map((r) => r.keys[0]!));
    }
    expect(found).toEqual(['order-27']);
    expect(scanned).toBe(30);
  });

  it('refuses a malformed filter or range with the field named', async () => {
    expect(await trpcError(as('viewer').message.browse({ ...orders, match: { tag: 'a|b' } }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await trpcError(as('viewer').message.browse({ ...orders, match: { json: { path: 'a..b', equals: '1' } } }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await trpcError(as('viewer').message.browse({ ...orders, beginMs: 10, endMs: 5 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await trpcError(as('viewer').message.browse({ ...orders, topic: 'shop%nope' }))).toMatchObject({ code: 'NOT_FOUND', appCode: 'TOPIC_NOT_FOUND' });
  });
});

describe('message.volume', () => {
  it('counts the messages per bucket from the consume queues', async () => {
    const now = Date.now();
    const { buckets, widthMs } = await as('viewer').message.volume({ instanceId: I, topic: 'shop%orders', beginMs: now - 3_600_000, endMs: now + 60_000, buckets: 10 });
    expect(buckets).toHaveLength(10);
    expect(widthMs).toBe(buckets[1]!.startMs - buckets[0]!.startMs);
    expect(buckets.reduce((n, b) => n + b.count, 0)).toBe(30);
  });
});

describe('message.byKey', () => {
  it('lists every message sharing a key, newest first, a page at a time', async () => {
    const input = { instanceId: I, topic: 'shop%orders', key: 'customer-7', pageSize: 12 };
    const keys: string[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const page = await as('viewer').message.byKey({ ...input, ...(before !== undefined ? { before } : {}) });
      keys.push(...page.rows.map((r) => r.keys[0]!));
      if (page.nextBefore === null) break;
      before = page.nextBefore;
    }
    expect(keys).toEqual(Array.from({ length: 30 }, (_, i) => `order-${29 - i}`));
    expect((await as('viewer').message.byKey({ ...input, key: 'order-3' })).rows.map((r) => r.keys[0])).toEqual(['order-3']);
    expect(await as('viewer').message.byKey({ ...input, key: 'nobody' })).toEqual({ rows: [], nextBefore: null });
  });
});

describe('message.lastSteps', () => {
  it('gives each message of a page its last recorded step', async () => {
    const page = await as('viewer').message.browse({ instanceId: I, topic: 'shop%orders', ...ALL_TIME, pageSize: 2 });
    const steps = await as('viewer').message.lastSteps({ instanceId: I, messageIds: [...page.rows.map((r) => r.messageId), 'no-such-id'] });
    expect(steps[page.rows[0]!.messageId]).toMatchObject({ step: 'STORED', at: expect.any(Number) });
    expect(steps['no-such-id']).toBeNull();
  });
});

describe('message.resend', () => {
  it('an operator resends to the same or another topic of its type; both traces link to each other; audited', async () => {
    const original = await broker.put({ topic: 'shop%orders', body: 'again', keys: ['resend-me'], tag: 'paid', properties: { region: 'eu-west' } });
    const copy = await as('operator').message.resend({ instanceId: I, messageId: original.messageId, to: 'shop%orders-copy' });
    const found = await as('viewer').message.get({ instanceId: I, messageId: copy.messageId });
    expect(found.message).toMatchObject({ topic: 'orders-copy', namespace: 'shop', keys: ['resend-me'], tag: 'paid', properties: { region: 'eu-west' }, resentFrom: original.messageId });
    expect(found.trace.find((e) => e.step === 'RESENT')).toMatchObject({ relatedMessageId: original.messageId, detail: expect.stringContaining('operator-ann') });
    const back = await as('viewer').message.get({ instanceId: I, messageId: original.messageId });
    expect(back.trace.find((e) => e.step === 'RESENT')).toMatchObject({ relatedMessageId: copy.messageId });

    const same = await as('operator').message.resend({ instanceId: I, messageId: original.messageId });
    expect((await as('viewer').message.get({ instanceId: I, messageId: same.messageId })).message).toMatchObject({ topic: 'orders' });

    expect(await trpcError(as('operator').message.resend({ instanceId: I, messageId: original.messageId, to: 'shop%fifo' }))).toMatchObject({ appCode: 'MESSAGE_TYPE_MISMATCH' });
    expect(await auditOf('message.resend')).toEqual([
      ['operator-ann', `${I}/${original.messageId}`, 'ok', null],
      ['operator-ann', `${I}/${original.messageId}`, 'ok', null],
      ['operator-ann', `${I}/${original.messageId}`, 'error', 'MESSAGE_TYPE_MISMATCH'],
    ]);
  });

  it('a viewer cannot resend', async () => {
    const original = await broker.put({ topic: 'shop%orders', body: 'no' });
    expect(await trpcError(as('viewer').message.resend({ instanceId: I, messageId: original.messageId }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    expect((await auditOf('message.resend')).at(-1)).toEqual(['viewer-ann', `${I}/${original.messageId}`, 'error', 'FORBIDDEN']);
  });
});

describe('delivery states and consume verification', () => {
  const topic = 'shop%deliveries';
  const group = 'shop%billing';

  beforeAll(async () => {
    await as('operator').topic.create({ instanceId: I, namespace: 'shop', name: 'deliveries', queueNums: 1 });
    await as('operator').group.create({ instanceId: I, namespace: 'shop', name: 'billing' });
  });

  it('shows, per subscribing group, whether a message was acked, is in flight or is not delivered yet', async () => {
    const acked = await broker.put({ topic, body: 'one' });
    const [first] = await broker.receive({ group, topic, maxMessages: 1, invisibleMs: 60_000, waitMs: 0 });
    broker.ack(group, topic, first!.receiptHandle);
    const held = await broker.put({ topic, body: 'two' });
    await broker.receive({ group, topic, maxMessages: 1, invisibleMs: 60_000, waitMs: 0 });
    const waiting = await broker.put({ topic, body: 'three' });
    const stateOf = async (messageId: string) => (await as('viewer').message.deliveryStates({ instanceId: I, messageId })).groups.map((g) => [g.group, g.state]);
    expect(await stateOf(acked.messageId)).toEqual([[group, 'ACKED']]);
    expect(await stateOf(held.messageId)).toEqual([[group, 'IN_FLIGHT']]);
    expect(await stateOf(waiting.messageId)).toEqual([[group, 'NOT_DELIVERED']]);
  });

  it('an operator verifies consumption by a group: pending until its consumer acks the copy, then acked; audited; viewers cannot', async () => {
    const sent = await broker.put({ topic, body: 'verify me' });
    // Delivered before: the group's offsets are past it, so only the verification copy brings it back.
    const [first] = await broker.receive({ group, topic, maxMessages: 32, invisibleMs: 60_000, waitMs: 0 });
    broker.ack(group, topic, first!.receiptHandle);
    expect(await trpcError(as('viewer').message.verify({ instanceId: I, messageId: sent.messageId, group }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    // No consumer of the group is connected: nothing could take the copy, so the operator is told to start one.
    expect(await trpcError(as('operator').message.verify({ instanceId: I, messageId: sent.messageId, group }))).toMatchObject({ appCode: 'NO_LIVE_CONSUMER' });
    const endpoints = `127.0.0.1:${env.runtime.get(I)!.endpoint!.port}`;
    const consumer = new SimpleConsumer({ endpoints, namespace: 'shop', logger: quiet, consumerGroup: 'billing', subscriptions: new Map([['deliveries', '*']]), awaitDuration: 1000 });
    await consumer.startup();
    try {
      const { verificationId } = await waitUntil(() => as('operator').message.verify({ instanceId: I, messageId: sent.messageId, group }).catch(() => undefined), { what: 'the consumer to count as connected' });
      expect(await as('viewer').message.verification({ instanceId: I, verificationId })).toMatchObject({ state: 'PENDING', messageId: sent.messageId, group });
      // The group's live consumer gets the copy through its normal receive and acks it.
      const copy = await waitUntil(async () => (await consumer.receive(16, 60_000)).find((m) => m.messageId === sent.messageId), { what: 'the verification copy to be delivered' });
      await consumer.ack(copy);
      await waitUntil(async () => (await as('viewer').message.verification({ instanceId: I, verificationId })).state === 'ACKED', { what: 'the verification to be acked' });
    } finally {
      await consumer.shutdown();
    }
    const audited = await auditOf('message.verify');
    expect(audited[0]).toEqual(['viewer-ann', `${I}/${sent.messageId}/${group}`, 'error', 'FORBIDDEN']);
    expect(audited[1]).toEqual(['operator-ann', `${I}/${sent.messageId}/${group}`, 'error', 'NO_LIVE_CONSUMER']);
    expect(audited.at(-1)).toEqual(['operator-ann', `${I}/${sent.messageId}/${group}`, 'ok', null]);
    expect(await trpcError(as('viewer').message.verification({ instanceId: I, verificationId: 'no-such-verification' }))).toEqual({ code: 'NOT_FOUND', appCode: 'VERIFICATION_NOT_FOUND' });
  });

  it('refuses to verify with a group that does not subscribe to the topic', async () => {
    await as('operator').group.create({ instanceId: I, namespace: 'shop', name: 'nobody' });
    const sent = await broker.put({ topic, body: 'x' });
    expect(await trpcError(as('operator').message.verify({ instanceId: I, messageId: sent.messageId, group: 'shop%nobody' }))).toMatchObject({ appCode: 'GROUP_NOT_SUBSCRIBED' });
  });
});

describe('the OpenTelemetry trace link', () => {
  it('carries the producer\'s trace id, and a link when MERIDIAN_TRACE_URL_TEMPLATE is set', async () => {
    const sent = await broker.put({ topic: 'shop%orders', body: 'traced', traceContext: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    process.env.MERIDIAN_TRACE_URL_TEMPLATE = 'http://jaeger:16686/trace/{traceId}';
    try {
      expect((await as('viewer').message.get({ instanceId: I, messageId: sent.messageId })).message).toMatchObject({
        otelTraceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        traceUrl: 'http://jaeger:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736',
      });
    } finally {
      delete process.env.MERIDIAN_TRACE_URL_TEMPLATE;
    }
    expect((await as('viewer').message.get({ instanceId: I, messageId: sent.messageId })).message).toMatchObject({ traceUrl: null });
  });

  it('names no trace for a message sent without a trace context while no spans are exported', async () => {
    const sent = await broker.put({ topic: 'shop%orders', body: 'untraced' });
    expect((await as('viewer').message.get({ instanceId: I, messageId: sent.messageId })).message).toMatchObject({ otelTraceId: null, traceUrl: null });
  });
});
