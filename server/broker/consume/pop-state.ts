import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJournal, readJson, writeJsonAtomic } from '../json-file.ts';

/** A message handed out and not yet acknowledged. */
export interface Inflight {
  attempt: number;
  /** When it becomes deliverable again if not acknowledged. */
  visibleAt: number;
  seq: number;
  /** When a delivery of the message first failed (a nack or an expired invisible time), once one has. */
  firstFailureAt?: number;
  /** When the current delivery was negatively acknowledged: it is waiting for its retry, not being processed. */
  nackedAt?: number;
}

/**
 * Pop progress of one group on one queue: everything below `cursor` has been handed out; of that, only the
 * entries in `inflight` are outstanding (the rest were acknowledged or filtered out). The group's committed
 * offset is therefore the smallest in-flight offset, or the cursor.
 */
export interface QueuePopState {
  cursor: number;
  inflight: Map<number, Inflight>;
}

/** offset, attempt, visibleAt, seq, then firstFailureAt and nackedAt (0 = none) once a delivery failed. */
const InflightTuple = z.tuple([z.number(), z.number(), z.number(), z.number()]).rest(z.number());
const SnapshotSchema = z.object({
  seq: z.number(),
  queues: z.array(z.object({ key: z.string(), cursor: z.number(), inflight: z.array(InflightTuple) })),
});

/** Journal ops, one JSON array per line: set cursor, set in-flight, delete in-flight, drop a key. */
type Op = ['c', string, number] | ['i', string, number, number, number, number, number?, number?] | ['a', string, number] | ['d', string];

/** The journal is rewritten from the live state once it passes 8 MiB, which bounds replay time at open. */
const COMPACT_BYTES = 8 * 1024 * 1024;

/** An in-flight entry as read back from disk, where 0 stands for a failure time not set. */
function inflightOf(attempt: number, visibleAt: number, seq: number, firstFailureAt = 0, nackedAt = 0): Inflight {
  const f: Inflight = { attempt, visibleAt, seq };
  if (firstFailureAt > 0) f.firstFailureAt = firstFailureAt;
  if (nackedAt > 0) f.nackedAt = nackedAt;
  return f;
}

/** The stored form of an entry: failure times only once a delivery failed, so first deliveries stay short. */
function tupleOf(offset: number, f: Inflight): number[] {
  const base = [offset, f.attempt, f.visibleAt, f.seq];
  return hasFailed(f) ? [...base, f.firstFailureAt ?? 0, f.nackedAt ?? 0] : base;
}

function hasFailed(f: Inflight): boolean {
  return f.firstFailureAt !== undefined || f.nackedAt !== undefined;
}

export function popKey(group: string, topic: string, queueId: number): string {
  return `${group}\u0000${topic}\u0000${queueId}`;
}

/** Joins a broadcasting group and a client id into the name its progress is kept under. */
const BROADCAST_SEP = '\u0001';

/** The name a broadcasting client's progress is kept under. */
export function broadcastStateGroup(group: string, clientId: string): string {
  return `${group}${BROADCAST_SEP}${clientId}`;
}

/** Whether progress kept under `stateGroup` belongs to `group` (itself, or one of its broadcast clients). */
export function belongsTo(stateGroup: string, group: string): boolean {
  return stateGroup === group || stateGroup.startsWith(`${group}${BROADCAST_SEP}`);
}

export function splitPopKey(key: string): { group: string; topic: string; queueId: number } {
  const [group, topic, q] = key.split('\u0000') as [string, string, string];
  return { group, topic, queueId: Number(q) };
}

/**
 * Pop state for every group and queue, persisted as a snapshot plus an append-only journal of changes
 * (written before the caller answers the client), so acknowledgements and in-flight handles survive kill -9.
 */
export class PopStateStore {
  readonly queues = new Map<string, QueuePopState>();
  private seq = 0;
  private readonly snapshotFile: string;
  private readonly journalFile: string;
  private fd: number;
  private journalBytes = 0;
  private pending: string[] = [];

  constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.snapshotFile = path.join(dir, 'pop-snapshot.json');
    this.journalFile = path.join(dir, 'pop-journal.log');
    this.load();
    this.fd = fs.openSync(this.journalFile, 'a');
    this.journalBytes = fs.fstatSync(this.fd).size;
  }

  private load(): void {
    const snap = SnapshotSchema.safeParse(readJson(this.snapshotFile));
    if (snap.success) {
      this.seq = snap.data.seq;
      for (const q of snap.data.queues) {
        this.queues.set(q.key, {
          cursor: q.cursor,
          inflight: new Map(q.inflight.map(([o, attempt, visibleAt, seq, firstFailureAt, nackedAt]) => [o, inflightOf(attempt, visibleAt, seq, firstFailureAt, nackedAt)])),
        });
      }
    }
    for (const op of readJournal<Op>(this.journalFile)) this.apply(op);
  }

  private apply(op: Op): void {
    if (op[0] === 'd') {
      this.queues.delete(op[1]);
      return;
    }
    const state = this.ensure(op[1], op[0] === 'c' ? op[2] : 0);
    if (op[0] === 'c') state.cursor = op[2];
    else if (op[0] === 'i') {
      state.inflight.set(op[2], inflightOf(op[3], op[4], op[5], op[6], op[7]));
      this.seq = Math.max(this.seq, op[5]);
    } else state.inflight.delete(op[2]);
  }

  private ensure(key: string, cursor: number): QueuePopState {
    let s = this.queues.get(key);
    if (!s) {
      s = { cursor, inflight: new Map() };
      this.queues.set(key, s);
    }
    return s;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  get(key: string): QueuePopState | undefined {
    return this.queues.get(key);
  }

  /** The progress of every client of a broadcasting group on one queue (a scan: for the console, not the consume path). */
  broadcastLanes(group: string, topic: string, queueId: number): QueuePopState[] {
    const prefix = `${group}${BROADCAST_SEP}`;
    const suffix = `\u0000${topic}\u0000${queueId}`;
    const out: QueuePopState[] = [];
    for (const [key, s] of this.queues) if (key.startsWith(prefix) && key.endsWith(suffix) && !key.slice(prefix.length, -suffix.length).includes('\u0000')) out.push(s);
    return out;
  }

  /** Creates the state of a queue the group has never popped, starting at `cursor`. */
  init(key: string, cursor: number): QueuePopState {
    const s = this.ensure(key, cursor);
    this.pending.push(JSON.stringify(['c', key, s.cursor]));
    return s;
  }

  setCursor(key: string, state: QueuePopState, cursor: number): void {
    state.cursor = cursor;
    this.pending.push(JSON.stringify(['c', key, cursor]));
  }

  setInflight(key: string, state: QueuePopState, offset: number, f: Inflight): void {
    state.inflight.set(offset, f);
    // A first delivery (the hot path) writes the short form without building the tuple first.
    const op = hasFailed(f) ? ['i', key, ...tupleOf(offset, f)] : ['i', key, offset, f.attempt, f.visibleAt, f.seq];
    this.pending.push(JSON.stringify(op));
  }

  done(key: string, state: QueuePopState, offset: number): void {
    state.inflight.delete(offset);
    this.pending.push(JSON.stringify(['a', key, offset]));
  }

  drop(key: string): void {
    this.queues.delete(key);
    this.pending.push(JSON.stringify(['d', key]));
  }

  /** Writes the changes made since the last call in one write (the page cache survives a process crash). */
  commit(): void {
    if (this.pending.length === 0) return;
    const data = Buffer.from(this.pending.join('\n') + '\n');
    this.pending = [];
    fs.writeSync(this.fd, data);
    this.journalBytes += data.length;
    if (this.journalBytes > COMPACT_BYTES) this.compact();
  }

  /** Writes a snapshot and empties the journal. */
  compact(): void {
    const queues = [...this.queues].map(([key, s]) => ({
      key,
      cursor: s.cursor,
      inflight: [...s.inflight].map(([o, f]) => tupleOf(o, f)),
    }));
    writeJsonAtomic(this.snapshotFile, { seq: this.seq, queues });
    fs.ftruncateSync(this.fd, 0);
    this.journalBytes = 0;
  }

  close(): void {
    this.commit();
    this.compact();
    fs.closeSync(this.fd);
  }
}
