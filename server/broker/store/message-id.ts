import { randomBytes } from 'node:crypto';

/** Seconds are counted from 2021-01-01T00:00:00Z, as RocketMQ 5 ids do. */
const EPOCH_2021 = Date.UTC(2021, 0, 1);
const host = randomBytes(6);
let sequence = 0;

/** A RocketMQ v2-style id: 34 uppercase hex digits = 01 | host (6 B) | pid (2 B) | seconds (4 B) | sequence (4 B). */
export function createMessageId(now = Date.now()): string {
  const buf = Buffer.allocUnsafe(17);
  buf[0] = 1;
  host.copy(buf, 1);
  buf.writeUInt16BE(process.pid & 0xffff, 7);
  buf.writeUInt32BE(Math.floor((now - EPOCH_2021) / 1000) >>> 0, 9);
  buf.writeUInt32BE(sequence, 13);
  sequence = (sequence + 1) >>> 0;
  return buf.toString('hex').toUpperCase();
}
