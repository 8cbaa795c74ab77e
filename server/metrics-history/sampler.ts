import { logger } from '../broker/index.ts';
import { embeddedAdmin } from '../broker-admin.ts';
import type { Db } from '../db.ts';
import type { Runtime } from '../runtime.ts';
import type { PointValues } from './fields.ts';
import { pointsBetween } from './rates.ts';
import { snapshotOf, type InstanceSnapshot } from './snapshot.ts';
import { HistoryStore, SAMPLE_MS, type SeriesKey } from './store.ts';

/**
 * Series kept per instance and kind at most: the busiest topics and groups. With the instance's own series,
 * 201 series × (8,640 ten-second points + 8,640 five-minute points) bound the history of one instance at
 * ~3.5 M rows (~0.5 GB in SQLite at ~150 B a row) whatever the number of topics; idle entities write nothing.
 */
export const MAX_SERIES_PER_KIND = 100;

/**
 * Every 10 s, reads each running instance's metrics (as a scrape would), turns two consecutive snapshots
 * into rates, and stores the instance's point plus those of its busiest topics and groups; every 5 minutes
 * it rolls the points up. A topic or group is written while it is active and once more when it goes idle,
 * so a chart's lag falls back to zero rather than stopping at its last value.
 */
export class MetricSampler {
  private readonly previous = new Map<string, InstanceSnapshot>();
  private readonly writtenLastTick = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly store: HistoryStore,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.tick(Date.now()).finally(() => (this.running = undefined));
    }, SAMPLE_MS).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sampling round at `now` (tests call it directly). */
  async tick(now: number): Promise<void> {
    const at = Math.floor(now / SAMPLE_MS) * SAMPLE_MS;
    const rows: { key: SeriesKey; values: PointValues }[] = [];
    for (const entry of this.runtime.list()) {
      const admin = embeddedAdmin(entry);
      if (!admin) continue;
      const id = entry.spec.id;
      try {
        const snap = snapshotOf(await admin.metricSamples(), now);
        // Counters start at zero when the broker opens: the first tick measures from there.
        const started = entry.startedAt;
        const before = this.previous.get(id) ?? (started !== undefined && started < now ? snapshotOf([], started) : undefined);
        this.previous.set(id, snap);
        if (!before) continue;
        rows.push(...this.pointsOf(id, pointsBetween(snap, before)));
      } catch (e) {
        logger.warn({ event: 'metrics.sample_failed', instance: entry.spec.name, err: (e as Error).message }, 'metrics sample failed');
      }
    }
    await this.store.write(at, rows);
    await this.store.rollUp(now);
  }

  private pointsOf(instanceId: string, p: ReturnType<typeof pointsBetween>): { key: SeriesKey; values: PointValues }[] {
    const last = this.writtenLastTick.get(instanceId) ?? new Set<string>();
    const pick = (kind: 'topic' | 'group', entities: Map<string, PointValues>, score: (v: PointValues) => number) =>
      [...entities]
        .map(([name, values]) => ({ name, values, score: score(values) }))
        .filter((e) => e.score > 0 || last.has(`${kind}:${e.name}`))
        .sort((a, b) => b.score - a.score)
        .slice(0, MAX_SERIES_PER_KIND)
        .map((e) => ({ key: { instanceId, kind, name: e.name }, values: e.values }));
    const num = (v: number | number[] | undefined) => (typeof v === 'number' ? v : 0);
    const topics = pick('topic', p.topics, (v) => num(v.in) + num(v.out) + num(v.backlog) + num(v.dlq));
    const groups = pick('group', p.groups, (v) => num(v.lag) + num(v.out) + num(v.inflight) + num(v.dlq));
    this.writtenLastTick.set(instanceId, new Set([...topics, ...groups].filter((r) => hasActivity(r.values)).map((r) => `${r.key.kind}:${r.key.name}`)));
    return [{ key: { instanceId, kind: 'instance', name: '' }, values: p.instance }, ...topics, ...groups];
  }
}

function hasActivity(v: PointValues): boolean {
  return Object.values(v).some((x) => (Array.isArray(x) ? x.some((n) => n > 0) : x > 0));
}

/** Starts the console's sampler over the runtime's instances; resolves the returned stop once a tick in flight ends. */
export function startMetricSampler(db: Db, runtime: Runtime): () => Promise<void> {
  const sampler = new MetricSampler(runtime, new HistoryStore(db));
  sampler.start();
  return () => sampler.stop();
}
