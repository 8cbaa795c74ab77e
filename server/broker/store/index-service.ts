import fs from 'node:fs';
import path from 'node:path';
import { hashKey, IndexFile, type IndexGeometry } from './index-file.ts';

const FILE_NAME = /^\d{20}\.idx$/;

/** Index keys: a message key is scoped to its topic, a unique id is global. */
export function keyIndexKey(topic: string, key: string): string {
  return `${topic}#${key}`;
}
export function idIndexKey(messageId: string): string {
  return `\u0001${messageId}`;
}

/** The set of index files: the newest is active (in memory), older ones are sealed on disk. */
export class IndexService {
  private files: IndexFile[] = [];

  constructor(
    private readonly dir: string,
    private readonly geo: IndexGeometry,
  ) {}

  load(): void {
    fs.mkdirSync(this.dir, { recursive: true });
    this.files = fs
      .readdirSync(this.dir)
      .filter((f) => FILE_NAME.test(f))
      .sort()
      .map((f) => IndexFile.open(path.join(this.dir, f), this.geo));
  }

  /** Replay skips records the active file already holds. */
  get coveredUpTo(): number {
    return this.files[this.files.length - 1]?.coveredUpTo ?? 0;
  }

  add(key: string, physicalOffset: number, storeTimestamp: number): void {
    let active = this.files[this.files.length - 1];
    if (active && physicalOffset < active.coveredUpTo) return;
    if (!active || active.sealed || active.full) {
      active?.seal();
      active = IndexFile.create(path.join(this.dir, `${String(physicalOffset).padStart(20, '0')}.idx`), this.geo, physicalOffset);
      this.files.push(active);
    }
    active.add(hashKey(key), physicalOffset, storeTimestamp);
  }

  cover(physicalOffset: number): void {
    const active = this.files[this.files.length - 1];
    if (active && !active.sealed && physicalOffset > active.coveredUpTo) active.cover(physicalOffset);
  }

  flush(): void {
    this.files[this.files.length - 1]?.flush();
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

  close(): void {
    for (const f of this.files) f.close();
    this.files = [];
  }
}
