import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Broker, type BrokerOptions } from '../index.ts';
import { isBrokerError } from '../errors.ts';
import { CRASH_QUEUES, CRASH_TOPIC, crashBody, crashKey, sha256, type CrashAck } from './crash-writer.fixture.ts';

const FIXTURE = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ROUNDS = 15;
const CONCURRENCY = 16;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-crash-'));
/** Small segments, index files and queue files, frequent checkpoints: a kill lands in the middle of all of them. */
const OPTIONS: BrokerOptions = {
  dataDir,
  flush: 'sync',
  segmentSize: 256 * 1024,
  maxMessageSize: 64 * 1024,
  cqEntriesPerFile: 1000,
  indexSlots: 4096,
  indexEntries: 20_000,
  checkpointIntervalMs: 100,
};

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface WriterRun {
  acks: CrashAck[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  sawReady: boolean;
}

/** Starts the writer, SIGKILLs it `killAfterMs` after it reports ready, returns the puts it acknowledged. */
async function runWriter(round: number, killAfterMs: number): Promise<WriterRun> {
  // Node itself, not an npm/npx wrapper: the kill must hit the writer.
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(OPTIONS), String(round), String(CONCURRENCY)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  let killTimer: NodeJS.Timeout | undefined;
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 20_000);
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
    if (!killTimer && out.startsWith('READY\n')) killTimer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  });
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  clearTimeout(watchdog);
  clearTimeout(killTimer);
  const lines = out.split('\n');
  // The last element is whatever followed the final newline: empty, or a line cut by the kill.
  lines.pop();
  const sawReady = lines[0] === 'READY';
  const acks = lines.slice(1).map((l) => JSON.parse(l) as CrashAck);
  return { acks, code, signal, stderr, sawReady };
}

interface Seen {
  queueId: number;
  queueOffset: number;
  round: number;
  n: number;
}

/** A reproducible pseudo-random sequence (the kill delays are printed on failure). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

/**
 * Reopens the data directory and checks it: every queue contiguous from min to max, every stored body the one
 * its writer produced, every acknowledged put present where the ack said, readable by id and by offset.
 */
async function verify(all: readonly CrashAck[], byId: readonly CrashAck[], context: string): Promise<{ stored: number }> {
  const broker = await Broker.open(OPTIONS);
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (p: string): void => {
    problemCount++;
    if (problems.length < 20) problems.push(p);
  };
  const seen = new Map<string, Seen>();
  try {
    for (let q = 0; q < CRASH_QUEUES; q++) {
      const min = broker.minOffset(CRASH_TOPIC, q);
      const max = broker.maxOffset(CRASH_TOPIC, q);
      if (min !== 0) problem(`queue ${q}: minOffset ${min}, expected 0 (nothing was deleted)`);
      let offset = min;
      while (offset < max) {
        let res;
        try {
          res = broker.getMessages(CRASH_TOPIC, q, offset, 256);
        } catch {
          // Pin the failing record down: read this offset alone.
          try {
            res = broker.getMessages(CRASH_TOPIC, q, offset, 1);
          } catch (e) {
            problem(`queue ${q}: reading at ${offset} threw ${isBrokerError(e) ? e.code : ''} ${(e as Error).message}`);
            offset++;
            continue;
          }
        }
        if (res.status !== 'FOUND' || res.messages.length === 0) {
          problem(`queue ${q}: reading at ${offset} (max ${max}) gave ${res.status}`);
          break;
        }
        res.messages.forEach((m, i) => {
          const expected = offset + i;
          if (m.queueOffset !== expected || m.queueId !== q || m.topic !== CRASH_TOPIC) {
            problem(`queue ${q}: position ${expected} holds ${m.topic}/${m.queueId}@${m.queueOffset}`);
          }
          const round = Number(m.properties.round);
          const n = Number(m.properties.n);
          if (!m.body.equals(crashBody(round, n)) || m.keys[0] !== crashKey(round, n)) {
            problem(`queue ${q}@${expected}: body or key is not what round ${round} wrote for n=${n}`);
          }
          if (seen.has(m.messageId)) problem(`message ${m.messageId} is stored twice`);
          seen.set(m.messageId, { queueId: q, queueOffset: m.queueOffset, round, n });
        });
        if (res.nextOffset !== offset + res.messages.length) problem(`queue ${q}: nextOffset ${res.nextOffset} after ${offset}`);
        offset = res.nextOffset;
      }
    }

    // Every acknowledged put is where its ack said, with its body.
    for (const ack of all) {
      const s = seen.get(ack.messageId);
      if (!s) {
        problem(`acknowledged ${ack.messageId} (round ${ack.round}, n=${ack.n}, ${ack.queueId}@${ack.queueOffset}) is missing`);
        continue;
      }
      if (s.queueId !== ack.queueId || s.queueOffset !== ack.queueOffset || s.round !== ack.round || s.n !== ack.n) {
        problem(`acknowledged ${ack.messageId} moved: ack ${ack.queueId}@${ack.queueOffset}, stored ${s.queueId}@${s.queueOffset}`);
      }
    }

    // By id and by (queue, offset), comparing the body hash the writer printed.
    for (const ack of byId) {
      try {
        const m = broker.getMessageById(ack.messageId);
        if (m.queueId !== ack.queueId || m.queueOffset !== ack.queueOffset || sha256(m.body) !== ack.bodySha) {
          problem(`getMessageById(${ack.messageId}) returned ${m.queueId}@${m.queueOffset} with another body`);
        }
        const page = broker.getMessages(CRASH_TOPIC, ack.queueId, ack.queueOffset, 1);
        const at = page.messages[0];
        if (!at || at.messageId !== ack.messageId || sha256(at.body) !== ack.bodySha) {
          problem(`getMessages(${ack.queueId}, ${ack.queueOffset}) does not return ${ack.messageId}`);
        }
      } catch (e) {
        problem(`lookup of ${ack.messageId} threw ${isBrokerError(e) ? e.code : ''} ${(e as Error).message}`);
      }
    }
    for (const ack of byId.slice(0, 50)) {
      const found = broker.queryByKey(CRASH_TOPIC, crashKey(ack.round, ack.n));
      if (found.length !== 1 || found[0]!.messageId !== ack.messageId) problem(`queryByKey(${crashKey(ack.round, ack.n)}) found ${found.length}`);
    }
  } finally {
    await broker.close();
  }
  expect(problems, `${context}: ${problemCount} problem(s), the first ${problems.length} listed`).toEqual([]);
  return { stored: seen.size };
}

describe('crash recovery (SIGKILL during concurrent sync puts)', () => {
  it(
    'keeps every acknowledged put and serves only whole, contiguous records after each kill',
    async () => {
      const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
      const random = rng(seed);
      const all: CrashAck[] = [];
      const delays: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const delay = 100 + Math.floor(random() * 500);
        delays.push(delay);
        const context = `round ${round}, kill after ${delay} ms (CRASH_SEED=${seed}, delays ${delays.join(',')})`;
        const run = await runWriter(round, delay);
        expect(run.sawReady, `${context}: writer never got ready: ${run.stderr}`).toBe(true);
        expect(run.signal, `${context}: writer was not killed (exit ${run.code}): ${run.stderr}`).toBe('SIGKILL');
        all.push(...run.acks);

        // Every ack of this round by id; a sample of the older ones (all of them at the end).
        const older = all.length - run.acks.length;
        const sample = round === ROUNDS ? all : [...run.acks, ...Array.from({ length: Math.min(300, older) }, () => all[Math.floor(random() * older)]!)];
        const { stored } = await verify(all, sample, context);
        expect(stored).toBeGreaterThanOrEqual(all.length);
      }
      // The test is only meaningful if the writer got work done before being killed.
      expect(all.length).toBeGreaterThan(ROUNDS * 10);
    },
    120_000,
  );
});
