/**
 * ProbeResult rows: written by the runner, pruned after a day, read by the Health page (a strip per check)
 * and by the built-in 'prober failed' alert (latestProbeFailures).
 */
import type { Db } from '../db.ts';
import { CHECK_NAMES, type CheckName, type ProbeOutcome } from './model.ts';

/** The Health page shows a day; older rows are deleted. */
export const RESULT_RETENTION_MS = 24 * 3_600_000;
/** 96 cells of 15 minutes: a day at a glance, each cell still a handful of rounds at the 60 s default. */
export const STRIP_BUCKETS = 96;
export const STRIP_BUCKET_MS = RESULT_RETENTION_MS / STRIP_BUCKETS;

/** One round's outcomes as rows (one insert for all of them). */
export async function writeResults(db: Db, instanceId: string, at: Date, outcomes: ReadonlyMap<CheckName, ProbeOutcome>): Promise<void> {
  await db.probeResult.createMany({
    data: [...outcomes].map(([check, o]) => ({ instanceId, check, ok: o.ok, latencyMs: o.latencyMs, error: o.error ?? null, at })),
  });
}

/** Deletes rows older than the retention; returns how many. */
export async function pruneResults(db: Db, now = Date.now()): Promise<number> {
  const { count } = await db.probeResult.deleteMany({ where: { at: { lt: new Date(now - RESULT_RETENTION_MS) } } });
  return count;
}

export interface ProbeFailure {
  check: CheckName;
  error: string;
  at: Date;
}

/**
 * The checks whose most recent result on the instance failed (what the 'prober failed' alert fires on).
 * One indexed lookup per check ([instanceId, check, at]), so its cost does not grow with the history.
 */
export async function latestProbeFailures(db: Db, instanceId: string): Promise<ProbeFailure[]> {
  const latest = await Promise.all(CHECK_NAMES.map((check) => db.probeResult.findFirst({ where: { instanceId, check }, orderBy: { at: 'desc' } })));
  return latest.flatMap((r) => (r && !r.ok ? [{ check: r.check as CheckName, error: r.error ?? 'failed', at: r.at }] : []));
}

export type CellState = 'ok' | 'failed' | 'none';

/** One cell of a check's strip: its time range, whether any run in it failed, and the latest error. */
export interface StripCell {
  from: number;
  to: number;
  state: CellState;
  runs: number;
  failures: number;
  error: string | null;
}

export interface LastResult {
  ok: boolean;
  latencyMs: number;
  error: string | null;
  at: number;
}

export interface CheckHistory {
  check: CheckName;
  last: LastResult | null;
  strip: StripCell[];
}

function emptyStrip(from: number): StripCell[] {
  return Array.from({ length: STRIP_BUCKETS }, (_, i) => ({ from: from + i * STRIP_BUCKET_MS, to: from + (i + 1) * STRIP_BUCKET_MS, state: 'none', runs: 0, failures: 0, error: null }));
}

/**
 * The last day of every check as strips, ending at the bucket that holds `now` (buckets aligned to 15 min,
 * so cells do not shift on each refresh). Reads only the columns it needs: at the shortest interval (10 s) a
 * day is 8 × 8,640 rows of a few bytes each.
 */
export async function checkHistories(db: Db, instanceId: string, now = Date.now()): Promise<CheckHistory[]> {
  const end = Math.floor(now / STRIP_BUCKET_MS) * STRIP_BUCKET_MS + STRIP_BUCKET_MS;
  const from = end - RESULT_RETENTION_MS;
  const rows = await db.probeResult.findMany({ where: { instanceId, at: { gte: new Date(from) } }, select: { check: true, ok: true, latencyMs: true, error: true, at: true }, orderBy: { at: 'asc' } });
  const byCheck = new Map<string, CheckHistory>(CHECK_NAMES.map((check) => [check, { check, last: null, strip: emptyStrip(from) }]));
  for (const r of rows) {
    const h = byCheck.get(r.check);
    const cell = h?.strip[Math.floor((r.at.getTime() - from) / STRIP_BUCKET_MS)];
    if (!h || !cell) continue;
    cell.runs++;
    if (!r.ok) {
      cell.failures++;
      cell.error = r.error;
    }
    cell.state = cell.failures > 0 ? 'failed' : 'ok';
    h.last = { ok: r.ok, latencyMs: r.latencyMs, error: r.error, at: r.at.getTime() };
  }
  return [...byCheck.values()];
}
