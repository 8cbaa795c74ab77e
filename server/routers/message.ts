import { z } from 'zod';
import {
  MAX_GROUP_LENGTH,
  MAX_MESSAGE_ID_BYTES,
  MAX_TOPIC_LENGTH,
  MAX_VOLUME_BUCKETS,
  isSystemTopic,
  SystemProperty,
  TimerProperty,
  unwrapName,
  userPropertiesOf,
  type FoundMessage,
  type StoredMessage,
  type TraceEvent,
} from '../broker/index.ts';
import type { BrokerAdmin } from '../broker-admin.ts';
import type { InstanceScope } from '../scope.ts';
import { browseCursorSchema, END_BEFORE_START, messageMatchSchema, rangeInOrder, searchKeySchema, type MessageMatchInput } from '../schemas.ts';
import { AppError, audits, instanceProcedure, router } from '../trpc.ts';
import { CursorPageSize, MAX_CURSOR_PAGE_ROWS } from './paging.ts';

/** The console shows the start of a body; "show all" asks for the rest (`message.body`), a download is a file. */
const BODY_PREVIEW_BYTES = 64 * 1024;
/**
 * Bytes of bodies one page of a filtered search reads at most: 16 MiB is about a quarter second of reading,
 * so a page answers well inside an HTTP timeout and a search over a long range continues page by page.
 */
export const CONSOLE_SCAN_BYTES = 16 * 1024 * 1024;
/** The smallest budget a caller may ask for (tests, a cautious first look); the engine's default is the most. */
const MIN_SCAN_BYTES = 1024;
const MAX_SCAN_BYTES = 64 * 1024 * 1024;
/** Bars of the volume timeline: one per pixel column of a wide chart is already more than the eye uses. */
const DEFAULT_VOLUME_BUCKETS = 60;

const messageIdSchema = z.string().trim().min(1, 'Enter a message id').max(MAX_MESSAGE_ID_BYTES, `At most ${MAX_MESSAGE_ID_BYTES} characters`);
/** A topic or group by its stored name (`ns%name` inside a namespace). */
const topicRefSchema = z.string().min(1).max(MAX_TOPIC_LENGTH);
const groupRefSchema = z.string().min(1).max(MAX_GROUP_LENGTH);
/** Verification ids are the engine's own short strings; anything longer is not one of them. */
const MAX_HANDLE_LENGTH = 512;
const timestampSchema = z.number().int().nonnegative();
const orderSchema = z.enum(['newest', 'oldest']);

/** The engine's cursor as the page hands it back: per readable queue, where the scan stopped. */

const TimeRange = z.object({ topic: topicRefSchema, beginMs: timestampSchema, endMs: timestampSchema });
const BrowseInput = TimeRange.extend({
  order: orderSchema.default('newest'),
  pageSize: CursorPageSize,
  cursor: browseCursorSchema.optional(),
  match: messageMatchSchema.optional(),
  maxScanBytes: z.number().int().min(MIN_SCAN_BYTES).max(MAX_SCAN_BYTES).default(CONSOLE_SCAN_BYTES),
}).refine(rangeInOrder, { path: ['endMs'], message: END_BEFORE_START });

/** Only the parts of a search that are set: an empty filter is no filter. */
function matchOf(match: MessageMatchInput | undefined) {
  if (!match) return undefined;
  const out = {
    ...(match.tag !== undefined ? { tag: match.tag } : {}),
    ...(match.key !== undefined ? { key: match.key } : {}),
    ...(match.property ? { property: match.property } : {}),
    ...(match.bodyContains !== undefined ? { bodyContains: match.bodyContains } : {}),
    ...(match.json ? { json: match.json } : {}),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A row of a results table: where the message sits and what it carries, without its body. */
function row(m: StoredMessage) {
  return {
    messageId: m.messageId,
    tag: m.tag,
    keys: m.keys,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    storeTimestamp: m.storeTimestamp,
    bornTimestamp: m.bornTimestamp,
    /** The whole record in the commit log, and the body alone. */
    storeSize: m.size,
    bodyBytes: m.body.length,
  };
}

/** Control characters other than tab and line breaks mean bytes, not text. */
function hasBinaryControls(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}

/** The body's kind, for the default view: JSON (an object or array), UTF-8 text, else binary (shown as hex). */
export function bodyKindOf(body: Buffer): 'json' | 'text' | 'binary' {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return 'binary';
  }
  if (hasBinaryControls(text)) return 'binary';
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      JSON.parse(trimmed);
      return 'json';
    } catch {
      return 'text';
    }
  }
  return 'text';
}

/** The link to the message's trace in the tracing UI, when the console is told where that is. */
function traceUrlOf(traceId: string | undefined): string | null {
  const template = process.env.MERIDIAN_TRACE_URL_TEMPLATE;
  return traceId && template ? template.replaceAll('{traceId}', encodeURIComponent(traceId)) : null;
}

function view({ message, topic, held }: FoundMessage, otelTraceId: string | undefined) {
  const p = message.properties;
  const deliverAt = p[TimerProperty.DELIVER_AT];
  const { name, namespace } = unwrapName(topic);
  const preview = message.body.subarray(0, BODY_PREVIEW_BYTES);
  return {
    messageId: message.messageId,
    /** The user's topic (bare name) and its namespace, also while the timer or a transaction holds it. */
    topic: name,
    namespace,
    /** The stored name that addresses the topic (its page, other procedures). */
    topicRef: topic,
    /** Its place in the topic; null while held, when it sits in a queue of the internal topic instead. */
    queueId: held ? null : message.queueId,
    queueOffset: held ? null : message.queueOffset,
    commitLogOffset: message.physicalOffset,
    tag: message.tag,
    keys: message.keys,
    messageType: p[SystemProperty.MESSAGE_TYPE] ?? null,
    messageGroup: p[SystemProperty.MESSAGE_GROUP] ?? null,
    /** The producer's W3C trace context, as it sent it. */
    traceContext: p[SystemProperty.TRACE_CONTEXT] ?? null,
    /** The OpenTelemetry trace the message's spans belong to, and its page in the tracing UI when one is configured. */
    otelTraceId: otelTraceId ?? null,
    traceUrl: traceUrlOf(otelTraceId),
    /** The message this one is a resend of. */
    resentFrom: p[SystemProperty.RESENT_FROM] ?? null,
    /** A dead letter's origin and why it got here. */
    originTopic: p[SystemProperty.ORIGIN_TOPIC] ?? null,
    deadLetterReason: p[SystemProperty.DLQ_REASON] ?? null,
    reconsumeTimes: message.reconsumeTimes,
    properties: userPropertiesOf(p),
    bornTimestamp: message.bornTimestamp,
    storeTimestamp: message.storeTimestamp,
    bornHost: message.bornHost,
    storeSize: message.size,
    bodyBytes: message.body.length,
    bodyKind: bodyKindOf(message.body),
    /** The first BODY_PREVIEW_BYTES of the body; `message.body` has all of it. */
    bodyPreview: preview.toString('base64'),
    /** For scheduled messages: when they were (or are) to be delivered. */
    deliverAt: deliverAt ? Number(deliverAt) : null,
    /**
     * What holds it back from consumers, without the internal topic it waits under: a scheduled message's due
     * time, state and recall handle (recalling takes the operator role), or a half message's transaction.
     */
    held: held ?? null,
  };
}

/** The stored message an id names, once its topic (its user topic, also while held) is known to lie in the caller's scope. */
async function findInScope(admin: BrokerAdmin, scope: InstanceScope, messageId: string): Promise<FoundMessage | undefined> {
  const found = await admin.findMessage(messageId);
  if (found) scope.requireName(found.topic);
  return found;
}

/** The user topic a trace names (its steps under internal topics such as the timer's say nothing of the namespace). */
function topicOfTrace(trace: readonly TraceEvent[]): string | undefined {
  return trace.find((e) => e.topic !== undefined && !isSystemTopic(e.topic))?.topic;
}

/** A trace is the caller's when its topic lies in their scope, or it names none. */
function traceInScope(scope: InstanceScope, trace: readonly TraceEvent[]): boolean {
  const topic = topicOfTrace(trace);
  return topic === undefined || scope.allowsName(topic);
}

/** The last step of a message's life, for a results row. */
function summaryOf(trace: readonly TraceEvent[]) {
  const last = trace.at(-1);
  return last ? { step: last.step, at: last.at, group: last.group ?? null, steps: trace.length } : null;
}

export const messageRouter = router({
  /** One message by id (through the index) with the recorded steps of its life, oldest first. */
  get: instanceProcedure('viewer')
    .input(z.object({ messageId: messageIdSchema }))
    .query(async ({ ctx, input }) => {
      const [found, trace, otelTraceId] = await Promise.all([findInScope(ctx.admin, ctx.scope, input.messageId), ctx.admin.traceOf(input.messageId), ctx.admin.otelTraceId(input.messageId)]);
      // A message gone from the store (retention) keeps its trace: that names the topic the scope checks.
      if (!found) {
        const topic = topicOfTrace(trace);
        if (topic !== undefined) ctx.scope.requireName(topic);
      }
      return { message: found ? view(found, otelTraceId) : undefined, trace };
    }),

  /** The whole body of a message (base64), when the preview is not enough; bounded by the instance's message size. */
  body: instanceProcedure('viewer')
    .input(z.object({ messageId: messageIdSchema }))
    .query(async ({ ctx, input }) => {
      const found = await findInScope(ctx.admin, ctx.scope, input.messageId);
      return { body: found ? found.message.body.toString('base64') : null };
    }),

  /**
   * A page of a topic's messages stored in [beginMs, endMs], newest or oldest first, filtered on the server
   * while paging, reading at most `maxScanBytes` of bodies: the answer says how far the scan got, and
   * `nextCursor` continues it.
   */
  browse: instanceProcedure('viewer')
    .input(BrowseInput)
    .query(async ({ ctx, input }) => {
      ctx.scope.requireName(input.topic);
      const match = matchOf(input.match);
      const page = await ctx.admin.browseMessages(input.topic, {
        beginMs: input.beginMs,
        endMs: input.endMs,
        order: input.order,
        limit: input.pageSize,
        maxScanBytes: input.maxScanBytes,
        ...(input.cursor ? { cursor: input.cursor } : {}),
        ...(match ? { match } : {}),
      });
      return {
        rows: page.messages.map(row),
        nextCursor: page.nextCursor ?? null,
        scannedMessages: page.scannedMessages,
        scannedBytes: page.scannedBytes,
        reachedMs: page.reachedMs,
        /** The page stopped at its scan budget before it was full: more of the range is left to scan. */
        budgetReached: !!page.nextCursor && page.messages.length < input.pageSize,
      };
    }),

  /** Messages stored per time bucket of a topic (counted from the consume queues, no body read). */
  volume: instanceProcedure('viewer')
    .input(
      TimeRange.extend({ buckets: z.number().int().min(1).max(MAX_VOLUME_BUCKETS).default(DEFAULT_VOLUME_BUCKETS) }).refine((r) => r.beginMs < r.endMs, {
        path: ['endMs'],
        message: 'The end must be after the start',
      }),
    )
    .query(async ({ ctx, input }) => {
      ctx.scope.requireName(input.topic);
      const buckets = await ctx.admin.messageVolume(input.topic, input.beginMs, input.endMs, input.buckets);
      const widthMs = buckets.length > 1 ? buckets[1]!.startMs - buckets[0]!.startMs : input.endMs - input.beginMs;
      return { buckets, widthMs };
    }),

  /** Messages of a topic with a key, newest first, from the index (never a scan); `before` is the previous page's `nextBefore`. */
  byKey: instanceProcedure('viewer')
    .input(z.object({ topic: topicRefSchema, key: searchKeySchema, pageSize: CursorPageSize, before: z.number().int().nonnegative().optional() }))
    .query(async ({ ctx, input }) => {
      ctx.scope.requireName(input.topic);
      // One more than the page tells whether another page follows.
      const found = await ctx.admin.messagesByKey(input.topic, input.key, { limit: input.pageSize + 1, ...(input.before !== undefined ? { before: input.before } : {}) });
      const page = found.slice(0, input.pageSize);
      return { rows: page.map(row), nextBefore: found.length > input.pageSize ? page.at(-1)!.physicalOffset : null };
    }),

  /** The last recorded step of each of a page's messages (the results table's trace column). */
  lastSteps: instanceProcedure('viewer')
    .input(z.object({ messageIds: z.array(messageIdSchema).max(MAX_CURSOR_PAGE_ROWS) }))
    .query(async ({ ctx, input }) => {
      const traces = await Promise.all(input.messageIds.map((id) => ctx.admin.traceOf(id)));
      // Another namespace's message reads as one with no recorded step: a page never lists those anyway.
      return Object.fromEntries(input.messageIds.map((id, i) => [id, traceInScope(ctx.scope, traces[i]!) ? summaryOf(traces[i]!) : null]));
    }),

  /** Where the message stands with every group that subscribes to its topic (not yet delivered, in flight, acked, …). */
  deliveryStates: instanceProcedure('viewer')
    .input(z.object({ messageId: messageIdSchema }))
    .query(async ({ ctx, input }) => {
      await findInScope(ctx.admin, ctx.scope, input.messageId);
      return { groups: (await ctx.admin.deliveryStates(input.messageId)).filter((g) => ctx.scope.allowsName(g.group)) };
    }),

  /**
   * Consume verification: the message once more to one group, through its normal delivery to its live
   * consumers, offsets untouched; `verification` follows the outcome.
   */
  verify: instanceProcedure('operator')
    .meta(audits('instanceId', 'messageId', 'group'))
    .input(z.object({ messageId: messageIdSchema, group: groupRefSchema }))
    .mutation(async ({ ctx, input }) => {
      ctx.scope.requireName(input.group);
      await findInScope(ctx.admin, ctx.scope, input.messageId);
      return ctx.admin.verifyConsumption(input.messageId, input.group, `operator ${ctx.user.username}`);
    }),

  /** How a consume verification ended (acked, failed, timed out), or that it is still pending. */
  verification: instanceProcedure('viewer')
    .input(z.object({ verificationId: z.string().trim().min(1).max(MAX_HANDLE_LENGTH) }))
    .query(async ({ ctx, input }) => {
      const v = await ctx.admin.verification(input.verificationId);
      if (v) ctx.scope.requireName(v.group);
      if (!v) throw new AppError('VERIFICATION_NOT_FOUND', 'NOT_FOUND', `No consume verification has id ${input.verificationId}; only the latest ones are kept`);
      return v;
    }),

  /** Sends a stored message again, to its own topic or `to` (a topic of the same type); both traces name the other. */
  resend: instanceProcedure('operator')
    .meta(audits('instanceId', 'messageId'))
    .input(z.object({ messageId: messageIdSchema, to: topicRefSchema.optional() }))
    .mutation(async ({ ctx, input }) => {
      await findInScope(ctx.admin, ctx.scope, input.messageId);
      if (input.to !== undefined) ctx.scope.requireName(input.to);
      const sent = await ctx.admin.resend(input.messageId, { by: `operator ${ctx.user.username}`, ...(input.to !== undefined ? { to: input.to } : {}) });
      return { messageId: sent.messageId };
    }),
});
