import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { crc32 } from '@node-rs/crc32';
import { Broker } from '../../server/broker/index.ts';
import type { FlushMode } from '../../server/broker/index.ts';
import { latencySummaryUs, mbPerSec, rate } from './stats.ts';

const BODY = Buffer.alloc(1024, 97);

export interface StoreBenchOptions {
  dir: string;
  quick: boolean;
}

type Line = Record<string, unknown>;

async function fresh(dir: string, flush: FlushMode): Promise<Broker> {
  fs.rmSync(dir, { recursive: true, force: true });
  const broker = await Broker.open({ dataDir: dir, flush });
  broker.createTopic({ name: 'bench', queueNums: 8 });
  return broker;
}

/** `producers` concurrent loops, each awaiting its put before the next, until `total` puts are done. */
async function putBench(dir: string, flush: FlushMode, producers: number, total: number): Promise<Line> {
  const broker = await fresh(dir, flush);
  const samples: number[] = [];
  let issued = 0;
  // Event-loop delay while the producers run (issue 12, tail latency): what a checkpoint or trace flush
  // doing blocking I/O on the main thread would show up in.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (issued < total) {
        issued++;
        const t0 = process.hrtime.bigint();
        await broker.put({ topic: 'bench', body: BODY });
        samples.push(Number(process.hrtime.bigint() - t0));
      }
    }),
  );
  const ms = performance.now() - started;
  loopDelay.disable();
  await broker.close();
  return {
    bench: 'store.put',
    flush,
    producers,
    messages: total,
    msgPerSec: rate(total, ms),
    mbPerSec: mbPerSec(total * BODY.length, ms),
    ...latencySummaryUs(samples),
    eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e4) / 100,
    eventLoopDelayMaxMs: Math.round(loopDelay.max / 1e4) / 100,
  };
}

/** The physical ceiling of the sync case: append 64 KiB blocks with an fdatasync after each. */
function diskRaw(dir: string, seconds: number): Line {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'disk-raw.bin');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  let blocks = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    fs.writeSync(fd, block);
    fs.fdatasyncSync(fd);
    blocks++;
  }
  const ms = performance.now() - started;
  fs.closeSync(fd);
  fs.rmSync(file);
  return { bench: 'disk.raw', blockKiB: 64, msgPerSec: rate(blocks * 64, ms), mbPerSec: mbPerSec(blocks * block.length, ms) };
}

/**
 * One record appended and fdatasynced at a time, the sync in the pool as the broker runs it: the wall time
 * and the process CPU (user + sys) a lone durable send cannot avoid, whatever the broker does around it.
 */
async function diskSync(dir: string, recordSize: number, count: number): Promise<Line> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'disk-sync.bin');
  const fd = fs.openSync(file, 'w');
  const record = Buffer.alloc(recordSize, 1);
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    fs.writeSync(fd, record);
    await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())));
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  const used = process.cpuUsage(cpu);
  fs.closeSync(fd);
  fs.rmSync(file);
  const { p50Us, p99Us, p999Us } = latencySummaryUs(samples);
  return { bench: 'disk.fdatasync', recordBytes: recordSize, syncs: count, p50Us, p99Us, p999Us, cpuUsPerSync: Math.round((used.user + used.system) / count) };
}

/** Bytes one benchmark put takes in the commit log (header, properties, body), measured on a scratch store. */
async function recordBytes(dir: string): Promise<number> {
  const broker = await fresh(dir, 'async');
  const before = broker.commitLogMaxOffset;
  await broker.put({ topic: 'bench', body: BODY });
  const bytes = broker.commitLogMaxOffset - before;
  await broker.close();
  return bytes;
}

/**
 * The ceiling of the async case: the same record bytes appended with buffered writes (no fsync), 64 records
 * per write as the 64-producer group commit batches them. Async put is judged as a fraction of this.
 */
function diskRawBuffered(dir: string, recordSize: number, total: number): Line {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'disk-raw-buffered.bin');
  const fd = fs.openSync(file, 'w');
  const batch = Buffer.alloc(recordSize * 64, 1);
  const started = performance.now();
  for (let written = 0; written < total; written += 64) fs.writeSync(fd, batch);
  const ms = performance.now() - started;
  fs.closeSync(fd);
  fs.rmSync(file);
  return { bench: 'disk.raw.buffered', recordBytes: recordSize, messages: total, msgPerSec: rate(total, ms), mbPerSec: mbPerSec(total * recordSize, ms) };
}

/**
 * What any put in Node must do, and nothing else: `producers` loops each awaiting a promise per record, a
 * setImmediate group commit that copies each record into one batch buffer, CRCs it, and appends the batch
 * with one write (and, sync, one fdatasync in the pool). No queue, index or validation: the engine's
 * async and sync puts are judged against this too, which tells the runtime's share of the gap to the raw
 * loops from the engine's own.
 */
async function putFloor(dir: string, flush: FlushMode, recordSize: number, producers: number, total: number): Promise<Line> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'put-floor.bin');
  const fd = fs.openSync(file, 'w');
  const record = Buffer.alloc(recordSize, 97);
  let batch = Buffer.alloc(recordSize * producers);
  let queued: { body: Buffer; resolve: () => void }[] = [];
  const commit = async () => {
    while (queued.length > 0) {
      const jobs = queued;
      queued = [];
      if (batch.length < jobs.length * recordSize) batch = Buffer.alloc(jobs.length * recordSize);
      let at = 0;
      for (const job of jobs) {
        batch.set(job.body, at);
        batch.writeUInt32LE(crc32(batch.subarray(at + 12, at + recordSize)), at + 8);
        at += recordSize;
      }
      fs.writeSync(fd, batch, 0, at);
      if (flush === 'sync') await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())));
      for (const job of jobs) job.resolve();
    }
    committing = false;
  };
  let committing = false;
  const put = (body: Buffer) =>
    new Promise<void>((resolve) => {
      queued.push({ body, resolve });
      if (!committing) {
        committing = true;
        setImmediate(() => void commit());
      }
    });
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: producers }, async () => {
      while (issued++ < total) await put(Buffer.from(record));
    }),
  );
  const ms = performance.now() - started;
  fs.closeSync(fd);
  fs.rmSync(file);
  return { bench: 'store.put.floor', flush, producers, recordBytes: recordSize, messages: total, msgPerSec: rate(total, ms) };
}

/** Sequential read of every queue by logical offset in batches of 32. */
async function readBench(dir: string, total: number): Promise<Line> {
  const broker = await fresh(dir, 'async');
  const puts = [];
  for (let i = 0; i < total; i++) puts.push(broker.put({ topic: 'bench', body: BODY }));
  await Promise.all(puts);
  let read = 0;
  const started = performance.now();
  for (let q = 0; q < 8; q++) {
    let offset = 0;
    for (;;) {
      const res = broker.getMessages('bench', q, offset, 32);
      if (res.messages.length === 0) break;
      read += res.messages.length;
      offset = res.nextOffset;
    }
  }
  const ms = performance.now() - started;
  await broker.close();
  return { bench: 'store.read', batch: 32, messages: read, msgPerSec: rate(read, ms), mbPerSec: mbPerSec(read * BODY.length, ms) };
}

/** Fills a store in a child, kills it with SIGKILL, and times the reopen. */
async function fillAndKill(dir: string, count: number): Promise<string[]> {
  fs.rmSync(dir, { recursive: true, force: true });
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'store-fill.ts'), dir, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const report = await new Promise<{ sampleIds: string[] }>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // The child's stdout also carries the engine's JSON log lines: the report is the line with `filled`.
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = JSON.parse(out.slice(0, nl)) as { filled?: number; sampleIds?: string[] };
        out = out.slice(nl + 1);
        if (line.filled !== undefined && line.sampleIds) resolve({ sampleIds: line.sampleIds });
      }
    });
    child.on('exit', (code) => reject(new Error(`fill process exited early (${code})`)));
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return report.sampleIds;
}

function lookupBench(broker: Broker, by: 'key' | 'id', stored: number, ids: string[], n: number): Line {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    if (by === 'id') {
      broker.getMessageById(ids[(i * 7919) % ids.length]!);
    } else {
      const found = broker.queryByKey('bench-lookup', `key-${(i * 7919) % stored}`, { limit: 1 });
      if (found.length !== 1) throw new Error('key lookup missed');
    }
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  const { p50Us, p99Us, p999Us } = latencySummaryUs(samples);
  return { bench: 'store.lookup', by, stored, lookups: n, p50Us, p99Us, p999Us };
}

/** a's msg/s as a fraction of b's, two decimals. */
function ratio(a: Line, b: Line): number {
  return Math.round((Number(a.msgPerSec) / Number(b.msgPerSec)) * 100) / 100;
}

export async function runStoreBench(opts: StoreBenchOptions, emit: (line: Line) => void): Promise<void> {
  const q = opts.quick;
  const dir = (name: string) => path.join(opts.dir, name);
  emit(await putBench(dir('put'), 'async', 1, q ? 50_000 : 300_000));
  const recordSize = await recordBytes(dir('record'));
  const async64 = await putBench(dir('put'), 'async', 64, q ? 100_000 : 600_000);
  const asyncFloor = await putFloor(dir('raw'), 'async', recordSize, 64, q ? 100_000 : 600_000);
  const buffered = diskRawBuffered(dir('raw'), recordSize, q ? 100_000 : 600_000);
  emit(buffered);
  emit({ ...asyncFloor, ofDiskRawBuffered: ratio(asyncFloor, buffered) });
  emit({ ...async64, ofDiskRawBuffered: ratio(async64, buffered), ofFloor: ratio(async64, asyncFloor) });
  const raw = diskRaw(dir('raw'), q ? 2 : 5);
  const sync = await putBench(dir('put'), 'sync', 64, q ? 20_000 : 100_000);
  const syncFloor = await putFloor(dir('raw'), 'sync', recordSize, 64, q ? 20_000 : 100_000);
  emit(raw);
  emit({ ...syncFloor, ofDiskRaw: ratio(syncFloor, raw) });
  emit({ ...sync, ofDiskRaw: ratio(sync, raw), ofFloor: ratio(sync, syncFloor) });
  // The disk's own tail for one durable record at a time, beside the lone sender's below.
  emit(await diskSync(dir('raw'), recordSize, q ? 3_000 : 10_000));
  // A lone durable sender (issue 12's tail target: p99 <= 3x p50, p99.9 < 10 ms): long enough to span
  // several 1 s checkpoints, whose disk work is what shows up in its tail.
  const lone = await putBench(dir('put'), 'sync', 1, q ? 8_000 : 30_000);
  emit({ ...lone, p99OverP50: Math.round((Number(lone.p99Us) / Number(lone.p50Us)) * 100) / 100 });
  emit(await readBench(dir('read'), q ? 50_000 : 300_000));
  const stored = q ? 100_000 : 1_000_000;
  const ids = await fillAndKill(dir('lookup'), stored);
  const broker = await Broker.open({ dataDir: dir('lookup') });
  emit({ bench: 'store.recovery', stored, ms: Math.round(broker.recovery.ms), replayed: broker.recovery.replayed });
  const n = q ? 20_000 : 100_000;
  emit(lookupBench(broker, 'key', stored, ids, n));
  emit(lookupBench(broker, 'id', stored, ids, n));
  await broker.close();
  // Worst case: no checkpoint at all, so every consume queue entry is rebuilt from the commit log.
  fs.rmSync(path.join(dir('lookup'), 'store', 'checkpoint.json'));
  const full = await Broker.open({ dataDir: dir('lookup') });
  emit({ bench: 'store.recovery.full', stored, ms: Math.round(full.recovery.ms), replayed: full.recovery.replayed });
  await full.close();
  fs.rmSync(opts.dir, { recursive: true, force: true });
}
