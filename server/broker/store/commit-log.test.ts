import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Broker } from '../broker.ts';
import { BrokerError, isBrokerError, type BrokerErrorCode } from '../errors.ts';
import { CommitLog } from './commit-log.ts';
import { BLANK_MAGIC, BLANK_SIZE, decodeRecord, encodedSize, encodeRecord, probeRecord, type RecordBody } from './record.ts';

const SEG = 64 * 1024;

let dirs: string[] = [];
let logs: CommitLog[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-commitlog-'));
  dirs.push(d);
  return d;
}

/** Deterministic body of record `i`, `len` bytes. */
function bodyOf(i: number, len: number): Buffer {
  const out = Buffer.allocUnsafe(len);
  let seed = createHash('sha256').update(`body-${i}`).digest();
  for (let at = 0; at < len; at += seed.length) {
    seed.copy(out, at, 0, Math.min(seed.length, len - at));
    seed = createHash('sha256').update(seed).digest();
  }
  return out;
}

function record(i: number, bodyLen: number): RecordBody {
  return {
    topic: 'orders',
    queueId: i % 4,
    bornTimestamp: 1_700_000_000_000 + i,
    sysFlag: 0,
    reconsumeTimes: 0,
    messageId: `msg-${i}`,
    bornHost: 'test',
    tag: i % 3 === 0 ? '' : `tag-${i % 3}`,
    keys: [`key-${i}`],
    properties: { index: String(i) },
    body: bodyOf(i, bodyLen),
  };
}

interface Appended {
  index: number;
  phys: number;
  size: number;
}

/** Appends `records` as one batch; queue offset = record index. */
function append(log: CommitLog, records: readonly { index: number; body: RecordBody }[]): Appended[] {
  const sizes = records.map((r) => encodedSize(r.body));
  const offsets = log.append(sizes, (i, buf, at, physicalOffset) => {
    const r = records[i]!;
    encodeRecord(r.body, { queueOffset: r.index, physicalOffset, storeTimestamp: 1_800_000_000_000 + r.index }, sizes[i]!, buf, at);
  });
  expect(offsets).toHaveLength(records.length);
  return records.map((r, i) => ({ index: r.index, phys: offsets[i]!, size: sizes[i]! }));
}

function appendOne(log: CommitLog, index: number, bodyLen: number): Appended {
  return append(log, [{ index, body: record(index, bodyLen) }])[0]!;
}

function expectReadable(log: CommitLog, a: Appended, bodyLen?: number): void {
  const d = decodeRecord(log.read(a.phys, a.size));
  expect(d.messageId).toBe(`msg-${a.index}`);
  expect(d.queueOffset).toBe(a.index);
  expect(d.physicalOffset).toBe(a.phys);
  expect(Buffer.compare(d.body, bodyOf(a.index, bodyLen ?? d.body.length))).toBe(0);
}

function open(dir: string, from = 0): { log: CommitLog; replayed: { phys: number; index: number; size: number }[]; truncatedBytes: number } {
  const log = new CommitLog(dir, SEG);
  logs.push(log);
  const replayed: { phys: number; index: number; size: number }[] = [];
  const { truncatedBytes } = log.recover(from, (buf, at, phys) => {
    const d = decodeRecord(buf, at);
    expect(d.physicalOffset).toBe(phys);
    replayed.push({ phys, index: d.queueOffset, size: d.size });
  });
  return { log, replayed, truncatedBytes };
}

function closeLog(log: CommitLog): void {
  logs = logs.filter((l) => l !== log);
  log.close();
}

function segmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{20}$/.test(f))
    .sort();
}

function lastSegment(dir: string): string {
  const files = segmentFiles(dir);
  return path.join(dir, files[files.length - 1]!);
}

/** Sizes that vary from tiny to a third of a segment. */
function sizeFor(i: number): number {
  return [10, 200, 3000, 900, 21_000, 50, 7000, 15_000][i % 8]! + (i % 13);
}

/** Writes `n` records (some alone, some in batches) and returns where they went. */
function fill(log: CommitLog, n: number, startIndex = 0): Appended[] {
  const out: Appended[] = [];
  let i = startIndex;
  while (i < startIndex + n) {
    const batch = Math.min(1 + (i % 5), startIndex + n - i);
    out.push(...append(log, Array.from({ length: batch }, (_, k) => ({ index: i + k, body: record(i + k, sizeFor(i + k)) }))));
    i += batch;
  }
  return out;
}

function ioError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated failure, write`), { code, syscall: 'write' });
}

function expectBrokerError(fn: () => unknown, code: BrokerErrorCode): BrokerError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(BrokerError);
  expect((caught as BrokerError).code).toBe(code);
  expect(isBrokerError(caught, code)).toBe(true);
  return caught as BrokerError;
}

beforeEach(() => {
  dirs = [];
  logs = [];
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const log of logs) {
    try {
      log.close();
    } catch {
      // A failing test may leave the log in a state where close throws; the directory goes anyway.
    }
  }
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('CommitLog appends across segments', () => {
  it('never lets a record span segments, marks each segment tail blank, and reads everything back', () => {
    const dir = tempDir();
    const { log } = open(dir);
    const appended = fill(log, 300);
    expect(log.maxOffset).toBeGreaterThan(4 * SEG);
    expect(log.minOffset).toBe(0);

    let expectedNext = 0;
    for (const a of appended) {
      const seg = Math.floor(a.phys / SEG);
      expect(Math.floor((a.phys + a.size - 1) / SEG), `record ${a.index} crosses a segment`).toBe(seg);
      if (a.phys !== expectedNext) {
        // Only a roll to the next segment may leave a gap, and the record then starts the segment.
        expect(a.phys % SEG).toBe(0);
        expect(a.phys).toBeGreaterThan(expectedNext);
        expect(a.phys - expectedNext).toBeLessThan(SEG);
      }
      expectedNext = a.phys + a.size;
      expectReadable(log, a, sizeFor(a.index));
    }
    expect(log.maxOffset).toBe(expectedNext);

    const files = segmentFiles(dir);
    expect(files).toEqual(Array.from({ length: Math.floor(log.maxOffset / SEG) + 1 }, (_, k) => String(k * SEG).padStart(20, '0')));
    // Every full segment ends with a blank marker right after its last record.
    for (let s = 0; s < files.length - 1; s++) {
      const last = appended.filter((a) => Math.floor(a.phys / SEG) === s).at(-1)!;
      const end = last.phys + last.size - s * SEG;
      const content = fs.readFileSync(path.join(dir, files[s]!));
      expect(content.length).toBeLessThanOrEqual(SEG);
      expect(content.readUInt32LE(end + 4)).toBe(BLANK_MAGIC);
      expect(probeRecord(content, end, content.length - end)).toEqual({ kind: 'blank' });
    }
  });

  it('writes a batch larger than a segment in one call', () => {
    const dir = tempDir();
    const { log } = open(dir);
    appendOne(log, 0, 1000);
    const batch = Array.from({ length: 12 }, (_, k) => ({ index: k + 1, body: record(k + 1, 20_000) }));
    const appended = append(log, batch);
    const segs = new Set(appended.map((a) => Math.floor(a.phys / SEG)));
    expect(segs.size).toBeGreaterThanOrEqual(4);
    for (const a of appended) expectReadable(log, a, 20_000);
    for (let k = 1; k < appended.length; k++) expect(appended[k]!.phys).toBeGreaterThan(appended[k - 1]!.phys);
  });

  it('refuses a record that cannot fit in an empty segment, leaving the log as it was', () => {
    const dir = tempDir();
    const { log } = open(dir);
    const first = appendOne(log, 0, 500);
    const before = log.maxOffset;
    const huge = record(1, SEG);
    expectBrokerError(() => append(log, [{ index: 1, body: huge }]), 'MESSAGE_TOO_LARGE');
    expect(log.maxOffset).toBe(before);
    expect(segmentFiles(dir)).toHaveLength(1);
    expect(fs.statSync(lastSegment(dir)).size).toBe(before);
    expectReadable(log, first, 500);
    const next = appendOne(log, 2, 500);
    expect(next.phys).toBe(before);
  });

  it('recovers every record after a clean close and keeps appending where it stopped', () => {
    const dir = tempDir();
    const first = open(dir);
    const appended = fill(first.log, 200);
    const end = first.log.maxOffset;
    closeLog(first.log);

    const second = open(dir);
    expect(second.truncatedBytes).toBe(0);
    expect(second.replayed.map((r) => r.phys)).toEqual(appended.map((a) => a.phys));
    expect(second.replayed.map((r) => r.index)).toEqual(appended.map((a) => a.index));
    expect(second.log.maxOffset).toBe(end);
    for (const a of appended) expectReadable(second.log, a, sizeFor(a.index));
    const next = appendOne(second.log, 200, 100);
    expect(next.phys).toBe(end);
    closeLog(second.log);

    // Recovery from a checkpoint in the middle replays only what follows it.
    const mid = appended[120]!;
    const third = open(dir, mid.phys);
    expect(third.truncatedBytes).toBe(0);
    expect(third.replayed.map((r) => r.index)).toEqual([...appended.slice(120).map((a) => a.index), 200]);
    expect(third.log.maxOffset).toBe(end + next.size);
  });
});

describe('CommitLog recovery of a torn tail', () => {
  const fullRecord = (): Buffer => {
    const body = record(999, 5000);
    const size = encodedSize(body);
    const buf = Buffer.alloc(size);
    encodeRecord(body, { queueOffset: 999, physicalOffset: 0, storeTimestamp: 1 }, size, buf, 0);
    return buf;
  };
  const tails: { name: string; bytes: () => Buffer }[] = [
    { name: 'random garbage', bytes: () => randomBytes(777) },
    { name: 'a partial record', bytes: () => fullRecord().subarray(0, 2600) },
    { name: 'a partial record header', bytes: () => fullRecord().subarray(0, 30) },
    { name: 'fewer bytes than a blank marker', bytes: () => fullRecord().subarray(0, 3) },
    { name: 'zeroes', bytes: () => Buffer.alloc(4096) },
    {
      name: 'a complete record whose CRC fails',
      bytes: () => {
        const b = fullRecord();
        b[b.length - 10] = b[b.length - 10]! ^ 0x40;
        return b;
      },
    },
    {
      name: 'a header claiming a huge size',
      bytes: () => {
        const b = fullRecord().subarray(0, 64);
        b.writeUInt32LE(0xfffffff0, 0);
        return b;
      },
    },
  ];

  for (const tail of tails) {
    it(`trims ${tail.name} and appends right after the last valid record`, () => {
      const dir = tempDir();
      const first = open(dir);
      const appended = fill(first.log, 120);
      const end = first.log.maxOffset;
      closeLog(first.log);
      expect(Math.floor(end / SEG)).toBeGreaterThanOrEqual(2);

      const file = lastSegment(dir);
      const validSize = fs.statSync(file).size;
      const garbage = tail.bytes();
      fs.appendFileSync(file, garbage);

      const second = open(dir);
      expect(second.truncatedBytes).toBe(garbage.length);
      expect(fs.statSync(file).size).toBe(validSize);
      expect(second.replayed.map((r) => r.index)).toEqual(appended.map((a) => a.index));
      expect(second.log.maxOffset).toBe(end);

      const next = appendOne(second.log, 120, 4000);
      expect(next.phys).toBe(end);
      expectReadable(second.log, next, 4000);
      closeLog(second.log);

      const third = open(dir);
      expect(third.truncatedBytes).toBe(0);
      expect(third.replayed.map((r) => r.index)).toEqual([...appended.map((a) => a.index), 120]);
      for (const a of [...appended, next]) expectReadable(third.log, a);
    });
  }

  it('trims a torn first record of a fresh segment back to the segment start', () => {
    const dir = tempDir();
    const first = open(dir);
    let appended = fill(first.log, 40);
    // Write until a record starts a new segment.
    let i = 40;
    while (appended.at(-1)!.phys % SEG !== 0) appended = [...appended, appendOne(first.log, i++, 9000)];
    const torn = appended.at(-1)!;
    closeLog(first.log);

    const file = lastSegment(dir);
    expect(path.basename(file)).toBe(String(torn.phys).padStart(20, '0'));
    fs.truncateSync(file, Math.floor(torn.size / 2));

    const second = open(dir);
    expect(second.truncatedBytes).toBe(Math.floor(torn.size / 2));
    expect(second.replayed.map((r) => r.index)).toEqual(appended.slice(0, -1).map((a) => a.index));
    expect(second.log.maxOffset).toBe(torn.phys);
    const next = appendOne(second.log, 1000, 100);
    expect(next.phys).toBe(torn.phys);
    expectReadable(second.log, next, 100);
  });

  it('drops the valid-looking records that follow a torn one', () => {
    const dir = tempDir();
    const first = open(dir);
    const appended = fill(first.log, 60);
    closeLog(first.log);
    // Corrupt a record in the last segment: it and everything after it is the torn tail.
    const lastSeg = Math.floor(appended.at(-1)!.phys / SEG);
    const inLast = appended.filter((a) => Math.floor(a.phys / SEG) === lastSeg);
    expect(inLast.length).toBeGreaterThanOrEqual(2);
    const victim = inLast[Math.floor(inLast.length / 2)]!;
    const file = lastSegment(dir);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0xde, 0xad]), 0, 2, victim.phys - lastSeg * SEG + 60);
    fs.closeSync(fd);

    const second = open(dir);
    const kept = appended.filter((a) => a.phys < victim.phys);
    expect(second.replayed.map((r) => r.index)).toEqual(kept.map((a) => a.index));
    expect(second.log.maxOffset).toBe(victim.phys);
    expect(fs.statSync(file).size).toBe(victim.phys - lastSeg * SEG);
  });
});

describe('CommitLog rollback on a failed write', () => {
  function setUp(): { dir: string; log: CommitLog; appended: Appended[] } {
    const dir = tempDir();
    const { log } = open(dir);
    const appended = fill(log, 50);
    return { dir, log, appended };
  }

  function expectIntact(dir: string, log: CommitLog, appended: readonly Appended[], end: number, fileSizes: readonly number[]): void {
    expect(log.maxOffset).toBe(end);
    expect(segmentFiles(dir).map((f) => fs.statSync(path.join(dir, f)).size)).toEqual(fileSizes);
    for (const a of appended) expectReadable(log, a, sizeFor(a.index));
  }

  function fileSizes(dir: string): number[] {
    return segmentFiles(dir).map((f) => fs.statSync(path.join(dir, f)).size);
  }

  it('maps ENOSPC to DISK_FULL and leaves the log exactly as before', async () => {
    const { dir, log, appended } = setUp();
    const end = log.maxOffset;
    const sizes = fileSizes(dir);
    vi.spyOn(fs, 'writeSync').mockImplementationOnce(() => {
      throw ioError('ENOSPC');
    });
    const err = expectBrokerError(() => appendOne(log, 50, 1000), 'DISK_FULL');
    expect(err.message).toMatch(/full/i);
    expectIntact(dir, log, appended, end, sizes);

    const next = appendOne(log, 50, 1000);
    expect(next.phys).toBe(end);
    expectReadable(log, next, 1000);
    await log.sync();
    closeLog(log);

    const reopened = open(dir);
    expect(reopened.truncatedBytes).toBe(0);
    expect(reopened.replayed.map((r) => r.index)).toEqual([...appended.map((a) => a.index), 50]);
  });

  it('rolls back a partially written record (short write, then ENOSPC)', () => {
    const { dir, log, appended } = setUp();
    const end = log.maxOffset;
    const sizes = fileSizes(dir);
    const real = fs.writeSync;
    vi.spyOn(fs, 'writeSync')
      .mockImplementationOnce(((fd: number, buffer: NodeJS.ArrayBufferView, offset?: number | null, length?: number | null, position?: number | null) =>
        real(fd, buffer, offset, Math.floor((length ?? buffer.byteLength) / 2), position)) as typeof fs.writeSync)
      .mockImplementationOnce(() => {
        throw ioError('ENOSPC');
      });
    expectBrokerError(() => appendOne(log, 50, 3000), 'DISK_FULL');
    expectIntact(dir, log, appended, end, sizes);
    const next = appendOne(log, 50, 3000);
    expect(next.phys).toBe(end);
    closeLog(log);
    const reopened = open(dir);
    expect(reopened.truncatedBytes).toBe(0);
    expect(reopened.replayed.map((r) => r.index)).toEqual([...appended.map((a) => a.index), 50]);
  });

  it('maps EDQUOT to DISK_FULL and other errors to STORE_WRITE_FAILED', () => {
    const { dir, log, appended } = setUp();
    const end = log.maxOffset;
    const sizes = fileSizes(dir);
    const spy = vi.spyOn(fs, 'writeSync');
    spy.mockImplementationOnce(() => {
      throw ioError('EDQUOT');
    });
    expectBrokerError(() => appendOne(log, 50, 10), 'DISK_FULL');
    spy.mockImplementationOnce(() => {
      throw ioError('EIO');
    });
    expectBrokerError(() => appendOne(log, 50, 10), 'STORE_WRITE_FAILED');
    expectIntact(dir, log, appended, end, sizes);
    expect(appendOne(log, 50, 10).phys).toBe(end);
  });

  it('removes the segment a failed batch rolled into and truncates the previous one', async () => {
    const { dir, log, appended } = setUp();
    const end = log.maxOffset;
    const sizes = fileSizes(dir);
    const room = SEG - (end % SEG);
    const overhead = encodedSize(record(50, 0));
    expect(room).toBeGreaterThan(overhead + 2 * BLANK_SIZE + 200);
    // The first record fits in the current segment; the second rolls into a new one, whose write fails.
    const batch = [
      { index: 50, body: record(50, room - overhead - BLANK_SIZE - 100) },
      { index: 51, body: record(51, 20_000) },
    ];
    let calls = 0;
    const real = fs.writeSync;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      calls++;
      if (calls === 2) throw ioError('ENOSPC');
      return (real as (...a: Parameters<typeof fs.writeSync>) => number)(...args);
    }) as typeof fs.writeSync);
    expectBrokerError(() => append(log, batch), 'DISK_FULL');
    expect(calls).toBe(2);
    vi.restoreAllMocks();
    expectIntact(dir, log, appended, end, sizes);

    const retry = append(log, batch);
    expect(retry[0]!.phys).toBe(end);
    expect(retry[1]!.phys % SEG).toBe(0);
    await log.sync();
    const more = appendOne(log, 52, 100);
    await log.sync();
    for (const r of [...retry, more]) expectReadable(log, r);
    closeLog(log);
    const reopened = open(dir);
    expect(reopened.truncatedBytes).toBe(0);
    expect(reopened.replayed.map((r) => r.index)).toEqual([...appended.map((x) => x.index), 50, 51, 52]);
  });

  it('stays usable after a failed batch that spanned three segments (sync, roll and close afterwards)', async () => {
    const { dir, log, appended } = setUp();
    const end = log.maxOffset;
    const sizes = fileSizes(dir);
    const batch = [50, 51, 52].map((index) => ({ index, body: record(index, 40_000) }));
    let calls = 0;
    const real = fs.writeSync;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      calls++;
      if (calls === 3) throw ioError('ENOSPC');
      return (real as (...a: Parameters<typeof fs.writeSync>) => number)(...args);
    }) as typeof fs.writeSync);
    expectBrokerError(() => append(log, batch), 'DISK_FULL');
    expect(calls).toBe(3);
    vi.restoreAllMocks();
    expectIntact(dir, log, appended, end, sizes);

    // The same batch again succeeds, rolling into new segments; syncing and appending more must keep working.
    const retry = append(log, batch);
    const firstSize = encodedSize(batch[0]!.body);
    expect(retry[0]!.phys).toBe(SEG - (end % SEG) >= firstSize + BLANK_SIZE ? end : (Math.floor(end / SEG) + 1) * SEG);
    await log.sync();
    const more = append(log, [53, 54, 55].map((index) => ({ index, body: record(index, 40_000) })));
    await log.sync();
    for (const r of [...appended, ...retry, ...more]) expectReadable(log, r);
    expect(() => closeLog(log)).not.toThrow();

    const reopened = open(dir);
    expect(reopened.truncatedBytes).toBe(0);
    expect(reopened.replayed.map((r) => r.index)).toEqual([...appended.map((x) => x.index), 50, 51, 52, 53, 54, 55]);
  });

  it('closes cleanly right after a failed three-segment batch', () => {
    const { log } = setUp();
    const batch = [50, 51, 52].map((index) => ({ index, body: record(index, 40_000) }));
    let calls = 0;
    const real = fs.writeSync;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: Parameters<typeof fs.writeSync>) => {
      calls++;
      if (calls === 3) throw ioError('ENOSPC');
      return (real as (...a: Parameters<typeof fs.writeSync>) => number)(...args);
    }) as typeof fs.writeSync);
    expectBrokerError(() => append(log, batch), 'DISK_FULL');
    vi.restoreAllMocks();
    expect(() => closeLog(log)).not.toThrow();
  });
});

describe('Broker put on a full disk', () => {
  it('rejects with DISK_FULL, reuses the queue offset, and keeps the queue contiguous', async () => {
    const dataDir = tempDir();
    const opts = { dataDir, segmentSize: 256 * 1024, maxMessageSize: 64 * 1024, checkpointIntervalMs: 3_600_000 };
    const broker = await Broker.open(opts);
    try {
      broker.createTopic({ name: 'full', queueNums: 2 });
      const ok1 = await broker.put({ topic: 'full', body: 'one', queueId: 0 });
      expect(ok1.queueOffset).toBe(0);
      const maxBefore = broker.commitLogMaxOffset;
      vi.spyOn(fs, 'writeSync').mockImplementationOnce(() => {
        throw ioError('ENOSPC');
      });
      await expect(broker.put({ topic: 'full', body: 'lost', queueId: 0 })).rejects.toMatchObject({ name: 'BrokerError', code: 'DISK_FULL' });
      vi.restoreAllMocks();
      expect(broker.commitLogMaxOffset).toBe(maxBefore);
      expect(broker.maxOffset('full', 0)).toBe(1);

      const ok2 = await broker.put({ topic: 'full', body: 'two', queueId: 0 });
      expect(ok2.queueOffset).toBe(1);
      expect(ok2.physicalOffset).toBe(maxBefore);
      const page = broker.getMessages('full', 0, 0, 10);
      expect(page.messages.map((m) => [m.queueOffset, m.body.toString()])).toEqual([
        [0, 'one'],
        [1, 'two'],
      ]);
    } finally {
      vi.restoreAllMocks();
      await broker.close();
    }
    const reopened = await Broker.open(opts);
    try {
      expect(reopened.recovery.truncatedBytes).toBe(0);
      expect(reopened.getMessages('full', 0, 0, 10).messages.map((m) => m.body.toString())).toEqual(['one', 'two']);
    } finally {
      await reopened.close();
    }
  });
});
