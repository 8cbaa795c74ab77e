/**
 * The gRPC endpoint spoken to directly (no SDK): every request, malformed or out of range included, gets a
 * gRPC OK with a protocol `status` — never a crash, a hang or a transport error.
 */
import * as grpc from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.MERIDIAN_LOG_LEVEL ??= 'warn';
});

import { Broker, type MessageType } from '../../server/broker/index.ts';
import { messagingService } from './proto.ts';
import { GrpcEndpoint } from './server.ts';

// ---------------------------------------------------------------------------------------------------------
// Wire shapes (as @grpc/proto-loader decodes them: keepCase, enums by name, int64 as numbers)
// ---------------------------------------------------------------------------------------------------------

interface Status {
  code: string;
  message: string;
}
interface Duration {
  seconds: number;
  nanos: number;
}
interface Resource {
  resource_namespace: string;
  name: string;
}
interface WireMessage {
  topic: Resource;
  user_properties: Record<string, string>;
  system_properties: {
    tag?: string;
    keys: string[];
    message_id: string;
    body_digest: { type: string; checksum: string } | null;
    message_type: string;
    receipt_handle?: string;
    delivery_attempt?: number;
    queue_id: number;
    queue_offset?: number;
    message_group?: string;
    invisible_duration?: Duration | null;
  };
  body: Buffer;
}
interface StatusOnly {
  status: Status;
}
interface QueryRouteReply extends StatusOnly {
  message_queues: {
    topic: Resource;
    id: number;
    permission: string;
    broker: { name: string; id: number; endpoints: { scheme: string; addresses: { host: string; port: number }[] } };
    accept_message_types: string[];
  }[];
}
interface SendReply extends StatusOnly {
  entries: { status: Status; message_id: string; transaction_id: string; offset: number }[];
}
interface AckReply extends StatusOnly {
  entries: { message_id: string; receipt_handle: string; status: Status }[];
}
interface ChangeInvisibleReply extends StatusOnly {
  receipt_handle: string;
}
interface OffsetReply extends StatusOnly {
  offset: number;
}
interface StreamReply {
  content?: string;
  status?: Status | null;
  message?: WireMessage | null;
  delivery_timestamp?: Duration | null;
  next_offset?: number;
}
interface TelemetryReply {
  status?: Status | null;
  command?: string;
  settings?: {
    client_type: string;
    pub_sub?: string;
    backoff_policy: {
      max_attempts: number;
      strategy?: string;
      exponential_backoff?: { initial: Duration; max: Duration; multiplier: number } | null;
      customized_backoff?: { next: Duration[] } | null;
    } | null;
    publishing?: { topics: Resource[]; max_body_size: number; validate_message_type: boolean } | null;
    subscription?: {
      group: Resource | null;
      fifo: boolean;
      receive_batch_size: number;
      long_polling_timeout: Duration | null;
    } | null;
    metric?: { on: boolean; endpoints?: { scheme: string; addresses: { host: string; port: number }[] } | null } | null;
  } | null;
}

type UnaryFn = (
  req: object,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: unknown) => void,
) => grpc.ClientUnaryCall;
type ServerStreamFn = (req: object, md: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientReadableStream<unknown>;
type BidiFn = (md: grpc.Metadata, opts: grpc.CallOptions) => grpc.ClientDuplexStream<object, unknown>;

// ---------------------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------------------

const KiB = 1024;
const MAX_BODY = 64 * KiB;
let dataDir: string;
let broker: Broker;
let endpoint: GrpcEndpoint;
let client: grpc.Client;
let clientSeq = 0;
let resourceSeq = 0;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-grpc-raw-'));
  broker = await Broker.open({ dataDir, segmentSize: 1024 * KiB, maxMessageSize: MAX_BODY, indexSlots: 4096, indexEntries: 16_384 });
  broker.createNamespace('shop');
  endpoint = await GrpcEndpoint.start({ broker, port: 0, host: '127.0.0.1', clientMetricsEndpoint: 'collector.example:4317' });
  client = new (messagingService())(`127.0.0.1:${endpoint.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await endpoint?.close(1000);
  await broker?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function newClientId(): string {
  return `raw-test@${process.pid}@${++clientSeq}@${Date.now().toString(36)}`;
}

function meta(opts: { clientId?: string | null; namespace?: string } = {}): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-mq-protocol', 'v2');
  md.set('x-mq-language', 'HTTP');
  md.set('x-mq-client-version', '5.0.0-test');
  md.set('x-mq-request-id', randomBytes(16).toString('hex'));
  md.set('x-mq-date-time', new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'));
  const clientId = opts.clientId === undefined ? newClientId() : opts.clientId;
  if (clientId !== null) md.set('x-mq-client-id', clientId);
  if (opts.namespace) md.set('x-mq-namespace', opts.namespace);
  return md;
}

function method<F>(rpc: string): F {
  const fn = (client as unknown as Record<string, F | undefined>)[rpc];
  if (!fn) throw new Error(`MessagingService has no method ${rpc}`);
  return fn;
}

/** A unary call; any non-OK gRPC status rejects (that is a failure of the endpoint). */
function call<T>(rpc: string, req: object, md: grpc.Metadata = meta(), timeoutMs = 5000): Promise<T> {
  const fn = method<UnaryFn>(rpc);
  return new Promise<T>((resolve, reject) => {
    fn.call(client, req, md, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
  });
}

/** A server-streaming call, collected to its end; resolves with every response and how long it took. */
function collect(rpc: string, req: object, md: grpc.Metadata = meta(), timeoutMs = 10_000): Promise<{ replies: StreamReply[]; ms: number }> {
  const fn = method<ServerStreamFn>(rpc);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const replies: StreamReply[] = [];
    const stream = fn.call(client, req, md, { deadline: Date.now() + timeoutMs });
    stream.on('data', (r: StreamReply) => replies.push(r));
    stream.on('error', reject);
    stream.on('end', () => resolve({ replies, ms: Date.now() - started }));
  });
}

function kinds(replies: StreamReply[]): string[] {
  return replies.map((r) => r.content ?? '?');
}

function messageId(): string {
  return `01${randomBytes(16).toString('hex').toUpperCase()}`;
}

function now(): Duration {
  const ms = Date.now();
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

function dur(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 };
}

interface MessageSpec {
  topic: string;
  namespace?: string;
  body?: Buffer | string;
  tag?: string;
  keys?: string[];
  id?: string;
  group?: string;
  type?: string;
  props?: Record<string, string>;
}

function wireMessage(s: MessageSpec): object {
  const sys: Record<string, unknown> = {
    keys: s.keys ?? [],
    message_id: s.id ?? messageId(),
    body_encoding: 'IDENTITY',
    message_type: s.type ?? (s.group !== undefined ? 'FIFO' : 'NORMAL'),
    born_timestamp: now(),
    born_host: 'raw-test-host',
    queue_id: 0,
  };
  if (s.tag !== undefined) sys.tag = s.tag;
  if (s.group !== undefined) sys.message_group = s.group;
  return {
    topic: { resource_namespace: s.namespace ?? '', name: s.topic },
    user_properties: s.props ?? {},
    system_properties: sys,
    body: typeof s.body === 'string' ? Buffer.from(s.body) : (s.body ?? Buffer.from('hello')),
  };
}

function send(...specs: MessageSpec[]): Promise<SendReply> {
  return call<SendReply>('SendMessage', { messages: specs.map(wireMessage) });
}

/** A new topic (and optionally a group created before any message, so it receives them all). */
function freshTopic(type: MessageType = 'NORMAL', queues = 2): string {
  const name = `t${++resourceSeq}`;
  broker.createTopic({ name, messageType: type, queueNums: queues });
  return name;
}

function freshGroup(fifo = false): string {
  const name = `g${++resourceSeq}`;
  broker.createGroup({ name, fifo });
  return name;
}

function queueOf(topic: string, id = 0, namespace = ''): object {
  return {
    topic: { resource_namespace: namespace, name: topic },
    id,
    permission: 'READ_WRITE',
    broker: { name: 'meridian', id: 0, endpoints: { scheme: 'IPv4', addresses: [{ host: '127.0.0.1', port: endpoint.port }] } },
    accept_message_types: ['NORMAL'],
  };
}

interface ReceiveSpec {
  group: string;
  topic: string;
  namespace?: string;
  invisibleMs?: number | null;
  pollMs?: number;
  batch?: number;
  tags?: string;
  autoRenew?: boolean;
}

function receiveRequest(s: ReceiveSpec): object {
  const req: Record<string, unknown> = {
    group: { resource_namespace: '', name: s.group },
    message_queue: queueOf(s.topic, 0, s.namespace),
    filter_expression: { type: 'TAG', expression: s.tags ?? '*' },
    batch_size: s.batch ?? 16,
    auto_renew: s.autoRenew ?? false,
    long_polling_timeout: dur(s.pollMs ?? 1000),
  };
  if (s.invisibleMs !== null) req.invisible_duration = dur(s.invisibleMs ?? 30_000);
  return req;
}

function receive(s: ReceiveSpec, md: grpc.Metadata = meta()): Promise<{ replies: StreamReply[]; ms: number }> {
  return collect('ReceiveMessage', receiveRequest(s), md);
}

/** The messages of a well-formed receive stream: status, messages, delivery timestamp, end. */
function deliveredMessages(replies: StreamReply[]): WireMessage[] {
  const k = kinds(replies);
  expect(k[0]).toBe('status');
  expect(k.at(-1)).toBe('delivery_timestamp');
  expect(k.slice(1, -1).every((x) => x === 'message')).toBe(true);
  const ts = replies.at(-1)!.delivery_timestamp!;
  expect(Math.abs(ts.seconds * 1000 - Date.now())).toBeLessThan(60_000);
  return replies.slice(1, -1).map((r) => r.message!);
}

function statusOf(replies: StreamReply[]): string {
  return replies[0]?.status?.code ?? `no status (got ${kinds(replies).join(',')})`;
}

/**
 * Resolves once a request sent now on the same connection has been answered: HTTP/2 keeps the order of the
 * frames on a connection and the endpoint starts each handler as its request comes in, so by then it has
 * taken in everything sent before (a call, a cancellation). Receive and pull handlers reach their long poll
 * without waiting on anything else, so a poll opened before this is waiting once it resolves.
 */
async function endpointCaughtUp(): Promise<void> {
  await call<StatusOnly>('QueryRoute', { topic: { resource_namespace: '', name: 'caught-up-probe' } });
}

async function openTelemetry(md: grpc.Metadata): Promise<{
  stream: grpc.ClientDuplexStream<object, unknown>;
  next: () => Promise<TelemetryReply>;
  close: () => void;
}> {
  const fn = method<BidiFn>('Telemetry');
  const stream = fn.call(client, md, {});
  const queue: TelemetryReply[] = [];
  const waiting: ((r: TelemetryReply) => void)[] = [];
  let failure: Error | undefined;
  const rejecters: ((e: Error) => void)[] = [];
  stream.on('data', (r: TelemetryReply) => {
    const w = waiting.shift();
    rejecters.shift();
    if (w) w(r);
    else queue.push(r);
  });
  stream.on('error', (e: Error) => {
    failure = e;
    for (const r of rejecters.splice(0)) r(e);
  });
  return {
    stream,
    next: () =>
      new Promise<TelemetryReply>((resolve, reject) => {
        const queued = queue.shift();
        if (queued) return resolve(queued);
        if (failure) return reject(failure);
        const timer = setTimeout(() => reject(new Error('no telemetry reply within 3 s')), 3000);
        waiting.push((r) => {
          clearTimeout(timer);
          resolve(r);
        });
        rejecters.push((e) => {
          clearTimeout(timer);
          reject(e);
        });
      }),
    close: () => {
      stream.on('error', () => undefined);
      stream.end();
      stream.cancel();
    },
  };
}

const userAgent = { language: 'NODE_JS', version: '5.0.0', platform: 'linux', hostname: 'raw-test' };

function producerSettings(topic: string): object {
  return {
    settings: {
      client_type: 'PRODUCER',
      access_point: { scheme: 'IPv4', addresses: [{ host: '127.0.0.1', port: endpoint.port }] },
      request_timeout: dur(3000),
      publishing: { topics: [{ resource_namespace: '', name: topic }], max_body_size: 0, validate_message_type: false },
      user_agent: userAgent,
    },
  };
}

function consumerSettings(group: string, topic: string, clientType = 'SIMPLE_CONSUMER'): object {
  return {
    settings: {
      client_type: clientType,
      access_point: { scheme: 'IPv4', addresses: [{ host: '127.0.0.1', port: endpoint.port }] },
      request_timeout: dur(3000),
      subscription: {
        group: { resource_namespace: '', name: group },
        subscriptions: [{ topic: { resource_namespace: '', name: topic }, expression: { type: 'TAG', expression: '*' } }],
      },
      user_agent: userAgent,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------------

describe('QueryRoute', () => {
  it('refuses an empty or missing topic name with ILLEGAL_TOPIC', async () => {
    expect((await call<StatusOnly>('QueryRoute', { topic: { resource_namespace: '', name: '' } })).status.code).toBe('ILLEGAL_TOPIC');
    expect((await call<StatusOnly>('QueryRoute', { topic: { resource_namespace: '', name: '   ' } })).status.code).toBe('ILLEGAL_TOPIC');
    expect((await call<StatusOnly>('QueryRoute', {})).status.code).toBe('ILLEGAL_TOPIC');
  });

  it('answers TOPIC_NOT_FOUND for an unknown topic (auto-create off)', async () => {
    const r = await call<QueryRouteReply>('QueryRoute', { topic: { resource_namespace: '', name: 'no-such-topic' } });
    expect(r.status.code).toBe('TOPIC_NOT_FOUND');
    expect(r.message_queues).toEqual([]);
  });

  it('routes a known topic to queue 0, READ_WRITE, echoing the dialed endpoints', async () => {
    const topic = freshTopic('FIFO', 4);
    const endpoints = { scheme: 'DOMAIN_NAME', addresses: [{ host: 'mq.example', port: 1234 }] };
    const r = await call<QueryRouteReply>('QueryRoute', { topic: { resource_namespace: '', name: topic }, endpoints });
    expect(r.status.code).toBe('OK');
    expect(r.message_queues).toHaveLength(1);
    const q = r.message_queues[0]!;
    expect(q.id).toBe(0);
    expect(q.permission).toBe('READ_WRITE');
    expect(q.topic.name).toBe(topic);
    expect(q.accept_message_types).toEqual(['FIFO']);
    expect(q.broker.id).toBe(0);
    expect(q.broker.endpoints.addresses).toEqual([{ host: 'mq.example', port: 1234 }]);
  });

  it('takes the namespace from x-mq-namespace and replies with the bare name', async () => {
    broker.createTopic({ namespace: 'shop', name: 'orders' });
    const r = await call<QueryRouteReply>('QueryRoute', { topic: { resource_namespace: '', name: 'orders' } }, meta({ namespace: 'shop' }));
    expect(r.status.code).toBe('OK');
    expect(r.message_queues[0]!.topic.name).toBe('orders');
    // Without the namespace, the bare name does not exist.
    expect((await call<StatusOnly>('QueryRoute', { topic: { resource_namespace: '', name: 'orders' } })).status.code).toBe('TOPIC_NOT_FOUND');
  });
});

describe('SendMessage', () => {
  it('stores a valid message and echoes its id with the queue offset', async () => {
    const topic = freshTopic();
    const id = messageId();
    const r = await send({ topic, id, body: 'payload', tag: 'created', keys: ['k1', 'k2'], props: { a: '1' } });
    expect(r.status.code).toBe('OK');
    expect(r.entries).toHaveLength(1);
    expect(r.entries[0]!.status.code).toBe('OK');
    expect(r.entries[0]!.message_id).toBe(id);
    expect(r.entries[0]!.offset).toBe(0);
    const stored = broker.getMessageById(id);
    expect(stored.topic).toBe(topic);
    expect(stored.body.toString()).toBe('payload');
    expect(stored.tag).toBe('created');
    expect([...stored.keys]).toEqual(['k1', 'k2']);
    expect(stored.properties.a).toBe('1');
  });

  it('refuses a request without messages with BAD_REQUEST', async () => {
    const r = await call<SendReply>('SendMessage', { messages: [] });
    expect(r.status.code).toBe('BAD_REQUEST');
  });

  it('checks each message as the proxy does', async () => {
    const topic = freshTopic();
    const fifo = freshTopic('FIFO');
    const tooManyProps = Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`p${i}`, 'v']));
    const cases: [string, MessageSpec][] = [
      ['MESSAGE_BODY_EMPTY', { topic, body: '' }],
      ['ILLEGAL_MESSAGE_ID', { topic, id: '' }],
      ['ILLEGAL_MESSAGE_ID', { topic, id: '   ' }],
      ['ILLEGAL_MESSAGE_TAG', { topic, tag: 'a|b' }],
      ['ILLEGAL_MESSAGE_TAG', { topic, tag: '  ' }],
      ['ILLEGAL_MESSAGE_TAG', { topic, tag: 'a\nb' }],
      ['ILLEGAL_MESSAGE_KEY', { topic, keys: ['ok', ' '] }],
      ['ILLEGAL_MESSAGE_PROPERTY_KEY', { topic, props: { __secret: 'x' } }],
      ['MESSAGE_PROPERTIES_TOO_LARGE', { topic, props: tooManyProps }],
      ['MESSAGE_PROPERTIES_TOO_LARGE', { topic, props: { big: 'x'.repeat(17 * KiB) } }],
      ['ILLEGAL_MESSAGE_GROUP', { topic: fifo, group: 'g'.repeat(64) }],
      ['ILLEGAL_MESSAGE_GROUP', { topic: fifo, group: 'é'.repeat(32) }], // 64 bytes in UTF-8
      ['MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', { topic, group: 'order-1', type: 'FIFO' }],
      ['MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', { topic: fifo, type: 'NORMAL' }],
      ['MESSAGE_BODY_TOO_LARGE', { topic, body: Buffer.alloc(MAX_BODY + 1, 1) }],
      ['TOPIC_NOT_FOUND', { topic: 'no-such-topic' }],
      ['ILLEGAL_TOPIC', { topic: '' }],
    ];
    const got: [string, string][] = [];
    for (const [, spec] of cases) {
      const r = await send(spec);
      expect(r.entries).toHaveLength(1);
      expect(r.status.code).toBe(r.entries[0]!.status.code);
      got.push([r.status.code, JSON.stringify(spec).slice(0, 80)]);
    }
    expect(got.map(([code]) => code)).toEqual(cases.map(([code]) => code));
    // Nothing of that was stored.
    expect(broker.topicStats(topic).messageCount).toBe(0);
    expect(broker.topicStats(fifo).messageCount).toBe(0);
  });

  it('accepts the limits themselves: 128 properties, a 63-byte group, a body of exactly the maximum', async () => {
    const topic = freshTopic();
    const fifo = freshTopic('FIFO');
    const props = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`p${i}`, 'v']));
    expect((await send({ topic, props })).status.code).toBe('OK');
    expect((await send({ topic: fifo, group: 'g'.repeat(63) })).status.code).toBe('OK');
    expect((await send({ topic, body: Buffer.alloc(MAX_BODY, 7) })).status.code).toBe('OK');
  });

  it('answers MESSAGE_BODY_TOO_LARGE (not a transport error) for a body far over the maximum', async () => {
    // The proxy accepts gRPC messages up to 130 MiB and answers with a status; a transport error makes
    // SDK producers isolate the endpoint.
    const topic = freshTopic();
    const r = await send({ topic, body: Buffer.alloc(MAX_BODY + 1024 * KiB + 1, 1) });
    expect(r.status.code).toBe('MESSAGE_BODY_TOO_LARGE');
  });

  it('reports MULTIPLE_RESULTS with one status per entry when a batch is partly bad', async () => {
    const topic = freshTopic();
    const good = messageId();
    const bad = messageId();
    const r = await send({ topic, id: good, body: 'fine' }, { topic, id: bad, body: '' });
    expect(r.status.code).toBe('MULTIPLE_RESULTS');
    expect(r.entries.map((e) => [e.message_id, e.status.code])).toEqual([
      [good, 'OK'],
      [bad, 'MESSAGE_BODY_EMPTY'],
    ]);
    expect(broker.getMessageById(good).body.toString()).toBe('fine');
    expect(() => broker.getMessageById(bad)).toThrow();
  });

  it('gives a batch with the same failure that failure as its top status', async () => {
    const topic = freshTopic();
    const r = await send({ topic, tag: 'a|b' }, { topic, tag: 'c|d' });
    expect(r.status.code).toBe('ILLEGAL_MESSAGE_TAG');
    expect(r.entries.map((e) => e.status.code)).toEqual(['ILLEGAL_MESSAGE_TAG', 'ILLEGAL_MESSAGE_TAG']);
  });

  it('refuses a message without system properties with a status, not a crash', async () => {
    const topic = freshTopic();
    const r = await call<SendReply>('SendMessage', { messages: [{ topic: { resource_namespace: '', name: topic }, body: Buffer.from('x') }] });
    expect(r.status.code).not.toBe('OK');
    expect(r.status.code).not.toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('ReceiveMessage', () => {
  it('answers CONSUMER_GROUP_NOT_FOUND for an unknown group, then a delivery timestamp, then ends', async () => {
    const topic = freshTopic();
    const { replies } = await receive({ group: 'no-such-group', topic });
    expect(kinds(replies)).toEqual(['status', 'delivery_timestamp']);
    expect(statusOf(replies)).toBe('CONSUMER_GROUP_NOT_FOUND');
  });

  it('answers TOPIC_NOT_FOUND for an unknown topic', async () => {
    const { replies } = await receive({ group: freshGroup(), topic: 'no-such-topic' });
    expect(kinds(replies)).toEqual(['status', 'delivery_timestamp']);
    expect(statusOf(replies)).toBe('TOPIC_NOT_FOUND');
  });

  it('refuses a zero or missing invisible duration without auto-renew (ILLEGAL_INVISIBLE_TIME)', async () => {
    const topic = freshTopic();
    const group = freshGroup();
    for (const invisibleMs of [0, null, 13 * 3600 * 1000]) {
      const { replies, ms } = await receive({ group, topic, invisibleMs });
      expect(kinds(replies)).toEqual(['status', 'delivery_timestamp']);
      expect(statusOf(replies)).toBe('ILLEGAL_INVISIBLE_TIME');
      expect(ms).toBeLessThan(900); // refused at once, not after a long poll
    }
  });

  it('answers MESSAGE_NOT_FOUND after the requested long poll when there is nothing', async () => {
    const topic = freshTopic();
    const group = freshGroup();
    const { replies, ms } = await receive({ group, topic, pollMs: 1000 });
    expect(kinds(replies)).toEqual(['status', 'delivery_timestamp']);
    expect(statusOf(replies)).toBe('MESSAGE_NOT_FOUND');
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(4000);
  });

  it('delivers to a waiting receive a message sent meanwhile', async () => {
    const topic = freshTopic();
    const group = freshGroup();
    const pending = receive({ group, topic, pollMs: 8000 });
    await endpointCaughtUp(); // the receive is waiting
    const id = messageId();
    const sentAt = Date.now();
    expect((await send({ topic, id, body: 'late' })).status.code).toBe('OK');
    const { replies } = await pending;
    expect(Date.now() - sentAt).toBeLessThan(3000);
    expect(statusOf(replies)).toBe('OK');
    const msgs = deliveredMessages(replies);
    expect(msgs.map((m) => m.system_properties.message_id)).toEqual([id]);
    expect(msgs[0]!.body.toString()).toBe('late');
  });

  it('delivers messages with their properties, a receipt handle and attempt 1; filters by tag', async () => {
    const topic = freshTopic();
    const group = freshGroup();
    const a = messageId();
    await send({ topic, id: a, tag: 'A', keys: ['ka'], props: { color: 'red' }, body: 'body-a' });
    await send({ topic, tag: 'B', body: 'body-b' });
    const { replies } = await receive({ group, topic, tags: 'A', batch: 32 });
    expect(statusOf(replies)).toBe('OK');
    const msgs = deliveredMessages(replies);
    expect(msgs).toHaveLength(1);
    const m = msgs[0]!;
    expect(m.topic.name).toBe(topic);
    expect(m.body.toString()).toBe('body-a');
    expect(m.system_properties.message_id).toBe(a);
    expect(m.system_properties.tag).toBe('A');
    expect(m.system_properties.keys).toEqual(['ka']);
    expect(m.user_properties).toEqual({ color: 'red' });
    expect(m.system_properties.delivery_attempt).toBe(1);
    expect(m.system_properties.receipt_handle).toBeTruthy();
    expect(m.system_properties.body_digest?.type).toBe('MD5');
    expect(m.system_properties.body_digest?.checksum).toMatch(/^[0-9A-F]{32}$/);
  });

  it('delivers namespaced topics under their bare name', async () => {
    broker.createTopic({ namespace: 'shop', name: 'carts' });
    broker.createGroup({ namespace: 'shop', name: 'cart-readers' });
    const id = messageId();
    const md = () => meta({ namespace: 'shop' });
    const sent = await call<SendReply>('SendMessage', { messages: [wireMessage({ topic: 'carts', id, namespace: 'shop' })] }, md());
    expect(sent.status.code).toBe('OK');
    expect(broker.getMessageById(id).topic).toBe('shop%carts');
    const { replies } = await receive({ group: 'cart-readers', topic: 'carts' }, md());
    const msgs = deliveredMessages(replies);
    expect(msgs.map((m) => [m.topic.resource_namespace, m.topic.name, m.system_properties.message_id])).toEqual([['shop', 'carts', id]]);
  });
});

describe('ReceiveMessage delivery', () => {
  it('hands each message to one of several concurrent receives', async () => {
    const topic = freshTopic('NORMAL', 4);
    const group = freshGroup();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = messageId();
      ids.push(id);
      await send({ topic, id });
    }
    const results = await Promise.all(Array.from({ length: 6 }, () => receive({ group, topic, batch: 3, pollMs: 300 })));
    const got = results.flatMap((r) => (statusOf(r.replies) === 'OK' ? deliveredMessages(r.replies) : [])).map((m) => m.system_properties.message_id);
    expect([...got].sort()).toEqual([...ids].sort());
  });

  it('caps the batch at 32 messages', async () => {
    const topic = freshTopic('NORMAL', 1);
    const group = freshGroup();
    await Promise.all(Array.from({ length: 40 }, () => send({ topic })));
    const { replies } = await receive({ group, topic, batch: 1000 });
    expect(deliveredMessages(replies)).toHaveLength(32);
  });

  it('delivers an unacknowledged message again after its invisible time, with attempt 2 and a new handle', async () => {
    const topic = freshTopic();
    const group = freshGroup();
    const id = messageId();
    await send({ topic, id });
    const [first] = deliveredMessages((await receive({ group, topic, invisibleMs: 1000 })).replies);
    expect(first!.system_properties.delivery_attempt).toBe(1);
    // Hidden meanwhile.
    const hidden = await receive({ group, topic, pollMs: 200 });
    expect(statusOf(hidden.replies)).toBe('MESSAGE_NOT_FOUND');
    const { replies } = await receive({ group, topic, pollMs: 3000 });
    const [second] = deliveredMessages(replies);
    expect(second!.system_properties.message_id).toBe(id);
    expect(second!.system_properties.delivery_attempt).toBe(2);
    expect(second!.system_properties.receipt_handle).not.toBe(first!.system_properties.receipt_handle);
    const ackReq = (handle: string) => ({
      group: { resource_namespace: '', name: group },
      topic: { resource_namespace: '', name: topic },
      entries: [{ message_id: id, receipt_handle: handle }],
    });
    expect((await call<AckReply>('AckMessage', ackReq(first!.system_properties.receipt_handle!))).status.code).toBe('INVALID_RECEIPT_HANDLE');
    expect((await call<AckReply>('AckMessage', ackReq(second!.system_properties.receipt_handle!))).status.code).toBe('OK');
  });
});

describe('ReceiveMessage deadlines', () => {
  it("answers within the client's deadline when the requested long poll is longer", async () => {
    const topic = freshTopic();
    const group = freshGroup();
    const started = Date.now();
    const { replies } = await collect('ReceiveMessage', receiveRequest({ group, topic, pollMs: 10_000 }), meta(), 2000);
    expect(kinds(replies)).toEqual(['status', 'delivery_timestamp']);
    expect(statusOf(replies)).toBe('MESSAGE_NOT_FOUND');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('survives a receive cancelled by the client mid-poll, and the next receive gets the message', async () => {
    const topic = freshTopic();
    const group = freshGroup();
    const fn = method<ServerStreamFn>('ReceiveMessage');
    const stream = fn.call(client, receiveRequest({ group, topic, pollMs: 5000 }), meta(), { deadline: Date.now() + 10_000 });
    stream.on('error', () => undefined);
    stream.on('data', () => undefined);
    await endpointCaughtUp(); // mid-poll
    stream.cancel();
    // The endpoint has seen the cancellation (a poll still open would take the message sent next).
    await endpointCaughtUp();
    const id = messageId();
    await send({ topic, id });
    const { replies } = await receive({ group, topic });
    expect(deliveredMessages(replies).map((m) => m.system_properties.message_id)).toEqual([id]);
  });
});

describe('QueryAssignment and ForwardMessageToDeadLetterQueue', () => {
  it('assigns one queue (id -1) to a normal group and every queue to a FIFO group', async () => {
    const topic = freshTopic('NORMAL', 3);
    const req = (group: string) => ({
      topic: { resource_namespace: '', name: topic },
      group: { resource_namespace: '', name: group },
      endpoints: { scheme: 'IPv4', addresses: [{ host: '127.0.0.1', port: endpoint.port }] },
    });
    const normal = await call<StatusOnly & { assignments: { message_queue: { id: number } }[] }>('QueryAssignment', req(freshGroup()));
    expect(normal.status.code).toBe('OK');
    expect(normal.assignments.map((a) => a.message_queue.id)).toEqual([-1]);
    const fifo = await call<StatusOnly & { assignments: { message_queue: { id: number } }[] }>('QueryAssignment', req(freshGroup(true)));
    expect(fifo.assignments.map((a) => a.message_queue.id)).toEqual([0, 1, 2]);
    expect((await call<StatusOnly>('QueryAssignment', req('no-such-group'))).status.code).toBe('CONSUMER_GROUP_NOT_FOUND');
  });

  it('moves a received message to the dead-letter topic and finishes it', async () => {
    const topic = freshTopic();
    const group = freshGroup();
    const id = messageId();
    await send({ topic, id, body: 'poison' });
    const [m] = deliveredMessages((await receive({ group, topic })).replies);
    const req = {
      group: { resource_namespace: '', name: group },
      topic: { resource_namespace: '', name: topic },
      receipt_handle: m!.system_properties.receipt_handle,
      message_id: id,
      delivery_attempt: 1,
      max_delivery_attempts: 1,
    };
    expect((await call<StatusOnly>('ForwardMessageToDeadLetterQueue', req)).status.code).toBe('OK');
    const dlq = broker.getMessages(`%DLQ%${group}`, 0, 0, 10);
    expect(dlq.messages.map((x) => x.messageId)).toEqual([id]);
    // Finished: the handle is dead, a second forward is refused.
    expect((await call<StatusOnly>('ForwardMessageToDeadLetterQueue', req)).status.code).toBe('INVALID_RECEIPT_HANDLE');
  });
});

describe('AckMessage and ChangeInvisibleDuration', () => {
  async function receiveOne(): Promise<{ topic: string; group: string; m: WireMessage }> {
    const topic = freshTopic();
    const group = freshGroup();
    await send({ topic, body: 'to-ack' });
    const { replies } = await receive({ group, topic });
    const [m] = deliveredMessages(replies);
    return { topic, group, m: m! };
  }

  function ack(group: string, topic: string, handle: string, id = 'x'): Promise<AckReply> {
    return call<AckReply>('AckMessage', {
      group: { resource_namespace: '', name: group },
      topic: { resource_namespace: '', name: topic },
      entries: [{ message_id: id, receipt_handle: handle }],
    });
  }

  function changeInvisible(group: string, topic: string, handle: string, d: Duration | null): Promise<ChangeInvisibleReply> {
    const req: Record<string, unknown> = {
      group: { resource_namespace: '', name: group },
      topic: { resource_namespace: '', name: topic },
      receipt_handle: handle,
      message_id: 'x',
    };
    if (d) req.invisible_duration = d;
    return call<ChangeInvisibleReply>('ChangeInvisibleDuration', req);
  }

  it('refuses forged, garbage, empty and foreign receipt handles with INVALID_RECEIPT_HANDLE', async () => {
    const { topic, group, m } = await receiveOne();
    const real = m.system_properties.receipt_handle!;
    const raw = Buffer.from(real, 'base64url');
    raw[0] = raw[0]! ^ 0x01;
    const forged = raw.toString('base64url');
    const otherGroup = freshGroup();
    for (const handle of [forged, 'garbage!!', '', 'A'.repeat(5000), real.slice(0, -2)]) {
      const r = await ack(group, topic, handle);
      expect(r.status.code).toBe('INVALID_RECEIPT_HANDLE');
      expect(r.entries[0]!.status.code).toBe('INVALID_RECEIPT_HANDLE');
    }
    expect((await ack(otherGroup, topic, real)).status.code).toBe('INVALID_RECEIPT_HANDLE');
    // The real handle still works, once.
    expect((await ack(group, topic, real, m.system_properties.message_id)).status.code).toBe('OK');
    expect((await ack(group, topic, real)).status.code).toBe('INVALID_RECEIPT_HANDLE');
  });

  it('refuses an ack without entries', async () => {
    const topic = freshTopic();
    const group = freshGroup();
    const r = await call<AckReply>('AckMessage', {
      group: { resource_namespace: '', name: group },
      topic: { resource_namespace: '', name: topic },
      entries: [],
    });
    expect(r.status.code).toBe('BAD_REQUEST');
  });

  it('refuses invisible durations out of 0-12 h with ILLEGAL_INVISIBLE_TIME, and the handle stays valid', async () => {
    const { topic, group, m } = await receiveOne();
    const handle = m.system_properties.receipt_handle!;
    for (const d of [{ seconds: 12 * 3600 + 1, nanos: 0 }, { seconds: -1, nanos: 0 }, { seconds: 1e12, nanos: 0 }, null]) {
      expect((await changeInvisible(group, topic, handle, d)).status.code).toBe('ILLEGAL_INVISIBLE_TIME');
    }
    const changed = await changeInvisible(group, topic, handle, dur(30_000));
    expect(changed.status.code).toBe('OK');
    expect(changed.receipt_handle).toBeTruthy();
    expect(changed.receipt_handle).not.toBe(handle);
    // The old handle died; the new one acks.
    expect((await ack(group, topic, handle)).status.code).toBe('INVALID_RECEIPT_HANDLE');
    expect((await ack(group, topic, changed.receipt_handle)).status.code).toBe('OK');
  });

  it('refuses a change with a forged handle with INVALID_RECEIPT_HANDLE', async () => {
    const { topic, group } = await receiveOne();
    expect((await changeInvisible(group, topic, 'forged-handle', dur(10_000))).status.code).toBe('INVALID_RECEIPT_HANDLE');
  });
});

describe('Heartbeat, Telemetry, NotifyClientTermination', () => {
  it('refuses a heartbeat from a client that sent no settings with UNRECOGNIZED_CLIENT_TYPE', async () => {
    const r = await call<StatusOnly>('Heartbeat', { client_type: 'PRODUCER' });
    expect(r.status.code).toBe('UNRECOGNIZED_CLIENT_TYPE');
  });

  it('refuses a heartbeat without a client id with CLIENT_ID_REQUIRED', async () => {
    const r = await call<StatusOnly>('Heartbeat', { client_type: 'PRODUCER' }, meta({ clientId: null }));
    expect(r.status.code).toBe('CLIENT_ID_REQUIRED');
  });

  it("answers a producer's settings with OK, a body limit and an exponential back-off; then heartbeats are OK", async () => {
    const topic = freshTopic();
    const clientId = newClientId();
    const t = await openTelemetry(meta({ clientId }));
    try {
      t.stream.write(producerSettings(topic));
      const reply = await t.next();
      expect(reply.status?.code).toBe('OK');
      const s = reply.settings!;
      expect(s.client_type).toBe('PRODUCER');
      expect(s.publishing?.max_body_size).toBe(MAX_BODY);
      expect(s.publishing?.max_body_size).toBeGreaterThan(0);
      expect(s.publishing?.topics.map((x) => x.name)).toEqual([topic]);
      expect(s.backoff_policy?.max_attempts).toBeGreaterThan(0);
      const exp = s.backoff_policy?.exponential_backoff;
      expect(exp).toBeTruthy();
      expect(exp!.multiplier).toBeGreaterThan(1);
      expect(exp!.initial.seconds * 1000 + exp!.initial.nanos / 1e6).toBeGreaterThan(0);
      expect(s.backoff_policy?.customized_backoff ?? null).toBeNull();
      // The operator's collector, for the SDK's own metrics (Settings.metric, as the proxy's metricCollectorMode=on).
      expect(s.metric).toMatchObject({ on: true, endpoints: { scheme: 'DOMAIN_NAME', addresses: [{ host: 'collector.example', port: 4317 }] } });

      expect((await call<StatusOnly>('Heartbeat', { client_type: 'PRODUCER' }, meta({ clientId }))).status.code).toBe('OK');
      expect(endpoint.clients.list().map((c) => c.clientId)).toContain(clientId);

      expect((await call<StatusOnly>('NotifyClientTermination', {}, meta({ clientId }))).status.code).toBe('OK');
      expect((await call<StatusOnly>('Heartbeat', { client_type: 'PRODUCER' }, meta({ clientId }))).status.code).toBe('UNRECOGNIZED_CLIENT_TYPE');
    } finally {
      t.close();
    }
  });

  it("answers a consumer's settings with a receive batch size and a long-polling timeout", async () => {
    const topic = freshTopic();
    const group = freshGroup();
    const clientId = newClientId();
    const t = await openTelemetry(meta({ clientId }));
    try {
      t.stream.write(consumerSettings(group, topic, 'PUSH_CONSUMER'));
      const reply = await t.next();
      expect(reply.status?.code).toBe('OK');
      const sub = reply.settings?.subscription;
      expect(sub?.receive_batch_size).toBeGreaterThan(0);
      const poll = sub?.long_polling_timeout;
      expect(poll).toBeTruthy();
      expect(poll!.seconds * 1000 + poll!.nanos / 1e6).toBeGreaterThan(0);
      expect(sub?.fifo).toBe(false);
      expect(reply.settings?.backoff_policy?.max_attempts).toBeGreaterThan(0);

      const hb = await call<StatusOnly>('Heartbeat', { group: { resource_namespace: '', name: group }, client_type: 'PUSH_CONSUMER' }, meta({ clientId }));
      expect(hb.status.code).toBe('OK');
      const listed = endpoint.clients.list({ group });
      expect(listed.map((c) => c.clientId)).toEqual([clientId]);
      // The SDK's own user agent wins over the `x-mq-language: HTTP` header workaround; the address is host:port.
      expect(listed[0]).toMatchObject({ language: 'NODE_JS', version: '5.0.0', host: 'raw-test', platform: 'linux' });
      expect(listed[0]!.address).toMatch(/^(127\.0\.0\.1|\[::1\]|::1|localhost):\d+$/);
    } finally {
      t.close();
    }
  });

  it('reports a FIFO group as fifo in the consumer settings', async () => {
    const topic = freshTopic('FIFO');
    const group = freshGroup(true);
    const t = await openTelemetry(meta());
    try {
      t.stream.write(consumerSettings(group, topic));
      const reply = await t.next();
      expect(reply.status?.code).toBe('OK');
      expect(reply.settings?.subscription?.fifo).toBe(true);
    } finally {
      t.close();
    }
  });

  it('answers settings without publishing or subscription, or without a client id, with an error status', async () => {
    const t = await openTelemetry(meta());
    try {
      t.stream.write({ settings: { client_type: 'PRODUCER', user_agent: userAgent } });
      const reply = await t.next();
      expect(reply.status?.code).toBeTruthy();
      expect(reply.status?.code).not.toBe('OK');
      expect(reply.status?.code).not.toBe('INTERNAL_SERVER_ERROR');
    } finally {
      t.close();
    }
    const anon = await openTelemetry(meta({ clientId: null }));
    try {
      anon.stream.write(producerSettings(freshTopic()));
      expect((await anon.next()).status?.code).toBe('CLIENT_ID_REQUIRED');
    } finally {
      anon.close();
    }
  });

  it('answers NotifyClientTermination with OK even for an unknown client', async () => {
    expect((await call<StatusOnly>('NotifyClientTermination', {})).status.code).toBe('OK');
    expect((await call<StatusOnly>('NotifyClientTermination', { group: { resource_namespace: '', name: 'whatever' } })).status.code).toBe('OK');
  });
});

describe('EndTransaction', () => {
  it('refuses a blank transaction id with INVALID_TRANSACTION_ID', async () => {
    const topic = freshTopic('TRANSACTION');
    for (const transaction_id of ['', '   ']) {
      const r = await call<StatusOnly>('EndTransaction', {
        topic: { resource_namespace: '', name: topic },
        message_id: messageId(),
        transaction_id,
        resolution: 'COMMIT',
        source: 'SOURCE_CLIENT',
      });
      expect(r.status.code).toBe('INVALID_TRANSACTION_ID');
    }
  });
});

describe('queue model: QueryOffset, GetOffset, UpdateOffset, PullMessage', () => {
  async function seeded(): Promise<{ topic: string; group: string; ids: string[] }> {
    const topic = freshTopic('NORMAL', 1);
    const group = freshGroup();
    const ids: string[] = [];
    for (const tag of ['A', 'B', 'A']) {
      const id = messageId();
      ids.push(id);
      expect((await send({ topic, id, tag, body: `m-${tag}` })).status.code).toBe('OK');
    }
    return { topic, group, ids };
  }

  function queryOffset(topic: string, policy: string, queueId = 0, ts?: Duration): Promise<OffsetReply> {
    return call<OffsetReply>('QueryOffset', { message_queue: queueOf(topic, queueId), query_offset_policy: policy, ...(ts ? { timestamp: ts } : {}) });
  }

  function pull(
    group: string,
    topic: string,
    offset: number,
    opts: { queueId?: number; batch?: number; tags?: string; sql?: string; pollMs?: number } = {},
  ) {
    return collect('PullMessage', {
      group: { resource_namespace: '', name: group },
      message_queue: queueOf(topic, opts.queueId ?? 0),
      offset,
      batch_size: opts.batch ?? 32,
      filter_expression: opts.sql !== undefined ? { type: 'SQL', expression: opts.sql } : { type: 'TAG', expression: opts.tags ?? '*' },
      long_polling_timeout: dur(opts.pollMs ?? 300),
    });
  }

  it('QueryOffset answers the beginning, the end and a time', async () => {
    const { topic } = await seeded();
    expect(await queryOffset(topic, 'BEGINNING')).toMatchObject({ status: { code: 'OK' }, offset: 0 });
    expect(await queryOffset(topic, 'END')).toMatchObject({ status: { code: 'OK' }, offset: 3 });
    expect(await queryOffset(topic, 'TIMESTAMP', 0, dur(Date.now() - 3_600_000))).toMatchObject({ status: { code: 'OK' }, offset: 0 });
    expect(await queryOffset(topic, 'TIMESTAMP', 0, dur(Date.now() + 3_600_000))).toMatchObject({ status: { code: 'OK' }, offset: 3 });
  });

  it('GetOffset and UpdateOffset read and move a group offset', async () => {
    const { topic, group } = await seeded();
    const req = { group: { resource_namespace: '', name: group }, message_queue: queueOf(topic) };
    expect(await call<OffsetReply>('GetOffset', req)).toMatchObject({ status: { code: 'OK' }, offset: 0 });
    expect((await call<StatusOnly>('UpdateOffset', { ...req, offset: 2 })).status.code).toBe('OK');
    expect(await call<OffsetReply>('GetOffset', req)).toMatchObject({ status: { code: 'OK' }, offset: 2 });
    expect(broker.consumerOffset(group, topic, 0)).toBe(2);
    // Past the end of the queue.
    expect((await call<StatusOnly>('UpdateOffset', { ...req, offset: 99 })).status.code).toBe('ILLEGAL_OFFSET');
    expect((await call<StatusOnly>('UpdateOffset', { ...req, offset: -1 })).status.code).toBe('ILLEGAL_OFFSET');
    expect(await call<OffsetReply>('GetOffset', req)).toMatchObject({ offset: 2 });
    // Unknown group.
    const unknown = { ...req, group: { resource_namespace: '', name: 'no-such-group' } };
    expect((await call<StatusOnly>('GetOffset', unknown)).status.code).toBe('CONSUMER_GROUP_NOT_FOUND');
    expect((await call<StatusOnly>('UpdateOffset', { ...unknown, offset: 1 })).status.code).toBe('CONSUMER_GROUP_NOT_FOUND');
  });

  it('PullMessage streams a status, the messages, then the next offset', async () => {
    const { topic, group, ids } = await seeded();
    const all = (await pull(group, topic, 0)).replies;
    expect(kinds(all)).toEqual(['status', 'message', 'message', 'message', 'next_offset']);
    expect(all[0]!.status?.code).toBe('OK');
    expect(all.slice(1, 4).map((r) => r.message!.system_properties.message_id)).toEqual(ids);
    expect(all.slice(1, 4).map((r) => r.message!.system_properties.queue_offset)).toEqual([0, 1, 2]);
    expect(all[4]!.next_offset).toBe(3);

    const page = (await pull(group, topic, 1, { batch: 1 })).replies;
    expect(kinds(page)).toEqual(['status', 'message', 'next_offset']);
    expect(page[1]!.message!.system_properties.message_id).toBe(ids[1]);
    expect(page[2]!.next_offset).toBe(2);

    const tagged = (await pull(group, topic, 0, { tags: 'A' })).replies;
    expect(tagged.filter((r) => r.content === 'message').map((r) => r.message!.system_properties.message_id)).toEqual([ids[0], ids[2]]);
    expect(tagged.at(-1)!.next_offset).toBe(3);
  });

  /** Six messages in one queue, with an `amount` property (one without) and a tag each. */
  async function seededAmounts(): Promise<{ topic: string; group: string; ids: string[] }> {
    const topic = freshTopic('NORMAL', 1);
    const group = freshGroup();
    const specs: { amount?: string; tag: string }[] = [
      { amount: '50', tag: 'plain' },
      { amount: '150', tag: 'gold' },
      { tag: 'gold' }, // no amount: NULL, never matches a comparison
      { amount: '101', tag: 'plain' },
      { amount: '100', tag: 'gold' },
      { amount: '300', tag: 'plain' },
    ];
    const ids: string[] = [];
    for (const [i, spec] of specs.entries()) {
      const id = messageId();
      ids.push(id);
      const props: Record<string, string> = spec.amount !== undefined ? { amount: spec.amount } : {};
      expect((await send({ topic, id, tag: spec.tag, props, body: `m-${i}` })).status.code).toBe('OK');
    }
    return { topic, group, ids };
  }

  function pulled(replies: StreamReply[]): WireMessage[] {
    return replies.filter((r) => r.content === 'message').map((r) => r.message!);
  }

  it('PullMessage applies a SQL92 filter like ReceiveMessage', async () => {
    const { topic, group, ids } = await seededAmounts();
    const sql = (await pull(group, topic, 0, { sql: 'amount > 100' })).replies;
    expect(sql[0]!.status?.code).toBe('OK');
    expect(kinds(sql).at(-1)).toBe('next_offset');
    expect(pulled(sql).map((m) => m.system_properties.message_id)).toEqual([ids[1], ids[3], ids[5]]);
    expect(pulled(sql).map((m) => m.system_properties.queue_offset)).toEqual([1, 3, 5]);
    expect(pulled(sql).map((m) => m.user_properties.amount)).toEqual(['150', '101', '300']);
    expect(sql.at(-1)!.next_offset).toBe(6); // past every scanned message, matching or not

    // SQL92 sees the tag as TAGS, as on receive.
    const both = (await pull(group, topic, 0, { sql: "amount >= 100 AND TAGS = 'gold'" })).replies;
    expect(pulled(both).map((m) => m.system_properties.message_id)).toEqual([ids[1], ids[4]]);
    expect(both.at(-1)!.next_offset).toBe(6);
  });

  it('PullMessage refuses a malformed SQL92 filter with ILLEGAL_FILTER_EXPRESSION; a tag filter still works', async () => {
    const { topic, group, ids } = await seededAmounts();
    for (const expression of ['amount >', 'amount > > 1', "(TAGS = 'gold'"]) {
      const bad = (await pull(group, topic, 0, { sql: expression })).replies;
      expect(bad[0]!.status?.code, expression).toBe('ILLEGAL_FILTER_EXPRESSION');
      expect(pulled(bad), expression).toEqual([]);
    }
    const tagged = (await pull(group, topic, 0, { tags: 'gold' })).replies;
    expect(tagged[0]!.status?.code).toBe('OK');
    expect(pulled(tagged).map((m) => m.system_properties.message_id)).toEqual([ids[1], ids[2], ids[4]]);
    expect(tagged.at(-1)!.next_offset).toBe(6);
  });

  it('PullMessage at the end answers MESSAGE_NOT_FOUND after its poll; beyond the end ILLEGAL_OFFSET', async () => {
    const { topic, group } = await seeded();
    const { replies, ms } = await pull(group, topic, 3, { pollMs: 500 });
    expect(kinds(replies)).toEqual(['status', 'next_offset']);
    expect(replies[0]!.status?.code).toBe('MESSAGE_NOT_FOUND');
    expect(replies[1]!.next_offset).toBe(3);
    expect(ms).toBeGreaterThanOrEqual(400);

    const negative = (await pull(group, topic, -1)).replies;
    expect(negative[0]!.status?.code).toBe('ILLEGAL_OFFSET');
    const beyond = (await pull(group, topic, 50)).replies;
    expect(beyond[0]!.status?.code).toBe('ILLEGAL_OFFSET');
    expect(kinds(beyond).at(-1)).toBe('next_offset');
  });

  it('PullMessage wakes up for a message sent during its poll', async () => {
    const { topic, group } = await seeded();
    const pending = pull(group, topic, 3, { pollMs: 5000 });
    await endpointCaughtUp(); // the pull is waiting
    const id = messageId();
    await send({ topic, id });
    const { replies, ms } = await pending;
    expect(replies[0]!.status?.code).toBe('OK');
    expect(replies[1]!.message!.system_properties.message_id).toBe(id);
    expect(ms).toBeLessThan(3000);
  });

  it('refuses a real topic with an out-of-range queue id with BAD_REQUEST', async () => {
    const { topic, group } = await seeded();
    const g = { resource_namespace: '', name: group };
    for (const queueId of [1, 7, -1, -2]) {
      expect((await queryOffset(topic, 'BEGINNING', queueId)).status.code).toBe('BAD_REQUEST');
      expect((await call<StatusOnly>('GetOffset', { group: g, message_queue: queueOf(topic, queueId) })).status.code).toBe('BAD_REQUEST');
      expect((await call<StatusOnly>('UpdateOffset', { group: g, message_queue: queueOf(topic, queueId), offset: 0 })).status.code).toBe('BAD_REQUEST');
      const { replies } = await pull(group, topic, 0, { queueId });
      expect(replies[0]!.status?.code).toBe('BAD_REQUEST');
    }
  });

  it('refuses an unknown topic with TOPIC_NOT_FOUND', async () => {
    const group = freshGroup();
    expect((await queryOffset('no-such-topic', 'END')).status.code).toBe('TOPIC_NOT_FOUND');
    const { replies } = await pull(group, 'no-such-topic', 0);
    expect(replies[0]!.status?.code).toBe('TOPIC_NOT_FOUND');
  });
});

describe('robustness', () => {
  const unary = [
    'QueryRoute',
    'Heartbeat',
    'SendMessage',
    'QueryAssignment',
    'AckMessage',
    'ForwardMessageToDeadLetterQueue',
    'EndTransaction',
    'NotifyClientTermination',
    'ChangeInvisibleDuration',
    'QueryOffset',
    'GetOffset',
    'UpdateOffset',
    'RecallMessage',
    'SyncLiteSubscription',
  ];

  it('answers an empty request to every unary RPC with a status (gRPC OK, no internal error)', async () => {
    const results: Record<string, string> = {};
    for (const rpc of unary) {
      const r = await call<StatusOnly>(rpc, {});
      results[rpc] = r.status?.code ?? 'no status';
    }
    for (const [rpc, code] of Object.entries(results)) {
      expect(code, rpc).not.toBe('no status');
      expect(code, rpc).not.toBe('INTERNAL_SERVER_ERROR');
      if (rpc !== 'NotifyClientTermination') expect(code, rpc).not.toBe('OK');
    }
  });

  it('answers an empty request to the streaming RPCs with a status and ends the stream', async () => {
    for (const rpc of ['ReceiveMessage', 'PullMessage']) {
      const { replies, ms } = await collect(rpc, {});
      expect(kinds(replies)[0], rpc).toBe('status');
      expect(replies[0]!.status?.code, rpc).not.toBe('OK');
      expect(replies[0]!.status?.code, rpc).not.toBe('INTERNAL_SERVER_ERROR');
      expect(ms, rpc).toBeLessThan(2000);
    }
    const { replies } = await collect('ReceiveMessage', {});
    expect(kinds(replies)).toEqual(['status', 'delivery_timestamp']);
  });

  it('handles names with characters outside the allowed set as ILLEGAL_TOPIC / ILLEGAL_CONSUMER_GROUP', async () => {
    expect((await call<StatusOnly>('QueryRoute', { topic: { resource_namespace: '', name: 'bad name!' } })).status.code).toMatch(/ILLEGAL_TOPIC|TOPIC_NOT_FOUND/);
    const { replies } = await receive({ group: 'bad group!', topic: freshTopic() });
    expect(statusOf(replies)).toMatch(/ILLEGAL_CONSUMER_GROUP|CONSUMER_GROUP_NOT_FOUND/);
  });

  it('still serves after all of the above', async () => {
    const topic = freshTopic();
    expect((await call<QueryRouteReply>('QueryRoute', { topic: { resource_namespace: '', name: topic } })).status.code).toBe('OK');
    expect((await send({ topic })).status.code).toBe('OK');
  });
});
