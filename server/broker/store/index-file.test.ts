import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashKey, IndexFile } from './index-file.ts';
import { IndexService } from './index-service.ts';

const GEO = { slotCount: 8, maxEntries: 40 };
const T0 = 1_800_000_000_000;
let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-index-'));
  file = path.join(dir, '00000000000000000000.idx');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Entry i: key `k<i % 5>` (so slots hold chains) at commit-log offset 100·i. */
function addRange(f: IndexFile, from: number, to: number): void {
  for (let i = from; i < to; i++) f.add(hashKey(`k${i % 5}`), 100 * i, T0 + i);
  f.cover(100 * to);
}

function offsetsOf(f: IndexFile, key: number): number[] {
  return f.lookup(hashKey(`k${key}`), 0, Number.MAX_SAFE_INTEGER, 100);
}

describe('index file', () => {
  it('after a crash, keeps what the last flush made durable and drops entries from the replay point on', async () => {
    const f = IndexFile.create(file, GEO, 0);
    addRange(f, 0, 20);
    await f.flush();
    // Added after the last flush, then the process dies: whatever reached the file of these is replayed.
    addRange(f, 20, 30);
    const reopened = IndexFile.open(file, GEO, 100 * 15);
    expect(reopened.count).toBe(15);
    expect(reopened.coveredUpTo).toBe(100 * 15);
    for (let k = 0; k < 5; k++) expect(offsetsOf(reopened, k)).toEqual([10, 5, 0].map((i) => 100 * (i + k)).filter((o) => o < 1500));
    // Replay adds the rest again, and the chains run through old and new entries.
    addRange(reopened, 15, 22);
    expect(offsetsOf(reopened, 1)).toEqual([21, 16, 11, 6, 1].map((i) => 100 * i));
    await reopened.close();
  });

  it('reopens a file that filled up without being sealed as a sealed file that still answers lookups', async () => {
    const f = IndexFile.create(file, GEO, 0);
    addRange(f, 0, GEO.maxEntries);
    expect(f.full).toBe(true);
    await f.close();
    const reopened = IndexFile.open(file, GEO);
    expect(reopened.sealed).toBe(true);
    expect(offsetsOf(reopened, 3)).toEqual([38, 33, 28, 23, 18, 13, 8, 3].map((i) => 100 * i));
    await reopened.close();
  });

  it('answers lookups from memory while a seal is being written, and from disk after', async () => {
    const f = IndexFile.create(file, GEO, 0);
    addRange(f, 0, 12);
    const sealing = f.seal();
    expect(f.full).toBe(true);
    expect(offsetsOf(f, 2)).toEqual([7, 2].map((i) => 100 * i));
    await sealing;
    expect(f.sealed).toBe(true);
    expect(offsetsOf(f, 2)).toEqual([7, 2].map((i) => 100 * i));
    await f.close();
  });

  it('a kill while a full file is still being sealed loses no key: replay refills it and rebuilds the next', async () => {
    const live = path.join(dir, 'live');
    const geo = { slotCount: 8, maxEntries: 10 };
    const svc = new IndexService(live, geo);
    svc.load(0);
    const add = (from: number, to: number) => {
      for (let i = from; i < to; i++) svc.add(hashKey(`k${i}`), 100 * i, T0 + i);
      svc.cover(100 * to);
    };
    add(0, 6);
    await svc.flush(); // the last checkpoint: replay resumes at offset 600
    add(6, 12); // the 11th entry fills the first file: its seal starts in the background, a second file opens
    // kill -9 now: the files hold what has been written so far (the seal's writes are still queued).
    const copy = path.join(dir, 'copy');
    fs.cpSync(live, copy, { recursive: true });
    await svc.close();

    const recovered = new IndexService(copy, geo);
    recovered.load(600);
    for (let i = 6; i < 12; i++) recovered.add(hashKey(`k${i}`), 100 * i, T0 + i);
    for (let i = 0; i < 12; i++) expect(recovered.lookup(`k${i}`, 0, Number.MAX_SAFE_INTEGER, 10), `k${i}`).toEqual([100 * i]);
    await recovered.close();
  });
});
