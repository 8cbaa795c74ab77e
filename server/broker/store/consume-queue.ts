import fs from 'node:fs';
import path from 'node:path';
import { invariant } from '../errors.ts';
import { readU64, setU64 } from './bytes.ts';

/** Entry: commit-log offset u64 | size u32 | tag hash u64 (RocketMQ's 20-byte layout). */
export const CQ_ENTRY = 20;

export interface CqEntry {
  physicalOffset: number;
  size: number;
  tagHash: number;
}

const FILE_NAME = /^\d{20}$/;

export function readEntry(buf: Buffer, i: number): CqEntry {
  const at = i * CQ_ENTRY;
  return { physicalOffset: readU64(buf, at), size: buf.readUInt32LE(at + 8), tagHash: readU64(buf, at + 12) };
}

/**
 * The index of one queue: logical offset N is entry N, a seek rather than a scan. Files hold a fixed number
 * of entries and are named by their first logical offset. Appends are buffered and written by `flush`;
 * reads see buffered entries too.
 */
export class ConsumeQueue {
  private files: number[] = [];
  /** Logical offset of the first entry still stored. */
  private min = 0;
  /** Number of entries on disk (as logical offsets: everything below is in files). */
  private flushed = 0;
  private pending: Buffer = Buffer.allocUnsafe(CQ_ENTRY * 64);
  private pendingCount = 0;
  private pendingView: DataView = new DataView(this.pending.buffer, this.pending.byteOffset, this.pending.byteLength);
  /** The next offset `reserve` hands out, once past maxOffset. */
  private reserved = 0;
  private readFd = -1;
  private readFdStart = -1;
  private writeFd = -1;
  /** fds handed out by `flush` and not yet returned with `releaseFds`, with how many flushes have them. */
  private readonly lent = new Map<number, number>();
  private writeFdStart = -1;
  /** Bytes of messages per sealed file, computed once on demand: files are immutable once full. */
  private readonly sealedBytes = new Map<number, number>();

  constructor(
    readonly dir: string,
    private readonly entriesPerFile: number,
  ) {}

  get minOffset(): number {
    return this.min;
  }

  get maxOffset(): number {
    return this.flushed + this.pendingCount;
  }

  /**
   * Hands out the next logical offset to a write that is not dispatched yet (offsets are laid out before
   * the group commit's write; a batch may hold several messages of this queue).
   */
  reserve(): number {
    if (this.reserved < this.maxOffset) this.reserved = this.maxOffset;
    return this.reserved++;
  }

  /** A failed write gives back the offsets it reserved from `offset` on. */
  unreserve(offset: number): void {
    this.reserved = Math.min(this.reserved, offset);
  }

  /** Loads the files and drops entries pointing at or past `physicalLimit` (they are re-dispatched). */
  load(physicalLimit: number): void {
    fs.mkdirSync(this.dir, { recursive: true });
    this.files = fs
      .readdirSync(this.dir)
      .filter((f) => FILE_NAME.test(f))
      .map(Number)
      .sort((a, b) => a - b);
    while (this.files.length > 0) {
      const start = this.files[this.files.length - 1]!;
      const file = this.fileOf(start);
      const buf = fs.readFileSync(file);
      const whole = Math.floor(buf.length / CQ_ENTRY);
      let keep = whole;
      while (keep > 0 && readU64(buf, (keep - 1) * CQ_ENTRY) >= physicalLimit) keep--;
      if (keep * CQ_ENTRY !== buf.length) fs.truncateSync(file, keep * CQ_ENTRY);
      if (keep === 0 && this.files.length > 1) {
        fs.rmSync(file);
        this.files.pop();
        continue;
      }
      this.flushed = start + keep;
      break;
    }
    this.min = this.files[0] ?? 0;
    if (this.files.length === 0) this.flushed = 0;
  }

  append(physicalOffset: number, size: number, tagHash: number): number {
    if ((this.pendingCount + 1) * CQ_ENTRY > this.pending.length) {
      const bigger = Buffer.allocUnsafe(this.pending.length * 2);
      this.pending.copy(bigger, 0, 0, this.pendingCount * CQ_ENTRY);
      this.setPending(bigger);
    }
    const at = this.pendingCount * CQ_ENTRY;
    const v = this.pendingView;
    setU64(v, physicalOffset, at);
    v.setUint32(at + 8, size, true);
    setU64(v, tagHash, at + 12);
    this.pendingCount++;
    return this.maxOffset - 1;
  }

  private setPending(buf: Buffer): void {
    this.pending = buf;
    this.pendingView = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get dirty(): boolean {
    return this.pendingCount > 0;
  }

  /**
   * Writes buffered entries to their files. Returns the fds written; the caller makes them durable and then
   * closes those that are no longer the queue's write fd (see `releaseFds`).
   */
  flush(): number[] {
    const touched: number[] = [];
    let written = 0;
    while (written < this.pendingCount) {
      const logical = this.flushed;
      const fileStart = Math.floor(logical / this.entriesPerFile) * this.entriesPerFile;
      const n = Math.min(fileStart + this.entriesPerFile - logical, this.pendingCount - written);
      const fd = this.writeFdFor(fileStart, touched);
      fs.writeSync(fd, this.pending, written * CQ_ENTRY, n * CQ_ENTRY, (logical - fileStart) * CQ_ENTRY);
      if (!touched.includes(fd)) touched.push(fd);
      this.flushed += n;
      written += n;
    }
    if (this.pending.length > CQ_ENTRY * 4096) this.setPending(Buffer.allocUnsafe(CQ_ENTRY * 64));
    this.pendingCount = 0;
    for (const fd of touched) this.lent.set(fd, (this.lent.get(fd) ?? 0) + 1);
    return touched;
  }

  /**
   * Hands back fds returned by `flush`; those the queue no longer writes to (moved past, or the queue was
   * closed meanwhile) are closed once no flush has them out. A close while a checkpoint still syncs an fd
   * must not close it under the checkpoint: the number could be reused by another file before the
   * checkpoint's own release, which would then close that file.
   */
  releaseFds(fds: readonly number[]): void {
    for (const fd of fds) {
      const out = (this.lent.get(fd) ?? 0) - 1;
      invariant(out >= 0, `consume queue ${this.dir} got back fd ${fd} it did not lend`);
      if (out > 0) {
        this.lent.set(fd, out);
        continue;
      }
      this.lent.delete(fd);
      if (fd !== this.writeFd) fs.closeSync(fd);
    }
  }


  private writeFdFor(fileStart: number, touched: readonly number[]): number {
    if (this.writeFdStart !== fileStart) {
      // The previous fd is closed by releaseFds once the checkpoint has synced it; one no flush has out any
      // more (synced by an earlier checkpoint) is closed here, or it would leak.
      const previous = this.writeFd;
      if (previous >= 0 && !this.lent.has(previous) && !touched.includes(previous)) fs.closeSync(previous);
      if (this.files.length === 0) fs.mkdirSync(this.dir, { recursive: true });
      if (this.files[this.files.length - 1] !== fileStart) this.files.push(fileStart);
      this.writeFd = fs.openSync(this.fileOf(fileStart), fs.constants.O_WRONLY | fs.constants.O_CREAT);
      this.writeFdStart = fileStart;
    }
    return this.writeFd;
  }

  /** Raw entries [from, from+count) clipped to what is stored; returns the buffer and how many it holds. */
  read(from: number, count: number): { buf: Buffer; count: number } {
    const start = Math.max(from, this.min);
    const end = Math.min(start + count, this.maxOffset);
    if (end <= start) return { buf: Buffer.alloc(0), count: 0 };
    const out = Buffer.allocUnsafe((end - start) * CQ_ENTRY);
    let logical = start;
    while (logical < end && logical < this.flushed) {
      const fileStart = Math.floor(logical / this.entriesPerFile) * this.entriesPerFile;
      const n = Math.min(end, this.flushed, fileStart + this.entriesPerFile) - logical;
      fs.readSync(this.fdFor(fileStart), out, (logical - start) * CQ_ENTRY, n * CQ_ENTRY, (logical - fileStart) * CQ_ENTRY);
      logical += n;
    }
    if (logical < end) {
      this.pending.copy(out, (logical - start) * CQ_ENTRY, (logical - this.flushed) * CQ_ENTRY, (end - this.flushed) * CQ_ENTRY);
    }
    return { buf: out, count: end - start };
  }

  entry(offset: number): CqEntry | undefined {
    const { buf, count } = this.read(offset, 1);
    return count === 1 && offset >= this.min ? readEntry(buf, 0) : undefined;
  }

  /** First logical offset whose entry satisfies `pred` (entries are monotonic in it), or maxOffset. */
  lowerBound(pred: (e: CqEntry, offset: number) => boolean): number {
    let lo = this.min;
    let hi = this.maxOffset;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (pred(this.entry(mid)!, mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Total message bytes in [min, max), flushed or still buffered. */
  totalBytes(): number {
    let total = 0;
    const epf = this.entriesPerFile;
    for (let start = Math.floor(this.min / epf) * epf; start < this.maxOffset; start += epf) {
      const end = Math.min(start + epf, this.maxOffset);
      const sealed = end === start + epf && end <= this.flushed && start >= this.min;
      const cached = sealed ? this.sealedBytes.get(start) : undefined;
      if (cached !== undefined) {
        total += cached;
        continue;
      }
      const from = Math.max(start, this.min);
      const { buf, count } = this.read(from, end - from);
      let sum = 0;
      for (let i = 0; i < count; i++) sum += buf.readUInt32LE(i * CQ_ENTRY + 8);
      if (sealed) this.sealedBytes.set(start, sum);
      total += sum;
    }
    return total;
  }

  /** Retention: forget entries pointing below the commit log's new minimum and delete files wholly below it. */
  dropBelow(physicalMin: number): void {
    const newMin = this.lowerBound((e) => e.physicalOffset >= physicalMin);
    this.min = newMin;
    while (this.files.length > 1 && this.files[1]! <= newMin) {
      const start = this.files.shift()!;
      if (this.readFdStart === start) this.closeReadFd();
      this.sealedBytes.delete(start);
      fs.rmSync(this.fileOf(start), { force: true });
    }
  }

  private fdFor(fileStart: number): number {
    if (this.readFdStart !== fileStart) {
      this.closeReadFd();
      this.readFd = fs.openSync(this.fileOf(fileStart), 'r');
      this.readFdStart = fileStart;
    }
    return this.readFd;
  }

  private closeReadFd(): void {
    if (this.readFd >= 0) fs.closeSync(this.readFd);
    this.readFd = -1;
    this.readFdStart = -1;
  }

  private fileOf(start: number): string {
    return path.join(this.dir, String(start).padStart(20, '0'));
  }

  /** Deletes the queue's files (topic deleted). */
  destroy(): void {
    // The files go: nothing buffered is worth a write and an fdatasync on the event loop first.
    this.pendingCount = 0;
    this.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  close(): void {
    const fds = this.flush();
    for (const fd of fds) fs.fdatasyncSync(fd);
    this.releaseFds(fds);
    // An fd a running checkpoint still syncs is closed by that checkpoint's releaseFds.
    if (this.writeFd >= 0 && !this.lent.has(this.writeFd)) fs.closeSync(this.writeFd);
    this.writeFd = -1;
    this.writeFdStart = -1;
    this.closeReadFd();
  }
}
