/**
 * Exports as NDJSON downloads (docs/ndjson.md): a topic's messages by store time with the Messages page's
 * filters, every message of a topic with one key, a selection by id, or a group's dead letters. The body is a pull stream: the next page is read from
 * the engine only when the client has taken the previous one, so an export of a million messages holds one
 * page in memory and lets the broker serve everything else between pages.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { logger, MAX_GROUP_LENGTH, MAX_MESSAGE_ID_BYTES, MAX_TOPIC_LENGTH, unwrapName, type BrowseCursor } from '../broker/index.ts';
import type { BrokerAdmin } from '../broker-admin.ts';
import { ndjsonLine, NDJSON_TYPE } from '../message-ndjson.ts';
import { END_BEFORE_START, MAX_EXPORT_IDS, messageMatchSchema, rangeEndOf, rangeInOrder, searchKeySchema } from '../schemas.ts';
import { AppError } from '../trpc.ts';
import type { InstanceScope } from '../scope.ts';
import { answer, attachment, authorize, failureOf, queryOf, type HttpDeps } from './http.ts';
import { ndjsonOf, ndjsonOfDeadLetter } from './message-json.ts';

/** Messages per page read from the engine: a few MiB of JSON at typical sizes, one chunk written to the client. */
export const EXPORT_PAGE_MESSAGES = 500;
/**
 * Bytes of bodies one page scans at most: 8 MiB is tens of milliseconds of reading, so a filtered export over
 * a long range never holds the event loop longer than that between two pages.
 */
export const EXPORT_PAGE_SCAN_BYTES = 8 * 1024 * 1024;
/**
 * A filtered export that finds nothing for this long still sends a blank line (which an import skips), so
 * proxies and browsers that drop a silent connection keep this one while the scan goes on.
 */
export const EXPORT_KEEPALIVE_MS = 15_000;

/** One page of an export: its lines, and whether it was the last. */
export interface ExportPage {
  text: string;
  done: boolean;
}

const encoder = new TextEncoder();
const KEEPALIVE = encoder.encode('\n');

/** What an export's log lines say about it (never its filters: a body search may hold what it looks for). */
export interface ExportLog {
  instanceId: string;
  export: 'topic' | 'key' | 'selection' | 'dead-letters';
}

/**
 * A byte stream of pages, each read only when the consumer wants more (one page queued ahead at most), with a
 * turn of the event loop before each read so a long export interleaves with everything else the server does.
 * Pages with no line (a filter that matched nothing in one scan budget) are read on until one has lines, with
 * a blank line sent after `keepaliveMs` without one. A page that fails ends the stream with an error (the
 * download breaks off rather than looking complete), logged once as `export.failed`.
 */
export function pagedStream(nextPage: () => Promise<ExportPage>, log: ExportLog, keepaliveMs = EXPORT_KEEPALIVE_MS): ReadableStream<Uint8Array> {
  let lastSent = Date.now();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          await nextTurn();
          let page: ExportPage;
          try {
            page = await nextPage();
          } catch (e) {
            const f = failureOf(e);
            logger.error({ event: 'export.failed', ...log, code: f.code, err: e instanceof Error ? e.message : String(e) }, 'export stopped by a failure');
            return controller.error(new Error(f.message));
          }
          if (page.text) {
            controller.enqueue(encoder.encode(page.text));
            lastSent = Date.now();
          }
          if (page.done) return controller.close();
          if (page.text) return;
          if (Date.now() - lastSent >= keepaliveMs) {
            controller.enqueue(KEEPALIVE);
            lastSent = Date.now();
            return;
          }
        }
      },
    },
    new CountQueuingStrategy({ highWaterMark: 1 }),
  );
}

const timestamp = z.coerce.number().int().nonnegative();
const matchParam = z
  .string()
  .max(8 * 1024)
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'match must be a JSON object (a URL-encoded MessageMatch)' });
      return z.NEVER;
    }
  })
  .pipe(messageMatchSchema);

/** The time range and filters of a topic or DLQ export (the Messages page's query). */
const RangeQuery = z.object({
  begin: timestamp.default(0),
  end: timestamp.optional(),
  order: z.enum(['newest', 'oldest']).default('oldest'),
  match: matchParam.optional(),
});

const ExportQuery = RangeQuery.extend({
  topic: z.string().min(1).max(MAX_TOPIC_LENGTH).optional(),
  key: searchKeySchema.optional(),
  ids: z
    .string()
    .transform((s) => s.split(',').map((id) => id.trim()).filter(Boolean))
    .pipe(z.array(z.string().max(MAX_MESSAGE_ID_BYTES)).min(1, 'Name at least one message id').max(MAX_EXPORT_IDS, `At most ${MAX_EXPORT_IDS} ids per export`))
    .optional(),
});

function ndjsonResponse(stream: ReadableStream<Uint8Array>, filename: string): Response {
  return new Response(stream, { headers: { 'content-type': NDJSON_TYPE, 'content-disposition': attachment(filename), 'cache-control': 'no-store' } });
}

function fileStamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

type RangeQuery = z.infer<typeof RangeQuery>;

/**
 * The range's end (`rangeEndOf`, as the lists take it), checked before the download starts, so a bad range
 * answers 400 instead of breaking off a download.
 */
function endOf(q: RangeQuery): number {
  if (!rangeInOrder({ beginMs: q.begin, endMs: q.end })) throw new AppError('BAD_REQUEST', 'BAD_REQUEST', END_BEFORE_START);
  return rangeEndOf(q.begin, q.end);
}

/** The engine's page request for a range export, resuming at `cursor`. */
function pageRequest(q: RangeQuery, endMs: number, cursor: BrowseCursor | undefined) {
  return {
    beginMs: q.begin,
    endMs,
    order: q.order,
    limit: EXPORT_PAGE_MESSAGES,
    maxScanBytes: EXPORT_PAGE_SCAN_BYTES,
    ...(cursor ? { cursor } : {}),
    ...(q.match ? { match: q.match } : {}),
  };
}

/** Pages of an engine query that pages with a cursor (a topic by time, a DLQ), each item turned into a line. */
function cursorPages<T>(read: (cursor: BrowseCursor | undefined) => Promise<{ items: T[]; nextCursor?: BrowseCursor | undefined }>, line: (item: T) => string): () => Promise<ExportPage> {
  let cursor: BrowseCursor | undefined;
  return async () => {
    const page = await read(cursor);
    cursor = page.nextCursor;
    return { text: page.items.map(line).join(''), done: !cursor };
  };
}

/**
 * The pages of a selection: the named messages found (of `topic`, when given), in the order named, looked up
 * one after the other; a page ends once its bodies reach EXPORT_PAGE_SCAN_BYTES, as a time export's does, so
 * a selection of large messages is not held in memory at once.
 */
function selectionPages(admin: BrokerAdmin, scope: InstanceScope, ids: readonly string[], topic: string | undefined): () => Promise<ExportPage> {
  let next = 0;
  return async () => {
    const lines: string[] = [];
    let bytes = 0;
    while (next < ids.length && bytes < EXPORT_PAGE_SCAN_BYTES) {
      const found = await admin.findMessage(ids[next++]!);
      // Messages outside the caller's scope are left out as the ones not found are: ids name nothing else.
      if (!found || (topic !== undefined && found.topic !== topic) || !scope.allowsName(found.topic)) continue;
      bytes += found.message.body.length;
      lines.push(ndjsonLine(ndjsonOf(found.message, found.topic)));
    }
    return { text: lines.join(''), done: next >= ids.length };
  };
}

/**
 * Messages of a key page: as many as fit EXPORT_PAGE_SCAN_BYTES at `bodyBytes` each, 1 to EXPORT_PAGE_MESSAGES.
 * The engine reads a key page's messages whole (there is no scan budget to stop it), so this is what bounds it.
 */
export function keyPageMessages(bodyBytes: number): number {
  return Math.min(EXPORT_PAGE_MESSAGES, Math.max(1, Math.floor(EXPORT_PAGE_SCAN_BYTES / Math.max(1, bodyBytes))));
}

/**
 * The pages of a key export: every message of `topic` with `key`, newest first, from the index (never a scan),
 * paged as the key search pages, with `before` the last message's commit-log offset. The first page asks for
 * as many as fit 8 MiB at the instance's largest message size, each next one for as many as fit at the
 * largest body seen so far: keys of small messages go 500 a page, keys of large ones a few. A page holds more
 * only when a key's later messages are much larger than its earlier ones (at most EXPORT_PAGE_MESSAGES of them).
 */
function keyPages(admin: BrokerAdmin, topic: string, key: string, maxMessageSize: number): () => Promise<ExportPage> {
  let before: number | undefined;
  let largest: number | undefined;
  return async () => {
    const limit = keyPageMessages(largest ?? maxMessageSize);
    const found = await admin.messagesByKey(topic, key, { limit, ...(before !== undefined ? { before } : {}) });
    const last = found.at(-1);
    if (last && before !== undefined && last.physicalOffset >= before) {
      // A cursor that does not move back would page the same messages forever.
      throw new AppError('INTERNAL_SERVER_ERROR', 'INTERNAL_SERVER_ERROR', `The key index paged from ${before} to ${last.physicalOffset}, not backwards`);
    }
    for (const m of found) largest = Math.max(largest ?? 0, m.body.length);
    if (last) before = last.physicalOffset;
    // Fewer than asked: the index has no more (the key search's last page ends the same way).
    return { text: found.map((m) => ndjsonLine(ndjsonOf(m, topic))).join(''), done: found.length < limit };
  };
}

/** The range and filter parameters, which a key export does not take (it is the key search: the index, newest first). */
const RANGE_PARAMS = ['begin', 'end', 'order', 'match'] as const;

/** A key as a file name's part: letters, digits, `.`, `_` and `-`, the rest as `_`, at most 64 characters. */
function fileSafe(s: string): string {
  return s.replace(/[^\p{L}\p{N}._-]/gu, '_').slice(0, 64);
}

/**
 * GET /api/instances/<id>/messages/export: a topic + time query (with filters), a topic + `key=` (every message
 * with that key), or `ids=` as NDJSON (viewer).
 */
export function exportMessages(req: Request, deps: HttpDeps, instanceId: string): Promise<Response> {
  return answer(async () => {
    const { admin, instance, scope } = await authorize(req, deps, instanceId, 'viewer');
    const { ids, topic, key, ...range } = queryOf(req, ExportQuery);
    if (topic !== undefined) scope.requireName(topic);
    if (key !== undefined) {
      if (ids) throw new AppError('BAD_REQUEST', 'BAD_REQUEST', 'Give a key or ids, not both');
      if (topic === undefined) throw new AppError('BAD_REQUEST', 'BAD_REQUEST', 'A key export needs the topic the key is searched in');
      const params = new URL(req.url).searchParams;
      const extra = RANGE_PARAMS.filter((p) => params.has(p));
      if (extra.length > 0) throw new AppError('BAD_REQUEST', 'BAD_REQUEST', `A key export takes a topic and a key only, not ${extra.join(', ')}`);
      await admin.getTopic(topic);
      const pages = keyPages(admin, topic, key, instance.maxMessageSize);
      return ndjsonResponse(pagedStream(pages, { instanceId, export: 'key' }), `${unwrapName(topic).name}-key-${fileSafe(key)}-${fileStamp()}.ndjson`);
    }
    if (topic !== undefined) await admin.getTopic(topic);
    if (ids) return ndjsonResponse(pagedStream(selectionPages(admin, scope, ids, topic), { instanceId, export: 'selection' }), `selection-${fileStamp()}.ndjson`);
    if (topic === undefined) throw new AppError('BAD_REQUEST', 'BAD_REQUEST', 'Give a topic (and a time range or a key) or ids');
    const endMs = endOf(range);
    const pages = cursorPages(
      async (cursor) => {
        const page = await admin.browseMessages(topic, pageRequest(range, endMs, cursor));
        return { items: page.messages, nextCursor: page.nextCursor };
      },
      (m) => ndjsonLine(ndjsonOf(m, topic)),
    );
    return ndjsonResponse(pagedStream(pages, { instanceId, export: 'topic' }), `${unwrapName(topic).name}-${fileStamp()}.ndjson`);
  });
}

const GroupName = z.string().min(1).max(MAX_GROUP_LENGTH);

/** GET /api/instances/<id>/groups/<group>/dead-letters/export: the group's dead letters (with filters) as NDJSON (viewer). */
export function exportDeadLetters(req: Request, deps: HttpDeps, instanceId: string, group: string): Promise<Response> {
  return answer(async () => {
    const { admin, scope } = await authorize(req, deps, instanceId, 'viewer');
    const name = GroupName.parse(group);
    scope.requireName(name);
    const q = queryOf(req, RangeQuery);
    await admin.getGroup(name);
    const endMs = endOf(q);
    const pages = cursorPages(
      async (cursor) => {
        const page = await admin.deadLetters(name, pageRequest(q, endMs, cursor));
        return { items: page.letters, nextCursor: page.nextCursor };
      },
      (d) => ndjsonLine(ndjsonOfDeadLetter(name, d)),
    );
    return ndjsonResponse(pagedStream(pages, { instanceId, export: 'dead-letters' }), `dlq-${unwrapName(name).name}-${fileStamp()}.ndjson`);
  });
}
