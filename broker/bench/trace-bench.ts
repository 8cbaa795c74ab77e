/**
 * `npm run bench -- trace`: what tracing costs the put and consume paths (trace on vs off, alternated), and
 * how the console's investigation answers at scale (every message delivered and acked, so traces are read too):
 * query by id, key and one page of topic + time through the console's HTTP API (tRPC handler with a real session), a filtered body search page by page, and an NDJSON
 * export of everything (MB/s, with the process's RSS sampled throughout).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { Broker } from '../../server/broker/index.ts';
import { testInstance } from '../../server/console-test-env.ts';
import { contextFromRequest } from '../../server/http-context.ts';
import { appRouter } from '../../server/routers/_app.ts';
import { exportMessages } from '../../server/routes/export.ts';
import { startRouteTestEnv, type RouteTestEnv } from '../../server/routes/route-test-env.ts';
import { drainBacklog } from './drain.ts';
import { mbPerSec, percentile, rate } from './stats.ts';

type Line = Record<string, unknown>;
type Emit = (l: Line) => void;
const BODY = Buffer.alloc(1024, 99);
const INSTANCE = 'bench';
const TOPIC = 'orders';
/** A client id of the usual SDK shape (host@pid@index@random). */
const PRODUCER_ID = 'bench-host@4242@1@rc6qo4lcz2';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function freshBroker(dir: string, trace: boolean): Promise<Broker> {
  fs.rmSync(dir, { recursive: true, force: true });
  const broker = await Broker.open({ dataDir: dir, flush: 'async', trace });
  broker.createTopic({ name: 'bench', queueNums: 8 });
  return broker;
}

/**
 * 64 producers in closed loops, each awaiting its put: the store bench's async p64 case. Each put carries the
 * producer info the gRPC front end passes, so trace on pays for the `__PRODUCER` property it stores.
 */
async function putRate(dir: string, trace: boolean, total: number): Promise<number> {
  const broker = await freshBroker(dir, trace);
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (issued++ < total) await broker.put({ topic: 'bench', body: BODY, keys: [`k${issued}`], producer: { clientId: PRODUCER_ID, sdk: 'JAVA 5.0.7', receivedAt: Date.now() } });
    }),
  );
  const ms = performance.now() - started;
  await broker.close();
  return rate(total, ms);
}

/** Stores `total`, then 8 consumers receive 32 at a time and ack each: every delivery and ack is a trace step. */
async function consumeRate(dir: string, trace: boolean, total: number): Promise<number> {
  const broker = await freshBroker(dir, trace);
  broker.createGroup({ name: 'bench-group' });
  for (let i = 0; i < total; i += 512) await broker.putBatch(Array.from({ length: Math.min(512, total - i) }, () => ({ topic: 'bench', body: BODY })));
  const { ms } = await drainBacklog(broker, { group: 'bench-group', topic: 'bench', total, consumers: 8 });
  await broker.close();
  return rate(total, ms);
}

/** Alternates on and off `rounds` times so drift on a shared machine hits both alike; medians are reported. */
async function onOff(emit: Emit, bench: string, rounds: number, run: (trace: boolean) => Promise<number>): Promise<void> {
  const samples: Record<'on' | 'off', number[]> = { on: [], off: [] };
  await run(false); // warm-up (JIT, page cache), not counted
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) samples[mode].push(await run(mode === 'on'));
  }
  for (const mode of ['on', 'off'] as const) emit({ bench, trace: mode, rounds, msgPerSec: median(samples[mode]), samples: samples[mode] });
  emit({ bench: `${bench}.ratio`, onOfOff: Math.round((median(samples.on) / median(samples.off)) * 1000) / 1000 });
}

/** A JSON body of about 600 bytes with a region and an order number, like a shop's order events. */
function orderBody(i: number): Buffer {
  return Buffer.from(JSON.stringify({ order: i, region: `r${i % 8}`, customer: `c${i % 10_000}`, items: 'x'.repeat(480) }));
}

/** Fills the console's instance with `stored` keyed orders; returns a sample of ids and the time range. */
async function fill(broker: Broker, stored: number): Promise<{ ids: string[]; beginMs: number; endMs: number }> {
  broker.createTopic({ name: TOPIC, queueNums: 8 });
  const ids: string[] = [];
  const beginMs = Date.now();
  for (let i = 0; i < stored; i += 512) {
    const batch = Array.from({ length: Math.min(512, stored - i) }, (_, k) => ({
      topic: TOPIC,
      body: orderBody(i + k),
      tag: `t${(i + k) % 4}`,
      keys: [`order-${i + k}`],
      properties: { region: `r${(i + k) % 8}` },
    }));
    const sent = await broker.putBatch(batch);
    if (i % 5120 === 0) ids.push(sent[0]!.messageId);
  }
  return { ids, beginMs, endMs: Date.now() };
}

/** A tRPC query through the console's HTTP handler, as the browser sends it. */
async function trpcQuery(routes: RouteTestEnv, procedure: string, input: unknown): Promise<unknown> {
  const req = await routes.request(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, 'viewer');
  const res = await fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter, createContext: () => contextFromRequest(req, routes.deps) });
  const body = (await res.json()) as { result?: { data: unknown }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${procedure} failed: ${JSON.stringify(body.error)}`);
  return body.result.data;
}

async function p99Of(n: number, call: (i: number) => Promise<unknown>): Promise<{ p50Ms: number; p99Ms: number }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call(i);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return { p50Ms: round(percentile(samples, 50)), p99Ms: round(percentile(samples, 99)) };
}

/** The ids of a page's messages, as the results table asks for their last trace steps. */
function idsOf(page: unknown): string[] {
  return (page as { rows: { messageId: string }[] }).rows.map((m) => m.messageId);
}

/**
 * Each query as the console's page makes it: a key or time search is the search plus `message.lastSteps` for
 * the ids it returned (the results table's trace column), read from a trace store holding every delivery
 * and ack of the stored messages.
 */
async function queries(emit: Emit, routes: RouteTestEnv, stored: number, ids: string[], beginMs: number, endMs: number, n: number): Promise<void> {
  const base = { instanceId: INSTANCE };
  const withSteps = async (page: unknown) => trpcQuery(routes, 'message.lastSteps', { ...base, messageIds: idsOf(page) });
  emit({ bench: 'trace.query', by: 'id', stored, queries: n, ...(await p99Of(n, (i) => trpcQuery(routes, 'message.get', { ...base, messageId: ids[(i * 7919) % ids.length] }))) });
  emit({
    bench: 'trace.query',
    by: 'key',
    stored,
    queries: n,
    ...(await p99Of(n, async (i) => withSteps(await trpcQuery(routes, 'message.byKey', { ...base, topic: TOPIC, key: `order-${(i * 7919) % stored}` })))),
  });
  const span = endMs - beginMs;
  emit({
    bench: 'trace.query',
    by: 'time',
    stored,
    queries: n,
    pageSize: 20,
    ...(await p99Of(n, async (i) => {
      const from = beginMs + Math.floor((((i * 7919) % 1000) / 1000) * span);
      return withSteps(await trpcQuery(routes, 'message.browse', { ...base, topic: TOPIC, beginMs: from, endMs: Math.min(endMs, from + 2000), order: 'newest', pageSize: 20 }));
    })),
  });
}

/** A body search that matches nothing: every page scans its budget, the cursor carries it over the whole range. */
async function bodySearch(emit: Emit, routes: RouteTestEnv, stored: number, beginMs: number, endMs: number): Promise<void> {
  let cursor: unknown;
  let scanned = 0;
  let pages = 0;
  const started = performance.now();
  do {
    const page = (await trpcQuery(routes, 'message.browse', {
      instanceId: INSTANCE,
      topic: TOPIC,
      beginMs,
      endMs,
      order: 'newest',
      pageSize: 20,
      match: { bodyContains: 'no-such-text' },
      ...(cursor ? { cursor } : {}),
    })) as { nextCursor: unknown; scannedMessages: number };
    scanned += page.scannedMessages;
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  const ms = performance.now() - started;
  emit({ bench: 'trace.search', filter: 'bodyContains', stored, scannedMessages: scanned, pages, msgPerSec: rate(scanned, ms), seconds: Math.round(ms / 100) / 10 });
}

/** Reads the whole NDJSON export through the route handler; RSS is sampled every 100 ms while it streams. */
async function exportAll(emit: Emit, routes: RouteTestEnv, stored: number, endMs: number): Promise<void> {
  const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
  const rss: number[] = [rssMb()];
  const sampler = setInterval(() => rss.push(rssMb()), 100);
  const started = performance.now();
  const res = await exportMessages(await routes.request(`/api/instances/${INSTANCE}/messages/export?topic=${TOPIC}&begin=0&end=${endMs}`, 'viewer'), routes.deps, INSTANCE);
  if (!res.ok || !res.body) throw new Error(`export failed: ${res.status}`);
  let bytes = 0;
  let lines = 0;
  const reader = res.body.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    bytes += r.value.length;
    for (let at = r.value.indexOf(10); at >= 0; at = r.value.indexOf(10, at + 1)) lines++;
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  if (lines !== stored) throw new Error(`export wrote ${lines} lines for ${stored} messages`);
  emit({ bench: 'trace.export', stored, lines, mb: Math.round(bytes / 2 ** 20), mbPerSec: mbPerSec(bytes, ms), msgPerSec: rate(lines, ms), rssStartMb: rss[0], rssMaxMb: Math.max(...rss), rssEndMb: rss.at(-1) });
}

export async function runTraceBench(opts: { dir: string; quick: boolean }, emit: Emit): Promise<void> {
  const dir = path.join(opts.dir, 'trace');
  const puts = opts.quick ? 40_000 : 200_000;
  await onOff(emit, 'trace.put', opts.quick ? 3 : 5, (trace) => putRate(path.join(dir, 'put'), trace, puts));
  await onOff(emit, 'trace.consume', opts.quick ? 3 : 5, (trace) => consumeRate(path.join(dir, 'consume'), trace, puts / 2));
  fs.rmSync(dir, { recursive: true, force: true });

  const stored = opts.quick ? 100_000 : 1_000_000;
  const routes = await startRouteTestEnv();
  try {
    await routes.env.runtime.start(testInstance(INSTANCE, { retentionHours: 24 * 365 }));
    const broker = routes.env.runtime.get(INSTANCE)!.broker!;
    // Created first: a group starts at the end of the log, so it consumes what is stored after it.
    broker.createGroup({ name: 'bench-readers' });
    const started = performance.now();
    const { ids, beginMs, endMs } = await fill(broker, stored);
    emit({ bench: 'trace.fill', stored, msgPerSec: rate(stored, performance.now() - started) });
    // Every message delivered to a group and acked: the queries below read traces of three steps or more.
    const drained = await drainBacklog(broker, { group: 'bench-readers', topic: TOPIC, total: stored, consumers: 8 });
    emit({ bench: 'trace.drain', consumed: drained.consumed, traceEvents: drained.consumed * 2, msgPerSec: rate(drained.consumed, drained.ms) });
    await queries(emit, routes, stored, ids, beginMs, endMs, opts.quick ? 200 : 1000);
    await bodySearch(emit, routes, stored, beginMs, endMs);
    await exportAll(emit, routes, stored, endMs);
  } finally {
    await routes.close();
  }
}
