import fs from 'node:fs';
import { getU64, readU64, setU64, writeU64 } from './bytes.ts';

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
export function hashKey(key: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** hashKey(a + b) without building the joined string (the index hashes a prefix and a key per record). */
export function hashJoined(a: string, b: string): number {
  return hashKey(b, hashKey(a));
}

/** fdatasync in the libuv pool: a flush under load can take 20 ms, which must not stall the event loop. */
function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())));
}

/** pwrite of the whole range in the libuv pool (looping over short writes). */
async function pwriteFully(fd: number, buf: Buffer, from: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const n = await new Promise<number>((resolve, reject) =>
      fs.write(fd, buf, from + done, length - done, position + done, (e, written) => (e ? reject(e) : resolve(written))),
    );
    if (n <= 0) throw new Error(`index write at ${position + done} made no progress`);
    done += n;
  }
}

export class IndexFile {
  /** Disk writes run one at a time, in call order; this chain never rejects. */
  private writes: Promise<void>;
  /** The newest flush's outcome: what a flush with nothing new to write waits for. */
  private last: Promise<void> = Promise.resolve();
  /** Entry count of the last snapshot handed to `flush`: nothing new, nothing to write. */
  private snapshotCount: number;
  private snapshotCovered: number;
  private snapshotFinal = false;
  /** Over `mem`, for `add`. */
  private view: DataView | undefined;
  /** Set once `seal` has been called: the file takes no more entries, and drops `mem` once it is on disk. */
  private sealing = false;

  private constructor(
    readonly file: string,
    private readonly geo: IndexGeometry,
    /** The whole file while it is the active one (or being sealed); undefined once sealed (then read with pread). */
    private mem: Buffer | undefined,
    private fd: number,
    /** Entries known durable on disk. */
    private flushedCount: number,
    /** Writes start only after this (the previous file's seal), so a newer file is never durable before an older one. */
    after: Promise<void> = Promise.resolve(),
  ) {
    this.writes = after.catch(() => undefined);
    this.view = mem ? new DataView(mem.buffer, mem.byteOffset, mem.byteLength) : undefined;
    this.snapshotCount = flushedCount;
    this.snapshotCovered = mem ? readU64(mem, 24) : 0;
  }

  static size(geo: IndexGeometry): number {
    return HEADER + geo.slotCount * SLOT + (geo.maxEntries + 1) * ENTRY;
  }

  static create(file: string, geo: IndexGeometry, beginPhysical: number, after?: Promise<void>): IndexFile {
    const mem = Buffer.alloc(IndexFile.size(geo));
    writeU64(mem, beginPhysical, 16);
    writeU64(mem, beginPhysical, 24);
    const fd = fs.openSync(file, 'w+');
    fs.writeSync(fd, mem, 0, HEADER, 0);
    return new IndexFile(file, geo, mem, fd, 0, after);
  }

  /**
   * Opens an existing file. A full file is sealed and read from disk; an unfinished one becomes active again
   * in memory, cut back to the entries of records below `replayFrom` (where recovery replays from, which
   * re-adds the rest). Its slots are rebuilt from the entries: an active file's slots are only written when
   * it is sealed (see `flush`). `namedBegin` is the first commit-log offset it indexes, from its name.
   */
  static open(file: string, geo: IndexGeometry, replayFrom = Number.MAX_SAFE_INTEGER, namedBegin = 0): IndexFile {
    const fd = fs.openSync(file, 'r+');
    const header = Buffer.alloc(HEADER);
    fs.readSync(fd, header, 0, HEADER, 0);
    const stored = header.readUInt32LE(32);
    if (stored >= geo.maxEntries) return new IndexFile(file, geo, undefined, fd, stored);
    const mem = Buffer.alloc(IndexFile.size(geo));
    fs.readSync(fd, mem, 0, mem.length, 0);
    const entriesAt = HEADER + geo.slotCount * SLOT;
    // Entries are added in commit-log order: those of records at or past replayFrom are the last ones.
    let count = stored;
    while (count > 0 && readU64(mem, entriesAt + count * ENTRY + 4) >= replayFrom) count--;
    mem.fill(0, entriesAt + (count + 1) * ENTRY);
    mem.fill(0, HEADER, entriesAt);
    // The newest entry of each slot is its head; each entry already holds the link to the one before.
    for (let n = 1; n <= count; n++) mem.writeUInt32LE(n, HEADER + (mem.readUInt32LE(entriesAt + n * ENTRY) % geo.slotCount) * SLOT);
    mem.writeUInt32LE(count, 32);
    // A header that never reached the disk (created just before a crash) reads as zeros: the file's name
    // still says where it begins.
    if (stored === 0 && readU64(mem, 16) === 0) writeU64(mem, namedBegin, 16);
    writeU64(mem, Math.max(readU64(mem, 16), Math.min(readU64(mem, 24), replayFrom)), 24);
    if (count === 0) writeU64(mem, 0, 0);
    const f = new IndexFile(file, geo, mem, fd, count);
    // The header on disk may still count the entries cut here: the first flush rewrites it.
    f.snapshotCount = -1;
    return f;
  }

  private header(): Buffer {
    if (this.mem) return this.mem;
    const h = Buffer.alloc(HEADER);
    fs.readSync(this.fd, h, 0, HEADER, 0);
    return h;
  }

  get count(): number {
    // Asked on every add (through `full`): read from memory directly while the file is active.
    return this.view ? this.view.getUint32(32, true) : this.header().readUInt32LE(32);
  }
  /** Takes no more entries: full, or being sealed. */
  get full(): boolean {
    return this.sealing || this.count >= this.geo.maxEntries;
  }
  /** On disk for good (reads go to the file). */
  get sealed(): boolean {
    return this.mem === undefined;
  }
  get beginPhysical(): number {
    return readU64(this.header(), 16);
  }
  get coveredUpTo(): number {
    return this.view ? getU64(this.view, 24) : readU64(this.header(), 24);
  }
  get beginTimestamp(): number {
    return readU64(this.header(), 0);
  }
  get endTimestamp(): number {
    return readU64(this.header(), 8);
  }

  /** Adds one entry; the caller checks `full` first. Through a DataView: 2-3x cheaper than Buffer's accessors. */
  add(hash: number, physicalOffset: number, storeTimestamp: number): void {
    const v = this.view!;
    const n = v.getUint32(32, true) + 1;
    if (n === 1) setU64(v, storeTimestamp, 0);
    const begin = getU64(v, 0);
    const slotAt = HEADER + (hash % this.geo.slotCount) * SLOT;
    const at = HEADER + this.geo.slotCount * SLOT + n * ENTRY;
    v.setUint32(at, hash, true);
    setU64(v, physicalOffset, at + 4);
    v.setUint32(at + 12, Math.max(0, Math.floor((storeTimestamp - begin) / 1000)), true);
    v.setUint32(at + 16, v.getUint32(slotAt, true), true);
    v.setUint32(slotAt, n, true);
    v.setUint32(32, n, true);
    if (storeTimestamp > getU64(v, 8)) setU64(v, storeTimestamp, 8);
  }

  /** Marks everything below `physicalOffset` as indexed (the dispatcher's progress). */
  cover(physicalOffset: number): void {
    writeU64(this.mem!, physicalOffset, 24);
  }

  /**
   * Makes the entries and coverage as of this call durable; resolves once they are; the writes start after
   * `after` settles (the checkpoint runs its fsyncs one at a time). Runs in the libuv pool:
   * the new entries (written straight from memory: they never change again), fdatasync, then the header as
   * of the call, fdatasync, so the header never counts an entry that is not on disk. The 2 MB slot table is
   * written only when the file is sealed (`open` rebuilds an active file's slots from its entries). Before,
   * this ran on the event loop and rewrote the slots every checkpoint: the fdatasync and the 2 MB write
   * stalled every put behind a checkpoint by up to 22 ms under load.
   */
  flush(after?: Promise<unknown>): Promise<void> {
    const mem = this.mem;
    if (!mem) return this.last;
    const count = mem.readUInt32LE(32);
    const covered = readU64(mem, 24);
    // A full file takes no more entries either, and `open` reads it as sealed: its slots must be on disk.
    const final = this.sealing || count >= this.geo.maxEntries;
    if (count === this.snapshotCount && covered === this.snapshotCovered && final === this.snapshotFinal) return this.last;
    this.snapshotCount = count;
    this.snapshotCovered = covered;
    this.snapshotFinal = final;
    const entriesAt = HEADER + this.geo.slotCount * SLOT;
    const header = Buffer.from(mem.subarray(0, HEADER));
    const fd = this.fd;
    const write = async (): Promise<void> => {
      const from = entriesAt + (this.flushedCount + 1) * ENTRY;
      const to = entriesAt + (count + 1) * ENTRY;
      // A sealing file no longer changes: its slots go out with its last entries.
      if (final) await pwriteFully(fd, mem, HEADER, entriesAt - HEADER, HEADER);
      if (to > from) await pwriteFully(fd, mem, from, to - from, from);
      await fdatasync(fd);
      await pwriteFully(fd, header, 0, HEADER, 0);
      await fdatasync(fd);
      this.flushedCount = count;
    };
    const done = (after ? Promise.all([this.writes, after.catch(() => undefined)]) : this.writes).then(write);
    this.last = done;
    // A failed write fails this flush (its checkpoint does not advance); the next flush writes it all again.
    this.writes = done.catch(() => {
      this.snapshotCount = -1;
    });
    return done;
  }

  /**
   * Takes no more entries, writes everything in the background (reads use memory meanwhile) and drops the
   * in-memory copy once it is durable; later reads go to disk. Called again after a failure, it retries.
   */
  async seal(): Promise<void> {
    this.sealing = true;
    await this.flush();
    this.mem = undefined;
    this.view = undefined;
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

  /** Waits for writes under way, writes the rest, and closes the file. */
  async close(): Promise<void> {
    await this.writes;
    if (this.mem) await this.flush();
    fs.closeSync(this.fd);
  }

  /** Deletes the file; only ever called on a sealed one (no write under way). */
  destroy(): void {
    fs.closeSync(this.fd);
    fs.rmSync(this.file, { force: true });
  }
}
