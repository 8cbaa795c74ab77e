/** The consume queue's file descriptors: none closed under a checkpoint that still syncs it, none leaked. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsumeQueue } from './consume-queue.ts';

const dirs: string[] = [];

function queue(entriesPerFile = 4): ConsumeQueue {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-cq-'));
  dirs.push(dir);
  return new ConsumeQueue(path.join(dir, 'q'), entriesPerFile);
}

function isOpen(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('ConsumeQueue file descriptors', () => {
  it('a queue closed (topic deleted) while a checkpoint syncs its fd leaves that fd to the checkpoint', () => {
    const cq = queue();
    cq.append(0, 100, 1);
    const lent = cq.flush(); // the checkpoint now awaits fdatasync on these
    cq.destroy(); // the topic is deleted meanwhile
    for (const fd of lent) expect(isOpen(fd)).toBe(true);
    // A file opened now cannot take the lent fd's number, so the checkpoint's release closes only its own fd.
    const other = fs.openSync(path.join(dirs[0]!, 'other'), 'w');
    expect(lent).not.toContain(other);
    expect(() => cq.releaseFds(lent)).not.toThrow();
    for (const fd of lent) expect(isOpen(fd)).toBe(false);
    expect(isOpen(other)).toBe(true);
    fs.closeSync(other);
  });

  it('closes the fd of a file it has moved past, whether or not the flush that moved on wrote to it', () => {
    const cq = queue(2);
    cq.append(0, 10, 1);
    cq.append(10, 10, 1);
    const first = cq.flush(); // fills file 0 exactly
    cq.releaseFds(first);
    const file0 = fs.fstatSync(first[0]!).ino; // still open: it is the write fd
    cq.append(20, 10, 1); // starts file 2: the flush never writes to file 0's fd again
    const second = cq.flush();
    cq.releaseFds(second);
    // File 0's fd is closed (its number may already serve file 2's fd: compare the files, not the numbers).
    expect(isOpen(first[0]!) && fs.fstatSync(first[0]!).ino === file0).toBe(false);
    cq.close();
    expect(second.some(isOpen)).toBe(false);
  });

  it('refuses an fd it never lent', () => {
    const cq = queue();
    expect(() => cq.releaseFds([12345])).toThrow(/did not lend/);
    cq.close();
  });
});
