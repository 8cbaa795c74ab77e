/**
 * Shared set-up for the SDK integration tests (`sdk-*.test.ts`): a real engine on a temp dir behind a real
 * gRPC endpoint on a free port, and the official Node.js SDK clients pointed at it. No mocks.
 */
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
import { Broker, logger as brokerLogger, type BrokerOptions } from '../../server/broker/index.ts';
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
