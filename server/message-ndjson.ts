/**
 * The console's message file format (docs/ndjson.md): newline-delimited JSON, one message per line, written by
 * export and read by import. Pure (zod and the engine's rules only), so the browser previews and validates a
 * file with exactly the rules the server applies before it stores anything.
 */
import { z } from 'zod';
import { keyProblem, MAX_BORN_HOST_BYTES, MAX_MESSAGE_GROUP_BYTES, MAX_PROPERTIES, MAX_PROPERTIES_BYTES, MESSAGE_TYPES, propertyKeyProblem, tagProblem, type MessageType } from './broker/rules.ts';

/** The media type of an export, and what an import's body is read as. */
export const NDJSON_TYPE = 'application/x-ndjson';

/** What a dead-letter export adds to each line: where the message failed and why. */
export interface NdjsonDeadLetter {
  group: string;
  originMessageId: string;
  attempts: number;
  firstFailureAt?: number;
  lastFailureAt: number;
  reason: 'NACK' | 'INVISIBLE_EXPIRED' | 'CLIENT_FORWARDED';
  detail: string;
  resentAt?: number;
}

/** One exported message: everything a re-send needs (body, tag, keys, user properties, group, type, times). */
export interface NdjsonMessage {
  messageId: string;
  /** The user's topic name, without its namespace. */
  topic: string;
  /** '' outside any namespace. */
  namespace: string;
  /** '' when the message has none. */
  tag: string;
  keys: string[];
  /** The user's properties (never the engine's reserved `__` ones). */
  properties: Record<string, string>;
  messageType: MessageType;
  messageGroup?: string;
  /** DELAY messages: the delivery time they were scheduled for. */
  deliverAt?: number;
  /** The producer's trace context (W3C traceparent), so an imported copy continues the same trace. */
  traceContext?: string;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  queueId: number;
  queueOffset: number;
  bodyBase64: string;
  deadLetter?: NdjsonDeadLetter;
}

/** One message as a line of the file (with its newline). */
export function ndjsonLine(m: NdjsonMessage): string {
  return `${JSON.stringify(m)}\n`;
}

// ---------------------------------------------------------------------------
// Reading

function rule(problem: (v: string) => string | undefined) {
  return z.string().superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });
}

const utf8 = new TextEncoder();
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Keys per message: more than this is a file of something else, not of messages. */
const MAX_KEYS = 64;

/**
 * What import reads from a line: the body (`body` as UTF-8 text or `bodyBase64`, exactly one) is all it
 * needs; everything else is optional, and fields it does not know (storeTimestamp, queueOffset, …) are
 * ignored. `topic` and `namespace` only say where a line came from: the import's own topic is where it goes.
 */
export const NdjsonLineSchema = z
  .object({
    topic: z.string().optional(),
    namespace: z.string().optional(),
    /** '' or absent: no tag. */
    tag: z.union([z.literal(''), rule(tagProblem)]).optional(),
    keys: z.array(rule(keyProblem)).max(MAX_KEYS, `At most ${MAX_KEYS} keys`).optional(),
    properties: z
      .record(z.string(), z.string())
      .superRefine((p, ctx) => {
        const keys = Object.keys(p);
        if (keys.length > MAX_PROPERTIES) ctx.addIssue({ code: 'custom', message: `At most ${MAX_PROPERTIES} user properties` });
        for (const k of keys) {
          const problem = propertyKeyProblem(k);
          if (problem) ctx.addIssue({ code: 'custom', path: [k], message: problem });
        }
      })
      .optional(),
    messageType: z.enum(MESSAGE_TYPES).optional(),
    messageGroup: z
      .string()
      .min(1)
      .refine((g) => utf8.encode(g).length <= MAX_MESSAGE_GROUP_BYTES, `At most ${MAX_MESSAGE_GROUP_BYTES} bytes`)
      .optional(),
    deliverAt: z.number().int().nonnegative().optional(),
    traceContext: z.string().max(512).optional(),
    bornTimestamp: z.number().int().nonnegative().optional(),
    bornHost: z.string().max(MAX_BORN_HOST_BYTES).optional(),
    body: z.string().optional(),
    bodyBase64: z
      .string()
      .refine((s) => s.length % 4 === 0 && BASE64.test(s), 'Not base64')
      .optional(),
  })
  .superRefine((line, ctx) => {
    if ((line.body === undefined) === (line.bodyBase64 === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'Give the body as exactly one of "body" (text) or "bodyBase64"' });
    }
  });
export type NdjsonLine = z.infer<typeof NdjsonLineSchema>;

/** A line that passed: the fields to send, and the body's size in bytes (checked against the instance's limit). */
export interface ImportMessage {
  tag?: string;
  keys: string[];
  properties: Record<string, string>;
  messageType?: MessageType;
  messageGroup?: string;
  deliverAt?: number;
  traceContext?: string;
  bornTimestamp?: number;
  bornHost?: string;
  body: { text: string } | { base64: string };
  bodyBytes: number;
}

export type LineResult = { ok: true; message: ImportMessage } | { ok: false; error: string };

/** A refused line of a file, by its 1-based number. */
export interface LineError {
  line: number;
  error: string;
}

function base64Bytes(s: string): number {
  return (s.length / 4) * 3 - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0);
}

function issueSentence(issue: z.core.$ZodIssue): string {
  const at = issue.path.map(String).join('.');
  return at ? `${at}: ${issue.message}` : issue.message;
}

/**
 * One line of a file as a message to send, or why it is refused (a sentence naming the field). With
 * `maxMessageSize`, a body above the instance's limit is refused here too, as the engine would.
 */
export function parseNdjsonLine(text: string, opts: { maxMessageSize?: number } = {}): LineResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `Not JSON: ${(e as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, error: 'Not a JSON object' };
  const parsed = NdjsonLineSchema.safeParse(json);
  if (!parsed.success) return { ok: false, error: parsed.error.issues.map(issueSentence).join('; ') };
  const l = parsed.data;
  const bodyBytes = l.bodyBase64 !== undefined ? base64Bytes(l.bodyBase64) : utf8.encode(l.body).length;
  if (bodyBytes === 0) return { ok: false, error: 'body: the body is empty' };
  if (opts.maxMessageSize !== undefined && bodyBytes > opts.maxMessageSize) {
    return { ok: false, error: `body: ${bodyBytes} bytes; the limit of this instance is ${opts.maxMessageSize} bytes` };
  }
  const headerBytes = [l.tag ?? '', ...(l.keys ?? []), ...Object.entries(l.properties ?? {}).flat()].reduce((n, s) => n + utf8.encode(s).length, 0);
  if (headerBytes > MAX_PROPERTIES_BYTES) return { ok: false, error: `properties: tag, keys and properties are ${headerBytes} bytes; the limit is ${MAX_PROPERTIES_BYTES}` };
  const message: ImportMessage = {
    keys: l.keys ?? [],
    properties: l.properties ?? {},
    body: l.bodyBase64 !== undefined ? { base64: l.bodyBase64 } : { text: l.body ?? '' },
    bodyBytes,
    ...(l.tag ? { tag: l.tag } : {}),
    ...(l.messageType ? { messageType: l.messageType } : {}),
    ...(l.messageGroup !== undefined ? { messageGroup: l.messageGroup } : {}),
    ...(l.deliverAt !== undefined ? { deliverAt: l.deliverAt } : {}),
    ...(l.traceContext !== undefined ? { traceContext: l.traceContext } : {}),
    ...(l.bornTimestamp !== undefined ? { bornTimestamp: l.bornTimestamp } : {}),
    ...(l.bornHost !== undefined ? { bornHost: l.bornHost } : {}),
  };
  return { ok: true, message };
}

/** Why a topic of type `topicType` does not take this message (its type, a delivery time), or undefined when it does. */
export function topicProblem(m: ImportMessage, topicType: MessageType): string | undefined {
  if (topicType === 'TRANSACTION') return 'TRANSACTION topics take messages only from a producer that can end their transactions';
  if (m.messageType !== undefined && m.messageType !== topicType) return `messageType: a ${m.messageType} message does not go into a ${topicType} topic`;
  if (m.deliverAt !== undefined && topicType !== 'DELAY') return `deliverAt: only DELAY topics take a delivery time, this one is ${topicType}`;
  return undefined;
}

/**
 * The longest line a file may have for an instance: a base64 body at the size limit plus room for the other
 * fields. Reading stops at a longer line (it is refused with its number) instead of buffering without bound.
 */
export function maxLineChars(maxMessageSize: number): number {
  return Math.ceil(maxMessageSize / 3) * 4 + 64 * 1024;
}

/** A line of a file with its 1-based number. */
export interface NumberedLine {
  line: number;
  text: string;
}

/**
 * The non-blank lines of a byte stream (a file in the browser, a request body on the server), numbered, one
 * read at a time: only the current line and one chunk are held. A line longer than `maxChars` ends the
 * reading with an error naming it.
 */
export async function* readLines(stream: ReadableStream<Uint8Array>, maxChars: number): AsyncGenerator<NumberedLine> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let line = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let start = 0;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n', start)) {
        line++;
        const text = pending.slice(start, nl).replace(/\r$/, '');
        start = nl + 1;
        if (text.trim() !== '') yield { line, text };
      }
      pending = pending.slice(start);
      if (pending.length > maxChars) throw new LineTooLongError(line + 1, maxChars);
    }
    pending += decoder.decode();
    if (pending.trim() !== '') yield { line: line + 1, text: pending };
  } finally {
    reader.releaseLock();
  }
}

export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    maxChars: number,
  ) {
    super(`Line ${line} is longer than ${maxChars} characters, more than a message of this instance can be`);
    this.name = 'LineTooLongError';
  }
}

// ---------------------------------------------------------------------------
// Import progress: what the import route streams back, one JSON object per line

export type ImportEvent =
  /** After each stored batch: lines read and messages stored so far. */
  | { type: 'progress'; lines: number; imported: number }
  /** A refused line (reported also after a refusal, up to a cap, so one run names every bad line). */
  | { type: 'invalid'; line: number; error: string }
  /** A batch that was not stored because one of its lines is refused (nothing of it, nor after it, is stored). */
  | { type: 'refused'; fromLine: number; toLine: number }
  /** The end: stored messages, lines read, and whether the whole file went in. */
  | { type: 'done'; imported: number; lines: number; complete: boolean; errors: number }
  /** The import stopped on a failure of the server (the messages counted in the last progress were stored). */
  | { type: 'failed'; code: string; message: string };

export const ImportEventSchema: z.ZodType<ImportEvent> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), lines: z.number(), imported: z.number() }),
  z.object({ type: z.literal('invalid'), line: z.number(), error: z.string() }),
  z.object({ type: z.literal('refused'), fromLine: z.number(), toLine: z.number() }),
  z.object({ type: z.literal('done'), imported: z.number(), lines: z.number(), complete: z.boolean(), errors: z.number() }),
  z.object({ type: z.literal('failed'), code: z.string(), message: z.string() }),
]);
