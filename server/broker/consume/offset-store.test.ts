import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OffsetStore } from './offset-store.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-offsets-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const HOUR = 3_600_000;

describe('OffsetStore', () => {
  it('persists in the background: a reopen without close sees what the last write made durable', async () => {
    const dir = tempDir();
    const s = new OffsetStore(dir, HOUR);
    s.set('g', 'orders', 0, 5);
    s.set('g', 'orders', 1, 7);
    await s.persist();
    s.set('g', 'orders', 0, 9);
    const reopened = new OffsetStore(dir, HOUR);
    expect(reopened.get('g', 'orders', 0)).toBe(5);
    expect(reopened.get('g', 'orders', 1)).toBe(7);
    await s.close();
    await reopened.close();
    expect(new OffsetStore(dir, HOUR).get('g', 'orders', 0)).toBe(9);
  });

  it('writes one at a time, the last change winning, and keeps a failed write for the next one', async () => {
    const dir = tempDir();
    const s = new OffsetStore(dir, HOUR);
    const writes = [];
    for (let i = 0; i < 20; i++) {
      s.set('g', 't', 0, i);
      writes.push(s.persist());
    }
    await Promise.all(writes);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'offsets.json'), 'utf8'))).toEqual({ g: { t: { '0': 19 } } });

    fs.rmSync(dir, { recursive: true, force: true });
    s.set('g', 't', 0, 42);
    await s.persist();
    fs.mkdirSync(dir, { recursive: true });
    await s.close();
    expect(new OffsetStore(dir, HOUR).get('g', 't', 0)).toBe(42);
  });
});
