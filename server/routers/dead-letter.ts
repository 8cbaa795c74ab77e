import { z } from 'zod';
import { MAX_GROUP_LENGTH, unwrapName } from '../broker/index.ts';
import type { DeadLetter } from '../broker-admin.ts';
import { deadLetterOffset, MAX_SELECTION } from '../jobs/dead-letter-jobs.ts';
import { jobRunner } from '../jobs/runner.ts';
import { browseCursorSchema, END_BEFORE_START, messageMatchSchema, rangeEndOf, rangeInOrder, type MessageMatchInput } from '../schemas.ts';
import { audits, instanceProcedure, router } from '../trpc.ts';
import { CONSOLE_SCAN_BYTES } from './message.ts';
import { CursorPageSize } from './paging.ts';


const group = z.string().min(1).max(MAX_GROUP_LENGTH);
const GroupRef = z.object({ group });
/** Letters are named by their DLQ offset (`row.offset`): the same message may be dead-lettered twice. */
const Selection = z.array(deadLetterOffset).min(1, 'Select at least one message').max(MAX_SELECTION, `At most ${MAX_SELECTION} at once`);
const timestamp = z.number().int().nonnegative();
/** When letters were stored in the DLQ (dead-lettered); an open bound is the DLQ's start, or now. */
const StoredRange = { beginMs: timestamp.optional(), endMs: timestamp.optional() };
const END_BEFORE_BEGIN = { path: ['endMs'], message: END_BEFORE_START };
/** What "all matching" acts on: the list's filter and range. */
const Filter = z.object({ match: messageMatchSchema.optional(), ...StoredRange }).refine(rangeInOrder, END_BEFORE_BEGIN);

/**
 * A filter job's target: the letters the list shows for the same filter and range, stored until now at the
 * latest (letters arriving while the job runs are not part of it).
 */
function filterTarget(f: { match?: MessageMatchInput | undefined; beginMs?: number | undefined; endMs?: number | undefined }) {
  const now = Date.now();
  return {
    ...(f.match ? { match: f.match } : {}),
    ...(f.beginMs !== undefined ? { beginMs: f.beginMs } : {}),
    endMs: Math.max(f.beginMs ?? 0, Math.min(f.endMs ?? now, now)),
  };
}

/** A row of the DLQ table: the letter's place in the DLQ, its origin and failure, the message's tag and keys, no body. */
function row(d: DeadLetter) {
  const origin = unwrapName(d.originTopic);
  return {
    /** The letter's offset in the DLQ: what resend and purge name it by. */
    offset: d.offset,
    messageId: d.message.messageId,
    originTopic: origin.name,
    originNamespace: origin.namespace,
    /** The stored name of the original topic (its page, the Messages page). */
    originTopicRef: d.originTopic,
    originMessageId: d.originMessageId,
    attempts: d.attempts,
    firstFailureAt: d.firstFailureAt ?? null,
    lastFailureAt: d.lastFailureAt,
    reason: d.reason,
    detail: d.detail,
    resentAt: d.resentAt ?? null,
    tag: d.message.tag,
    keys: d.message.keys,
    storeTimestamp: d.message.storeTimestamp,
    bodyBytes: d.message.body.length,
  };
}

const by = (username: string) => `operator ${username}`;

export const deadLetterRouter = router({
  /**
   * A page of the group's dead letters stored in the DLQ within [beginMs, endMs] (open bounds: its start, now),
   * newest first by default, filtered like the Messages page.
   */
  list: instanceProcedure('viewer')
    .input(
      GroupRef.extend({
        ...StoredRange,
        order: z.enum(['newest', 'oldest']).default('newest'),
        pageSize: CursorPageSize,
        cursor: browseCursorSchema.optional(),
        match: messageMatchSchema.optional(),
      }).refine(rangeInOrder, END_BEFORE_BEGIN),
    )
    .query(async ({ ctx, input }) => {
      ctx.scope.requireName(input.group);
      const beginMs = input.beginMs ?? 0;
      const page = await ctx.admin.deadLetters(input.group, {
        beginMs,
        endMs: rangeEndOf(beginMs, input.endMs),
        order: input.order,
        limit: input.pageSize,
        maxScanBytes: CONSOLE_SCAN_BYTES,
        ...(input.cursor ? { cursor: input.cursor } : {}),
        ...(input.match ? { match: input.match } : {}),
      });
      return {
        rows: page.letters.map(row),
        nextCursor: page.nextCursor ?? null,
        scannedMessages: page.scannedMessages,
        reachedMs: page.reachedMs,
        /** The page stopped at its scan budget before it was full: more of the DLQ is left to scan. */
        budgetReached: !!page.nextCursor && page.letters.length < input.pageSize,
      };
    }),

  /** Dead letters stored for the group, minus the purged. */
  count: instanceProcedure('viewer')
    .input(GroupRef)
    .query(async ({ ctx, input }) => {
      ctx.scope.requireName(input.group);
      return { count: await ctx.admin.deadLetterCount(input.group) };
    }),

  /** One dead letter back to the group for another round (its original topic, attempts from 1). */
  resend: instanceProcedure('operator')
    .meta(audits('instanceId', 'group'))
    .input(GroupRef.extend({ offset: deadLetterOffset }))
    .mutation(({ ctx, input }) => {
      ctx.scope.requireName(input.group);
      return ctx.admin.resendDeadLetter(input.group, input.offset, { by: by(ctx.user.username) });
    }),

  /**
   * A selection, or every letter matching a filter and range (not resent yet) stored until now, back to the
   * group: a background job (its progress in job.get), each letter resent at most once even across a restart.
   */
  resendMany: instanceProcedure('operator')
    .meta(audits('instanceId', 'group'))
    .input(GroupRef.extend({ target: z.union([z.object({ offsets: Selection }), Filter]) }))
    .mutation(async ({ ctx, input }) => {
      ctx.scope.requireName(input.group);
      await ctx.admin.getGroup(input.group);
      const target = 'offsets' in input.target ? { offsets: input.target.offsets } : filterTarget(input.target);
      const job = await jobRunner(ctx.db, ctx.runtime).start({ kind: 'DLQ_RESEND', instanceId: ctx.instance.id, params: { group: input.group, target }, createdBy: ctx.user.username });
      return { jobId: job.id };
    }),

  /** Purges a selection or the whole DLQ at once; resolves to how many letters went. */
  purge: instanceProcedure('operator')
    .meta(audits('instanceId', 'group'))
    .input(GroupRef.extend({ target: z.union([z.object({ offsets: Selection }), z.object({ all: z.literal(true) })]) }))
    .mutation(async ({ ctx, input }) => {
      ctx.scope.requireName(input.group);
      return { purged: await ctx.admin.purgeDeadLetters(input.group, input.target) };
    }),

  /**
   * Purges every letter matching a filter, a range or both (stored until now): a background job, as it scans
   * the DLQ. With neither it would be the whole DLQ, which `purge` with `all` does at once.
   */
  purgeMatching: instanceProcedure('operator')
    .meta(audits('instanceId', 'group'))
    .input(
      GroupRef.extend({ match: messageMatchSchema.optional(), ...StoredRange })
        .refine(rangeInOrder, END_BEFORE_BEGIN)
        .refine((f) => f.match !== undefined || f.beginMs !== undefined || f.endMs !== undefined, { path: ['match'], message: 'Give a filter or a time range (purging the whole DLQ is purge all)' }),
    )
    .mutation(async ({ ctx, input }) => {
      ctx.scope.requireName(input.group);
      await ctx.admin.getGroup(input.group);
      const params = { group: input.group, target: filterTarget(input) };
      const job = await jobRunner(ctx.db, ctx.runtime).start({ kind: 'DLQ_PURGE', instanceId: ctx.instance.id, params, createdBy: ctx.user.username });
      return { jobId: job.id };
    }),
});
