import { crc32 } from '@node-rs/crc32';
import { BrokerError, invariant } from '../errors.ts';
import { readU64, setU64 } from './bytes.ts';

/**
 * One commit-log record. Layout (little endian):
 *   0 totalSize u32 | 4 magic u32 | 8 crc32 u32 (over bytes 12..totalSize)
 *  12 queueId u32 | 16 sysFlag u32 | 20 queueOffset u64 | 28 physicalOffset u64
 *  36 bornTimestamp u64 | 44 storeTimestamp u64 | 52 reconsumeTimes u32
 *  56 topic, msgId, bornHost, tag (u16 length + utf8 each), keys (u16 count + strings),
 *     properties (u16 count + key/value strings, values u32-length), body (u32 length + bytes)
 */
export const MESSAGE_MAGIC = 0xaabbccdd;
/** Marks the unused tail of a segment: readers jump to the next segment. */
export const BLANK_MAGIC = 0xcbd43194;
export const FIXED_HEADER = 56;
export const BLANK_SIZE = 8;

export const SysFlag = {
  /** A transactional half message, invisible until committed. */
  TRANSACTION_PREPARED: 1 << 0,
} as const;

/** The parts of a record known before it is laid out in the log. */
export interface RecordBody {
  topic: string;
  queueId: number;
  bornTimestamp: number;
  sysFlag: number;
  reconsumeTimes: number;
  messageId: string;
  bornHost: string;
  tag: string;
  keys: readonly string[];
  properties: Readonly<Record<string, string>>;
  body: Buffer;
}

/** Assigned when the record is laid out: where it sits and when. */
export interface RecordPosition {
  queueOffset: number;
  physicalOffset: number;
  storeTimestamp: number;
}

export type DecodedRecord = RecordBody & RecordPosition & { size: number };

/**
 * Strings this short are measured and copied in JS when they are ASCII (topics, hosts, tags, property names
 * nearly always are): a call into Buffer's native UTF-8 code costs more than the copy itself (measured on
 * 5 strings of a benchmark record: ~310 → ~190 ns). Longer ones are left to Buffer: a freshly built
 * 34-character message id (a rope V8 must flatten first) took ~250-375 ns in JS against ~150-200 natively.
 */
const SHORT_STRING = 16;

function strLen(s: string): number {
  const n = s.length;
  if (n > SHORT_STRING) return Buffer.byteLength(s, 'utf8');
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return n;
}

/** Writes `s` as UTF-8 at `at`; returns the bytes written. */
function putUtf8(buf: Buffer, s: string, at: number): number {
  const n = s.length;
  if (n > SHORT_STRING) return buf.write(s, at, 'utf8');
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return buf.write(s, at, 'utf8');
    buf[at + i] = c;
  }
  return n;
}

/** Byte size of the encoded record, so a batch can be laid out before it is written. */
export function encodedSize(r: RecordBody): number {
  let n = FIXED_HEADER;
  n += 2 + strLen(r.topic) + 2 + strLen(r.messageId) + 2 + strLen(r.bornHost) + 2 + strLen(r.tag);
  n += 2;
  for (const k of r.keys) n += 2 + strLen(k);
  n += 2;
  for (const k in r.properties) n += 2 + strLen(k) + 4 + strLen(r.properties[k]!);
  n += 4 + r.body.length;
  return n;
}

function putShortStr(buf: Buffer, view: DataView, s: string, at: number): number {
  const len = putUtf8(buf, s, at + 2);
  view.setUint16(at, len, true);
  return at + 2 + len;
}

/** The DataView of a buffer, for encoders that do not get one from their caller. */
export function viewOf(buf: Buffer): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Writes the record into `buf` at `at`; `size` must come from encodedSize. `view` is a DataView over the
 * same bytes (a caller encoding a batch makes it once): its setters are ~5x cheaper than Buffer's.
 */
export function encodeRecord(r: RecordBody, pos: RecordPosition, size: number, buf: Buffer, at: number, view = viewOf(buf)): void {
  view.setUint32(at, size, true);
  view.setUint32(at + 4, MESSAGE_MAGIC, true);
  view.setUint32(at + 12, r.queueId, true);
  view.setUint32(at + 16, r.sysFlag, true);
  setU64(view, pos.queueOffset, at + 20);
  setU64(view, pos.physicalOffset, at + 28);
  setU64(view, r.bornTimestamp, at + 36);
  setU64(view, pos.storeTimestamp, at + 44);
  view.setUint32(at + 52, r.reconsumeTimes, true);
  let p = at + FIXED_HEADER;
  p = putShortStr(buf, view, r.topic, p);
  p = putShortStr(buf, view, r.messageId, p);
  p = putShortStr(buf, view, r.bornHost, p);
  p = putShortStr(buf, view, r.tag, p);
  view.setUint16(p, r.keys.length, true);
  p += 2;
  for (const k of r.keys) p = putShortStr(buf, view, k, p);
  const countAt = p;
  let count = 0;
  p += 2;
  for (const k in r.properties) {
    count++;
    p = putShortStr(buf, view, k, p);
    const len = putUtf8(buf, r.properties[k]!, p + 4);
    view.setUint32(p, len, true);
    p += 4 + len;
  }
  view.setUint16(countAt, count, true);
  // A size that disagrees with the fields would leave garbage (or a cut body) under a valid CRC.
  invariant(p + 4 + r.body.length === at + size, `record of ${size} bytes laid out as ${p + 4 + r.body.length - at}`);
  view.setUint32(p, r.body.length, true);
  buf.set(r.body, p + 4);
  view.setUint32(at + 8, crc32(buf.subarray(at + 12, at + size)), true);
}

export function encodeBlank(buf: Buffer, at: number, size: number): void {
  buf.writeUInt32LE(size, at);
  buf.writeUInt32LE(BLANK_MAGIC, at + 4);
}

export type ProbeResult =
  | { kind: 'message'; size: number }
  | { kind: 'blank' }
  | { kind: 'invalid'; reason: string };

/** Checks the record at `at` without decoding it: used by recovery to find the torn tail. */
export function probeRecord(buf: Buffer, at: number, available: number): ProbeResult {
  if (available < BLANK_SIZE) return { kind: 'invalid', reason: 'truncated header' };
  const size = buf.readUInt32LE(at);
  const magic = buf.readUInt32LE(at + 4);
  if (magic === BLANK_MAGIC) return { kind: 'blank' };
  if (magic !== MESSAGE_MAGIC) return { kind: 'invalid', reason: 'bad magic' };
  if (size < FIXED_HEADER || size > available) return { kind: 'invalid', reason: 'truncated record' };
  if (crc32(buf.subarray(at + 12, at + size)) !== buf.readUInt32LE(at + 8)) {
    return { kind: 'invalid', reason: 'crc mismatch' };
  }
  return { kind: 'message', size };
}

/** Decodes a record; throws CORRUPT_DATA when the bytes fail the CRC, so a torn record is never served. */
export function decodeRecord(buf: Buffer, at = 0, verify = true): DecodedRecord {
  const size = buf.readUInt32LE(at);
  if (verify) {
    const probe = probeRecord(buf, at, buf.length - at);
    if (probe.kind !== 'message') throw new BrokerError('CORRUPT_DATA', `Corrupt commit-log record: ${probe.kind === 'invalid' ? probe.reason : 'blank'}`);
  }
  let p = at + FIXED_HEADER;
  const str = (): string => {
    const len = buf.readUInt16LE(p);
    const s = buf.toString('utf8', p + 2, p + 2 + len);
    p += 2 + len;
    return s;
  };
  const topic = str();
  const messageId = str();
  const bornHost = str();
  const tag = str();
  const keyCount = buf.readUInt16LE(p);
  p += 2;
  const keys: string[] = [];
  for (let i = 0; i < keyCount; i++) keys.push(str());
  const propCount = buf.readUInt16LE(p);
  p += 2;
  const properties: Record<string, string> = {};
  for (let i = 0; i < propCount; i++) {
    const k = str();
    const len = buf.readUInt32LE(p);
    properties[k] = buf.toString('utf8', p + 4, p + 4 + len);
    p += 4 + len;
  }
  const bodyLen = buf.readUInt32LE(p);
  // A view, not a copy: it keeps its read buffer (up to one coalesced read) alive; copy to keep a body long.
  const body = buf.subarray(p + 4, p + 4 + bodyLen);
  return {
    size,
    topic,
    queueId: buf.readUInt32LE(at + 12),
    sysFlag: buf.readUInt32LE(at + 16),
    queueOffset: readU64(buf, at + 20),
    physicalOffset: readU64(buf, at + 28),
    bornTimestamp: readU64(buf, at + 36),
    storeTimestamp: readU64(buf, at + 44),
    reconsumeTimes: buf.readUInt32LE(at + 52),
    messageId,
    bornHost,
    tag,
    keys,
    properties,
    body,
  };
}

/** Store time sits at a fixed position: offset search by time reads only this. */
export function readStoreTimestamp(buf: Buffer, at = 0): number {
  return readU64(buf, at + 44);
}
