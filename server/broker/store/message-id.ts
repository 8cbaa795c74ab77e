import { randomBytes } from 'node:crypto';

/** Seconds are counted from 2021-01-01T00:00:00Z, as RocketMQ 5 ids do. */
const EPOCH_2021 = Date.UTC(2021, 0, 1);
/** `01`, host and pid never change within a process: format them once. */
const prefix = `01${randomBytes(6).toString('hex')}${(process.pid & 0xffff).toString(16).padStart(4, '0')}`.toUpperCase();
let sequence = 0;

/** A RocketMQ v2-style id: 34 uppercase hex digits = 01 | host (6 B) | pid (2 B) | seconds (4 B) | sequence (4 B). */
export function createMessageId(now = Date.now()): string {
  const seconds = (Math.floor((now - EPOCH_2021) / 1000) >>> 0).toString(16).padStart(8, '0');
  const seq = sequence.toString(16).padStart(8, '0');
  sequence = (sequence + 1) >>> 0;
  return `${prefix}${seconds}${seq}`.toUpperCase();
}
