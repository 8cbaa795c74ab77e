/**
 * A lean gRPC server on node:http2 for the RocketMQ MessagingService: routes by path, splits the
 * length-prefixed messages, decodes them with the service's codecs and answers with trailers. It does what the
 * protocol needs and nothing else (no interceptors, no per-call timers or channelz), which is what makes it
 * cheaper per call than grpc-js (figures in BENCHMARKS.md, "gRPC stacks").
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Call, Metadata } from './call.ts';
import { FrameReader } from './frames.ts';
import { GrpcFault, STATUS } from './status.ts';

export { Call, type CallMeta } from './call.ts';

/** A method as @grpc/proto-loader describes it (its codecs included). */
export interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestDeserialize(bytes: Buffer): unknown;
  responseSerialize(message: object): Buffer;
}

/** A call of any request type: handlers narrow `request` with their own type parameter. */
type AnyCall = Call<never>;

export type Handler =
  /** One request, one reply (a failure is the handler's to turn into a reply). */
  | { unary: (call: AnyCall) => Promise<object> }
  /** One request, replies written to the call until it is ended. */
  | { serverStream: (call: AnyCall) => void }
  /** Messages both ways ('data' events in, `write` out). */
  | { duplex: (call: AnyCall) => void };

export type Handlers = Record<string, Handler>;

interface Route {
  method: MethodDefinition;
  handler: Handler;
}

export interface Http2GrpcServerOptions {
  /** Largest request message accepted (decompressed); larger ones fail with RESOURCE_EXHAUSTED. */
  maxReceiveMessageLength: number;
  /** PEM certificate chain and key: the server then speaks TLS only (ALPN h2), as the SDKs' sslEnabled expects. */
  tls?: TlsFiles;
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** Concurrent calls per connection: far above what a client process uses (long polls included). */
const MAX_CONCURRENT_STREAMS = 1000;
/** Per-stream and per-connection receive windows: a 4 MB message then needs few window updates. */
const STREAM_WINDOW_BYTES = 1 << 20;
const SESSION_WINDOW_BYTES = 16 << 20;
const ACCEPTED_ENCODINGS = 'identity,gzip,deflate';
const TIMEOUT_UNITS_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

export class Http2GrpcServer {
  private readonly routes = new Map<string, Route>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly peers = new WeakMap<http2.Http2Session, string>();
  private readonly server: http2.Http2Server | http2.Http2SecureServer;

  constructor(private readonly opts: Http2GrpcServerOptions) {
    const options = {
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, initialWindowSize: STREAM_WINDOW_BYTES },
      // nghttp2's own buffers; requests are bounded by maxReceiveMessageLength per call instead.
      maxSessionMemory: Math.max(64, Math.ceil((opts.maxReceiveMessageLength * 2) / 2 ** 20)),
    };
    this.server = opts.tls ? http2.createSecureServer({ ...options, cert: opts.tls.cert, key: opts.tls.key, allowHTTP1: false }) : http2.createServer(options);
    this.server.on('session', (session) => this.onSession(session));
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
    // A peer that speaks garbage (or plain text to a TLS port) loses its connection; the server goes on.
    this.server.on('sessionError', () => undefined);
    this.server.on('tlsClientError', () => undefined);
  }

  addService(methods: Record<string, MethodDefinition>, handlers: Handlers): void {
    for (const [name, handler] of Object.entries(handlers)) {
      const method = methods[name];
      if (!method) throw new Error(`No method ${name} in the service`);
      this.routes.set(method.path, { method, handler });
    }
  }

  /** Listens; resolves with the port (the one picked when `port` is 0). */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Stops accepting connections, lets calls in flight finish for up to `graceMs`, then drops the rest. */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sessions) s.close();
    const timer = setTimeout(() => {
      for (const s of this.sessions) s.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }

  private onSession(session: http2.ServerHttp2Session): void {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    session.on('error', () => undefined);
    const socket = session.socket;
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.peers.set(session, address.includes(':') ? `[${address}]:${socket.remotePort}` : `${address}:${socket.remotePort}`);
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW_BYTES));
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    stream.on('error', () => undefined);
    const route = this.routes.get(headers[':path'] ?? '');
    const contentType = headers['content-type'] ?? '';
    if (headers[':method'] !== 'POST' || !contentType.startsWith('application/grpc')) {
      stream.respond({ ':status': 415, 'grpc-status': String(STATUS.INTERNAL), 'grpc-message': 'Not a gRPC request' }, { endStream: true });
      return;
    }
    const encoding = headers['grpc-encoding'] ?? 'identity';
    const call = new Call<never>(stream, new Metadata(headers), this.peers.get(stream.session!) ?? '', deadlineOf(headers['grpc-timeout']), (m) =>
      route!.method.responseSerialize(m),
    );
    if (!route) return call.end(STATUS.UNIMPLEMENTED, `Unknown method ${headers[':path']}`);
    if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
      return call.end(STATUS.UNIMPLEMENTED, `Unsupported grpc-encoding ${encoding}; use one of ${ACCEPTED_ENCODINGS}`);
    }
    this.read(stream, call, route, new FrameReader(this.opts.maxReceiveMessageLength, encoding));
  }

  /** Feeds the request's messages to the handler: one for unary and server-streaming calls, any for duplex. */
  private read(stream: http2.ServerHttp2Stream, call: AnyCall, route: Route, reader: FrameReader): void {
    const { handler, method } = route;
    const single = !method.requestStream;
    let request: unknown;
    let count = 0;
    stream.on('data', (chunk: Buffer) => {
      try {
        for (const bytes of reader.push(chunk)) {
          count++;
          if (single && count > 1) throw new GrpcFault(STATUS.INTERNAL, 'More than one request message for a unary method');
          const message = decode(method, bytes);
          if (single) request = message;
          else call.emit('data', message);
        }
      } catch (e) {
        fail(stream, call, e);
      }
    });
    if ('duplex' in handler) {
      stream.once('end', () => call.emit('end'));
      handler.duplex(call);
      return;
    }
    stream.once('end', () => {
      if (call.writableEnded) return;
      if (count !== 1 || reader.pending > 0) return call.end(STATUS.INTERNAL, count === 0 ? 'No request message received' : 'Request ended inside a message');
      call.request = request as never;
      if ('serverStream' in handler) return handler.serverStream(call);
      handler.unary(call).then(
        (reply) => call.reply(reply),
        (e: unknown) => fail(stream, call, e),
      );
    });
  }
}

function decode(method: MethodDefinition, bytes: Buffer): unknown {
  try {
    return method.requestDeserialize(bytes);
  } catch (e) {
    throw new GrpcFault(STATUS.INTERNAL, `Failed to parse the request: ${(e as Error).message}`);
  }
}

/** A transport fault ends the call with its status; the rest of the request is not read. */
function fail(stream: http2.ServerHttp2Stream, call: AnyCall, e: unknown): void {
  stream.removeAllListeners('data');
  stream.resume();
  if (e instanceof GrpcFault) call.end(e.status, e.message);
  else call.end(STATUS.INTERNAL, e instanceof Error ? e.message : String(e));
}

/** grpc-timeout "<digits><unit>" → epoch ms; Infinity when absent or malformed. */
function deadlineOf(timeout: string | string[] | undefined): number {
  const m = typeof timeout === 'string' ? /^(\d{1,8})([HMSmun])$/.exec(timeout) : null;
  return m ? Date.now() + Number(m[1]) * TIMEOUT_UNITS_MS[m[2]!]! : Infinity;
}
