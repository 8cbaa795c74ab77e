/**
 * The black-box checks: each sends and receives through an instance's real gRPC endpoint with the official
 * SDK, on the prober's own topic and group (resources.ts), and says whether the broker behaved.
 *
 * Every run has a fresh run id, carried as a message property: messages of an earlier run (a round that
 * failed half-way) are acked away when they turn up, never taken for this run's.
 */
import { FilterExpression, Producer, SimpleConsumer, type MessageView, type TransactionChecker } from 'rocketmq-client-nodejs';
import pb from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';
import { CHECK_NAMES, describeFailure, ProbeError, type CheckName, type ProbeOutcome } from './model.ts';
import { PROBE_RESOURCES } from './resources.ts';

/** The probe resources live without a namespace (their reserved prefix keeps them apart). */
const PROBE_NAMESPACE = '';

/** What a check is given: where the broker answers and the run it belongs to. */
export interface ProbeContext {
  /** `127.0.0.1:<port>`, the SDK's `endpoints`. */
  endpoints: string;
  /** Unique per round; tags every message the round sends. */
  runId: string;
}

/** A check never takes longer than this; past it the check fails with TIMEOUT and its clients are shut down. */
export const CHECK_TIMEOUT_MS = 10_000;
/** Shutting a client down talks to the broker (NotifyClientTermination); a dead broker must not hold the round. */
const SHUTDOWN_TIMEOUT_MS = 3_000;
/** SDK request timeout: short, so a dead endpoint fails a call well within the check's budget. */
const REQUEST_TIMEOUT_MS = 2_000;
/** Long poll of one receive: answers at once when a message is there; bounds a loop's step when none is. */
const AWAIT_MS = 1_000;
/** Messages one receive asks for: a check expects at most a few, leftovers of failed runs included. */
const RECEIVE_BATCH = 16;
/** The engine's shortest invisible time (the gRPC endpoint's default minimum): makes redelivery quick. */
const MIN_INVISIBLE_MS = 1_000;
/** Invisible time while a check holds a message: longer than any check, so nothing comes back by itself. */
const HOLD_INVISIBLE_MS = 30_000;
/** How far ahead the delay check's message is due. */
export const DELAY_MS = 2_000;
/** Clock granularity allowed before a delayed message counts as early (same host, same clock). */
const EARLY_TOLERANCE_MS = 50;
/** How long past the invisible time the ack check watches for a redelivery that must not come. */
const REDELIVERY_WATCH_MS = 500;
/** Messages per FIFO check: three are enough to see an order. */
const FIFO_MESSAGES = 3;

/** Property naming the run a message belongs to, and the position of a message within its check. */
const RUN_PROPERTY = 'probe_run';
const SEQ_PROPERTY = 'probe_seq';
const SQL_PROPERTY = 'probe_kind';

/** The quiet logger the SDK gets (its default writes files under ~/logs). */
const quietLogger = { info(): void {}, warn(): void {}, error(): void {}, debug(): void {} };

interface Shutdownable {
  shutdown(): Promise<void>;
}

/** The clients of one check, its deadline, and helpers over the run id; close() shuts every client down. */
class ProbeSession {
  private readonly clients: { client: Shutdownable; starting: Promise<void> | undefined }[] = [];
  private readonly deadline: number;
  /** Set by begin(): when the message path started being measured. */
  startedAt: number | undefined;

  constructor(
    readonly ctx: ProbeContext,
    readonly check: CheckName,
    timeoutMs: number,
  ) {
    this.deadline = Date.now() + timeoutMs;
  }

  get resource(): (typeof PROBE_RESOURCES)[CheckName] {
    return PROBE_RESOURCES[this.check];
  }

  /** Starts the latency clock (after the clients are up). */
  begin(): void {
    this.startedAt = Date.now();
  }

  /** Throws TIMEOUT once the check's time is up: every loop calls it, so none outlives the check. */
  ensureTime(what: string): void {
    if (Date.now() >= this.deadline) throw new ProbeError('TIMEOUT', `No verdict within ${CHECK_TIMEOUT_MS / 1000} s: ${what}`);
  }

  async producer(checker?: TransactionChecker): Promise<Producer> {
    const p = new Producer({ endpoints: this.ctx.endpoints, namespace: PROBE_NAMESPACE, logger: quietLogger, requestTimeout: REQUEST_TIMEOUT_MS, topics: [this.resource.topic], ...(checker ? { checker } : {}) });
    await this.start(p);
    return p;
  }

  async consumer(filter: string | FilterExpression = '*'): Promise<SimpleConsumer> {
    const c = new SimpleConsumer({
      endpoints: this.ctx.endpoints,
      namespace: PROBE_NAMESPACE,
      logger: quietLogger,
      requestTimeout: REQUEST_TIMEOUT_MS,
      consumerGroup: this.resource.group,
      subscriptions: new Map([[this.resource.topic, filter]]),
      awaitDuration: AWAIT_MS,
    });
    await this.start(c);
    return c;
  }

  /** Starts a client and keeps it for close(), remembering whether its start-up is still under way. */
  private async start(client: Shutdownable & { startup(): Promise<void> }): Promise<void> {
    const entry: { client: Shutdownable; starting: Promise<void> | undefined } = { client, starting: undefined };
    entry.starting = client.startup().finally(() => (entry.starting = undefined));
    this.clients.push(entry);
    await entry.starting;
  }

  /** The properties that mark a message as this run's (plus the check's own). */
  props(extra: Record<string, string> = {}): Map<string, string> {
    return new Map([[RUN_PROPERTY, this.ctx.runId], ...Object.entries(extra)]);
  }

  isMine(m: MessageView): boolean {
    return m.properties.get(RUN_PROPERTY) === this.ctx.runId;
  }

  /**
   * Receives until `done` says so, handing this run's messages to `onMine`; an earlier run's leftovers are
   * acked so they stop coming back. Throws NOT_RECEIVED naming `what` at the deadline.
   */
  async receiveUntil(consumer: SimpleConsumer, what: string, onMine: (m: MessageView) => Promise<boolean>, invisibleMs = HOLD_INVISIBLE_MS): Promise<void> {
    for (;;) {
      if (Date.now() >= this.deadline) throw new ProbeError('NOT_RECEIVED', `Not received within ${CHECK_TIMEOUT_MS / 1000} s: ${what}`);
      for (const m of await consumer.receive(RECEIVE_BATCH, invisibleMs)) {
        if (!this.isMine(m)) {
          await consumer.ack(m).catch(() => undefined); // a leftover's handle may have expired meanwhile
          continue;
        }
        if (await onMine(m)) return;
      }
    }
  }

  /** Shuts every client down, each bounded in time; a failure to shut down is not the check's verdict. */
  async close(): Promise<void> {
    const clients = this.clients.splice(0);
    for (const { client, starting } of clients) {
      // A start-up cut off by the timeout may still succeed later and arm the SDK's timers (heartbeat, route
      // refresh): shut the client down again then, so nothing keeps running after the check.
      starting?.then(() => client.shutdown()).catch(() => undefined);
    }
    await Promise.allSettled(clients.map(({ client }) => withTimeout(client.shutdown(), SHUTDOWN_TIMEOUT_MS, 'client shutdown')));
  }
}

/** Rejects with TIMEOUT if `p` has not settled within `ms` (the timer is cleared either way). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError('TIMEOUT', `No verdict within ${ms / 1000} s: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------
// The checks

type Check = (s: ProbeSession) => Promise<void>;

/** Normal: one message sent, received and acked. */
const normal: Check = async (s) => {
  const consumer = await s.consumer();
  const producer = await s.producer();
  s.begin();
  await producer.send({ topic: s.resource.topic, keys: [s.ctx.runId], properties: s.props(), body: Buffer.from('probe') });
  await s.receiveUntil(consumer, 'the sent message', async (m) => {
    await consumer.ack(m);
    return true;
  });
};

/** FIFO: three messages of one message group (fresh per run) arrive one after another, in send order. */
const fifo: Check = async (s) => {
  const consumer = await s.consumer();
  const producer = await s.producer();
  s.begin();
  const messageGroup = `probe-${s.ctx.runId}`;
  for (let i = 0; i < FIFO_MESSAGES; i++) {
    await producer.send({ topic: s.resource.topic, messageGroup, properties: s.props({ [SEQ_PROPERTY]: String(i) }), body: Buffer.from(`probe-${i}`) });
  }
  const seen: string[] = [];
  await s.receiveUntil(consumer, `${FIFO_MESSAGES} messages of one group (got ${seen.length})`, async (m) => {
    seen.push(m.properties.get(SEQ_PROPERTY) ?? '?');
    if (seen.at(-1) !== String(seen.length - 1)) throw new ProbeError('OUT_OF_ORDER', `Received in the order ${seen.join(', ')}; sent 0..${FIFO_MESSAGES - 1}`);
    // The next message of the group is released only once this one is acked.
    await consumer.ack(m);
    return seen.length === FIFO_MESSAGES;
  });
};

/** Delay: a message due DELAY_MS ahead must not arrive before it is due, and must arrive soon after. */
const delay: Check = async (s) => {
  const consumer = await s.consumer();
  const producer = await s.producer();
  s.begin();
  const dueAt = Date.now() + DELAY_MS;
  await producer.send({ topic: s.resource.topic, deliveryTimestamp: new Date(dueAt), properties: s.props(), body: Buffer.from('probe') });
  await s.receiveUntil(consumer, `the message due ${DELAY_MS / 1000} s after sending`, async (m) => {
    const early = dueAt - Date.now();
    await consumer.ack(m);
    if (early > EARLY_TOLERANCE_MS) throw new ProbeError('EARLY_DELIVERY', `Delivered ${early} ms before it was due`);
    return true;
  });
};

/** Transaction: a half message is committed with the SDK's transaction API, then delivered. */
const transaction: Check = async (s) => {
  const consumer = await s.consumer();
  // Check-backs come only for halves left unresolved: this run's is committed (as the check does anyway);
  // an earlier, failed run's is rolled back so it never reaches the group.
  const producer = await s.producer({
    check: async (m: MessageView) => (s.isMine(m) ? pb.TransactionResolution.COMMIT : pb.TransactionResolution.ROLLBACK),
  });
  s.begin();
  const tx = producer.beginTransaction();
  await producer.send({ topic: s.resource.topic, properties: s.props(), body: Buffer.from('probe') }, tx);
  await tx.commit();
  await s.receiveUntil(consumer, 'the committed message', async (m) => {
    await consumer.ack(m);
    return true;
  });
};

/**
 * Sends a message that must be filtered out, then one that must pass: on one queue the first is stored first,
 * so if the filter let it through it would arrive before (or with) the second.
 */
async function filterCheck(s: ProbeSession, filter: string | FilterExpression, send: (producer: Producer, pass: boolean) => Promise<unknown>): Promise<void> {
  const consumer = await s.consumer(filter);
  const producer = await s.producer();
  s.begin();
  await send(producer, false);
  await send(producer, true);
  await s.receiveUntil(consumer, 'the message the filter passes', async (m) => {
    await consumer.ack(m);
    if (m.properties.get(SEQ_PROPERTY) !== 'pass') throw new ProbeError('FILTER_LEAK', `The filter ${String(filter)} let a non-matching message through`);
    return true;
  });
}

/** Tag filter: a consumer of tag `probe-a` gets the `probe-a` message, never the `probe-b` one. */
const tagFilter: Check = (s) =>
  filterCheck(s, 'probe-a', (producer, pass) =>
    producer.send({ topic: s.resource.topic, tag: pass ? 'probe-a' : 'probe-b', properties: s.props({ [SEQ_PROPERTY]: pass ? 'pass' : 'block' }), body: Buffer.from('probe') }),
  );

/** SQL filter: a SQL92 expression on a user property passes the matching message only. */
const sqlFilter: Check = (s) =>
  filterCheck(s, new FilterExpression(`${SQL_PROPERTY} = 'match'`, pb.FilterType.SQL), (producer, pass) =>
    producer.send({ topic: s.resource.topic, properties: s.props({ [SEQ_PROPERTY]: pass ? 'pass' : 'block', [SQL_PROPERTY]: pass ? 'match' : 'other' }), body: Buffer.from('probe') }),
  );

/** Ack: a message acked within its (shortest) invisible time does not come back once that time is over. */
const ack: Check = async (s) => {
  const consumer = await s.consumer();
  const producer = await s.producer();
  s.begin();
  await producer.send({ topic: s.resource.topic, properties: s.props(), body: Buffer.from('probe') });
  let messageId = '';
  await s.receiveUntil(
    consumer,
    'the message to ack',
    async (m) => {
      await consumer.ack(m);
      messageId = m.messageId;
      return true;
    },
    MIN_INVISIBLE_MS,
  );
  const watchUntil = Date.now() + MIN_INVISIBLE_MS + REDELIVERY_WATCH_MS;
  while (Date.now() < watchUntil) {
    s.ensureTime('watching for a redelivery of the acked message');
    for (const m of await consumer.receive(RECEIVE_BATCH, MIN_INVISIBLE_MS)) {
      await consumer.ack(m).catch(() => undefined);
      if (m.messageId === messageId) throw new ProbeError('REDELIVERED', `The acked message ${messageId} was delivered again (attempt ${m.deliveryAttempt ?? '?'})`);
    }
  }
};

/** Nack and redeliver: a received message is not acked, its invisible time cut short; it comes back as attempt 2. */
const nackRedeliver: Check = async (s) => {
  const consumer = await s.consumer();
  const producer = await s.producer();
  s.begin();
  await producer.send({ topic: s.resource.topic, properties: s.props(), body: Buffer.from('probe') });
  let firstId = '';
  await s.receiveUntil(consumer, 'the first delivery', async (m) => {
    firstId = m.messageId;
    await consumer.changeInvisibleDuration(m, MIN_INVISIBLE_MS);
    return true;
  });
  await s.receiveUntil(consumer, 'the redelivery of the message not acked', async (m) => {
    if (m.messageId !== firstId) return false;
    await consumer.ack(m);
    if (m.deliveryAttempt !== 2) throw new ProbeError('WRONG_ATTEMPT', `Redelivered with delivery attempt ${m.deliveryAttempt ?? 'none'}, expected 2`);
    return true;
  });
};

const CHECKS: Record<CheckName, Check> = { normal, fifo, delay, transaction, tag_filter: tagFilter, sql_filter: sqlFilter, ack, nack_redeliver: nackRedeliver };

/**
 * Runs one check within CHECK_TIMEOUT_MS and shuts its clients down; never throws: a failure is the outcome.
 * The resources must exist (ensureProbeResources) before a check runs.
 */
export async function runCheck(check: CheckName, ctx: ProbeContext, timeoutMs = CHECK_TIMEOUT_MS): Promise<ProbeOutcome> {
  const session = new ProbeSession(ctx, check, timeoutMs);
  const started = Date.now();
  try {
    await withTimeout(CHECKS[check](session), timeoutMs, `the ${check} check`);
    return { ok: true, latencyMs: Date.now() - (session.startedAt ?? started) };
  } catch (e) {
    return { ok: false, latencyMs: Date.now() - (session.startedAt ?? started), error: describeFailure(e) };
  } finally {
    await session.close();
  }
}

/** Every check, one after another (the delay and redelivery checks take a few seconds each). */
export async function runAllChecks(ctx: ProbeContext, timeoutMs = CHECK_TIMEOUT_MS): Promise<Map<CheckName, ProbeOutcome>> {
  const out = new Map<CheckName, ProbeOutcome>();
  for (const check of CHECK_NAMES) out.set(check, await runCheck(check, ctx, timeoutMs));
  return out;
}
