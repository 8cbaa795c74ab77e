import { z } from 'zod';
import { TRACE_STEPS, type TraceEvent } from './events.ts';

/**
 * The on-disk form of trace events: a chunk of up to MAX_CHUNK_EVENTS events is one store record whose keys
 * are the distinct message ids in it (so a lookup by id goes through the key index), and whose body is
 *   [CHUNK_FORMAT, baseAt, strings, events]
 * with each event a positional tuple [step code, at − baseAt, index of its id in the keys, ...FIELDS], a
 * string field as an index into `strings` (topics, groups and client ids repeat within a chunk), an absent
 * field as null, trailing absent fields left out. ~20 bytes an event instead of a ~150-byte JSON object
 * plus a record header and an index entry of its own.
 */

/** The first element of every chunk body; a reader skips chunks of a format it does not know. */
export const CHUNK_FORMAT = 1;
/** Events per chunk at most: 256 keeps a chunk a few KiB, read whole by every lookup of one of its ids. */
export const MAX_CHUNK_EVENTS = 256;
/** Bytes (estimated) per chunk at most, so one record always fits a segment however long its strings. */
const MAX_CHUNK_BYTES = 32 * 1024;
/** A string field longer than this (a client's dead-letter reason) is cut: the trace is history, not payload. */
const MAX_STRING_CHARS = 1024;
/** Bytes an event costs in the body besides its strings (codes, numbers, separators). */
const EVENT_OVERHEAD_BYTES = 32;

type Optional = Exclude<keyof TraceEvent, 'messageId' | 'step' | 'at'>;
type StringField = { [K in Optional]-?: NonNullable<TraceEvent[K]> extends string ? K : never }[Optional];
type NumberField = { [K in Optional]-?: NonNullable<TraceEvent[K]> extends number ? K : never }[Optional];

/** Positions of the optional fields, the most common first (trailing absent ones cost nothing). Append only. */
const FIELDS = [
  'topic',
  'group',
  'attempt',
  'clientId',
  'queueId',
  'offset',
  'detail',
  'relatedMessageId',
  'host',
  'sdk',
  'latencyMs',
  'status',
  'outcome',
  'bornAt',
] as const satisfies readonly (StringField | NumberField)[];
const NUMBER_FIELDS: ReadonlySet<string> = new Set<NumberField>(['attempt', 'queueId', 'offset', 'latencyMs', 'bornAt']);
/** Compile-time check: every optional field of TraceEvent has a position. */
const EVERY_FIELD: [Exclude<Optional, (typeof FIELDS)[number]>] extends [never] ? true : never = true;
void EVERY_FIELD;

const STEP_CODES = new Map(TRACE_STEPS.map((s, i) => [s, i]));

const ChunkSchema = z.tuple([z.literal(CHUNK_FORMAT), z.number(), z.array(z.string()), z.array(z.array(z.number().nullable()))]);

/** One chunk ready to store: its distinct message ids (the record's keys) and its body. */
export interface EncodedChunk {
  ids: string[];
  body: Buffer;
}

class ChunkBuilder {
  private readonly ids = new Map<string, number>();
  private readonly strings = new Map<string, number>();
  private readonly events: (number | null)[][] = [];
  private bytes = 0;

  constructor(private readonly baseAt: number) {}

  get full(): boolean {
    return this.events.length >= MAX_CHUNK_EVENTS || this.bytes >= MAX_CHUNK_BYTES;
  }

  add(e: TraceEvent): void {
    const tuple: (number | null)[] = [STEP_CODES.get(e.step)!, e.at - this.baseAt, this.indexOf(this.ids, e.messageId)];
    let last = tuple.length;
    for (const f of FIELDS) {
      const v = e[f];
      if (v === undefined) {
        tuple.push(null);
        continue;
      }
      tuple.push(typeof v === 'number' ? v : this.indexOf(this.strings, v.length > MAX_STRING_CHARS ? `${v.slice(0, MAX_STRING_CHARS)}…` : v));
      last = tuple.length;
    }
    tuple.length = last;
    this.events.push(tuple);
    this.bytes += EVENT_OVERHEAD_BYTES;
  }

  private indexOf(table: Map<string, number>, s: string): number {
    let i = table.get(s);
    if (i === undefined) {
      i = table.size;
      table.set(s, i);
      this.bytes += s.length + 4;
    }
    return i;
  }

  build(): EncodedChunk {
    return { ids: [...this.ids.keys()], body: Buffer.from(JSON.stringify([CHUNK_FORMAT, this.baseAt, [...this.strings.keys()], this.events])) };
  }
}

/** Events in chunks of at most MAX_CHUNK_EVENTS (and MAX_CHUNK_BYTES), in order. */
export function encodeChunks(events: readonly TraceEvent[]): EncodedChunk[] {
  const out: EncodedChunk[] = [];
  let chunk: ChunkBuilder | undefined;
  for (const e of events) {
    chunk ??= new ChunkBuilder(e.at);
    chunk.add(e);
    if (chunk.full) {
      out.push(chunk.build());
      chunk = undefined;
    }
  }
  if (chunk) out.push(chunk.build());
  return out;
}

/** The events of one message in a chunk, in recorded order; a chunk of another format, or damaged, gives none. */
export function decodeChunk(body: Buffer, ids: readonly string[], messageId: string): TraceEvent[] {
  const idIndex = ids.indexOf(messageId);
  if (idIndex < 0) return [];
  let parsed: z.infer<typeof ChunkSchema>;
  try {
    const r = ChunkSchema.safeParse(JSON.parse(body.toString()));
    if (!r.success) return [];
    parsed = r.data;
  } catch {
    return [];
  }
  const [, baseAt, strings, events] = parsed;
  const out: TraceEvent[] = [];
  for (const t of events) {
    if (t[2] !== idIndex) continue;
    const step = TRACE_STEPS[t[0] ?? -1];
    if (step === undefined || t[1] === null || t[1] === undefined) continue;
    const e: TraceEvent = { messageId, step, at: baseAt + t[1] };
    FIELDS.forEach((f, i) => {
      const v = t[i + 3];
      if (v === null || v === undefined) return;
      if (NUMBER_FIELDS.has(f)) (e as Record<NumberField, number | undefined>)[f as NumberField] = v;
      else if (strings[v] !== undefined) (e as Record<StringField, string | undefined>)[f as StringField] = strings[v];
    });
    out.push(e);
  }
  return out;
}
