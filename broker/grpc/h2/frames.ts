import zlib from 'node:zlib';
import { GrpcFault, STATUS } from './status.ts';

/** gRPC's length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length, then the message. */
const PREFIX = 5;

export type Encoding = 'identity' | 'gzip' | 'deflate';

/** One message ready to send, uncompressed. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, PREFIX);
  return out;
}

/**
 * Splits a request body into messages as its DATA chunks arrive. A declared length over `maxBytes` is refused
 * from the prefix alone, before any of it is buffered, so a hostile length cannot make the broker allocate it.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly encoding: Encoding,
  ) {}

  /** The messages completed by this chunk (usually one); throws a GrpcFault for a frame the peer got wrong. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    while (this.buffered >= PREFIX) {
      const head = this.peek(PREFIX);
      const compressed = head[0]!;
      const length = head.readUInt32BE(1);
      if (compressed > 1) throw new GrpcFault(STATUS.INTERNAL, `Bad message prefix: compressed flag ${compressed}`);
      if (length > this.maxBytes) throw new GrpcFault(STATUS.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.maxBytes})`);
      if (this.buffered < PREFIX + length) break;
      const message = this.take(PREFIX + length).subarray(PREFIX);
      out.push(compressed ? this.inflate(message) : message);
    }
    return out;
  }

  /** Bytes of an incomplete message left when the request ended. */
  get pending(): number {
    return this.buffered;
  }

  private inflate(message: Buffer): Buffer {
    if (this.encoding === 'identity') throw new GrpcFault(STATUS.INTERNAL, 'Compressed message without a grpc-encoding');
    try {
      const opts = { maxOutputLength: this.maxBytes };
      return this.encoding === 'gzip' ? zlib.gunzipSync(message, opts) : zlib.inflateSync(message, opts);
    } catch (e) {
      throw new GrpcFault(STATUS.INTERNAL, `Could not decompress the ${this.encoding} message: ${(e as Error).message}`);
    }
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    return first.length >= n ? first : Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    let first = this.chunks[0]!;
    if (first.length < n) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    this.buffered -= n;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    return first.subarray(0, n);
  }
}
