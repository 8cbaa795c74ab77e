import type { Db } from '../db.ts';
import { fold, type PointValues, type SeriesKind, type SpanPoint } from './fields.ts';

/** Sampling resolution, kept for a day. */
export const SAMPLE_MS = 10_000;
/** Rollup resolution, kept for 30 days. */
export const ROLLUP_MS = 300_000;
export const SAMPLE_RETENTION_MS = 24 * 3_600_000;
export const ROLLUP_RETENTION_MS = 30 * 24 * 3_600_000;
/** A chart gets at most this many points per series (the range is downsampled on the server). */
export const MAX_CHART_POINTS = 240;

/**
 * Resolutions kept, finest first, each rolled up from the one before. The hourly tier is what a 30-day chart
 * reads (720 rows instead of 8,640 five-minute ones: the 30-day query's p99 was 204 ms on 5-minute rows,
 * against a 100 ms target); it adds 1/12 to the rows kept.
 */
export const TIERS = [
  { ms: SAMPLE_MS, keepMs: SAMPLE_RETENTION_MS },
  { ms: ROLLUP_MS, keepMs: ROLLUP_RETENTION_MS },
  { ms: 3_600_000, keepMs: ROLLUP_RETENTION_MS },
] as const;

type Tier = (typeof TIERS)[number];

export interface SeriesKey {
  instanceId: string;
  kind: SeriesKind;
  /** Topic or group name; '' for the instance. */
  name: string;
}

export interface ChartSeries {
  /** Milliseconds one point covers. */
  stepMs: number;
  /** One point per step from the range's start, values folded from the stored points in it ({} when none). */
  points: { at: number; values: PointValues }[];
}

const secondsOf = (t: Tier) => t.ms / 1000;

/** Reads and writes the console's own metric history in the control-plane database. */
export class HistoryStore {
  private readonly ids = new Map<string, number>();
  /** Per coarser tier, windows before this are rolled up (read from the newest row on first use). */
  private readonly rolledUntil = new Map<number, number>();

  constructor(private readonly db: Db) {}

  /** Stores one sampling tick's points (10-second resolution). */
  async write(at: number, points: readonly { key: SeriesKey; values: PointValues }[]): Promise<void> {
    if (points.length === 0) return;
    const rows: { seriesId: number; resolution: number; at: Date; values: string }[] = [];
    for (const p of points) rows.push({ seriesId: await this.seriesId(p.key), resolution: SAMPLE_MS / 1000, at: new Date(at), values: JSON.stringify(p.values) });
    await this.db.metricSample.createMany({ data: rows });
    await this.db.metricSeries.updateMany({ where: { id: { in: rows.map((r) => r.seriesId) } }, data: { lastAt: new Date(at) } });
  }

  /**
   * Rolls each tier's finished windows up from the tier below (5 minutes from 10 seconds, an hour from 5
   * minutes), then deletes what is past its retention. Each window is rolled once.
   */
  async rollUp(now: number): Promise<number> {
    let rolled = 0;
    for (let t = 1; t < TIERS.length; t++) rolled += await this.rollTier(TIERS[t - 1]!, TIERS[t]!, now);
    for (const tier of TIERS) await this.db.metricSample.deleteMany({ where: { resolution: secondsOf(tier), at: { lt: new Date(now - tier.keepMs) } } });
    await this.db.metricSeries.deleteMany({ where: { lastAt: { lt: new Date(now - ROLLUP_RETENTION_MS) } } });
    return rolled;
  }

  private async rollTier(from: Tier, to: Tier, now: number): Promise<number> {
    const current = Math.floor(now / to.ms) * to.ms;
    const done = this.rolledUntil.get(to.ms) ?? (await this.tierEnd(to)) ?? current - to.ms;
    let rolled = 0;
    for (let start = Math.max(done, current - from.keepMs); start < current; start += to.ms) rolled += await this.rollWindow(from, to, start);
    this.rolledUntil.set(to.ms, Math.max(done, current));
    return rolled;
  }

  private async rollWindow(from: Tier, to: Tier, start: number): Promise<number> {
    const rows = await this.db.metricSample.findMany({
      where: { resolution: secondsOf(from), at: { gte: new Date(start), lt: new Date(start + to.ms) } },
      select: { seriesId: true, values: true, series: { select: { kind: true } } },
      orderBy: { at: 'asc' },
    });
    const bySeries = new Map<number, { kind: SeriesKind; points: SpanPoint[] }>();
    for (const r of rows) {
      const s = bySeries.get(r.seriesId) ?? { kind: r.series.kind as SeriesKind, points: [] };
      s.points.push({ values: JSON.parse(r.values) as PointValues, spanMs: from.ms });
      bySeries.set(r.seriesId, s);
    }
    const data = [...bySeries].map(([seriesId, s]) => ({ seriesId, resolution: secondsOf(to), at: new Date(start), values: JSON.stringify(fold(s.kind, s.points, to.ms)) }));
    if (data.length > 0) await this.db.metricSample.createMany({ data });
    return data.length;
  }

  /** Where a tier's newest window ends (undefined when it has none). */
  private async tierEnd(tier: Tier): Promise<number | undefined> {
    const last = await this.db.metricSample.findFirst({ where: { resolution: secondsOf(tier) }, orderBy: { at: 'desc' }, select: { at: true } });
    return last ? last.at.getTime() + tier.ms : undefined;
  }

  /**
   * One series over [fromMs, toMs) in at most `maxPoints` steps, read from the coarsest tier fine enough for
   * a step, and, past that tier's newest window, from the finer ones (so the newest minutes show at once).
   */
  async chart(key: SeriesKey, fromMs: number, toMs: number, now: number, maxPoints = MAX_CHART_POINTS): Promise<ChartSeries> {
    // A whole number of the coarsest fitting tier's windows, and one step fewer than allowed: aligning the
    // start down to a step boundary may add one.
    const raw = (toMs - fromMs) / (maxPoints - 1);
    const unit = [...TIERS].reverse().find((t) => t.ms <= raw)?.ms ?? SAMPLE_MS;
    const stepMs = Math.max(unit, Math.ceil(raw / unit) * unit);
    const start = Math.floor(fromMs / stepMs) * stepMs;
    const series = await this.db.metricSeries.findUnique({ where: { instanceId_kind_name: key }, select: { id: true } });
    const steps = new Map<number, SpanPoint[]>();
    if (series) {
      // Coarse to fine: each tier serves its span, the finer ones what comes after it.
      const usable = TIERS.filter((t) => t.ms <= stepMs && start >= now - t.keepMs - t.ms);
      const chosen = usable.length > 0 ? usable[usable.length - 1]! : TIERS[TIERS.length - 1]!;
      const tiers = TIERS.filter((t) => t.ms <= chosen.ms).reverse();
      let from = start;
      for (const [i, tier] of tiers.entries()) {
        const upTo = i === tiers.length - 1 ? toMs : Math.min(toMs, (await this.tierEnd(tier)) ?? from);
        if (upTo > from) await this.readInto(steps, series.id, tier, from, upTo, stepMs);
        from = Math.max(from, upTo);
        if (from >= toMs) break;
      }
    }
    const points: ChartSeries['points'] = [];
    for (let at = start; at < toMs; at += stepMs) points.push({ at, values: fold(key.kind, steps.get(at) ?? [], stepMs) });
    return { stepMs, points };
  }

  private async readInto(steps: Map<number, SpanPoint[]>, seriesId: number, tier: Tier, fromMs: number, toMs: number, stepMs: number): Promise<void> {
    const rows = await this.db.metricSample.findMany({
      where: { seriesId, resolution: secondsOf(tier), at: { gte: new Date(fromMs), lt: new Date(toMs) } },
      select: { at: true, values: true },
      orderBy: { at: 'asc' },
    });
    for (const r of rows) {
      const at = Math.floor(r.at.getTime() / stepMs) * stepMs;
      const list = steps.get(at) ?? [];
      list.push({ values: JSON.parse(r.values) as PointValues, spanMs: tier.ms });
      steps.set(at, list);
    }
  }

  /** A series' 10-second points since `sinceMs`, oldest first ([] for a series never written). */
  async recent(key: SeriesKey, sinceMs: number): Promise<{ at: number; values: PointValues }[]> {
    const series = await this.db.metricSeries.findUnique({ where: { instanceId_kind_name: key }, select: { id: true } });
    if (!series) return [];
    const rows = await this.db.metricSample.findMany({
      where: { seriesId: series.id, resolution: SAMPLE_MS / 1000, at: { gte: new Date(sinceMs) } },
      select: { at: true, values: true },
      orderBy: { at: 'asc' },
    });
    return rows.map((r) => ({ at: r.at.getTime(), values: JSON.parse(r.values) as PointValues }));
  }

  private async seriesId(key: SeriesKey): Promise<number> {
    const k = `${key.instanceId}\u0000${key.kind}\u0000${key.name}`;
    const known = this.ids.get(k);
    if (known !== undefined) return known;
    const row = await this.db.metricSeries.upsert({ where: { instanceId_kind_name: key }, create: key, update: {}, select: { id: true } });
    this.ids.set(k, row.id);
    return row.id;
  }
}
