import type { Db } from '../db.ts';
import { fold, FIELDS, type PointValues, type SeriesKind } from './fields.ts';

/** Sampling resolution, kept for a day. */
export const SAMPLE_MS = 10_000;
/** Rollup resolution, kept for 30 days. */
export const ROLLUP_MS = 300_000;
export const SAMPLE_RETENTION_MS = 24 * 3_600_000;
export const ROLLUP_RETENTION_MS = 30 * 24 * 3_600_000;
/** A chart gets at most this many points per series (the range is downsampled on the server). */
export const MAX_CHART_POINTS = 240;

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

/** Reads and writes the console's own metric history in the control-plane database. */
export class HistoryStore {
  private readonly ids = new Map<string, number>();
  /** Windows before this are rolled up (read from the newest rollup on first use, after a restart). */
  private rolledUntil: number | undefined;

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
   * Folds the 10-second points of each 5-minute window that ended since the last rollup into one point per
   * series, then deletes what is past its retention. Idempotent per window (a window is rolled once).
   */
  async rollUp(now: number): Promise<number> {
    const current = Math.floor(now / ROLLUP_MS) * ROLLUP_MS;
    if (this.rolledUntil === undefined) {
      const last = await this.db.metricSample.findFirst({ where: { resolution: ROLLUP_MS / 1000 }, orderBy: { at: 'desc' }, select: { at: true } });
      this.rolledUntil = last ? last.at.getTime() + ROLLUP_MS : current - ROLLUP_MS;
    }
    if (this.rolledUntil >= current) return 0;
    let rolled = 0;
    for (let from = Math.max(this.rolledUntil, current - SAMPLE_RETENTION_MS); from < current; from += ROLLUP_MS) rolled += await this.rollWindow(from);
    this.rolledUntil = current;
    await this.db.metricSample.deleteMany({ where: { resolution: SAMPLE_MS / 1000, at: { lt: new Date(now - SAMPLE_RETENTION_MS) } } });
    await this.db.metricSample.deleteMany({ where: { resolution: ROLLUP_MS / 1000, at: { lt: new Date(now - ROLLUP_RETENTION_MS) } } });
    await this.db.metricSeries.deleteMany({ where: { lastAt: { lt: new Date(now - ROLLUP_RETENTION_MS) } } });
    return rolled;
  }

  private async rollWindow(start: number): Promise<number> {
    const rows = await this.db.metricSample.findMany({
      where: { resolution: SAMPLE_MS / 1000, at: { gte: new Date(start), lt: new Date(start + ROLLUP_MS) } },
      select: { seriesId: true, values: true, series: { select: { kind: true } } },
      orderBy: { at: 'asc' },
    });
    const bySeries = new Map<number, { kind: SeriesKind; values: PointValues[] }>();
    for (const r of rows) {
      const s = bySeries.get(r.seriesId) ?? { kind: r.series.kind as SeriesKind, values: [] };
      s.values.push(JSON.parse(r.values) as PointValues);
      bySeries.set(r.seriesId, s);
    }
    const data = [...bySeries].map(([seriesId, s]) => ({ seriesId, resolution: ROLLUP_MS / 1000, at: new Date(start), values: JSON.stringify(fold(s.kind, s.values, ROLLUP_MS / SAMPLE_MS)) }));
    if (data.length > 0) await this.db.metricSample.createMany({ data });
    return data.length;
  }

  /**
   * One series over [fromMs, toMs): 10-second points when the range lies within the last day, 5-minute
   * rollups otherwise, folded into at most `maxPoints` steps.
   */
  async chart(key: SeriesKey, fromMs: number, toMs: number, now: number, maxPoints = MAX_CHART_POINTS): Promise<ChartSeries> {
    const resolutionMs = fromMs >= now - SAMPLE_RETENTION_MS ? SAMPLE_MS : ROLLUP_MS;
    const stepMs = Math.max(resolutionMs, Math.ceil((toMs - fromMs) / maxPoints / resolutionMs) * resolutionMs);
    const start = Math.floor(fromMs / stepMs) * stepMs;
    const series = await this.db.metricSeries.findUnique({ where: { instanceId_kind_name: key }, select: { id: true } });
    const rows = series
      ? await this.db.metricSample.findMany({
          where: { seriesId: series.id, resolution: resolutionMs / 1000, at: { gte: new Date(start), lt: new Date(toMs) } },
          select: { at: true, values: true },
          orderBy: { at: 'asc' },
        })
      : [];
    const steps = new Map<number, PointValues[]>();
    for (const r of rows) {
      const at = Math.floor(r.at.getTime() / stepMs) * stepMs;
      const list = steps.get(at) ?? [];
      list.push(JSON.parse(r.values) as PointValues);
      steps.set(at, list);
    }
    const points: ChartSeries['points'] = [];
    for (let at = start; at < toMs; at += stepMs) points.push({ at, values: fold(key.kind, steps.get(at) ?? [], stepMs / resolutionMs) });
    return { stepMs, points };
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

/** Field names a kind keeps (for the router's output schema and the charts). */
export function fieldsOf(kind: SeriesKind): string[] {
  return Object.keys(FIELDS[kind]);
}
