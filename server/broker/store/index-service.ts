import fs from 'node:fs';
import path from 'node:path';
import { hashJoined, hashKey, IndexFile, type IndexGeometry } from './index-file.ts';

const FILE_NAME = /^\d{20}\.idx$/;

/** Index keys: a message key is scoped to its topic, a unique id is global. */
export function keyIndexKey(topic: string, key: string): string {
  return `${topic}#${key}`;
}
export function idIndexKey(messageId: string): string {
  return `\u0001${messageId}`;
}
/** hashKey(keyIndexKey(topic, key)) without building the string: it runs for every key of every record. */
export function keyIndexHash(topic: string, key: string): number {
  return hashKey(key, hashJoined(topic, '#'));
}
/** hashKey(idIndexKey(messageId)), likewise. */
export function idIndexHash(messageId: string): number {
  return hashJoined('\u0001', messageId);
}

/** The set of index files: the newest is active (in memory), older ones are sealed on disk. */
export class IndexService {
  private files: IndexFile[] = [];

  constructor(
    private readonly dir: string,
    private readonly geo: IndexGeometry,
  ) {}

  /**
   * Opens the files. The first one not sealed on disk is where replay resumes: it is cut back to the
   * records below `replayFrom`, and any newer file is deleted (replay rebuilds it). A newer file can only
   * exist there when the process died while that file was being sealed in the background, before any
   * checkpoint past it: everything in the newer files lies past `replayFrom`.
   */
  load(replayFrom: number): void {
    fs.mkdirSync(this.dir, { recursive: true });
    const names = fs
      .readdirSync(this.dir)
      .filter((f) => FILE_NAME.test(f))
      .sort();
    this.files = [];
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (this.files.at(-1)?.sealed === false) {
        fs.rmSync(file, { force: true });
        continue;
      }
      this.files.push(IndexFile.open(file, this.geo, replayFrom, Number(name.slice(0, 20))));
    }
  }

  /** Replay skips records the active file already holds. */
  get coveredUpTo(): number {
    return this.files[this.files.length - 1]?.coveredUpTo ?? 0;
  }

  /** Adds an entry for a key hash (hashKey of the index key: idIndexHash, keyIndexHash). */
  add(hash: number, physicalOffset: number, storeTimestamp: number): void {
    let active = this.files[this.files.length - 1];
    if (active && physicalOffset < active.coveredUpTo) return;
    if (!active || active.sealed || active.full) {
      // Sealed in the background; the next checkpoint waits for it (and retries it after a failure).
      const sealed = active?.seal();
      sealed?.catch(() => undefined);
      active = IndexFile.create(path.join(this.dir, `${String(physicalOffset).padStart(20, '0')}.idx`), this.geo, physicalOffset, sealed);
      this.files.push(active);
    }
    active.add(hash, physicalOffset, storeTimestamp);
  }

  cover(physicalOffset: number): void {
    const active = this.files[this.files.length - 1];
    if (active && !active.sealed && physicalOffset > active.coveredUpTo) active.cover(physicalOffset);
  }

  /**
   * Makes every entry and the active file's coverage as of the call durable (older files: sealed); the
   * active file's writes start once `after` settles.
   */
  flush(after?: Promise<unknown>): Promise<void> {
    const active = this.files[this.files.length - 1];
    return Promise.all(this.files.filter((f) => !f.sealed).map((f) => (f === active ? f.flush(after) : f.seal()))).then(() => undefined);
  }

  /**
   * Candidate commit-log offsets for a key, newest first, below `belowPhysical` (for paging); the caller
   * verifies each against the record.
   */
  lookup(key: string, beginMs: number, endMs: number, limit: number, belowPhysical = Number.MAX_SAFE_INTEGER): number[] {
    const hash = hashKey(key);
    const out: number[] = [];
    for (let i = this.files.length - 1; i >= 0 && out.length < limit; i--) {
      const f = this.files[i]!;
      if (f.count === 0 || f.endTimestamp + 1000 < beginMs || f.beginTimestamp > endMs || f.beginPhysical >= belowPhysical) continue;
      out.push(...f.lookup(hash, beginMs, endMs, limit - out.length, belowPhysical));
    }
    return out;
  }

  /** Retention: drop sealed files that only index deleted commit-log data. */
  dropBelow(physicalMin: number): void {
    while (this.files.length > 1 && this.files[0]!.sealed && this.files[1]!.beginPhysical <= physicalMin) {
      this.files.shift()!.destroy();
    }
  }

  async close(): Promise<void> {
    const files = this.files;
    this.files = [];
    for (const f of files) await f.close();
  }
}
