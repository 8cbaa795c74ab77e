import fs from 'node:fs';
import path from 'node:path';
import { BrokerError, invariant } from '../errors.ts';
import { BLANK_SIZE, encodeBlank, probeRecord } from './record.ts';

/** Writes record `i` of a batch into `buf` (whose DataView is `view`) at `at`, now that its physical offset is known. */
export type EncodeAt = (i: number, buf: Buffer, at: number, physicalOffset: number, view: DataView) => void;

interface Segment {
  start: number;
  file: string;
}

const SEGMENT_NAME = /^\d{20}$/;
/** Read descriptors kept open (LRU) across segments: bounds fds while keeping hot segments cheap to read. */
const MAX_READ_FDS = 256;
/** Recovery scans the log in 4 MiB reads: large enough for sequential speed, small enough to bound memory. */
const RECOVERY_CHUNK = 4 * 1024 * 1024;
/**
 * Batches are laid out in one reused buffer up to this size (larger ones get their own): no allocation and
 * no garbage per batch (64 records of 1 KiB were a fresh 74 KB buffer per group commit). The write is
 * synchronous, so the buffer is free again when append returns.
 */
const MAX_REUSED_BATCH_BYTES = 4 * 1024 * 1024;

function segmentName(start: number): string {
  return String(start).padStart(20, '0');
}

/** Maps a failed write to the engine's typed error; the caller has already rolled the file back. */
export function writeFailure(e: unknown): BrokerError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new BrokerError('DISK_FULL', 'The disk holding the commit log is full; the message was not stored', { errno: code });
  }
  return new BrokerError('STORE_WRITE_FAILED', `Writing the commit log failed (${code ?? String(e)}); the message was not stored`, {
    errno: code,
  });
}

/**
 * The append-only commit log: fixed-size segment files named by their first physical offset.
 * A record never spans segments; the unused tail of a full segment holds a blank marker.
 */
export class CommitLog {
  private segments: Segment[] = [];
  private writeFd = -1;
  private writeStart = 0;
  /** Next physical offset to be written. */
  private writePos = 0;
  private readonly readFds = new Map<number, number>();
  private readonly dirtyFds = new Set<number>();
  /** Write fds of segments that filled up: closed after their next sync. */
  private retiredFds: number[] = [];
  private batchBuf: Buffer = Buffer.allocUnsafe(0);
  private batchView: DataView = new DataView(this.batchBuf.buffer, 0, 0);

  constructor(
    private readonly dir: string,
    readonly segmentSize: number,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  get maxOffset(): number {
    return this.writePos;
  }

  get minOffset(): number {
    return this.segments[0]?.start ?? 0;
  }

  /**
   * Scans forward from `from` (a record boundary known to be durable and dispatched), validating every record
   * by CRC, calling `onRecord` for each valid one; truncates the torn tail and drops any segment after it.
   */
  recover(from: number, onRecord: (buf: Buffer, at: number, physicalOffset: number) => void): { truncatedBytes: number } {
    this.segments = fs
      .readdirSync(this.dir)
      .filter((f) => SEGMENT_NAME.test(f))
      .map((f) => ({ start: Number(f), file: path.join(this.dir, f) }))
      .sort((a, b) => a.start - b.start);
    let truncatedBytes = 0;
    if (this.segments.length === 0) {
      this.openForWrite(Math.floor(from / this.segmentSize) * this.segmentSize, 0);
      return { truncatedBytes };
    }
    const first = this.segments[0]!;
    let pos = Math.max(from, first.start);
    let idx = this.segments.findIndex((s) => pos >= s.start && pos < s.start + this.segmentSize);
    if (idx < 0) {
      // The checkpoint sits exactly at the end of the last segment: start a fresh one there.
      idx = this.segments.length - 1;
      pos = Math.min(pos, this.segments[idx]!.start + fs.statSync(this.segments[idx]!.file).size);
    }
    for (; idx < this.segments.length; idx++) {
      const seg = this.segments[idx]!;
      const fd = fs.openSync(seg.file, 'r+');
      const fileSize = fs.fstatSync(fd).size;
      let local = Math.max(0, pos - seg.start);
      let endLocal = local;
      let reachedBlank = false;
      let chunk = Buffer.alloc(0);
      let chunkStart = local;
      while (local < fileSize) {
        let at = local - chunkStart;
        const needed = at + BLANK_SIZE <= chunk.length ? Math.max(BLANK_SIZE, chunk.readUInt32LE(at)) : BLANK_SIZE;
        if (at + needed > chunk.length && chunkStart + chunk.length < fileSize) {
          // Refill so the whole record (as far as the file holds it) is in memory.
          chunkStart = local;
          at = 0;
          const want = Math.min(fileSize - local, Math.max(RECOVERY_CHUNK, needed));
          chunk = Buffer.allocUnsafe(want);
          fs.readSync(fd, chunk, 0, want, local);
        }
        const probe = probeRecord(chunk, at, chunk.length - at);
        if (probe.kind === 'blank') {
          reachedBlank = true;
          break;
        }
        if (probe.kind === 'invalid') break;
        onRecord(chunk, at, seg.start + local);
        local += probe.size;
        endLocal = local;
      }
      if (reachedBlank) {
        fs.closeSync(fd);
        pos = seg.start + this.segmentSize;
        if (idx === this.segments.length - 1) {
          this.openForWrite(pos, 0);
          return { truncatedBytes };
        }
        continue;
      }
      if (endLocal < fileSize) {
        truncatedBytes += fileSize - endLocal;
        fs.ftruncateSync(fd, endLocal);
      }
      for (const later of this.segments.splice(idx + 1)) {
        truncatedBytes += fs.statSync(later.file).size;
        fs.rmSync(later.file, { force: true });
      }
      fs.closeSync(fd);
      this.openForWrite(seg.start, endLocal);
      return { truncatedBytes };
    }
    return { truncatedBytes };
  }

  private openForWrite(start: number, local: number): void {
    const existing = this.segments.find((s) => s.start === start);
    const file = existing?.file ?? path.join(this.dir, segmentName(start));
    if (!existing) this.segments.push({ start, file });
    this.writeFd = fs.openSync(file, existing ? 'r+' : 'w+');
    this.writeStart = start;
    this.writePos = start + local;
  }

  /**
   * Lays out and writes a batch with one write per segment touched. On failure the files are rolled back
   * to where they stood, so the log stays exactly as before the call.
   */
  append(sizes: readonly number[], encode: EncodeAt): number[] {
    if (this.writeFd < 0) throw new BrokerError('STORE_CLOSED', 'The commit log is closed');
    const savedPos = this.writePos;
    const savedStart = this.writeStart;
    const savedFd = this.writeFd;
    const created: { seg: Segment; fd: number }[] = [];
    const offsets: number[] = [];
    try {
      let i = 0;
      while (i < sizes.length) {
        const localStart = this.writePos - this.writeStart;
        let room = this.segmentSize - localStart;
        let bytes = 0;
        let j = i;
        while (j < sizes.length && sizes[j]! + BLANK_SIZE <= room - bytes) {
          bytes += sizes[j]!;
          j++;
        }
        const rolling = j < sizes.length;
        // The blank marker that closes a full segment must fit in what the batch leaves of it.
        invariant(!rolling || room - bytes >= BLANK_SIZE, `segment at ${this.writeStart} has ${room - bytes} bytes left, less than a blank record`, 'CORRUPT_DATA');
        const total = bytes + (rolling ? BLANK_SIZE : 0);
        if (total > 0) {
          const [buf, view] = this.batchBuffer(total);
          let at = 0;
          for (let k = i; k < j; k++) {
            const phys = this.writeStart + localStart + at;
            encode(k, buf, at, phys, view);
            offsets.push(phys);
            at += sizes[k]!;
          }
          if (rolling) encodeBlank(buf, at, room - bytes);
          this.writeFully(buf.subarray(0, total), localStart);
        }
        if (rolling) {
          if (j === i && localStart === 0) {
            throw new BrokerError('MESSAGE_TOO_LARGE', `A record of ${sizes[j]!} bytes does not fit in a commit-log segment`);
          }
          room = 0;
          const next = this.writeStart + this.segmentSize;
          const seg = { start: next, file: path.join(this.dir, segmentName(next)) };
          const fd = fs.openSync(seg.file, 'w+');
          this.segments.push(seg);
          created.push({ seg, fd });
          this.retiredFds.push(this.writeFd);
          this.writeFd = fd;
          this.writeStart = next;
          this.writePos = next;
        } else {
          this.writePos += bytes;
        }
        i = j;
      }
      return offsets;
    } catch (e) {
      this.rollback(savedFd, savedStart, savedPos, created);
      throw e instanceof BrokerError ? e : writeFailure(e);
    }
  }

  private batchBuffer(bytes: number): [Buffer, DataView] {
    if (bytes > MAX_REUSED_BATCH_BYTES) {
      const buf = Buffer.allocUnsafe(bytes);
      return [buf, new DataView(buf.buffer, buf.byteOffset, bytes)];
    }
    if (bytes > this.batchBuf.length) {
      // Buffer.allocUnsafeSlow: its own ArrayBuffer, not a slice of Node's shared pool.
      this.batchBuf = Buffer.allocUnsafeSlow(Math.min(MAX_REUSED_BATCH_BYTES, Math.max(bytes, 2 * this.batchBuf.length, 64 * 1024)));
      this.batchView = new DataView(this.batchBuf.buffer, 0, this.batchBuf.length);
    }
    return [this.batchBuf, this.batchView];
  }

  private writeFully(buf: Buffer, local: number): void {
    let done = 0;
    while (done < buf.length) {
      const n = fs.writeSync(this.writeFd, buf, done, buf.length - done, local + done);
      // A write of 0 bytes would spin here forever; the caller rolls the file back on this error.
      invariant(n > 0, `write at ${local + done} made no progress`);
      done += n;
    }
    this.dirtyFds.add(this.writeFd);
  }

  private rollback(fd: number, start: number, pos: number, created: readonly { seg: Segment; fd: number }[]): void {
    for (const c of created) {
      fs.closeSync(c.fd);
      this.dirtyFds.delete(c.fd);
      fs.rmSync(c.seg.file, { force: true });
      this.segments = this.segments.filter((s) => s !== c.seg);
    }
    const createdFds = new Set(created.map((c) => c.fd));
    this.retiredFds = this.retiredFds.filter((f) => f !== fd && !createdFds.has(f));
    try {
      fs.ftruncateSync(fd, pos - start);
    } catch {
      // Truncation failing too leaves a torn tail that the next recovery trims by CRC.
    }
    this.writeFd = fd;
    this.writeStart = start;
    this.writePos = pos;
  }

  /** Makes every byte written so far durable (fdatasync of each segment written since the last call). */
  async sync(): Promise<void> {
    const fds = [...this.dirtyFds];
    const retired = this.retiredFds;
    this.dirtyFds.clear();
    this.retiredFds = [];
    await Promise.all(fds.map((fd) => new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())))));
    for (const fd of retired) fs.closeSync(fd);
  }

  /** Reads `size` bytes at a physical offset; the range must lie within one segment. */
  read(physicalOffset: number, size: number): Buffer {
    const start = Math.floor(physicalOffset / this.segmentSize) * this.segmentSize;
    const fd = this.readFd(start);
    const buf = Buffer.allocUnsafe(size);
    const n = fs.readSync(fd, buf, 0, size, physicalOffset - start);
    if (n < size) throw new BrokerError('CORRUPT_DATA', `Short read at commit-log offset ${physicalOffset}`);
    return buf;
  }

  private readFd(start: number): number {
    let fd = this.readFds.get(start);
    if (fd !== undefined) return fd;
    const seg = this.segments.find((s) => s.start === start);
    if (!seg) throw new BrokerError('MESSAGE_NOT_FOUND', `Commit-log offset ${start} is no longer stored`);
    fd = fs.openSync(seg.file, 'r');
    this.readFds.set(start, fd);
    if (this.readFds.size > MAX_READ_FDS) {
      const [oldStart, oldFd] = this.readFds.entries().next().value as [number, number];
      this.readFds.delete(oldStart);
      fs.closeSync(oldFd);
    }
    return fd;
  }

  /** Segments other than the one being written whose last write is older than `cutoffMs`, oldest first. */
  deleteExpired(cutoffMs: number): number {
    let deleted = 0;
    while (this.segments.length > 1) {
      const seg = this.segments[0]!;
      if (seg.start === this.writeStart || fs.statSync(seg.file).mtimeMs >= cutoffMs) break;
      this.dropSegment(seg);
      deleted++;
    }
    return deleted;
  }

  private dropSegment(seg: Segment): void {
    const fd = this.readFds.get(seg.start);
    if (fd !== undefined) {
      fs.closeSync(fd);
      this.readFds.delete(seg.start);
    }
    fs.rmSync(seg.file, { force: true });
    this.segments.shift();
  }

  close(): void {
    for (const fd of this.readFds.values()) fs.closeSync(fd);
    this.readFds.clear();
    if (this.writeFd >= 0) {
      fs.fsyncSync(this.writeFd);
      fs.closeSync(this.writeFd);
    }
    for (const fd of this.retiredFds) fs.closeSync(fd);
    this.retiredFds = [];
    this.writeFd = -1;
    this.dirtyFds.clear();
  }
}
