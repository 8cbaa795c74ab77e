import { z } from 'zod';
import type { Job } from '../generated/prisma/client.ts';
import { JOB_KINDS } from '../jobs/dead-letter-jobs.ts';
import { FINISHED_STATES, type JobState } from '../jobs/model.ts';
import type { InstanceScope } from '../scope.ts';
import { AppError, audits, instanceProcedure, router } from '../trpc.ts';
import type { InnerContext } from '../trpc.ts';

/** Recent jobs one list shows: enough for a page's "running now" and its last few results. */
const MAX_LIST = 50;

const JobRef = z.object({ jobId: z.string().min(1).max(64) });

/** A job as the console shows it: its state, progress and counters, and what it acts on (its group). */
function view(job: Job) {
  const params = JSON.parse(job.params) as { group?: unknown };
  return {
    id: job.id,
    kind: job.kind,
    state: job.state as JobState,
    group: typeof params.group === 'string' ? params.group : null,
    done: job.done,
    total: job.total,
    counts: JSON.parse(job.result) as Record<string, number>,
    error: job.error,
    createdBy: job.createdBy,
    createdAt: job.createdAt.getTime(),
    startedAt: job.startedAt?.getTime() ?? null,
    finishedAt: job.finishedAt?.getTime() ?? null,
  };
}

/** Whether the caller's scope covers what a job acts on: its group, or (a job of no group) the whole instance. */
function jobInScope(scope: InstanceScope, group: string | null): boolean {
  return group === null ? scope.whole : scope.allowsName(group);
}

/** The job, if it belongs to the instance; FORBIDDEN when what it acts on lies outside the caller's scope. */
async function jobOf(ctx: InnerContext & { scope: InstanceScope }, instanceId: string, jobId: string): Promise<Job> {
  const job = await ctx.db.job.findUnique({ where: { id: jobId } });
  if (!job || job.instanceId !== instanceId) throw new AppError('JOB_NOT_FOUND', 'NOT_FOUND', `No job ${jobId} on this instance`);
  const { group } = view(job);
  if (group === null) ctx.scope.requireWhole();
  else ctx.scope.requireName(group);
  return job;
}

export const jobRouter = router({
  /** One job's state and progress (the page polls it while the job runs; reading starts nothing). */
  get: instanceProcedure('viewer')
    .input(JobRef)
    .query(async ({ ctx, input }) => view(await jobOf(ctx, input.instanceId, input.jobId))),

  /** The instance's recent jobs, newest first, optionally of one kind and one group. */
  list: instanceProcedure('viewer')
    .input(z.object({ kind: z.enum(Object.keys(JOB_KINDS) as [keyof typeof JOB_KINDS]).optional(), group: z.string().max(256).optional(), limit: z.number().int().min(1).max(MAX_LIST).default(10) }))
    .query(async ({ ctx, input }) => {
      const jobs = await ctx.db.job.findMany({ where: { instanceId: input.instanceId, ...(input.kind ? { kind: input.kind } : {}) }, orderBy: { createdAt: 'desc' }, take: MAX_LIST });
      return jobs
        .map(view)
        .filter((j) => jobInScope(ctx.scope, j.group) && (input.group === undefined || j.group === input.group))
        .slice(0, input.limit);
    }),

  /** Stops a waiting or running job after its current batch; what it did so far stays done. */
  cancel: instanceProcedure('operator')
    .meta(audits('instanceId', 'jobId'))
    .input(JobRef)
    .mutation(async ({ ctx, input }) => {
      const job = await jobOf(ctx, input.instanceId, input.jobId);
      if (FINISHED_STATES.includes(job.state as JobState)) throw new AppError('JOB_FINISHED', 'CONFLICT', `The job has already ${job.state === 'DONE' ? 'finished' : `ended (${job.state.toLowerCase()})`}`);
      await ctx.db.job.updateMany({ where: { id: job.id, state: { in: ['QUEUED', 'RUNNING'] } }, data: { state: 'CANCELLED', finishedAt: new Date(), leaseUntil: null } });
      return view(await ctx.db.job.findUniqueOrThrow({ where: { id: job.id } }));
    }),
});
