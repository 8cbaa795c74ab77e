/**
 * `npm run bench -- metrics`: what Meridian's metrics cost. Put throughput with metrics on (counted, and
 * scraped every second meanwhile) against off, alternated; the console sampler's tick at 1,000 topics and
 * 1,000 groups; a 30-day chart query's p99 over a filled history; a `/metrics` scrape at 1,000 topics.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Broker } from '../../server/broker/index.ts';
import { startConsoleTestEnv, testInstance } from '../../server/console-test-env.ts';
import { startMetrics } from '../../server/metrics-export.ts';
import { MetricSampler } from '../../server/metrics-history/sampler.ts';
import { HistoryStore, ROLLUP_MS, SAMPLE_MS, TIERS } from '../../server/metrics-history/store.ts';
import { percentile } from './stats.ts';

type Line = Record<string, unknown>;
const BODY = Buffer.alloc(1024, 97);
const PRODUCERS = 64;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * msg/s and process CPU per put of `total` async puts by 64 closed-loop producers; with metrics on, a scrape
 * runs every second (a harsher cadence than Prometheus's usual 15 s).
 */
async function putRound(dir: string, on: boolean, total: number, scrape: () => Promise<string>): Promise<{ msgPerSec: number; cpuUs: number }> {
  fs.rmSync(dir, { recursive: true, force: true });
  const broker = await Broker.open({ dataDir: dir, metrics: { enabled: on } });
  broker.createTopic({ name: 'bench', queueNums: 8 });
  const scraper = on ? setInterval(() => void scrape(), 1000) : undefined;
  let issued = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (issued < total) {
        issued++;
        await broker.put({ topic: 'bench', body: BODY });
      }
    }),
  );
  const msgPerSec = Math.round(total / ((performance.now() - started) / 1000));
  const cpu = process.cpuUsage(cpu0);
  clearInterval(scraper);
  await broker.close();
  return { msgPerSec, cpuUs: Math.round(((cpu.user + cpu.system) / total) * 100) / 100 };
}

/** A broker with `topics` topics (2 queues, a message each) and as many groups, each consuming one topic. */
async function wideBroker(broker: Broker, topics: number): Promise<void> {
  for (let i = 0; i < topics; i++) {
    broker.createTopic({ name: `t${i}`, queueNums: 2 });
    broker.createGroup({ name: `g${i}` });
    await broker.put({ topic: `t${i}`, body: BODY });
    broker.commitOffset(`g${i}`, `t${i}`, 0, 0);
  }
}

async function samplerAndScrape(emit: (l: Line) => void, topics: number, ticks: number): Promise<void> {
  const env = await startConsoleTestEnv();
  const metrics = startMetrics();
  try {
    await env.db.instance.create({ data: { id: 'bench', name: 'bench', region: 'local', grpcPort: 0 } });
    await env.runtime.start(testInstance('bench', { name: 'bench' }));
    await wideBroker(env.runtime.get('bench')!.broker!, topics);
    const sampler = new MetricSampler(env.runtime, new HistoryStore(env.db));
    const tickMs: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < ticks; i++) {
      const started = performance.now();
      await sampler.tick(t0 + i * SAMPLE_MS);
      tickMs.push(performance.now() - started);
    }
    const steady = tickMs.slice(1);
    emit({ bench: 'metrics.sampler.tick', topics, groups: topics, ticks: steady.length, p50Ms: round(median(steady)), maxMs: round(Math.max(...steady)), rowsPerTick: 1 + 2 * Math.min(topics, 100) });
    const scrapeMs: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      bytes = (await metrics.scrape()).length;
      scrapeMs.push(performance.now() - started);
    }
    scrapeMs.sort((a, b) => a - b);
    emit({ bench: 'metrics.scrape', topics, groups: topics, scrapes: scrapeMs.length, p50Ms: round(percentile(scrapeMs, 50)), p99Ms: round(percentile(scrapeMs, 99)), bytes });
  } finally {
    await env.close();
    await metrics.shutdown();
  }
}

/** A full history (a day of 10-second points, 30 days of 5-minute and hourly rollups) for `series` series, then chart queries. */
async function chartQuery(emit: (l: Line) => void, series: number, queries: number): Promise<void> {
  const env = await startConsoleTestEnv();
  try {
    await env.db.instance.create({ data: { id: 'bench', name: 'bench', region: 'local', grpcPort: 0 } });
    const now = Math.floor(Date.now() / ROLLUP_MS) * ROLLUP_MS;
    const values = JSON.stringify({ out: 120.5, retries: 0.3, dlq: 0, lag: 4200, lagSec: 12.5, inflight: 32, ready: 4168 });
    for (let s = 0; s < series; s++) {
      const row = await env.db.metricSeries.create({ data: { instanceId: 'bench', kind: 'group', name: `g${s}` } });
      // Every tier full, as 30 days of sampling and rollups leave it.
      for (const tier of TIERS) {
        const data = Array.from({ length: tier.keepMs / tier.ms }, (_, i) => ({ seriesId: row.id, resolution: tier.ms / 1000, at: new Date(now - tier.keepMs + i * tier.ms), values }));
        for (let i = 0; i < data.length; i += 2000) await env.db.metricSample.createMany({ data: data.slice(i, i + 2000) });
      }
    }
    const store = new HistoryStore(env.db);
    for (const [range, spanMs] of [['30d', 30 * 24 * 3_600_000], ['24h', 24 * 3_600_000]] as const) {
      const ms: number[] = [];
      let points = 0;
      for (let q = 0; q < queries; q++) {
        const started = performance.now();
        points = (await store.chart({ instanceId: 'bench', kind: 'group', name: `g${q % series}` }, now - spanMs, now, now)).points.length;
        ms.push(performance.now() - started);
      }
      ms.sort((a, b) => a - b);
      emit({ bench: 'metrics.chart.query', range, series, storedPerSeries: TIERS.reduce((n, t) => n + t.keepMs / t.ms, 0), queries, points, p50Ms: round(percentile(ms, 50)), p99Ms: round(percentile(ms, 99)) });
    }
  } finally {
    await env.close();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export async function runMetricsBench(opts: { dir: string; quick: boolean }, emit: (l: Line) => void): Promise<void> {
  const dir = path.join(opts.dir, 'metrics');
  const metrics = startMetrics();
  const total = opts.quick ? 100_000 : 300_000;
  const rounds = opts.quick ? 3 : 7;
  const on: { msgPerSec: number; cpuUs: number }[] = [];
  const off: { msgPerSec: number; cpuUs: number }[] = [];
  try {
    // Alternated, and which side goes first alternates too, so drift in the machine's speed and the JIT's
    // warm-up land on both sides.
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 === 0 ? [false, true] : [true, false]) (side ? on : off).push(await putRound(dir, side, total, () => metrics.scrape()));
    }
  } finally {
    await metrics.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rate = (xs: typeof on) => median(xs.map((x) => x.msgPerSec));
  const cpu = (xs: typeof on) => median(xs.map((x) => x.cpuUs));
  emit({
    bench: 'metrics.put.ratio',
    producers: PRODUCERS,
    messages: total,
    rounds,
    onMsgPerSec: rate(on),
    offMsgPerSec: rate(off),
    onOfOff: Math.round((rate(on) / rate(off)) * 1000) / 1000,
    cpuUsPerPutOn: cpu(on),
    cpuUsPerPutOff: cpu(off),
    cpuOnOfOff: Math.round((cpu(on) / cpu(off)) * 1000) / 1000,
    on: on.map((x) => x.msgPerSec),
    off: off.map((x) => x.msgPerSec),
  });
  await samplerAndScrape(emit, 1000, opts.quick ? 4 : 10);
  await chartQuery(emit, opts.quick ? 5 : 20, opts.quick ? 20 : 50);
}
