import fs from 'node:fs';
import path from 'node:path';
import { readJournal, writeFileAtomic } from '../json-file.ts';
import { logger } from '../logger.ts';

/** A resend of a dead letter (the letter is its offset in the group's DLQ queue). */
export interface ResendRecord {
  group: string;
  offset: number;
  messageId: string;
  at: number;
  key?: string;
}

/** A keyed resend; `done` once its copy is stored. */
type KeyRecord = ResendRecord & { key: string; done: boolean };

/**
 * Journal lines, one JSON array each:
 * - `['p', group, offsets]`: letters purged; `['P', group, below]`: every letter below the offset purged;
 * - `['r', group, offset, at, messageId, key, done]`: a resend; with a key it is written ahead of the copy
 *   (done 0) and `['R', key]` follows once the copy is stored.
 */
type Line = ['p', string, number[]] | ['P', string, number] | ['r', string, number, number, string, string | null, 0 | 1] | ['R', string];

interface GroupBook {
  /** Every letter below it is purged (a purge of all). */
  below: number;
  purged: Set<number>;
  /** Letter offset → when it was last resent. */
  resent: Map<number, number>;
}

/** Past this size the journal is rewritten from the live state (offsets retention removed are dropped). */
const COMPACT_BYTES = 4 * 1024 * 1024;

export interface DeadLetterBookHost {
  /** Whether a keyed resend's copy made it into the store (a resend written ahead, then a crash). */
  copyStored(r: ResendRecord & { key: string }): boolean;
  /** The oldest letter offset still stored in a group's DLQ (retention removes older ones). */
  minOffset(group: string): number;
}

/**
 * What the engine knows of each group's dead letters beyond the DLQ topic itself: which were purged
 * (tombstones, since the commit log is append-only) and which were resent, with the dedupe keys of keyed
 * resends. Kept in `metadata/dead-letters.log`, appended before the caller gets its answer.
 *
 * A keyed resend is written ahead of its copy and confirmed after it, so a key is never used twice: a key
 * written ahead but never confirmed (the process died in between) is checked against the stored copies when
 * the journal is read back, counting only if the copy is there.
 */
export class DeadLetterBook {
  private readonly groups = new Map<string, GroupBook>();
  private readonly keys = new Map<string, KeyRecord>();
  private readonly file: string;
  private fd: number;
  private bytes: number;

  constructor(
    metaDir: string,
    private readonly host: DeadLetterBookHost,
  ) {
    fs.mkdirSync(metaDir, { recursive: true });
    this.file = path.join(metaDir, 'dead-letters.log');
    this.load();
    const unsettled = [...this.keys.values()].filter((k) => !k.done);
    for (const r of unsettled) {
      if (host.copyStored(r)) this.confirm(r);
      else this.keys.delete(r.key);
    }
    if (unsettled.length > 0) {
      const stored = unsettled.filter((r) => r.done).length;
      logger.info({ event: 'dead_letters.resends_recovered', stored, notStored: unsettled.length - stored }, 'keyed resends interrupted by a crash were settled against the stored copies');
    }
    this.fd = fs.openSync(this.file, 'a');
    this.bytes = fs.fstatSync(this.fd).size;
    if (unsettled.length > 0 || this.bytes > COMPACT_BYTES) this.compact();
  }

  private confirm(r: KeyRecord): void {
    r.done = true;
    this.book(r.group).resent.set(r.offset, r.at);
  }

  /** Replays the journal. */
  private load(): void {
    for (const line of readJournal<Line>(this.file)) {
      if (line[0] === 'p') for (const o of line[2]) this.book(line[1]).purged.add(o);
      else if (line[0] === 'P') this.purgeAllBelow(this.book(line[1]), line[2]);
      else if (line[0] === 'R') {
        const r = this.keys.get(line[1]);
        if (r) this.confirm(r);
      } else {
        const [, group, offset, at, messageId, key, done] = line;
        if (key === null) this.book(group).resent.set(offset, at);
        else {
          const r: KeyRecord = { group, offset, at, messageId, key, done: false };
          this.keys.set(key, r);
          if (done === 1) this.confirm(r);
        }
      }
    }
  }

  private book(group: string): GroupBook {
    let b = this.groups.get(group);
    if (!b) {
      b = { below: 0, purged: new Set(), resent: new Map() };
      this.groups.set(group, b);
    }
    return b;
  }

  private purgeAllBelow(b: GroupBook, below: number): void {
    b.below = Math.max(b.below, below);
    for (const o of b.purged) if (o < b.below) b.purged.delete(o);
  }

  isPurged(group: string, offset: number): boolean {
    const b = this.groups.get(group);
    return !!b && (offset < b.below || b.purged.has(offset));
  }

  /** Letters purged among the offsets [min, max). */
  purgedCount(group: string, min: number, max: number): number {
    const b = this.groups.get(group);
    if (!b) return 0;
    let n = Math.max(0, Math.min(b.below, max) - min);
    for (const o of b.purged) if (o >= Math.max(min, b.below) && o < max) n++;
    return n;
  }

  purge(group: string, offsets: readonly number[]): void {
    if (offsets.length === 0) return;
    const b = this.book(group);
    for (const o of offsets) b.purged.add(o);
    this.append(['p', group, [...offsets]]);
  }

  purgeBelow(group: string, below: number): void {
    this.purgeAllBelow(this.book(group), below);
    this.append(['P', group, below]);
  }

  resentAt(group: string, offset: number): number | undefined {
    return this.groups.get(group)?.resent.get(offset);
  }

  /** Whether a resend with this key was made (or is being made now). */
  hasKey(key: string): boolean {
    return this.keys.has(key);
  }

  /** Starts a resend: a keyed one is reserved and written ahead of its copy. */
  begin(r: ResendRecord): void {
    if (r.key === undefined) return;
    this.keys.set(r.key, { ...r, key: r.key, done: false });
    this.append(['r', r.group, r.offset, r.at, r.messageId, r.key, 0]);
  }

  /** The resend's copy is stored. */
  done(r: ResendRecord): void {
    const keyed = r.key === undefined ? undefined : this.keys.get(r.key);
    if (keyed) this.confirm(keyed);
    else this.book(r.group).resent.set(r.offset, r.at);
    this.append(r.key === undefined ? ['r', r.group, r.offset, r.at, r.messageId, null, 1] : ['R', r.key]);
  }

  /** The resend's copy could not be stored: the key is free again. */
  abort(r: ResendRecord): void {
    if (r.key !== undefined) this.keys.delete(r.key);
  }

  private append(line: Line): void {
    const data = Buffer.from(JSON.stringify(line) + '\n');
    // The page cache survives the process being killed, as for the pop-state journal.
    fs.writeSync(this.fd, data);
    this.bytes += data.length;
    if (this.bytes > COMPACT_BYTES) this.compact();
  }

  /** Rewrites the journal from the live state, forgetting letters retention has removed. */
  private compact(): void {
    // Keys first: the resend times written after them are the latest of each letter.
    const lines: Line[] = [];
    for (const r of this.keys.values()) {
      if (r.offset >= this.host.minOffset(r.group)) lines.push(['r', r.group, r.offset, r.at, r.messageId, r.key, r.done ? 1 : 0]);
    }
    for (const [group, b] of this.groups) {
      const min = this.host.minOffset(group);
      if (b.below > min) lines.push(['P', group, b.below]);
      const purged = [...b.purged].filter((o) => o >= min);
      if (purged.length > 0) lines.push(['p', group, purged]);
      for (const [offset, at] of b.resent) if (offset >= min) lines.push(['r', group, offset, at, '', null, 1]);
    }
    writeFileAtomic(this.file, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a');
    this.bytes = fs.fstatSync(this.fd).size;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
