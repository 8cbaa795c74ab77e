/**
 * Background jobs: long operator actions the console runs for an instance one at a time (a `Job` row each in
 * the control-plane database), saving cursor and progress after every batch so a restart resumes them.
 */
import { z } from 'zod';
import type { BrokerAdmin } from '../broker-admin.ts';

export const JOB_STATES = ['QUEUED', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** States a job leaves no more. */
export const FINISHED_STATES: readonly JobState[] = ['DONE', 'FAILED', 'CANCELLED'];

/** Where a job's run stands between two batches (what the Job row persists). */
export interface JobProgress<C> {
  /** Where the next batch starts; undefined before the first. */
  cursor: C | undefined;
  done: number;
  total: number | null;
  /** The kind's counters, summed over the batches (resent, skipped, purged…). */
  counts: Record<string, number>;
}

/** What one batch did: where the next starts, how far the job got, and whether it was the last. */
export interface JobStep<C> {
  cursor: C;
  /** Items handled by this batch (added to `done`). */
  handled: number;
  counts: Record<string, number>;
  finished: boolean;
}

/** Who a job acts for and on what, as a batch sees it. */
export interface JobContext<P> {
  jobId: string;
  params: P;
  /** The operator who started the job (named in traces and logs). */
  createdBy: string;
  admin: BrokerAdmin;
}

/**
 * A kind of job: how its params and cursor are read back from the database (zod), how many items it will
 * handle, and one batch. A batch must be safe to run again from the same cursor after a crash (the job's
 * batches are at-least-once; each kind makes its effects at-most-once, e.g. with the engine's dedupe keys).
 */
export interface JobKind<P, C> {
  params: z.ZodType<P>;
  cursor: z.ZodType<C>;
  total(ctx: JobContext<P>): Promise<number | null>;
  step(ctx: JobContext<P>, cursor: C | undefined): Promise<JobStep<C>>;
}
