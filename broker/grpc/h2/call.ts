import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import { frame } from './frames.ts';
import { encodeGrpcMessage, STATUS, type GrpcStatus } from './status.ts';

const { HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE } = http2.constants;

/** The request headers as gRPC metadata: the first value of a (lower-case) name, or ''. */
export class Metadata {
  constructor(private readonly headers: http2.IncomingHttpHeaders) {}

  get(name: string): string {
    const v = this.headers[name];
    return (Array.isArray(v) ? v[0] : v) ?? '';
  }
}

/** What every call knows about its caller. */
export interface CallMeta {
  readonly metadata: Metadata;
  /** host:port the call comes from ("[::1]:5678" for IPv6). */
  readonly peer: string;
  /** When the client gives up (epoch ms, from grpc-timeout); Infinity when it set none. */
  readonly deadline: number;
  /** The user the call authenticated as (set before any handler runs); undefined with authentication off. */
  readonly user?: string | undefined;
}

/**
 * One gRPC call on its HTTP/2 stream: `request` (unary and server-streaming calls), the replies written with
 * `write`, and `end` with the grpc-status in the trailers. Events: 'data' (each message of a client stream),
 * 'end' (the client half-closed its stream), 'cancelled' (the client reset the stream or went away first).
 */
export class Call<Req> extends EventEmitter implements CallMeta {
  request!: Req;
  user: string | undefined;
  cancelled = false;
  private ended = false;
  private trailers: http2.OutgoingHttpHeaders | undefined;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    readonly metadata: Metadata,
    readonly peer: string,
    readonly deadline: number,
    private readonly encode: (message: object) => Buffer,
  ) {
    super();
    stream.once('close', () => {
      if (this.ended) return;
      this.ended = true;
      this.cancelled = true;
      this.emit('cancelled');
    });
  }

  /** True once the call was ended by either side (writes are then dropped). */
  get writableEnded(): boolean {
    return this.ended;
  }

  /** Sends one reply message; false when the stream buffers above its high-water mark. */
  write(message: object): boolean {
    if (this.ended) return false;
    this.respond();
    return this.stream.write(frame(this.encode(message)));
  }

  /** Ends the call with a status (OK unless told otherwise), after any replies written. */
  end(status: GrpcStatus = STATUS.OK, message = ''): void {
    if (this.ended) return;
    this.ended = true;
    const trailers = { 'grpc-status': String(status), ...(message ? { 'grpc-message': encodeGrpcMessage(message) } : {}) };
    if (this.stream.headersSent) {
      this.trailers = trailers;
      this.stream.end();
      return;
    }
    // Trailers-only: a call that fails before any reply answers with a single HEADERS frame.
    this.stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc', ...trailers }, { endStream: true });
  }

  /** A unary call's only reply and its OK status. */
  reply(message: object): void {
    if (this.ended) return;
    this.respond();
    this.ended = true;
    this.trailers = { 'grpc-status': '0' };
    this.stream.end(frame(this.encode(message)));
  }

  private respond(): void {
    if (this.stream.headersSent) return;
    this.stream.respond({ [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc' }, { waitForTrailers: true });
    this.stream.once('wantTrailers', () => this.stream.sendTrailers(this.trailers ?? { 'grpc-status': '0' }));
  }
}
