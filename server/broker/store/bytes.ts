/** 64-bit unsigned helpers for offsets and timestamps kept as JS numbers (exact below 2^53). */
const TWO_32 = 0x1_0000_0000;

export function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32LE(value >>> 0, at);
  buf.writeUInt32LE(Math.floor(value / TWO_32), at + 4);
}

export function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO_32;
}
