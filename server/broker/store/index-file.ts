import fs from 'node:fs';
import { readU64, writeU64 } from './bytes.ts';

/**
 * A hash index file: key hash → chain of (commit-log offset, store time). Layout:
 *   header (48 B): beginTimestamp u64 | endTimestamp u64 | beginPhysical u64 | coveredUpTo u64 | count u32 | pad
 *   slots: slotCount × u32 (newest entry number for the slot, 0 = none)
 *   entries: maxEntries × 20 B, numbered from 1: hash u32 | physicalOffset u64 | seconds since begin u32 | prev u32
 */
const HEADER = 48;
const SLOT = 4;
const ENTRY = 20;

export interface IndexGeometry {
  slotCount: number;
  maxEntries: number;
}

/**
 * 32-bit FNV-1a over UTF-16 code units: short keys hash faster in JS than through a native call, and the
 * index only needs a stable spread (collisions are resolved by checking the record).
 */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class IndexFile {
  private constructor(
    readonly file: string,
    private readonly geo: IndexGeometry,
    /** The whole file while it is the active one; undefined once sealed (then read with pread). */
    private mem: Buffer | undefined,
    private fd: number,
    private flushedCount: number,
  ) {}

  static size(geo: IndexGeometry): number {
    return HEADER + geo.slotCount * SLOT + (geo.maxEntries + 1) * ENTRY;
  }

  static create(file: string, geo: IndexGeometry, beginPhysical: number): IndexFile {
    const mem = Buffer.alloc(IndexFile.size(geo));
    writeU64(mem, beginPhysical, 16);
    writeU64(mem, beginPhysical, 24);
    const fd = fs.openSync(file, 'w+');
    fs.writeSync(fd, mem, 0, HEADER, 0);
    return new IndexFile(file, geo, mem, fd, 0);
  }

  /**
   * Opens an existing file. A full file is sealed and read from disk; an unfinished one becomes active again
   * in memory, with any slot that points past the header's count walked back to a committed entry (entries
   * are always written before the slots that point at them, and replay rewrites the rest identically).
   */
  static open(file: string, geo: IndexGeometry): IndexFile {
    const fd = fs.openSync(file, 'r+');
    const header = Buffer.alloc(HEADER);
    fs.readSync(fd, header, 0, HEADER, 0);
    const count = header.readUInt32LE(32);
    if (count >= geo.maxEntries) return new IndexFile(file, geo, undefined, fd, count);
    const mem = Buffer.alloc(IndexFile.size(geo));
    fs.readSync(fd, mem, 0, mem.length, 0);
    for (let s = 0; s < geo.slotCount; s++) {
      let n = mem.readUInt32LE(HEADER + s * SLOT);
      while (n > count) n = mem.readUInt32LE(HEADER + geo.slotCount * SLOT + n * ENTRY + 16);
      mem.writeUInt32LE(n, HEADER + s * SLOT);
    }
    mem.fill(0, HEADER + geo.slotCount * SLOT + (count + 1) * ENTRY);
    return new IndexFile(file, geo, mem, fd, count);
  }

  private header(): Buffer {
    if (this.mem) return this.mem;
    const h = Buffer.alloc(HEADER);
    fs.readSync(this.fd, h, 0, HEADER, 0);
    return h;
  }

  get count(): number {
    return this.header().readUInt32LE(32);
  }
  get full(): boolean {
    return this.count >= this.geo.maxEntries;
  }
  get sealed(): boolean {
    return this.mem === undefined;
  }
  get beginPhysical(): number {
    return readU64(this.header(), 16);
  }
  get coveredUpTo(): number {
    return readU64(this.header(), 24);
  }
  get beginTimestamp(): number {
    return readU64(this.header(), 0);
  }
  get endTimestamp(): number {
    return readU64(this.header(), 8);
  }

  /** Adds one entry; the caller checks `full` first. */
  add(hash: number, physicalOffset: number, storeTimestamp: number): void {
    const mem = this.mem!;
    const n = mem.readUInt32LE(32) + 1;
    if (n === 1) writeU64(mem, storeTimestamp, 0);
    const begin = readU64(mem, 0);
    const slotAt = HEADER + (hash % this.geo.slotCount) * SLOT;
    const at = HEADER + this.geo.slotCount * SLOT + n * ENTRY;
    mem.writeUInt32LE(hash, at);
    writeU64(mem, physicalOffset, at + 4);
    mem.writeUInt32LE(Math.max(0, Math.floor((storeTimestamp - begin) / 1000)), at + 12);
    mem.writeUInt32LE(mem.readUInt32LE(slotAt), at + 16);
    mem.writeUInt32LE(n, slotAt);
    mem.writeUInt32LE(n, 32);
    writeU64(mem, Math.max(storeTimestamp, readU64(mem, 8)), 8);
  }

  /** Marks everything below `physicalOffset` as indexed (the dispatcher's progress). */
  cover(physicalOffset: number): void {
    writeU64(this.mem!, physicalOffset, 24);
  }

  /** Writes new entries, then the slots, then the header; returns true when something was written. */
  flush(): boolean {
    const mem = this.mem;
    if (!mem) return false;
    const count = mem.readUInt32LE(32);
    const entriesAt = HEADER + this.geo.slotCount * SLOT;
    if (count > this.flushedCount) {
      const from = entriesAt + (this.flushedCount + 1) * ENTRY;
      fs.writeSync(this.fd, mem, from, (count - this.flushedCount) * ENTRY, from);
      fs.fdatasyncSync(this.fd);
      fs.writeSync(this.fd, mem, HEADER, this.geo.slotCount * SLOT, HEADER);
    }
    fs.writeSync(this.fd, mem, 0, HEADER, 0);
    this.flushedCount = count;
    return true;
  }

  /** Writes everything and drops the in-memory copy; later reads go to disk. */
  seal(): void {
    this.flush();
    fs.fdatasyncSync(this.fd);
    this.mem = undefined;
  }

  /** Commit-log offsets below `belowPhysical` of entries with this hash stored within [beginMs, endMs], newest first. */
  lookup(hash: number, beginMs: number, endMs: number, limit: number, belowPhysical = Number.MAX_SAFE_INTEGER): number[] {
    const out: number[] = [];
    const begin = this.beginTimestamp;
    let n = this.readU32(HEADER + (hash % this.geo.slotCount) * SLOT);
    const entry = Buffer.allocUnsafe(ENTRY);
    while (n > 0 && out.length < limit) {
      const at = HEADER + this.geo.slotCount * SLOT + n * ENTRY;
      if (this.mem) this.mem.copy(entry, 0, at, at + ENTRY);
      else fs.readSync(this.fd, entry, 0, ENTRY, at);
      const t = begin + entry.readUInt32LE(12) * 1000;
      // Stored in whole seconds: widen by one second so a boundary message is not missed.
      if (entry.readUInt32LE(0) === hash && t <= endMs && t + 1000 > beginMs) {
        const physical = readU64(entry, 4);
        if (physical < belowPhysical) out.push(physical);
      }
      const prev = entry.readUInt32LE(16);
      if (prev >= n) break;
      n = prev;
    }
    return out;
  }

  private readU32(at: number): number {
    if (this.mem) return this.mem.readUInt32LE(at);
    const b = Buffer.allocUnsafe(4);
    fs.readSync(this.fd, b, 0, 4, at);
    return b.readUInt32LE(0);
  }

  close(): void {
    if (this.mem) {
      this.flush();
      fs.fdatasyncSync(this.fd);
    }
    fs.closeSync(this.fd);
  }

  destroy(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.file, { force: true });
  }
}
