'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useEffect, useRef } from 'react';
import type { AppRouter } from '../../server/routers/_app.ts';
import { Badge, type Tone } from './badge.tsx';
import { useErrorToast } from './errors.tsx';
import { ProgressBar } from './progress-bar.tsx';
import { Time } from './time.tsx';
import { useTRPC } from './trpc.tsx';
import { secondaryButtonClass } from './ui.tsx';

export type JobView = inferRouterOutputs<AppRouter>['job']['get'];

/** How often a running job's progress is read: often enough that the bar moves, rarely enough to cost nothing. */
const POLL_MS = 700;

const STATE_TONE: Record<JobView['state'], Tone> = { QUEUED: 'slate', RUNNING: 'indigo', DONE: 'green', FAILED: 'red', CANCELLED: 'amber' };
const KIND_TITLE: Record<string, string> = { DLQ_RESEND: 'Resend of dead letters', DLQ_PURGE: 'Purge of dead letters' };

function running(job: JobView | undefined): boolean {
  return job?.state === 'QUEUED' || job?.state === 'RUNNING';
}

/** The job's counters as a sentence: "resent 120, skipped 3 (resent before)". */
function countsSentence(job: JobView): string {
  const c = job.counts;
  const parts = [
    c.resent !== undefined && `resent ${c.resent.toLocaleString()}`,
    c.skipped && `skipped ${c.skipped.toLocaleString()} resent before`,
    c.alreadyResent && `${c.alreadyResent.toLocaleString()} already resent by this job before a restart`,
    c.missing && `${c.missing.toLocaleString()} missing (purged or expired since they were selected)`,
    c.purged !== undefined && `purged ${c.purged.toLocaleString()}`,
  ].filter(Boolean);
  return parts.length ? `${parts.join(', ')}.` : '';
}

/**
 * A background job as it runs: state, a progress bar that moves while the job works (the page reads it every
 * POLL_MS), its counters, and a way to stop it. `onFinished` runs once when it ends (to refresh what it changed).
 */
export function JobProgress({ instanceId, jobId, canOperate, onFinished }: { instanceId: string; jobId: string; canOperate: boolean; onFinished?: (job: JobView) => void }) {
  const trpc = useTRPC();
  const onError = useErrorToast();
  const job = useQuery({ ...trpc.job.get.queryOptions({ instanceId, jobId }), refetchInterval: (q) => (running(q.state.data) || !q.state.data ? POLL_MS : false) });
  const cancel = useMutation(trpc.job.cancel.mutationOptions({ onSuccess: () => void job.refetch(), onError }));
  const finished = useRef(false);
  const data = job.data;
  useEffect(() => {
    if (data && !running(data) && !finished.current) {
      finished.current = true;
      onFinished?.(data);
    }
  }, [data, onFinished]);
  if (!data) return null;
  return (
    <section aria-label="Background job" data-testid="job-progress" data-state={data.state} className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm font-medium">
          {KIND_TITLE[data.kind] ?? data.kind} <Badge tone={STATE_TONE[data.state]}>{data.state}</Badge>
        </p>
        <span className="flex items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
          started by {data.createdBy} <Time at={data.createdAt} />
          {canOperate && running(data) && (
            <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate({ instanceId, jobId })} className={`${secondaryButtonClass} px-2! py-0.5! text-xs!`}>
              Stop
            </button>
          )}
        </span>
      </div>
      <ProgressBar label="Job progress" done={data.done} total={data.total} tone={data.state === 'FAILED' ? 'red' : data.state === 'DONE' ? 'green' : 'indigo'} />
      <p className="text-xs text-slate-600 dark:text-slate-300">
        {countsSentence(data)} {data.state === 'DONE' && data.finishedAt && <>Finished <Time at={data.finishedAt} />.</>}
      </p>
      {data.error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {data.error}
        </p>
      )}
    </section>
  );
}
