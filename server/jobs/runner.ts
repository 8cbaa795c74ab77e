/**
 * Runs background jobs in the console process: one at a time per instance, batch by batch, saving the cursor,
 * progress and counters to the job's row after every batch. Several console nodes may share one database: a
 * node claims a job with a conditional update (it is QUEUED, or RUNNING under a lease that expired) and holds
 * it under a lease it renews with every batch, so two nodes never run one job at once, and a node that died
 * (kill -9) leaves a lease that runs out and lets another take the job over from its saved cursor. Jobs
 * resume where their instance runs, whenever it starts (boot, a restart): never because a page asked.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { logger } from '../broker/index.ts';
import { embeddedAdmin, type BrokerAdmin } from '../broker-admin.ts';
import type { Db } from '../db.ts';
import type { Job } from '../generated/prisma/client.ts';
import { failureOf } from '../routes/http.ts';
import type { Runtime } from '../runtime.ts';
import { JOB_KINDS, type JobKindName } from './dead-letter-jobs.ts';
import type { JobKind, JobProgress } from './model.ts';

export interface JobRunnerDeps {
  db: Db;
  /** The admin of a running instance, or undefined while it is not running (on this node). */
  adminOf(instanceId: string): BrokerAdmin | undefined;
}

export interface JobRunnerOptions {
  /**
   * How long a claim holds without a renewal (every batch renews it): a node killed mid-job keeps its jobs
   * from the others this long. A batch takes milliseconds; the default leaves a wide margin for a slow database.
   */
  leaseMs?: number;
  /** This node's name in the `owner` column (tests name two runners on one database). */
  owner?: string;
}

export const DEFAULT_LEASE_MS = 30_000;
/** Waiting out another node's lease: a little past its end, so the clocks of two nodes need not agree to the millisecond. */
const LEASE_SLACK_MS = 50;

/** A failure's sentence is short; a longer one (a stack in a message) is cut, not stored whole. */
const MAX_ERROR_CHARS = 500;

/** This console node among the others sharing the database: host, process and a random part (pids repeat). */
export function nodeId(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

function isKind(kind: string): kind is JobKindName {
  return Object.hasOwn(JOB_KINDS, kind);
}

/** Why a run ended without the job ending: its instance went away, or the console is stopping. */
type Interruption = 'interrupted' | 'stopping';

export class JobRunner {
  readonly owner: string;
  private readonly leaseMs: number;
  /** Per instance: the chain of jobs submitted to it, run one after the other. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Jobs submitted and not started yet: submitting one again is a no-op. */
  private readonly waiting = new Set<string>();
  /** Work outside the chains that `idle` waits for: resumes reading the database, waits for another node's lease. */
  private readonly pending = new Set<Promise<void>>();
  private readonly halt = new AbortController();

  constructor(
    private readonly deps: JobRunnerDeps,
    options: JobRunnerOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.owner = options.owner ?? nodeId();
  }

  private get stopping(): boolean {
    return this.halt.signal.aborted;
  }

  /** Creates a job (QUEUED) and starts it after the instance's earlier jobs. */
  async start(input: { kind: JobKindName; instanceId: string; params: unknown; createdBy: string }): Promise<Job> {
    const kind: JobKind<unknown, unknown> = JOB_KINDS[input.kind];
    const params = kind.params.parse(input.params);
    const job = await this.deps.db.job.create({ data: { kind: input.kind, instanceId: input.instanceId, params: JSON.stringify(params), createdBy: input.createdBy } });
    this.submit(job);
    return job;
  }

  /**
   * Resumes the instance's unfinished jobs, oldest first, from their saved cursor: called when the instance
   * starts running here. Resolves once they are submitted (`idle` waits for them to end); never rejects.
   */
  resumeInstance(instanceId: string): Promise<void> {
    return this.track(
      this.deps.db.job.findMany({ where: { instanceId, state: { in: ['QUEUED', 'RUNNING'] } }, orderBy: { createdAt: 'asc' } }).then((jobs) => {
        for (const job of jobs) this.submit(job);
        if (jobs.length > 0) logger.info({ event: 'jobs.resume', instanceId, count: jobs.length }, 'background jobs resumed');
      }),
    );
  }

  /** Resolves once every job submitted so far has finished or stopped (and no resume or lease wait is pending). */
  async idle(): Promise<void> {
    while (this.chains.size > 0 || this.pending.size > 0) await Promise.all([...this.chains.values(), ...this.pending]);
  }

  /** Stops after the current batches; the jobs are handed back (QUEUED) and resume on the next start. */
  async stop(): Promise<void> {
    this.halt.abort();
    await this.idle();
  }

  private track(p: Promise<void>): Promise<void> {
    const tracked = p
      .catch((e: unknown) => logger.error({ event: 'jobs.resume_failed', err: (e as Error).message }, 'background jobs not resumed'))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    return tracked;
  }

  private submit(job: Pick<Job, 'id' | 'instanceId'>): void {
    if (this.stopping || this.waiting.has(job.id)) return;
    this.waiting.add(job.id);
    const prev = this.chains.get(job.instanceId) ?? Promise.resolve();
    const next = prev
      .then(() => {
        this.waiting.delete(job.id);
        return this.run(job.id, job.instanceId);
      })
      .catch((e: unknown) => logger.error({ event: 'job.crashed', jobId: job.id, err: (e as Error).message }, 'job runner failed'));
    this.chains.set(job.instanceId, next);
    void next.then(() => {
      if (this.chains.get(job.instanceId) === next) this.chains.delete(job.instanceId);
    });
  }

  /** The lease a claim or a renewal sets. */
  private lease(): Date {
    return new Date(Date.now() + this.leaseMs);
  }

  /**
   * Takes the job for this node: QUEUED, or RUNNING under this node's claim or a lease that ran out. One
   * conditional update, so of two nodes trying at once one wins. False when it is someone else's or finished.
   */
  private async claim(jobId: string): Promise<boolean> {
    const now = new Date();
    const claimed = await this.deps.db.job.updateMany({
      where: { id: jobId, OR: [{ state: 'QUEUED' }, { state: 'RUNNING', OR: [{ owner: this.owner }, { leaseUntil: null }, { leaseUntil: { lt: now } }] }] },
      data: { state: 'RUNNING', owner: this.owner, leaseUntil: this.lease() },
    });
    return claimed.count === 1;
  }

  /** Hands a job this node holds back to the queue (its instance stopped here, or the console stops). */
  private async release(jobId: string): Promise<void> {
    await this.deps.db.job.updateMany({ where: { id: jobId, state: 'RUNNING', owner: this.owner }, data: { state: 'QUEUED', owner: null, leaseUntil: null } });
  }

  /** A job another node holds: tried again once its lease runs out (taken over if that node stopped renewing it). */
  private async afterLease(jobId: string, instanceId: string): Promise<void> {
    const row = await this.deps.db.job.findUnique({ where: { id: jobId }, select: { state: true, leaseUntil: true } });
    if (row?.state !== 'RUNNING' || !row.leaseUntil) return;
    const wait = Math.max(0, row.leaseUntil.getTime() - Date.now()) + LEASE_SLACK_MS;
    this.track(
      sleep(wait, undefined, { signal: this.halt.signal }).then(
        () => this.submit({ id: jobId, instanceId }),
        () => undefined, // the console stops: the next start resumes it
      ),
    );
  }

  /**
   * Runs one job from its saved progress to its end, unless it is cancelled, its instance stops or the console
   * stops first. A node where the instance does not run leaves the job QUEUED for the node where it does.
   */
  private async run(jobId: string, instanceId: string): Promise<void> {
    if (this.stopping) return;
    const admin = this.deps.adminOf(instanceId);
    if (!admin) return this.release(jobId);
    if (!(await this.claim(jobId))) return this.afterLease(jobId, instanceId);
    const { db } = this.deps;
    const job = await db.job.findUniqueOrThrow({ where: { id: jobId } });
    if (!job.startedAt) await db.job.updateMany({ where: { id: jobId, owner: this.owner }, data: { startedAt: new Date() } });
    try {
      if (!isKind(job.kind)) throw new Error(`Unknown job kind ${job.kind}`);
      const stopped = await this.runBatches(job, JOB_KINDS[job.kind], admin);
      if (stopped) await this.release(jobId);
    } catch (e) {
      const f = failureOf(e);
      if (f.code === 'STORE_CLOSED' || !this.deps.adminOf(instanceId)) {
        // The instance stopped under the job (a restart, the console shutting down): it goes on from its saved
        // cursor once the instance runs again (resumeInstance on its start).
        logger.info({ event: 'job.interrupted', jobId, kind: job.kind }, 'background job interrupted by its instance stopping');
        return this.release(jobId);
      }
      logger.warn({ event: 'job.failed', jobId, kind: job.kind, code: f.code, err: (e as Error).message }, 'background job failed');
      await this.fail(jobId, f.message);
    }
  }

  /** Runs batches until the job ends (undefined) or the run must stop here (why). */
  private async runBatches(job: Job, kind: JobKind<unknown, unknown>, admin: BrokerAdmin): Promise<Interruption | undefined> {
    const { db } = this.deps;
    const mine = { id: job.id, state: 'RUNNING', owner: this.owner };
    const ctx = { jobId: job.id, params: kind.params.parse(JSON.parse(job.params)), createdBy: job.createdBy, admin };
    const progress: JobProgress<unknown> = {
      cursor: job.cursor === null ? undefined : kind.cursor.parse(JSON.parse(job.cursor)),
      done: job.done,
      total: job.total,
      counts: JSON.parse(job.result) as Record<string, number>,
    };
    if (job.cursor === null && progress.total === null) {
      progress.total = await kind.total(ctx);
      await db.job.updateMany({ where: mine, data: { total: progress.total } });
    }
    for (;;) {
      if (this.stopping) return 'stopping';
      const step = await kind.step(ctx, progress.cursor);
      progress.cursor = step.cursor;
      progress.done = progress.total === null ? progress.done + step.handled : Math.min(progress.total, progress.done + step.handled);
      for (const [k, n] of Object.entries(step.counts)) progress.counts[k] = (progress.counts[k] ?? 0) + n;
      if (step.finished && progress.total !== null) progress.done = progress.total;
      // Saved only while this node still holds the job (renewing its lease): cancelled, or taken over after a
      // lease that ran out, the row says so and this run ends.
      const saved = await db.job.updateMany({
        where: mine,
        data: {
          cursor: JSON.stringify(step.cursor),
          done: progress.done,
          result: JSON.stringify(progress.counts),
          ...(step.finished ? { state: 'DONE', finishedAt: new Date(), leaseUntil: null } : { leaseUntil: this.lease() }),
        },
      });
      if (saved.count === 0) return undefined;
      logger.debug({ event: 'job.progress', jobId: job.id, done: progress.done, total: progress.total }, 'job progress saved');
      if (step.finished) return undefined;
      await nextTurn();
    }
  }

  /** Ends a job this node runs as FAILED with the sentence the page shows (cut like audit sentences are). */
  private async fail(jobId: string, error: string): Promise<void> {
    await this.deps.db.job.updateMany({ where: { id: jobId, state: 'RUNNING', owner: this.owner }, data: { state: 'FAILED', error: error.slice(0, MAX_ERROR_CHARS), finishedAt: new Date(), leaseUntil: null } });
  }
}

const KEY = Symbol.for('meridian.jobRunners');
type WithRunners = typeof globalThis & { [KEY]?: WeakMap<Runtime, JobRunner> };

/**
 * The job runner of a runtime's instances (one per console process, kept across dev reloads like the runtime).
 * Jobs run where the instance's engine runs: an embedded instance only in the process that holds it; each
 * time one starts here (boot, a restart), its unfinished jobs resume. `options` apply when the runner is
 * made (the first call; boot makes it before the instances start).
 */
export function jobRunner(db: Db, runtime: Runtime, options: JobRunnerOptions = {}): JobRunner {
  const g = globalThis as WithRunners;
  g[KEY] ??= new WeakMap();
  let runner = g[KEY].get(runtime);
  if (!runner) {
    const made = new JobRunner({ db, adminOf: (id) => embeddedAdmin(runtime.get(id)) }, options);
    g[KEY].set(runtime, made);
    runtime.onStarted((entry) => void made.resumeInstance(entry.spec.id));
    for (const entry of runtime.list()) if (entry.status === 'running') void made.resumeInstance(entry.spec.id);
    runner = made;
  }
  return runner;
}
