import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Broker } from '../broker.ts';
import { logger } from '../logger.ts';
import { resolveOptions, type BrokerOptions } from '../options.ts';
import { SystemProperty } from '../properties.ts';
import { MessageStore } from '../store/message-store.ts';
import { closeTestBrokers, openTestBroker } from '../test-support.ts';
import type { TraceEvent } from './events.ts';
import { CHUNK_FORMAT, decodeChunk, encodeChunks, MAX_CHUNK_EVENTS } from './format.ts';
import { openTraceStore, TRACE_TOPIC, TraceRecorder } from './recorder.ts';

const HOUR = 3_600_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0).reverse()) await c();
  await closeTestBrokers();
});

/** A recorder on its own stores (no broker), so a test can look at what it wrote. */
function openRecorder(retentionMs = HOUR) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-recorder-'));
  const opts = resolveOptions({ dataDir: dir, segmentSize: 1 << 20, maxMessageSize: 64 << 10, indexSlots: 4096, indexEntries: 16_384 });
  const { store } = MessageStore.open({ dir: path.join(dir, 'store'), ...opts });
  const traceStore = openTraceStore(opts);
  const recorder = new TraceRecorder({ traceStore, store, retentionMs });
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  cleanups.push(async () => {
    await recorder.close();
    await store.close();
  });
  return { recorder, traceStore };
}

const full: TraceEvent = {
  messageId: 'M1',
  step: 'DELIVERED',
  at: 1_700_000_000_123,
  topic: 'ns%orders',
  queueId: 3,
  offset: 42,
  group: 'ns%billing',
  clientId: 'client@1',
  attempt: 2,
  detail: 'retry in 1000 ms',
  relatedMessageId: 'M0',
  host: '10.0.0.1',
  sdk: 'JAVA 5.0.7',
  latencyMs: 0,
  status: 'OK',
  outcome: 'ACKED',
};

describe('trace chunk format', () => {
  it('round-trips every field, and keeps events of other messages out of a lookup', () => {
    const other: TraceEvent = { messageId: 'M2', step: 'ACKED', at: full.at - 5, group: 'ns%billing' };
    const [chunk, ...rest] = encodeChunks([full, other, { messageId: 'M1', step: 'TRACE_SHED', at: full.at + 1 }]);
    expect(rest).toEqual([]);
    expect(chunk!.ids).toEqual(['M1', 'M2']);
    expect(JSON.parse(chunk!.body.toString())[0]).toBe(CHUNK_FORMAT);
    expect(decodeChunk(chunk!.body, chunk!.ids, 'M1')).toEqual([full, { messageId: 'M1', step: 'TRACE_SHED', at: full.at + 1 }]);
    expect(decodeChunk(chunk!.body, chunk!.ids, 'M2')).toEqual([other]);
    expect(decodeChunk(chunk!.body, chunk!.ids, 'M3')).toEqual([]);
  });

  it('is a fraction of the size of one JSON object per event', () => {
    const events = Array.from({ length: 200 }, (_, i): TraceEvent => ({ ...full, messageId: `M${i}`, at: full.at + i }));
    const [chunk] = encodeChunks(events);
    const json = events.reduce((n, e) => n + JSON.stringify(e).length, 0);
    expect(chunk!.body.length).toBeLessThan(json / 4);
  });

  it(`cuts chunks at ${MAX_CHUNK_EVENTS} events and at its byte bound, and cuts overlong strings`, () => {
    const many = Array.from({ length: MAX_CHUNK_EVENTS + 10 }, (_, i): TraceEvent => ({ messageId: 'M', step: 'ACKED', at: i }));
    expect(encodeChunks(many).map((c) => decodeChunk(c.body, c.ids, 'M').length)).toEqual([MAX_CHUNK_EVENTS, 10]);
    const long = Array.from({ length: 100 }, (_, i): TraceEvent => ({ messageId: 'M', step: 'NACKED', at: i, detail: `${i}`.padEnd(5000, 'x') }));
    const chunks = encodeChunks(long);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...chunks.map((c) => c.body.length))).toBeLessThan(48 * 1024);
    const back = chunks.flatMap((c) => decodeChunk(c.body, c.ids, 'M'));
    expect(back).toHaveLength(100);
    expect(back[7]!.detail).toBe(`7${'x'.repeat(1023)}…`);
  });

  it('reads nothing from a chunk of an unknown format or a damaged one', () => {
    expect(decodeChunk(Buffer.from(JSON.stringify([CHUNK_FORMAT + 1, 0, [], [[0, 0, 0]]])), ['M'], 'M')).toEqual([]);
    expect(decodeChunk(Buffer.from('{not json'), ['M'], 'M')).toEqual([]);
  });
});

describe('trace recorder', () => {
  it('writes a batch as few records keyed by the distinct message ids, found by id', async () => {
    const { recorder, traceStore } = openRecorder();
    const now = Date.now();
    for (let i = 0; i < 600; i++) recorder.record({ messageId: `M${i % 300}`, step: i < 300 ? 'DELIVERED' : 'ACKED', group: 'g', at: now + i });
    await recorder.flush();
    // 600 events: chunks of 256, 256 and 88, one record each.
    expect(traceStore.maxOffset(TRACE_TOPIC, 0)).toBe(3);
    const chunk = traceStore.getMessages(TRACE_TOPIC, 0, 0, 1).messages[0]!;
    expect(chunk.keys).toHaveLength(256);
    expect(new Set(chunk.keys).size).toBe(256);
    expect((await recorder.events('M7')).map((e) => [e.step, e.at - now])).toEqual([
      ['DELIVERED', 7],
      ['ACKED', 307],
    ]);
  });

  it('leaves events older than the trace retention out of a trace', async () => {
    const { recorder } = openRecorder(HOUR);
    const now = Date.now();
    recorder.record({ messageId: 'M', step: 'DELIVERED', at: now - 2 * HOUR });
    recorder.record({ messageId: 'M', step: 'ACKED', at: now - HOUR / 2 });
    expect((await recorder.events('M')).map((e) => e.step)).toEqual(['ACKED']);
  });

  it('when the buffer is full, counts what it sheds and marks each affected trace at the next flush', async () => {
    const { recorder } = openRecorder();
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const at = Date.now();
    // The first 2,048 start a write at once; the next 10,000 fill the buffer behind it.
    for (let i = 0; i < 12_048; i++) recorder.record({ messageId: `F${i}`, step: 'DELIVERED', at });
    for (let i = 0; i < 3; i++) recorder.record({ messageId: 'X', step: 'NACKED', at: at + i });
    recorder.record({ messageId: 'F1', step: 'ACKED', at: at + 5 });
    expect(recorder.shedCount).toBe(4);
    expect(await recorder.events('X')).toEqual([{ messageId: 'X', step: 'TRACE_SHED', at, detail: '3 trace events dropped: the trace buffer was full' }]);
    expect((await recorder.events('F1')).map((e) => [e.step, e.detail])).toEqual([
      ['DELIVERED', undefined],
      ['TRACE_SHED', '1 trace event dropped: the trace buffer was full'],
    ]);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'trace.shed', dropped: 4, messages: 2 }), 'trace buffer full: events dropped');
    // Written once: the next flush has nothing left to mark.
    await recorder.flush();
    expect(await recorder.events('X')).toHaveLength(1);
  });

  it('when a trace write fails, counts the events it lost and marks each affected trace on a later flush', async () => {
    const { recorder, traceStore } = openRecorder();
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const put = vi.spyOn(traceStore, 'put').mockRejectedValueOnce(new Error('disk full'));
    const at = Date.now();
    recorder.record({ messageId: 'W', step: 'DELIVERED', at: at + 1 });
    recorder.record({ messageId: 'W', step: 'ACKED', at: at + 2 });
    recorder.record({ messageId: 'Y', step: 'ACKED', at: at + 3 });
    await recorder.flush();
    expect(put).toHaveBeenCalledTimes(1);
    expect(recorder.writeDroppedCount).toBe(3);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'trace.write_failed', err: 'disk full', dropped: 3, messages: 2 }), 'trace events dropped');
    expect(await recorder.events('W')).toEqual([{ messageId: 'W', step: 'TRACE_SHED', at: at + 1, detail: '2 trace events dropped: a trace write failed' }]);
    expect(await recorder.events('Y')).toEqual([{ messageId: 'Y', step: 'TRACE_SHED', at: at + 3, detail: '1 trace event dropped: a trace write failed' }]);
    expect(recorder.shedCount).toBe(0);
  });

  it('tries a shed marker again when the write that carried it fails', async () => {
    const { recorder, traceStore } = openRecorder();
    vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    // Both the early write of the first 2,048 and the flush that carries X's marker fail.
    vi.spyOn(traceStore, 'put').mockRejectedValueOnce(new Error('disk full')).mockRejectedValueOnce(new Error('disk full'));
    const at = Date.now();
    for (let i = 0; i < 12_048; i++) recorder.record({ messageId: `F${i % 2}`, step: 'DELIVERED', at });
    recorder.record({ messageId: 'X', step: 'NACKED', at: at + 1 });
    await recorder.flush(); // the early write, under way
    await recorder.flush();
    expect([recorder.shedCount, recorder.writeDroppedCount]).toEqual([1, 12_048]);
    expect(await recorder.events('X')).toEqual([{ messageId: 'X', step: 'TRACE_SHED', at: at + 1, detail: '1 trace event dropped: the trace buffer was full' }]);
    expect((await recorder.events('F0')).map((e) => e.detail)).toEqual(['6024 trace events dropped: a trace write failed']);
  });

  it('emits no spans while no OpenTelemetry SDK is registered', () => {
    expect(openRecorder().recorder.emitsPutSpans).toBe(false);
  });
});

/** A broker on a temp dir the test can look into. */
async function openBroker(options: Omit<BrokerOptions, 'dataDir'>): Promise<{ b: Broker; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-trace-broker-'));
  const b = await Broker.open({ segmentSize: 1 << 20, maxMessageSize: 64 << 10, ...options, dataDir: dir });
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => b.close());
  return { b, dir };
}

describe('trace in the broker', () => {
  it('derives PRODUCED (client, SDK, latency) and STORED from the stored record, with one short property', async () => {
    const b = await openTestBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    const receivedAt = Date.now() - 3;
    const sent = await b.put({ topic: 't', body: 'x', bornHost: '10.1.1.1', bornTimestamp: receivedAt - 20, producer: { clientId: 'c|1', sdk: 'JAVA 5.0.7', receivedAt } });
    const m = b.getMessageById(sent.messageId);
    expect(m.properties[SystemProperty.PRODUCER]).toBe('20|JAVA 5.0.7|c|1');
    const [produced, stored] = await b.traceOf(sent.messageId);
    expect(produced).toEqual({
      messageId: sent.messageId,
      step: 'PRODUCED',
      at: receivedAt,
      bornAt: receivedAt - 20,
      topic: 't',
      host: '10.1.1.1',
      clientId: 'c|1',
      sdk: 'JAVA 5.0.7',
      latencyMs: m.storeTimestamp - receivedAt,
      status: 'OK',
    });
    expect(stored).toEqual({ messageId: sent.messageId, step: 'STORED', at: m.storeTimestamp, topic: 't', queueId: 0, offset: sent.queueOffset });
  });

  it('places PRODUCED no later than STORED when the client’s clock runs ahead, keeping its born time', async () => {
    const b = await openTestBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    b.createGroup({ name: 'g' });
    const bornTimestamp = Date.now() + 60_000;
    const sent = await b.put({ topic: 't', body: 'x', bornTimestamp });
    const m = b.getMessageById(sent.messageId);
    const [r] = await b.receive({ group: 'g', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 0, clientId: 'c1' });
    expect(r!.message.messageId).toBe(sent.messageId);
    const trace = await b.traceOf(sent.messageId);
    expect(trace.map((e) => e.step)).toEqual(['PRODUCED', 'STORED', 'DELIVERED']);
    expect(trace[0]).toMatchObject({ at: m.storeTimestamp, bornAt: bornTimestamp });
  });

  it('names an OpenTelemetry trace id only for a producer’s trace context while no spans are emitted', async () => {
    const b = await openTestBroker();
    b.createTopic({ name: 't' });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const traced = await b.put({ topic: 't', body: 'x', traceContext: `00-${traceId}-b7ad6b7169203331-01` });
    const untraced = await b.put({ topic: 't', body: 'y' });
    expect(b.otelTraceId(traced.messageId)).toBe(traceId);
    // Its id-derived trace would exist nowhere: nothing exports spans.
    expect(b.otelTraceId(untraced.messageId)).toBeUndefined();
  });

  it('refuses a trace retention longer than the message retention', () => {
    expect(() => resolveOptions({ dataDir: 'unused', retentionHours: 24, traceRetentionHours: 48 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('a trace outliving its message could only be found by id') }),
    );
    expect(resolveOptions({ dataDir: 'unused', retentionHours: 24 }).traceRetentionHours).toBe(24);
  });

  it('shows lost trace events in the broker counters', async () => {
    const b = await openTestBroker();
    expect(b.counters).toMatchObject({ traceShed: 0, traceWriteDropped: 0 });
  });

  it('records a failed send under the id the client gave, with its status', async () => {
    const b = await openTestBroker();
    b.traceFailedSend({ messageId: 'BAD1', topic: 't', status: 'ILLEGAL_MESSAGE_TAG', detail: 'Tag is invalid', producer: { clientId: 'c1', sdk: 'GO 5.1.0', receivedAt: Date.now() } });
    const [failed, ...rest] = await b.traceOf('BAD1');
    expect(rest).toEqual([]);
    expect(failed).toMatchObject({ step: 'PRODUCE_FAILED', status: 'ILLEGAL_MESSAGE_TAG', detail: 'Tag is invalid', topic: 't', clientId: 'c1', sdk: 'GO 5.1.0' });
  });

  it('keeps trace events in a store of their own, deleted by the trace retention', async () => {
    const { b, dir: dataDir } = await openBroker({ segmentSize: 128 << 10, retentionHours: 72, traceRetentionHours: 1 });
    b.createTopic({ name: 't', queueNums: 1 });
    const sent = await b.put({ topic: 't', body: 'kept' });
    // ~1 KiB details fill several 128 KiB trace segments.
    for (let i = 0; i < 600; i++) b.traceFailedSend({ messageId: `OLD${i}`, status: 'X', detail: `${i}`.padEnd(1000, '.') });
    await b.traceOf('OLD0');
    const dir = path.join(dataDir, 'trace', 'commitlog');
    const segments = fs.readdirSync(dir).sort();
    expect(segments.length).toBeGreaterThan(2);
    const past = new Date(Date.now() - 2 * HOUR);
    for (const f of segments.slice(0, -1)) fs.utimesSync(path.join(dir, f), past, past);

    await b.runRetention();
    expect(fs.readdirSync(dir)).toEqual(segments.slice(-1));
    expect(await b.traceOf('OLD0')).toEqual([]);
    expect(await b.traceOf('OLD599')).toHaveLength(1);
    expect((await b.traceOf(sent.messageId)).map((e) => e.step)).toEqual(['PRODUCED', 'STORED']);
  });

  it('with trace off records nothing and stores no producer property; the trace still shows the send', async () => {
    const { b, dir } = await openBroker({ trace: false });
    b.createTopic({ name: 't', queueNums: 1 });
    b.createGroup({ name: 'g' });
    const sent = await b.put({ topic: 't', body: 'x', producer: { clientId: 'c1', receivedAt: Date.now() } });
    const [r] = await b.receive({ group: 'g', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 0, clientId: 'c1' });
    b.ack('g', 't', r!.receiptHandle);
    expect(b.getMessageById(sent.messageId).properties[SystemProperty.PRODUCER]).toBeUndefined();
    expect((await b.traceOf(sent.messageId)).map((e) => e.step)).toEqual(['PRODUCED', 'STORED']);
    expect(fs.existsSync(path.join(dir, 'trace'))).toBe(false);
  });

  it('opens a data directory of the previous version, whose trace events sat in the message store', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-old-trace-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const opts = resolveOptions({ dataDir: dir, segmentSize: 1 << 20, maxMessageSize: 64 << 10 });
    const { store } = MessageStore.open({ dir: path.join(dir, 'store'), ...opts });
    const old = { messageId: 'OLD', step: 'DELIVERED', at: Date.now(), group: 'g' };
    await store.put([{ topic: TRACE_TOPIC, generation: 0, queueId: 0, messageId: 'T1', body: Buffer.from(JSON.stringify(old)), tag: 'DELIVERED', keys: ['OLD'], properties: {}, bornTimestamp: old.at, bornHost: '', sysFlag: 0, reconsumeTimes: 0 }]);
    await store.close();

    const b = await Broker.open({ dataDir: dir, segmentSize: 1 << 20, maxMessageSize: 64 << 10 });
    cleanups.push(() => b.close());
    expect(await b.traceOf('OLD')).toEqual([]);
    b.createTopic({ name: 't' });
    const sent = await b.put({ topic: 't', body: 'new' });
    expect((await b.traceOf(sent.messageId)).map((e) => e.step)).toEqual(['PRODUCED', 'STORED']);
  });
});
