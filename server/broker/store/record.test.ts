import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BrokerError, isBrokerError } from '../errors.ts';
import {
  BLANK_MAGIC,
  BLANK_SIZE,
  decodeRecord,
  encodeBlank,
  encodedSize,
  encodeRecord,
  FIXED_HEADER,
  MESSAGE_MAGIC,
  probeRecord,
  readStoreTimestamp,
  SysFlag,
  type RecordBody,
  type RecordPosition,
} from './record.ts';

function sampleBody(overrides: Partial<RecordBody> = {}): RecordBody {
  return {
    topic: 'shop%orders',
    queueId: 3,
    bornTimestamp: 1_700_000_000_123,
    sysFlag: 0,
    reconsumeTimes: 0,
    messageId: '01AABBCCDDEEFF0102030405060708090A',
    bornHost: 'host-1',
    tag: 'created',
    keys: ['order-1'],
    properties: { a: '1' },
    body: Buffer.from('{"id":1}'),
    ...overrides,
  };
}

const samplePos: RecordPosition = { queueOffset: 42, physicalOffset: 4096, storeTimestamp: 1_700_000_000_456 };

/** Encodes one record into a buffer of exactly its size (or at `at` inside a larger, pre-filled buffer). */
function encode(body: RecordBody, pos: RecordPosition = samplePos, pad = { before: 0, after: 0 }): { buf: Buffer; size: number } {
  const size = encodedSize(body);
  const buf = Buffer.alloc(pad.before + size + pad.after, 0xee);
  encodeRecord(body, pos, size, buf, pad.before);
  return { buf, size };
}

function expectCorrupt(fn: () => unknown): BrokerError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a CORRUPT_DATA BrokerError').toBeInstanceOf(BrokerError);
  expect(isBrokerError(caught, 'CORRUPT_DATA')).toBe(true);
  return caught as BrokerError;
}

function expectRoundTrip(body: RecordBody, pos: RecordPosition = samplePos): void {
  const { buf, size } = encode(body, pos);
  expect(probeRecord(buf, 0, buf.length)).toEqual({ kind: 'message', size });
  const d = decodeRecord(buf);
  expect(d.size).toBe(size);
  expect(d.topic).toBe(body.topic);
  expect(d.queueId).toBe(body.queueId);
  expect(d.sysFlag).toBe(body.sysFlag);
  expect(d.reconsumeTimes).toBe(body.reconsumeTimes);
  expect(d.bornTimestamp).toBe(body.bornTimestamp);
  expect(d.messageId).toBe(body.messageId);
  expect(d.bornHost).toBe(body.bornHost);
  expect(d.tag).toBe(body.tag);
  expect(d.keys).toEqual([...body.keys]);
  expect(d.properties).toEqual({ ...body.properties });
  expect(Buffer.compare(d.body, body.body)).toBe(0);
  expect(d.queueOffset).toBe(pos.queueOffset);
  expect(d.physicalOffset).toBe(pos.physicalOffset);
  expect(d.storeTimestamp).toBe(pos.storeTimestamp);
}

describe('record encode/decode', () => {
  it('round-trips a plain record and lays out the fixed header as documented', () => {
    const body = sampleBody();
    expectRoundTrip(body);
    const { buf, size } = encode(body);
    expect(buf.readUInt32LE(0)).toBe(size);
    expect(buf.readUInt32LE(4)).toBe(MESSAGE_MAGIC);
    expect(buf.readUInt32LE(12)).toBe(body.queueId);
    expect(readStoreTimestamp(buf)).toBe(samplePos.storeTimestamp);
    expect(size).toBeGreaterThan(FIXED_HEADER);
  });

  it('round-trips unicode in every string field, keys and properties', () => {
    expectRoundTrip(
      sampleBody({
        topic: 'ns%τοπικό-主题',
        messageId: 'id-😀-✓',
        bornHost: 'hôte-€',
        tag: '标签-🏷️',
        keys: ['订单-1', 'ключ', '🔑🔑', 'a'],
        properties: { 'ключ': 'значение', emoji: '🚀'.repeat(1000), 'κενό': '', 'mixed-字': 'a\u00e9\u4e2d\u{1f600}' },
        body: Buffer.from('héllo wörld — 你好 🌍'),
      }),
    );
  });

  it('round-trips an empty tag, no keys, no properties', () => {
    const body = sampleBody({ tag: '', keys: [], properties: {} });
    expectRoundTrip(body);
    expect(decodeRecord(encode(body).buf).tag).toBe('');
  });

  it('round-trips many keys and properties, and a property value longer than 64 KiB', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}-${'k'.repeat(i % 17)}`);
    const properties: Record<string, string> = {};
    for (let i = 0; i < 128; i++) properties[`p${i}`] = `v${i}`.repeat(i);
    properties.big = 'x'.repeat(70_000) + 'ü'.repeat(10_000);
    expectRoundTrip(sampleBody({ keys, properties }));
  });

  it('round-trips a large body (4 MiB of random bytes) and 64-bit positions beyond 2^32', () => {
    const body = sampleBody({ body: randomBytes(4 * 1024 * 1024) });
    expectRoundTrip(body, { queueOffset: 2 ** 40 + 7, physicalOffset: 2 ** 45 + 123, storeTimestamp: 2 ** 42 + 1 });
  });

  it('round-trips all header fields at their extremes', () => {
    expectRoundTrip(
      sampleBody({
        queueId: 0xffff_ffff,
        sysFlag: SysFlag.TRANSACTION_PREPARED,
        reconsumeTimes: 16,
        bornTimestamp: Number.MAX_SAFE_INTEGER,
        body: Buffer.from([0]),
      }),
      { queueOffset: Number.MAX_SAFE_INTEGER, physicalOffset: 0, storeTimestamp: 0 },
    );
  });

  it('encodes exactly encodedSize bytes at the given offset, leaving neighbours untouched', () => {
    const body = sampleBody({ tag: 'ü', keys: ['ключ'] });
    const { buf, size } = encode(body, samplePos, { before: 17, after: 23 });
    expect(buf.subarray(0, 17).every((b) => b === 0xee)).toBe(true);
    expect(buf.subarray(17 + size).every((b) => b === 0xee)).toBe(true);
    expect(probeRecord(buf, 17, buf.length - 17)).toEqual({ kind: 'message', size });
    const d = decodeRecord(buf, 17);
    expect(d.tag).toBe('ü');
    expect(d.keys).toEqual(['ключ']);
    expect(readStoreTimestamp(buf, 17)).toBe(samplePos.storeTimestamp);
  });

  it('decodes records laid back to back', () => {
    const bodies = [sampleBody({ tag: 'a' }), sampleBody({ tag: '', body: randomBytes(1000) }), sampleBody({ keys: ['z'] })];
    const sizes = bodies.map((b) => encodedSize(b));
    const buf = Buffer.alloc(sizes.reduce((a, b) => a + b, 0));
    let at = 0;
    bodies.forEach((b, i) => {
      encodeRecord(b, { ...samplePos, queueOffset: i, physicalOffset: at }, sizes[i]!, buf, at);
      at += sizes[i]!;
    });
    at = 0;
    bodies.forEach((b, i) => {
      expect(probeRecord(buf, at, buf.length - at)).toEqual({ kind: 'message', size: sizes[i] });
      const d = decodeRecord(buf, at);
      expect(d.queueOffset).toBe(i);
      expect(d.physicalOffset).toBe(at);
      expect(d.tag).toBe(b.tag);
      expect(Buffer.compare(d.body, b.body)).toBe(0);
      at += sizes[i]!;
    });
  });
});

describe('record corruption detection', () => {
  it('detects a flipped byte anywhere in the record', () => {
    const { buf, size } = encode(sampleBody({ keys: ['k1', 'k2'], properties: { p: 'v' }, body: Buffer.from('payload-payload') }));
    for (let i = 0; i < size; i++) {
      const copy = Buffer.from(buf);
      copy[i] = copy[i]! ^ 0xff;
      const probe = probeRecord(copy, 0, copy.length);
      expect(probe.kind, `flipped byte ${i}`).toBe('invalid');
      expectCorrupt(() => decodeRecord(copy));
    }
  });

  it('detects a single flipped bit in a large body', () => {
    const { buf } = encode(sampleBody({ body: randomBytes(256 * 1024) }));
    const copy = Buffer.from(buf);
    const i = copy.length - 1000;
    copy[i] = copy[i]! ^ 0x01;
    expect(probeRecord(copy, 0, copy.length)).toEqual({ kind: 'invalid', reason: 'crc mismatch' });
    const err = expectCorrupt(() => decodeRecord(copy));
    expect(err.message).toMatch(/corrupt/i);
  });

  it('treats a record cut short as invalid', () => {
    const { buf, size } = encode(sampleBody());
    expect(probeRecord(buf, 0, size - 1).kind).toBe('invalid');
    expectCorrupt(() => decodeRecord(buf.subarray(0, size - 1)));
    expectCorrupt(() => decodeRecord(buf.subarray(0, FIXED_HEADER)));
    expect(probeRecord(buf, 0, BLANK_SIZE - 1)).toMatchObject({ kind: 'invalid' });
  });

  it('treats zeroed or garbage bytes as invalid, never as a message', () => {
    const zeros = Buffer.alloc(256);
    expect(probeRecord(zeros, 0, zeros.length)).toMatchObject({ kind: 'invalid' });
    expectCorrupt(() => decodeRecord(zeros));
    const garbage = Buffer.alloc(1024, 0x5a);
    expect(probeRecord(garbage, 0, garbage.length)).toMatchObject({ kind: 'invalid' });
    // A plausible header (right magic, sane size) with random content must still fail the CRC.
    const forged = randomBytes(512);
    forged.writeUInt32LE(300, 0);
    forged.writeUInt32LE(MESSAGE_MAGIC, 4);
    expect(probeRecord(forged, 0, forged.length)).toMatchObject({ kind: 'invalid' });
    expectCorrupt(() => decodeRecord(forged));
  });

  it('rejects sizes smaller than the fixed header', () => {
    const { buf } = encode(sampleBody());
    const copy = Buffer.from(buf);
    copy.writeUInt32LE(FIXED_HEADER - 1, 0);
    expect(probeRecord(copy, 0, copy.length)).toMatchObject({ kind: 'invalid' });
    copy.writeUInt32LE(0, 0);
    expect(probeRecord(copy, 0, copy.length)).toMatchObject({ kind: 'invalid' });
  });
});

describe('blank marker', () => {
  it('is recognised as blank, and never decoded as a message', () => {
    const buf = Buffer.alloc(64, 0xab);
    encodeBlank(buf, 16, 48);
    expect(buf.readUInt32LE(16)).toBe(48);
    expect(buf.readUInt32LE(20)).toBe(BLANK_MAGIC);
    expect(probeRecord(buf, 16, buf.length - 16)).toEqual({ kind: 'blank' });
    // Only the 8-byte marker is needed: a segment's tail is not filled.
    expect(probeRecord(buf, 16, BLANK_SIZE)).toEqual({ kind: 'blank' });
    expectCorrupt(() => decodeRecord(buf, 16));
    // Bytes around it are untouched.
    expect(buf.subarray(0, 16).every((b) => b === 0xab)).toBe(true);
    expect(buf.subarray(24).every((b) => b === 0xab)).toBe(true);
  });

  it('is distinguishable from a message right after it', () => {
    const { buf: rec, size } = encode(sampleBody());
    const buf = Buffer.alloc(size + BLANK_SIZE);
    rec.copy(buf, 0);
    encodeBlank(buf, size, 1000);
    expect(probeRecord(buf, 0, buf.length)).toEqual({ kind: 'message', size });
    expect(probeRecord(buf, size, BLANK_SIZE)).toEqual({ kind: 'blank' });
  });
});
