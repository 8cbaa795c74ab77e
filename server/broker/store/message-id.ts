import { randomBytes } from 'node:crypto';

/** Seconds are counted from 2021-01-01T00:00:00Z, as RocketMQ 5 ids do. */
const EPOCH_2021 = Date.UTC(2021, 0, 1);
/** `01`, host and pid never change within a process: format them once. */
const prefix = `01${randomBytes(6).toString('hex')}${(process.pid & 0xffff).toString(16).padStart(4, '0')}`.toUpperCase();
/** Uppercase hex of each byte value: an id is four lookups instead of toString, padStart and toUpperCase. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0').toUpperCase());
let sequence = 0;
/** The prefix and seconds of the last id: ids made within the same second share it. */
let secondsOf = -1;
let head = '';

function hex32(n: number): string {
  return HEX[n >>> 24]! + HEX[(n >>> 16) & 0xff]! + HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!;
}

/** A RocketMQ v2-style id: 34 uppercase hex digits = 01 | host (6 B) | pid (2 B) | seconds (4 B) | sequence (4 B). */
export function createMessageId(now = Date.now()): string {
  const seconds = Math.floor((now - EPOCH_2021) / 1000) >>> 0;
  if (seconds !== secondsOf) {
    secondsOf = seconds;
    head = prefix + hex32(seconds);
  }
  const id = head + hex32(sequence);
  sequence = (sequence + 1) >>> 0;
  return id;
}
