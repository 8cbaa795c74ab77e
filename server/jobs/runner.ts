/**
 * Runs background jobs in the console process: one at a time per instance, batch by batch, saving the cursor,
 * progress and counters to the job's row after every batch. On start the console resumes the jobs that were
 * running (or waiting) when it stopped, from their saved cursor.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
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
  /** The admin of a running instance, or undefined while it is not running. */
  adminOf(instanceId: string): BrokerAdmin | undefined;
}

/** A failure's sentence is short; a longer one (a stack in a message) is cut, not stored whole. */
const MAX_ERROR_CHARS = 500;

/** Why a job was stopped by the console itself rather than by its own failure. */
const INSTANCE_DOWN = 'The instance is not running; start it and run the action again';

function isKind(kind: string): kind is JobKindName {
  return Object.hasOwn(JOB_KINDS, kind);
}

export class JobRunner {
  /** Per instance: the chain of jobs submitted to it, run one after the other. */
  private readonly chains = new Map<string, Promise<void>>();
  /** Jobs submitted to this runner and not finished yet. */
  private readonly active = new Set<string>();
  private stopping = false;

  constructor(private readonly deps: JobRunnerDeps) {}

  /** Creates a job (QUEUED) and starts it after the instance's earlier jobs. */
  async start(input: { kind: JobKindName; instanceId: string; params: unknown; createdBy: string }): Promise<Job> {
    const kind: JobKind<unknown, unknown> = JOB_KINDS[input.kind];
    const params = kind.params.parse(input.params);
    const job = await this.deps.db.job.create({ data: { kind: input.kind, instanceId: input.instanceId, params: JSON.stringify(params), createdBy: input.createdBy } });
    this.submit(job);
    return job;
  }

  /** Resumes the jobs a previous console process left running or waiting, oldest first. */
  async resume(): Promise<number> {
    const jobs = await this.deps.db.job.findMany({ where: { state: { in: ['QUEUED', 'RUNNING'] } }, orderBy: { createdAt: 'asc' } });
    for (const job of jobs) this.submit(job);
    if (jobs.length > 0) logger.info({ event: 'jobs.resume', count: jobs.length }, 'background jobs resumed');
    return jobs.length;
  }

  /**
   * Takes over a job left running or waiting that this runner is not running (its instance was restarted
   * under it, or it was waiting on an instance that has started since); a no-op otherwise.
   */
  adopt(job: Pick<Job, 'id' | 'instanceId' | 'state'>): void {
    if ((job.state === 'QUEUED' || job.state === 'RUNNING') && !this.active.has(job.id) && !this.stopping && this.deps.adminOf(job.instanceId)) this.submit(job);
  }

  /** Resolves once every job submitted so far has finished (or stopped). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  /** Stops after the current batches (their progress is saved; the jobs resume on the next start). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.idle();
  }

  private submit(job: Pick<Job, 'id' | 'instanceId'>): void {
    this.active.add(job.id);
    const prev = this.chains.get(job.instanceId) ?? Promise.resolve();
    const next = prev
      .then(() => this.run(job.id))
      .catch((e: unknown) => logger.error({ event: 'job.crashed', jobId: job.id, err: (e as Error).message }, 'job runner failed'))
      .finally(() => this.active.delete(job.id));
    this.chains.set(job.instanceId, next);
    void next.then(() => {
      if (this.chains.get(job.instanceId) === next) this.chains.delete(job.instanceId);
    });
  }

  /** Runs one job from its saved progress to its end, unless it is cancelled or the console stops first. */
  private async run(jobId: string): Promise<void> {
    const { db } = this.deps;
    if (this.stopping) return;
    const claimed = await db.job.updateMany({ where: { id: jobId, state: { in: ['QUEUED', 'RUNNING'] } }, data: { state: 'RUNNING' } });
    if (claimed.count === 0) return; // cancelled meanwhile
    const job = await db.job.findUniqueOrThrow({ where: { id: jobId } });
    if (!job.startedAt) await db.job.update({ where: { id: jobId }, data: { startedAt: new Date() } });
    try {
      if (!isKind(job.kind)) throw new Error(`Unknown job kind ${job.kind}`);
      const admin = this.deps.adminOf(job.instanceId);
      if (!admin) return await this.fail(jobId, INSTANCE_DOWN);
      await this.runBatches(job, JOB_KINDS[job.kind], admin);
    } catch (e) {
      const f = failureOf(e);
      if (f.code === 'STORE_CLOSED' || !this.deps.adminOf(job.instanceId)) {
        // The instance stopped under the job (a restart, the console shutting down): it goes on from its saved
        // cursor once the instance runs again (adopt) or the console starts again (resume).
        logger.info({ event: 'job.interrupted', jobId, kind: job.kind }, 'background job interrupted by its instance stopping');
        return;
      }
      logger.warn({ event: 'job.failed', jobId, kind: job.kind, code: f.code, err: (e as Error).message }, 'background job failed');
      await this.fail(jobId, f.message);
    }
  }

  private async runBatches(job: Job, kind: JobKind<unknown, unknown>, admin: BrokerAdmin): Promise<void> {
    const { db } = this.deps;
    const ctx = { jobId: job.id, params: kind.params.parse(JSON.parse(job.params)), createdBy: job.createdBy, admin };
    const progress: JobProgress<unknown> = {
      cursor: job.cursor === null ? undefined : kind.cursor.parse(JSON.parse(job.cursor)),
      done: job.done,
      total: job.total,
      counts: JSON.parse(job.result) as Record<string, number>,
    };
    if (job.cursor === null && progress.total === null) {
      progress.total = await kind.total(ctx);
      await db.job.update({ where: { id: job.id }, data: { total: progress.total } });
    }
    for (;;) {
      if (this.stopping) return;
      const step = await kind.step(ctx, progress.cursor);
      progress.cursor = step.cursor;
      progress.done = progress.total === null ? progress.done + step.handled : Math.min(progress.total, progress.done + step.handled);
      for (const [k, n] of Object.entries(step.counts)) progress.counts[k] = (progress.counts[k] ?? 0) + n;
      if (step.finished && progress.total !== null) progress.done = progress.total;
      const saved = await db.job.updateMany({
        where: { id: job.id, state: 'RUNNING' },
        data: {
          cursor: JSON.stringify(step.cursor),
          done: progress.done,
          result: JSON.stringify(progress.counts),
          ...(step.finished ? { state: 'DONE', finishedAt: new Date() } : {}),
        },
      });
      if (saved.count === 0) return; // cancelled: the row says so
      logger.debug({ event: 'job.progress', jobId: job.id, done: progress.done, total: progress.total }, 'job progress saved');
      if (step.finished) return;
      await nextTurn();
    }
  }

  /** Ends a running job as FAILED with the sentence the page shows (cut like audit sentences are). */
  private async fail(jobId: string, error: string): Promise<void> {
    await this.deps.db.job.updateMany({ where: { id: jobId, state: 'RUNNING' }, data: { state: 'FAILED', error: error.slice(0, MAX_ERROR_CHARS), finishedAt: new Date() } });
  }
}

const KEY = Symbol.for('meridian.jobRunners');
type WithRunners = typeof globalThis & { [KEY]?: WeakMap<Runtime, JobRunner> };

/**
 * The job runner of a runtime's instances (one per console process, kept across dev reloads like the runtime).
 * Jobs run where the instance's engine runs: an embedded instance only in the process that holds it.
 */
export function jobRunner(db: Db, runtime: Runtime): JobRunner {
  const g = globalThis as WithRunners;
  g[KEY] ??= new WeakMap();
  let runner = g[KEY].get(runtime);
  if (!runner) {
    runner = new JobRunner({ db, adminOf: (id) => embeddedAdmin(runtime.get(id)) });
    g[KEY].set(runtime, runner);
  }
  return runner;
}
