/**
 * Child process of memory.test.ts: writes `totalMb` MiB of `messageKb` KiB messages (flush async), then reads
 * everything back sequentially by offset, sampling RSS (after a GC) every 100 MiB; prints one JSON line.
 *
 *   node --expose-gc --import tsx memory-writer.fixture.ts <dataDir> <totalMb> <messageKb>
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Broker } from '../index.ts';

export const MEMORY_TOPIC = 'memory';
export const MEMORY_QUEUES = 4;
const MB = 1024 * 1024;
const SAMPLE_EVERY = 100 * MB;
const IN_FLIGHT = 8;

export interface MemorySample {
  phase: 'write' | 'read';
  /** Bytes of bodies written (or read) so far. */
  bytes: number;
  rss: number;
  heapUsed: number;
  external: number;
}

export interface MemoryReport {
  written: number;
  read: number;
  mismatches: number;
  samples: MemorySample[];
}

/** Body `i`: its index in the first 4 bytes, then a byte derived from it. */
export function memoryBody(i: number, size: number): Buffer {
  const body = Buffer.alloc(size, i & 0xff);
  body.writeUInt32LE(i, 0);
  return body;
}

function sample(phase: MemorySample['phase'], bytes: number): MemorySample {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { phase, bytes, rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

async function main(): Promise<void> {
  const [dataDir, totalMbArg, messageKbArg] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: memory-writer.fixture.ts <dataDir> <totalMb> <messageKb>');
  const size = Number(messageKbArg ?? 64) * 1024;
  const count = Math.floor((Number(totalMbArg ?? 600) * MB) / size);
  setTimeout(() => process.exit(2), 120_000).unref();

  const broker = await Broker.open({ dataDir, flush: 'async', segmentSize: 64 * MB });
  broker.createTopic({ name: MEMORY_TOPIC, queueNums: MEMORY_QUEUES });
  const samples: MemorySample[] = [];

  let next = 0;
  let writtenBytes = 0;
  let nextSample = SAMPLE_EVERY;
  const writer = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await broker.put({ topic: MEMORY_TOPIC, body: memoryBody(i, size), queueId: i % MEMORY_QUEUES });
      writtenBytes += size;
      if (writtenBytes >= nextSample) {
        samples.push(sample('write', writtenBytes));
        nextSample += SAMPLE_EVERY;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => writer()));

  let read = 0;
  let readBytes = 0;
  let mismatches = 0;
  nextSample = SAMPLE_EVERY;
  for (let q = 0; q < MEMORY_QUEUES; q++) {
    const max = broker.maxOffset(MEMORY_TOPIC, q);
    let offset = broker.minOffset(MEMORY_TOPIC, q);
    while (offset < max) {
      const res = broker.getMessages(MEMORY_TOPIC, q, offset, 32);
      for (const m of res.messages) {
        const i = m.body.readUInt32LE(0);
        if (m.body.length !== size || i % MEMORY_QUEUES !== q || Math.floor(i / MEMORY_QUEUES) !== m.queueOffset || m.body[size - 1] !== (i & 0xff)) {
          mismatches++;
        }
        read++;
        readBytes += m.body.length;
        if (readBytes >= nextSample) {
          samples.push(sample('read', readBytes));
          nextSample += SAMPLE_EVERY;
        }
      }
      if (res.messages.length === 0) break;
      offset = res.nextOffset;
    }
  }
  await broker.close();
  const report: MemoryReport = { written: count, read, mismatches, samples };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

const invokedAs = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (invokedAs === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`memory-writer failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
