/**
 * The dead-letter jobs: resend a selection or everything matching a filter back to the group, and purge
 * everything matching a filter. Each batch is one engine page of the DLQ (or one slice of the selection).
 */
import { z } from 'zod';
import { MAX_GROUP_LENGTH, type BrowseCursor } from '../broker/index.ts';
import type { DeadLetter } from '../broker-admin.ts';
import { failureOf } from '../routes/http.ts';
import { browseCursorSchema, messageMatchSchema } from '../schemas.ts';
import type { JobContext, JobKind, JobStep } from './model.ts';

/** Dead letters per batch: a hundred puts is a few milliseconds, and a crash repeats at most one batch's lookups. */
export const DLQ_JOB_BATCH = 100;
/** Body bytes one batch of a filtered scan reads at most (a body search over a large DLQ goes on page by page). */
const DLQ_JOB_SCAN_BYTES = 8 * 1024 * 1024;
/** Most letters one selection names: the DLQ page's selection, a few pages of it. */
export const MAX_SELECTION = 1000;

const group = z.string().min(1).max(MAX_GROUP_LENGTH);
/** A dead letter is named by its offset in the DLQ (queue 0 of %DLQ%<group>): one message may be dead-lettered twice. */
export const deadLetterOffset = z.number().int().nonnegative();
const offsets = z.array(deadLetterOffset).min(1).max(MAX_SELECTION);
/**
 * Everything matching the filter stored in the DLQ from `beginMs` (absent: its start) up to `endMs` (at the
 * latest the job's start: letters arriving later are not part of it), as the DLQ page lists them.
 */
const FilterTarget = z.object({ match: messageMatchSchema.optional(), beginMs: z.number().int().nonnegative().optional(), endMs: z.number().int().nonnegative() });

export const DlqResendParams = z.object({ group, target: z.union([z.object({ offsets }), FilterTarget]) });
export type DlqResendParams = z.infer<typeof DlqResendParams>;
export const DlqPurgeParams = z.object({ group, target: FilterTarget });
export type DlqPurgeParams = z.infer<typeof DlqPurgeParams>;

/** The engine's paging cursor as a client or a job row hands it back: per readable queue, where the scan stopped. */
/** A selection resumes at an index into its offsets; a filtered scan at the engine's cursor (null once the DLQ is done). */
const Cursor = z.union([z.object({ next: z.number().int().nonnegative() }), z.object({ engine: browseCursorSchema.nullable() })]);
type Cursor = z.infer<typeof Cursor>;

/** One page of the group's dead letters matching the filter, oldest first, from `cursor`. */
async function filteredPage(ctx: JobContext<{ group: string; target: z.infer<typeof FilterTarget> }>, cursor: Cursor | undefined) {
  const from = cursor && 'engine' in cursor ? cursor.engine : undefined;
  const { target } = ctx.params;
  const page = await ctx.admin.deadLetters(ctx.params.group, {
    beginMs: target.beginMs ?? 0,
    endMs: target.endMs,
    order: 'oldest',
    limit: DLQ_JOB_BATCH,
    maxScanBytes: DLQ_JOB_SCAN_BYTES,
    ...(from ? { cursor: from } : {}),
    ...(target.match ? { match: target.match } : {}),
  });
  const next: BrowseCursor | null = page.nextCursor ?? null;
  return { letters: page.letters, scanned: page.scannedMessages, cursor: { engine: next }, finished: next === null };
}

/** The trace's and the logs' word for who resent it. */
function resentBy(ctx: JobContext<unknown>): string {
  return `operator ${ctx.createdBy} (job ${ctx.jobId})`;
}

/**
 * Resends each letter with the job's dedupe key: a batch run again after a crash resends none twice. A letter
 * gone since it was selected (purged, expired) is counted as missing, and the job goes on.
 */
async function resendAll(ctx: JobContext<DlqResendParams>, letters: readonly number[]): Promise<Record<string, number>> {
  const counts = { resent: 0, alreadyResent: 0, missing: 0 };
  for (const offset of letters) {
    try {
      const r = await ctx.admin.resendDeadLetter(ctx.params.group, offset, { by: resentBy(ctx), dedupeKey: `${ctx.jobId}:${offset}` });
      if (r.resent) counts.resent++;
      else counts.alreadyResent++;
    } catch (e) {
      if (failureOf(e).code !== 'DEAD_LETTER_NOT_FOUND') throw e;
      counts.missing++;
    }
  }
  return counts;
}

/**
 * Resend: a selection is resent as named (also letters resent before); a filter resends the letters not
 * resent yet, so running "resend all" twice does not send the same letter twice.
 */
export const dlqResend: JobKind<DlqResendParams, Cursor> = {
  params: DlqResendParams,
  cursor: Cursor,
  async total(ctx) {
    const { target } = ctx.params;
    return 'offsets' in target ? target.offsets.length : ctx.admin.deadLetterCount(ctx.params.group);
  },
  async step(ctx, cursor): Promise<JobStep<Cursor>> {
    const { target } = ctx.params;
    if ('offsets' in target) {
      const from = cursor && 'next' in cursor ? cursor.next : 0;
      const slice = target.offsets.slice(from, from + DLQ_JOB_BATCH);
      const next = from + slice.length;
      return { cursor: { next }, handled: slice.length, counts: await resendAll(ctx, slice), finished: next >= target.offsets.length };
    }
    const page = await filteredPage({ ...ctx, params: { group: ctx.params.group, target } }, cursor);
    const fresh = page.letters.filter((d: DeadLetter) => d.resentAt === undefined);
    const counts = await resendAll(ctx, fresh.map((d) => d.offset));
    return { cursor: page.cursor, handled: page.scanned, counts: { ...counts, skipped: page.letters.length - fresh.length }, finished: page.finished };
  },
};

/** Purge of everything matching a filter (purging all, or a selection, needs no scan and no job). */
export const dlqPurge: JobKind<DlqPurgeParams, Cursor> = {
  params: DlqPurgeParams,
  cursor: Cursor,
  total: (ctx) => ctx.admin.deadLetterCount(ctx.params.group),
  async step(ctx, cursor) {
    const page = await filteredPage(ctx, cursor);
    const found = page.letters.map((d) => d.offset);
    const purged = found.length > 0 ? await ctx.admin.purgeDeadLetters(ctx.params.group, { offsets: found }) : 0;
    return { cursor: page.cursor, handled: page.scanned, counts: { purged }, finished: page.finished };
  },
};

export const JOB_KINDS = { DLQ_RESEND: dlqResend, DLQ_PURGE: dlqPurge } as const;
export type JobKindName = keyof typeof JOB_KINDS;
