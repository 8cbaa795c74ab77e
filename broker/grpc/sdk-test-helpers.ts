/**
 * Shared set-up for the SDK integration tests (`sdk-*.test.ts`): a real engine on a temp dir behind a real
 * gRPC endpoint on a free port, and the official Node.js SDK clients pointed at it. No mocks.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Producer,
  PushConsumer,
  SimpleConsumer,
  type MessageListener,
  type MessageView,
  type ProducerOptions,
  type PushConsumerOptions,
  type SimpleConsumerOptions,
} from 'rocketmq-client-nodejs';
import * as grpc from '@grpc/grpc-js';
import { Broker, logger as brokerLogger, type BrokerOptions } from '../../server/broker/index.ts';
import type { TlsFiles } from './h2/server.ts';
import { messagingService } from './proto.ts';
import { GrpcEndpoint } from './server.ts';

// The engine logs JSON lines to stdout at info by default; keep test output readable unless asked otherwise.
brokerLogger.level = process.env.MERIDIAN_LOG_LEVEL ?? 'warn';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The SDK's default logger writes to ~/logs; tests pass this instead. */
export const quietLogger = {
  info(): void {},
  warn(): void {},
  error(): void {},
  debug(): void {},
};

export interface FixtureOptions {
  broker?: Partial<Omit<BrokerOptions, 'dataDir'>>;
  autoCreate?: boolean;
  /** Short long polls keep PushConsumer.shutdown (which waits for in-flight polls) fast. */
  longPollingMs?: number;
  /** Invisible time of push deliveries (renewed while the client is connected). */
  pushInvisibleMs?: number;
  /** Serve gRPC over TLS only (clients then need sslEnabled / grpc credentials.createSsl). */
  tls?: TlsFiles;
}

interface Shutdownable {
  shutdown(): Promise<void>;
}

/** One engine + gRPC endpoint on a temp dir, plus every SDK client made through it (shut down in close()). */
export class Fixture {
  private clients: Shutdownable[] = [];
  private closed = false;

  private constructor(
    readonly dir: string,
    public broker: Broker,
    public endpoint: GrpcEndpoint,
    private readonly opts: FixtureOptions,
  ) {}

  static async start(opts: FixtureOptions = {}): Promise<Fixture> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-sdk-'));
    const broker = await Broker.open(brokerOptions(dir, opts));
    const endpoint = await startEndpoint(broker, opts);
    return new Fixture(dir, broker, endpoint, opts);
  }

  /** `host:port` for the SDK's `endpoints` option (changes on restart). */
  get endpoints(): string {
    return `127.0.0.1:${this.endpoint.port}`;
  }

  /** Creates and starts a Producer (declared topics make startup wait for the broker's settings). */
  async producer(opts: Partial<ProducerOptions> = {}): Promise<Producer> {
    const p = new Producer({ endpoints: this.endpoints, namespace: '', logger: quietLogger, ...opts });
    this.clients.push(p);
    await p.startup();
    return p;
  }

  /** Creates and starts a SimpleConsumer subscribed to `topic` with expression `*` unless told otherwise. */
  async simpleConsumer(
    group: string,
    topic: string,
    opts: Partial<Omit<SimpleConsumerOptions, 'consumerGroup'>> = {},
  ): Promise<SimpleConsumer> {
    const c = new SimpleConsumer({
      endpoints: this.endpoints,
      namespace: '',
      logger: quietLogger,
      consumerGroup: group,
      subscriptions: new Map([[topic, '*']]),
      awaitDuration: 1500,
      ...opts,
    });
    this.clients.push(c);
    await c.startup();
    return c;
  }

  /** Creates and starts a PushConsumer; messages arrive about 1 s after startup (first assignment scan). */
  async pushConsumer(
    group: string,
    topic: string,
    listener: MessageListener,
    opts: Partial<Omit<PushConsumerOptions, 'consumerGroup' | 'messageListener'>> = {},
  ): Promise<PushConsumer> {
    const c = new PushConsumer({
      endpoints: this.endpoints,
      namespace: '',
      logger: quietLogger,
      consumerGroup: group,
      subscriptions: new Map([[topic, '*']]),
      messageListener: listener,
      ...opts,
    });
    this.clients.push(c);
    await c.startup();
    return c;
  }

  /** Shuts a client down now (and forgets it, so close() does not do it again). */
  async shutdown(client: Shutdownable): Promise<void> {
    this.clients = this.clients.filter((c) => c !== client);
    await client.shutdown();
    if (client instanceof PushConsumer) closeConsumeServiceLogger(client);
  }

  /**
   * Simulates a broker restart: shuts every client down, closes the endpoint and the engine, then reopens
   * the same data directory behind a new endpoint (new port).
   */
  async restart(): Promise<void> {
    await this.shutdownClients();
    await this.endpoint.close();
    await this.broker.close();
    this.broker = await Broker.open(brokerOptions(this.dir, this.opts));
    this.endpoint = await startEndpoint(this.broker, this.opts);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.shutdownClients();
      await this.endpoint.close();
      await this.broker.close();
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private async shutdownClients(): Promise<void> {
    const clients = this.clients.splice(0);
    // Cleanup must not hide the test's own failure; a client that fails to shut down is not the point here.
    await Promise.allSettled(clients.map((c) => this.shutdown(c)));
  }
}

function brokerOptions(dir: string, opts: FixtureOptions): BrokerOptions {
  // Small segments and index files keep start-up and disk use low.
  return { dataDir: dir, segmentSize: 8 * MiB, maxMessageSize: 1 * MiB, indexSlots: 4096, indexEntries: 16_384, ...opts.broker };
}

function startEndpoint(broker: Broker, opts: FixtureOptions): Promise<GrpcEndpoint> {
  return GrpcEndpoint.start({
    broker,
    port: 0,
    host: '127.0.0.1',
    longPollingMs: opts.longPollingMs ?? 2000,
    autoCreate: opts.autoCreate ?? false,
    ...(opts.pushInvisibleMs ? { pushInvisibleMs: opts.pushInvisibleMs } : {}),
    ...(opts.tls ? { tls: opts.tls } : {}),
  });
}

/**
 * The PushConsumer's consume service always makes its own file logger (egg-logger) whose flush timer is
 * never cleared; close it so nothing keeps running after the test.
 */
function closeConsumeServiceLogger(c: PushConsumer): void {
  const svc: unknown = c.getConsumeService();
  if (typeof svc !== 'object' || svc === null || !('logger' in svc)) return;
  const log: unknown = svc.logger;
  if (typeof log === 'object' && log !== null && 'close' in log && typeof log.close === 'function') {
    (log.close as () => void).call(log);
  }
}

/** The one wait-for-a-condition helper of the tests (engine and front-end alike). */
export { waitUntil } from '../../server/broker/test-support.ts';

/**
 * Receives until at least `count` messages arrived in total (or `timeoutMs` passed), without acking them.
 * Returns everything received, in order.
 */
export async function receiveAtLeast(
  consumer: SimpleConsumer,
  count: number,
  opts: { invisibleMs?: number; batch?: number; timeoutMs?: number } = {},
): Promise<MessageView[]> {
  const out: MessageView[] = [];
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  while (out.length < count && Date.now() < deadline) {
    const batch = Math.min(opts.batch ?? 32, count - out.length);
    out.push(...(await consumer.receive(batch, opts.invisibleMs ?? 15_000)));
  }
  return out;
}

export function bodies(messages: readonly MessageView[]): string[] {
  return messages.map((m) => m.body.toString());
}

/** Sends `n` messages with bodies `${prefix}-0` … and returns their ids in order. */
export async function sendMany(producer: Producer, topic: string, n: number, prefix = 'm'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await producer.send({ topic, body: Buffer.from(`${prefix}-${i}`) });
    ids.push(r.messageId);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------------------
// Raw gRPC (no SDK): what another SDK or a hand-written client puts on the wire
// ---------------------------------------------------------------------------------------------------------

/** x-mq-date-time as the SDKs format it (yyyyMMdd'T'HHmmss'Z'), of `at` read as UTC. */
export function mqDateTime(at: Date = new Date()): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export interface RawCredentials {
  accessKey: string;
  accessSecret: string;
  /** The signed x-mq-date-time (default: now, UTC). */
  dateTime?: string;
  /** Go and Python encode the signature in lowercase hex, the others in uppercase. */
  lowercase?: boolean;
  /** The Credential field (default the access key; Go sends `<AK>//Rocketmq`). */
  credential?: string;
}

/** The request headers every SDK sends, signed when `creds` is given; `dateTime: null` leaves x-mq-date-time out. */
export function rawMetadata(opts: { creds?: RawCredentials; dateTime?: string | null; clientId?: string } = {}): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-mq-protocol', 'v2');
  md.set('x-mq-language', 'GOLANG');
  md.set('x-mq-client-version', '5.1.4');
  md.set('x-mq-request-id', randomBytes(16).toString('hex'));
  md.set('x-mq-client-id', opts.clientId ?? `raw@${process.pid}@${randomBytes(4).toString('hex')}`);
  const c = opts.creds;
  const signed = c?.dateTime ?? mqDateTime();
  if (opts.dateTime !== null) md.set('x-mq-date-time', opts.dateTime ?? signed);
  if (c) {
    const hex = createHmac('sha1', c.accessSecret).update(signed, 'utf8').digest('hex');
    const signature = c.lowercase ? hex : hex.toUpperCase();
    md.set('authorization', `MQv2-HMAC-SHA1 Credential=${c.credential ?? c.accessKey}, SignedHeaders=x-mq-date-time, Signature=${signature}`);
  }
  return md;
}

export interface RawStatus {
  code: string;
  message: string;
}

/** A MessagingService client of @grpc/grpc-js, with promise wrappers for the three call shapes. */
export class RawClient {
  readonly grpc: grpc.Client;

  constructor(address: string, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}) {
    this.grpc = new (messagingService())(address, credentials, options);
  }

  /** A unary call; a gRPC-level error rejects. */
  unary<T>(rpc: string, req: object, md: grpc.Metadata = rawMetadata(), timeoutMs = 5000): Promise<T> {
    const fn = this.method(rpc) as (r: object, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, res?: unknown) => void) => void;
    return new Promise<T>((resolve, reject) => {
      fn.call(this.grpc, req, md, { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }

  /** A server-streaming call, collected to its end. */
  serverStream<T>(rpc: string, req: object, md: grpc.Metadata = rawMetadata(), timeoutMs = 10_000): Promise<T[]> {
    const fn = this.method(rpc) as (r: object, m: grpc.Metadata, o: grpc.CallOptions) => grpc.ClientReadableStream<T>;
    return new Promise<T[]>((resolve, reject) => {
      const out: T[] = [];
      const stream = fn.call(this.grpc, req, md, { deadline: Date.now() + timeoutMs });
      stream.on('data', (r: T) => out.push(r));
      stream.on('error', reject);
      stream.on('end', () => resolve(out));
    });
  }

  /** Opens a bidirectional stream (Telemetry). */
  duplex<In extends object, Out>(rpc: string, md: grpc.Metadata = rawMetadata(), timeoutMs = 10_000): grpc.ClientDuplexStream<In, Out> {
    const fn = this.method(rpc) as (m: grpc.Metadata, o: grpc.CallOptions) => grpc.ClientDuplexStream<In, Out>;
    return fn.call(this.grpc, md, { deadline: Date.now() + timeoutMs });
  }

  close(): void {
    this.grpc.close();
  }

  private method(rpc: string): unknown {
    const fn = (this.grpc as unknown as Record<string, unknown>)[rpc];
    if (typeof fn !== 'function') throw new Error(`MessagingService has no method ${rpc}`);
    return fn;
  }
}

/** One SendMessage entry on the wire (as proto-loader encodes it), with the message id given. */
export function wireMessage(topic: string, id = `01${randomBytes(16).toString('hex').toUpperCase()}`, body = 'x'): object {
  return {
    topic: { name: topic, resource_namespace: '' },
    user_properties: {},
    system_properties: {
      message_id: id,
      message_type: 'NORMAL',
      body_encoding: 'IDENTITY',
      born_timestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 },
      born_host: 'raw-host',
      queue_id: 0,
      keys: [],
    },
    body: Buffer.from(body),
  };
}
