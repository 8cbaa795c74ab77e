import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Broker, type BrokerOptions } from '../index.ts';
import { BrokerError } from '../errors.ts';
import type { PutResult } from './message-store.ts';

const SEG = 128 * 1024;
const TOPIC = 'logs';
const QUEUES = 4;
const HOUR = 3_600_000;

let dataDir: string;
let open: Broker[] = [];

function options(): BrokerOptions {
  return {
    dataDir,
    segmentSize: SEG,
    maxMessageSize: 64 * 1024,
    cqEntriesPerFile: 16,
    indexSlots: 64,
    indexEntries: 64,
    retentionHours: 72,
  };
}

async function openBroker(): Promise<Broker> {
  const b = await Broker.open(options());
  open.push(b);
  return b;
}

async function closeBroker(b: Broker): Promise<void> {
  open = open.filter((x) => x !== b);
  await b.close();
}

function bodyOf(i: number): Buffer {
  const len = 3000 + ((i * 7919) % 4000);
  const seed = createHash('sha256').update(`retention-${i}`).digest();
  const out = Buffer.allocUnsafe(len);
  for (let at = 0; at < len; at += seed.length) seed.copy(out, at, 0, Math.min(seed.length, len - at));
  return out;
}

interface Sent extends PutResult {
  index: number;
}

async function putMany(b: Broker, from: number, count: number): Promise<Sent[]> {
  const out: Sent[] = [];
  for (let i = from; i < from + count; i++) {
    const r = await b.put({ topic: TOPIC, body: bodyOf(i), tag: `t${i % 3}`, keys: [`key-${i}`], queueId: i % QUEUES });
    out.push({ ...r, index: i });
  }
  return out;
}

function commitLogDir(): string {
  return path.join(dataDir, 'store', 'commitlog');
}

function segmentFiles(): string[] {
  return fs
    .readdirSync(commitLogDir())
    .filter((f) => /^\d{20}$/.test(f))
    .sort();
}

function age(files: readonly string[], hours: number): void {
  const t = (Date.now() - hours * HOUR) / 1000;
  for (const f of files) fs.utimesSync(path.join(commitLogDir(), f), t, t);
}

function expectNotFound(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(BrokerError);
  expect((caught as BrokerError).code).toBe('MESSAGE_NOT_FOUND');
}

/** What a reader must see once everything below commit-log offset `physMin` is gone. */
function verifyRetained(b: Broker, sent: readonly Sent[], physMin: number): void {
  for (let q = 0; q < QUEUES; q++) {
    const inQueue = sent.filter((s) => s.queueId === q);
    const kept = inQueue.filter((s) => s.physicalOffset >= physMin);
    const expectedMin = kept[0]?.queueOffset ?? inQueue.length;
    expect(b.minOffset(TOPIC, q), `minOffset of queue ${q}`).toBe(expectedMin);
    expect(b.maxOffset(TOPIC, q), `maxOffset of queue ${q}`).toBe(inQueue.length);

    if (expectedMin > 0 && expectedMin < inQueue.length) {
      for (const below of [0, expectedMin - 1]) {
        const res = b.getMessages(TOPIC, q, below, 10);
        expect(res.status, `read at ${below} of queue ${q}`).toBe('OFFSET_TOO_SMALL');
        expect(res.nextOffset).toBe(expectedMin);
        expect(res.messages).toEqual([]);
        expect(res.minOffset).toBe(expectedMin);
      }
    }

    // Everything from the new minimum on is still there, in order, with its body.
    const read: number[] = [];
    let offset = expectedMin;
    while (offset < inQueue.length) {
      const res = b.getMessages(TOPIC, q, offset, 7);
      expect(res.status).toBe('FOUND');
      for (const m of res.messages) {
        const s = inQueue[m.queueOffset]!;
        expect(m.messageId).toBe(s.messageId);
        expect(Buffer.compare(m.body, bodyOf(s.index))).toBe(0);
        read.push(m.queueOffset);
      }
      offset = res.nextOffset;
    }
    expect(read).toEqual(kept.map((s) => s.queueOffset));
  }

  for (const s of sent) {
    if (s.physicalOffset < physMin) {
      expectNotFound(() => b.getMessageById(s.messageId));
      expect(b.queryByKey(TOPIC, `key-${s.index}`)).toEqual([]);
    } else {
      const m = b.getMessageById(s.messageId);
      expect(m.queueOffset).toBe(s.queueOffset);
      expect(Buffer.compare(m.body, bodyOf(s.index))).toBe(0);
      expect(b.queryByKey(TOPIC, `key-${s.index}`).map((x) => x.messageId)).toEqual([s.messageId]);
    }
  }

  const stats = b.topicStats(TOPIC);
  expect(stats.messageCount).toBe(sent.filter((s) => s.physicalOffset >= physMin).length);
  for (const qs of stats.queues) {
    expect(qs.minOffset).toBe(b.minOffset(TOPIC, qs.queueId));
    if (qs.messageCount > 0) expect(qs.minStoreTimestamp).not.toBeNull();
  }
}

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-retention-'));
  open = [];
});

afterEach(async () => {
  for (const b of open) await b.close().catch(() => undefined);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('retention', () => {
  it('deletes old segments, raises queue minimums, and the result survives a reopen', async () => {
    const broker = await openBroker();
    broker.createTopic({ name: TOPIC, queueNums: QUEUES });
    broker.createGroup({ name: 'readers' });
    const sent = await putMany(broker, 0, 160);
    const before = segmentFiles();
    expect(before.length).toBeGreaterThanOrEqual(5);
    for (let q = 0; q < QUEUES; q++) broker.commitOffset('readers', TOPIC, q, 0);

    // Recent segments are kept.
    expect(await broker.runRetention()).toBe(0);
    expect(segmentFiles()).toEqual(before);

    age(before.slice(0, 3), 100);
    expect(await broker.runRetention()).toBe(3);
    const after = segmentFiles();
    expect(after).toEqual(before.slice(3));
    const physMin = Number(after[0]);
    expect(physMin).toBe(3 * SEG);
    expect(sent.some((s) => s.physicalOffset < physMin)).toBe(true);
    for (let q = 0; q < QUEUES; q++) expect(broker.minOffset(TOPIC, q)).toBeGreaterThan(0);
    verifyRetained(broker, sent, physMin);
    // A consumer that sat below the new minimum resumes at it.
    for (let q = 0; q < QUEUES; q++) expect(broker.consumerOffset('readers', TOPIC, q)).toBe(broker.minOffset(TOPIC, q));

    await closeBroker(broker);
    const reopened = await openBroker();
    expect(segmentFiles()).toEqual(after);
    verifyRetained(reopened, sent, physMin);

    // Appends continue after the retained data.
    const more = await putMany(reopened, 160, 8);
    for (const m of more) expect(m.queueOffset).toBe(sent.filter((s) => s.queueId === m.queueId).length + Math.floor((m.index - 160) / QUEUES));
    verifyRetained(reopened, [...sent, ...more], physMin);
  });

  it('never deletes the active segment, even when every segment is old', async () => {
    const broker = await openBroker();
    broker.createTopic({ name: TOPIC, queueNums: QUEUES });
    const sent = await putMany(broker, 0, 100);
    const before = segmentFiles();
    expect(before.length).toBeGreaterThanOrEqual(3);
    age(before, 1000);

    expect(await broker.runRetention()).toBe(before.length - 1);
    expect(segmentFiles()).toEqual([before.at(-1)]);
    const physMin = Number(before.at(-1));
    verifyRetained(broker, sent, physMin);
    // Nothing left to delete: the only segment is the one being written.
    expect(await broker.runRetention(Date.now() + 10_000 * HOUR)).toBe(0);
    expect(segmentFiles()).toEqual([before.at(-1)]);

    const more = await putMany(broker, 100, 4);
    for (const m of more) expect(broker.getMessageById(m.messageId).queueOffset).toBe(m.queueOffset);

    await closeBroker(broker);
    const reopened = await openBroker();
    verifyRetained(reopened, [...sent, ...more], physMin);
  });

  it('stops at the first segment that is still young', async () => {
    const broker = await openBroker();
    broker.createTopic({ name: TOPIC, queueNums: QUEUES });
    const sent = await putMany(broker, 0, 120);
    const before = segmentFiles();
    expect(before.length).toBeGreaterThanOrEqual(4);
    // Segment 0 old, segment 1 young, segment 2 old: only segment 0 goes (segments are deleted in order).
    age([before[0]!, before[2]!], 100);
    expect(await broker.runRetention()).toBe(1);
    expect(segmentFiles()).toEqual(before.slice(1));
    verifyRetained(broker, sent, SEG);
  });
});
