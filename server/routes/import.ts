/**
 * POST /api/instances/<id>/messages/import?topic=<stored topic> (operator, audited): an NDJSON file
 * (docs/ndjson.md) streamed in as the request body, read line by line, every line validated, stored in
 * batches. A batch is stored only when all its lines pass, so nothing of a refused batch is stored, and nothing
 * after it either: the rest of the file is still read and validated, to report every bad line in one run.
 * The answer streams NDJSON events (ImportEvent) as it goes: progress after each batch, each bad line with its
 * number, the refused batch, and the end.
 */
import { z } from 'zod';
import { logger, MAX_TOPIC_LENGTH, validatePutMessage, type BrokerLimits, type PutMessage, type Topic } from '../broker/index.ts';
import type { BrokerAdmin } from '../broker-admin.ts';
import { maxLineChars, NDJSON_TYPE, parseNdjsonLine, readLines, topicProblem, LineTooLongError, type ImportEvent, type ImportMessage } from '../message-ndjson.ts';
import { assertConsoleCanSend } from '../console-send.ts';
import { contextFromRequest } from '../http-context.ts';
import { AppError, type InnerContext } from '../trpc.ts';
import { auditRoute, authorizeOn, failureOf, json, queryOf, type HttpDeps, type RouteFailure } from './http.ts';

/**
 * Messages per stored batch: one group commit each. 256 keeps a batch's validation and put well under a
 * tenth of a second, so progress moves visibly and a refused batch costs little.
 */
export const IMPORT_BATCH_MESSAGES = 256;
/** Body bytes per batch at most: a batch of large messages is cut early so the bodies held at once stay bounded. */
const IMPORT_BATCH_BYTES = 8 * 1024 * 1024;
/** Bad lines reported one by one; past this the report only counts them (the first ones say what is wrong). */
export const MAX_REPORTED_LINES = 100;
/** Events queued for a client that reads slowly, past which progress events are skipped (the next one says more). */
const EVENT_QUEUE = 64;

const ImportQuery = z.object({ topic: z.string().min(1).max(MAX_TOPIC_LENGTH) });

/** The producer an import's messages name in their trace (PRODUCED): the console, for the operator importing. */
export function importClientId(username: string): string {
  return `console import by ${username}`;
}

/** Where an import stores, and as which producer. */
interface ImportTarget {
  admin: BrokerAdmin;
  topic: Topic;
  limits: BrokerLimits;
  clientId: string;
}

/** A validated line as the engine's put: the import's topic, the line's fields, the body as bytes, the producer. */
function putOf(topic: string, m: ImportMessage, clientId: string): PutMessage {
  return {
    topic,
    producer: { clientId, receivedAt: Date.now() },
    body: 'text' in m.body ? m.body.text : Buffer.from(m.body.base64, 'base64'),
    keys: m.keys,
    properties: m.properties,
    ...(m.tag !== undefined ? { tag: m.tag } : {}),
    ...(m.messageType !== undefined ? { messageType: m.messageType } : {}),
    ...(m.messageGroup !== undefined ? { messageGroup: m.messageGroup } : {}),
    ...(m.deliverAt !== undefined ? { deliverAt: m.deliverAt } : {}),
    ...(m.traceContext !== undefined ? { traceContext: m.traceContext } : {}),
    ...(m.bornTimestamp !== undefined ? { bornTimestamp: m.bornTimestamp } : {}),
    ...(m.bornHost !== undefined ? { bornHost: m.bornHost } : {}),
  };
}

/** A line as the put it becomes, or why the topic or the engine's message rules refuse it. */
function validateLine(text: string, { topic, limits, clientId }: ImportTarget): { put: PutMessage; bytes: number } | { error: string } {
  const parsed = parseNdjsonLine(text, { maxMessageSize: limits.maxMessageSize });
  if (!parsed.ok) return { error: parsed.error };
  const problem = topicProblem(parsed.message, topic.messageType);
  if (problem) return { error: problem };
  const put = putOf(topic.name, parsed.message, clientId);
  try {
    validatePutMessage(put, parsed.message.bodyBytes, limits);
  } catch (e) {
    return { error: failureOf(e).message };
  }
  return { put, bytes: parsed.message.bodyBytes };
}

interface Outcome {
  lines: number;
  imported: number;
  errors: number;
  firstError?: { line: number; error: string };
  failure?: RouteFailure;
}

/**
 * Reads, validates and stores the file, telling `emit` how it goes; resolves to what happened. A batch is a
 * run of consecutive lines (IMPORT_BATCH_MESSAGES, or fewer when their bodies reach IMPORT_BATCH_BYTES).
 */
async function runImport(body: ReadableStream<Uint8Array>, target: ImportTarget, emit: (e: ImportEvent, important: boolean) => void): Promise<Outcome> {
  const { admin, limits } = target;
  const out: Outcome = { lines: 0, imported: 0, errors: 0 };
  let batch = { puts: [] as PutMessage[], lines: 0, bytes: 0, from: 0, bad: false };
  /** Set once a batch is refused or the store failed: nothing is stored from then on. */
  let stopped = false;
  const invalid = (line: number, error: string) => {
    out.errors++;
    out.firstError ??= { line, error };
    batch.bad = true;
    if (out.errors <= MAX_REPORTED_LINES) emit({ type: 'invalid', line, error }, true);
  };
  const flush = async () => {
    const { puts, lines, bad, from } = batch;
    batch = { puts: [], lines: 0, bytes: 0, from: 0, bad: false };
    if (stopped || lines === 0) return;
    if (bad) {
      stopped = true;
      return emit({ type: 'refused', fromLine: from, toLine: out.lines }, true);
    }
    try {
      await admin.sendMessages(puts);
      out.imported += puts.length;
      emit({ type: 'progress', lines: out.lines, imported: out.imported }, false);
    } catch (e) {
      stopped = true;
      out.failure = failureOf(e, 'import.failed');
      emit({ type: 'failed', code: out.failure.code, message: out.failure.message }, true);
    }
  };
  try {
    for await (const { line, text } of readLines(body, maxLineChars(limits.maxMessageSize))) {
      if (batch.lines === 0) batch.from = line;
      batch.lines++;
      out.lines = line;
      const v = validateLine(text, target);
      if ('error' in v) invalid(line, v.error);
      else if (!stopped) {
        batch.puts.push(v.put);
        batch.bytes += v.bytes;
      }
      if (batch.lines >= IMPORT_BATCH_MESSAGES || batch.bytes >= IMPORT_BATCH_BYTES) await flush();
    }
  } catch (e) {
    if (!(e instanceof LineTooLongError)) throw e;
    if (batch.lines === 0) batch.from = e.line;
    batch.lines++;
    out.lines = e.line;
    invalid(e.line, e.message);
  }
  await flush();
  return out;
}

/** The import's audit entry: what was asked and what came of it. */
function auditOf(instanceId: string, topic: string, o: Outcome | undefined, failure: RouteFailure | undefined) {
  const refused = o && o.errors > 0 && o.firstError
    ? { status: 400, code: 'INVALID_LINES', message: `${o.errors} invalid line${o.errors === 1 ? '' : 's'}, the first at line ${o.firstError.line}: ${o.firstError.error}; ${o.imported} messages stored before it` }
    : undefined;
  return {
    action: 'message.import',
    target: [instanceId, topic].filter(Boolean).join('/'),
    instanceId,
    input: { instanceId, topic, ...(o ? { lines: o.lines, imported: o.imported, invalidLines: o.errors } : {}) },
    failure: failure ?? o?.failure ?? refused,
  };
}

/** Encodes events as NDJSON for a client that may read slowly: important ones always, progress only while it keeps up. */
function eventStream(): { stream: ReadableStream<Uint8Array>; emit: (e: ImportEvent, important: boolean) => void; close: () => void } {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      cancel() {
        open = false;
      },
    },
    new CountQueuingStrategy({ highWaterMark: EVENT_QUEUE }),
  );
  return {
    stream,
    emit(e, important) {
      if (open && (important || (controller.desiredSize ?? 0) > 0)) controller.enqueue(encoder.encode(`${JSON.stringify(e)}\n`));
    },
    close() {
      if (open) controller.close();
      open = false;
    },
  };
}

/** Whatever happens after the check, the import ends with a `done` event and one audit event. */
export async function importMessages(req: Request, deps: HttpDeps, instanceId: string): Promise<Response> {
  const ctx: InnerContext = await contextFromRequest(req, deps);
  const topicParam = new URL(req.url).searchParams.get('topic') ?? '';
  let started: { admin: BrokerAdmin; topic: Topic; limits: BrokerLimits; body: ReadableStream<Uint8Array>; clientId: string };
  try {
    const { admin, user, scope } = authorizeOn(ctx, instanceId, 'operator');
    const { topic: name } = queryOf(req, ImportQuery);
    scope.requireName(name);
    const topic = await admin.getTopic(name);
    assertConsoleCanSend(topic);
    if (!req.body) throw new AppError('BAD_REQUEST', 'BAD_REQUEST', `Send the file as the request body (${NDJSON_TYPE})`);
    started = { admin, topic, limits: await admin.limits(), body: req.body, clientId: importClientId(user.username) };
  } catch (e) {
    const failure = failureOf(e, 'import.failed');
    await auditRoute(ctx, auditOf(instanceId, topicParam, undefined, failure));
    return json({ code: failure.code, message: failure.message }, failure.status);
  }
  const { admin, topic, limits, body, clientId } = started;
  const events = eventStream();
  void (async () => {
    let outcome: Outcome | undefined;
    let failure: RouteFailure | undefined;
    try {
      outcome = await runImport(body, { admin, topic, limits, clientId }, events.emit);
      events.emit({ type: 'done', imported: outcome.imported, lines: outcome.lines, complete: outcome.errors === 0 && !outcome.failure, errors: outcome.errors }, true);
    } catch (e) {
      failure = failureOf(e, 'import.failed');
      events.emit({ type: 'failed', code: failure.code, message: failure.message }, true);
    } finally {
      events.close();
    }
    await auditRoute(ctx, auditOf(instanceId, topic.name, outcome, failure));
  })().catch((e: unknown) => logger.error({ event: 'import.audit_failed', err: (e as Error).message }, 'import not audited'));
  return new Response(events.stream, { headers: { 'content-type': NDJSON_TYPE, 'cache-control': 'no-store' } });
}
