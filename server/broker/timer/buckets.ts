import fs from 'node:fs';
import path from 'node:path';
import { readU64, writeU64 } from '../store/bytes.ts';

/**
 * Scheduled messages on disk, one append-only bucket file per due minute. Entry (21 B):
 * dueAt u64 | commit-log offset u64 | size u32 | state u8 (0 pending, 1 firing, 2 fired, 3 recalled).
 * Only the set of non-empty minutes lives in memory (≤ 57,600 numbers for 40 days), plus the bucket being
 * fired; the state byte is rewritten in place, so progress survives kill -9.
 */
export const ENTRY = 21;
export const EntryState = { PENDING: 0, FIRING: 1, FIRED: 2, RECALLED: 3 } as const;
export type EntryStateValue = (typeof EntryState)[keyof typeof EntryState];

export interface TimerEntry {
  minute: number;
  index: number;
  dueAt: number;
  physicalOffset: number;
  size: number;
  state: EntryStateValue;
}

const PENDING_NAME = /^(\d+)\.bucket$/;
/** A finished bucket (every entry fired or recalled) is kept under this name, so a late recall gets a clear answer. */
const DONE_NAME = /^(\d+)\.done$/;

export function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000);
}

export class TimerBuckets {
  /** Non-empty bucket minutes. */
  readonly minutes = new Set<number>();

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of fs.readdirSync(dir)) {
      const m = PENDING_NAME.exec(f);
      if (m) this.minutes.add(Number(m[1]));
    }
  }

  private file(minute: number): string {
    return path.join(this.dir, `${minute}.bucket`);
  }

  private doneFile(minute: number): string {
    return path.join(this.dir, `${minute}.done`);
  }

  /** Appends an entry; returns its index in the bucket. */
  add(dueAt: number, physicalOffset: number, size: number): { minute: number; index: number } {
    const minute = minuteOf(dueAt);
    const file = this.file(minute);
    // A minute finished already (a clock stepped back): reopen its file so earlier handles keep their index.
    if (!this.minutes.has(minute) && fs.existsSync(this.doneFile(minute))) fs.renameSync(this.doneFile(minute), file);
    const buf = Buffer.alloc(ENTRY);
    writeU64(buf, dueAt, 0);
    writeU64(buf, physicalOffset, 8);
    buf.writeUInt32LE(size, 16);
    const fd = fs.openSync(file, 'a');
    try {
      const length = fs.fstatSync(fd).size;
      // A torn entry from a crash is overwritten: entries always start at a multiple of ENTRY.
      const index = Math.floor(length / ENTRY);
      if (length % ENTRY !== 0) fs.ftruncateSync(fd, index * ENTRY);
      fs.writeSync(fd, buf);
      this.minutes.add(minute);
      return { minute, index };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Every whole entry of a bucket, pending or finished. */
  read(minute: number): TimerEntry[] {
    const buf = readIfExists(this.file(minute)) ?? readIfExists(this.doneFile(minute));
    if (!buf) return [];
    const out: TimerEntry[] = [];
    for (let i = 0; (i + 1) * ENTRY <= buf.length; i++) {
      const at = i * ENTRY;
      out.push({
        minute,
        index: i,
        dueAt: readU64(buf, at),
        physicalOffset: readU64(buf, at + 8),
        size: buf.readUInt32LE(at + 16),
        state: buf[at + 20] as EntryStateValue,
      });
    }
    return out;
  }

  setState(minute: number, index: number, state: EntryStateValue): void {
    const fd = fs.openSync(this.file(minute), 'r+');
    try {
      fs.writeSync(fd, Buffer.from([state]), 0, 1, index * ENTRY + 20);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * A bucket whose entries are all fired or recalled leaves the pending set; its file is kept (renamed) so
   * that a recall coming later is answered "already delivered" / "already recalled", until retention.
   */
  finish(minute: number): void {
    fs.renameSync(this.file(minute), this.doneFile(minute));
    this.minutes.delete(minute);
  }

  /** Deletes finished buckets of minutes before `cutoffMs`; returns how many. */
  dropFinishedBefore(cutoffMs: number): number {
    let n = 0;
    for (const f of fs.readdirSync(this.dir)) {
      const m = DONE_NAME.exec(f);
      if (m && Number(m[1]) * 60_000 < cutoffMs) {
        fs.rmSync(path.join(this.dir, f), { force: true });
        n++;
      }
    }
    return n;
  }
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
