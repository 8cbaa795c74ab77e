/**
 * The prober's loop: every few seconds, each embedded instance with the prober on whose interval has passed
 * gets a round of every check (one instance at a time, one check at a time), its results become ProbeResult
 * rows and the metrics' last values; rows older than a day are pruned.
 */
import { randomUUID } from 'node:crypto';
import { logger, publishMetrics } from '../broker/index.ts';
import type { Db, Instance } from '../db.ts';
import type { Runtime } from '../runtime.ts';
import { CHECK_TIMEOUT_MS, runCheck } from './checks.ts';
import { ProbeMetrics } from './metrics.ts';
import { CHECK_NAMES, describeFailure, ProbeError, type CheckName, type ProbeOutcome } from './model.ts';
import { ensureProbeResources } from './resources.ts';
import { pruneResults, writeResults } from './results.ts';

/** How often the loop looks for due instances: well under the shortest interval (10 s), so rounds start on time. */
const TICK_MS = 2_000;
/** Pruning is a delete over an index; every 10 minutes keeps the table at a day plus a few rounds. */
const PRUNE_INTERVAL_MS = 10 * 60_000;

export interface ProberOptions {
  tickMs?: number;
  /** Per check (tests shorten it). */
  checkTimeoutMs?: number;
  /** The checks a round runs (all by default; tests pick a few to stay quick). */
  checks?: readonly CheckName[];
}

/** One prober per console process; `tick()` is one pass of the loop (tests call it directly). */
export class Prober {
  readonly metrics = new ProbeMetrics();
  private readonly lastRoundAt = new Map<string, number>();
  private lastPruneAt = 0;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly runtime: Runtime,
    private readonly opts: ProberOptions = {},
  ) {}

  /** Runs a round for every due instance, then prunes when it is time. A failure is logged, never thrown. */
  async tick(now = Date.now()): Promise<void> {
    try {
      const enabled = await this.db.instance.findMany({ where: { kind: 'embedded', proberEnabled: true }, orderBy: { createdAt: 'asc' } });
      this.forgetDisabled(new Set(enabled.map((i) => i.id)));
      for (const instance of enabled) {
        if (this.stopped) return;
        if (this.isDue(instance, now)) await this.round(instance);
      }
      if (now - this.lastPruneAt >= PRUNE_INTERVAL_MS) {
        this.lastPruneAt = now;
        await pruneResults(this.db, now);
      }
    } catch (e) {
      logger.error({ event: 'prober.tick_failed', err: (e as Error).message }, 'prober pass failed');
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private isDue(instance: Instance, now: number): boolean {
    const last = this.lastRoundAt.get(instance.id);
    return last === undefined || now - last >= instance.proberIntervalSec * 1000;
  }

  /** Turned off or deleted: its series stop and the next "on" starts a round at once. */
  private forgetDisabled(enabled: ReadonlySet<string>): void {
    for (const id of this.lastRoundAt.keys()) {
      if (enabled.has(id)) continue;
      this.lastRoundAt.delete(id);
      this.metrics.forget(id);
    }
  }

  /** One round on one instance: every check, its rows written together with the round's start time. */
  private async round(instance: Instance): Promise<void> {
    const at = new Date();
    this.lastRoundAt.set(instance.id, at.getTime());
    const outcomes = await this.runChecks(instance);
    if (outcomes.size === 0) return;
    await writeResults(this.db, instance.id, at, outcomes);
    this.metrics.record(instance.id, instance.name, outcomes);
    const failed = [...outcomes].filter(([, o]) => !o.ok).map(([check]) => check);
    if (failed.length > 0) logger.warn({ event: 'prober.failed', instance: instance.name, checks: failed }, 'prober checks failed');
  }

  private async runChecks(instance: Instance): Promise<Map<CheckName, ProbeOutcome>> {
    const checks = this.opts.checks ?? CHECK_NAMES;
    const entry = this.runtime.get(instance.id);
    if (entry?.status !== 'running' || !entry.broker || !entry.endpoint) {
      const why = new ProbeError('INSTANCE_NOT_RUNNING', `Instance "${instance.name}" is ${entry?.status ?? 'stopped'}${entry?.error ? `: ${entry.error}` : ''}`);
      return failAll(checks, why);
    }
    try {
      ensureProbeResources(entry.broker);
    } catch (e) {
      return failAll(checks, e);
    }
    const ctx = { endpoints: `127.0.0.1:${entry.endpoint.port}`, runId: `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}` };
    const out = new Map<CheckName, ProbeOutcome>();
    for (const check of checks) {
      // Stopping waits for the check in flight only (≤ its timeout), not for the rest of the round.
      if (this.stopped) break;
      out.set(check, await runCheck(check, ctx, this.opts.checkTimeoutMs ?? CHECK_TIMEOUT_MS));
    }
    return out;
  }
}

function failAll(checks: readonly CheckName[], e: unknown): Map<CheckName, ProbeOutcome> {
  const error = describeFailure(e);
  return new Map(checks.map((check) => [check, { ok: false, latencyMs: 0, error }]));
}

/**
 * Starts the prober loop for this console process and publishes its metrics. The returned stop() ends the
 * loop (waiting for the check in flight, at most its timeout) and withdraws the metrics.
 */
export function startProber(db: Db, runtime: Runtime, opts: ProberOptions = {}): () => Promise<void> {
  const prober = new Prober(db, runtime, opts);
  const unpublish = publishMetrics(prober.metrics);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  // A chain of timeouts, not an interval: a long round delays the next pass instead of overlapping it.
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = prober.tick().finally(schedule);
    }, opts.tickMs ?? TICK_MS).unref();
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    prober.stop();
    await running;
    unpublish();
  };
}
