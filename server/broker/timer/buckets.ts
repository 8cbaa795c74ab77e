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

const NAME = /^(\d+)\.bucket$/;

export function minuteOf(ms: number): number {
  return Math.floor(ms / 60_000);
}

export class TimerBuckets {
  /** Non-empty bucket minutes. */
  readonly minutes = new Set<number>();

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of fs.readdirSync(dir)) {
      const m = NAME.exec(f);
      if (m) this.minutes.add(Number(m[1]));
    }
  }

  private file(minute: number): string {
    return path.join(this.dir, `${minute}.bucket`);
  }

  /** Appends an entry; returns its index in the bucket. */
  add(dueAt: number, physicalOffset: number, size: number): { minute: number; index: number } {
    const minute = minuteOf(dueAt);
    const file = this.file(minute);
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

  /** Every whole entry of a bucket. */
  read(minute: number): TimerEntry[] {
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.file(minute));
    } catch {
      return [];
    }
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

  /** A bucket whose entries are all fired or recalled is deleted. */
  drop(minute: number): void {
    fs.rmSync(this.file(minute), { force: true });
    this.minutes.delete(minute);
  }
}
