/**
 * Candidate "lean-h2": the null server's gRPC on bare `node:http2` — the least a gRPC server can do in Node,
 * so its CPU per message is the floor for a transport written this way. Each unary call: collect the
 * request's DATA, strip the 5-byte length prefix, protobufjs `decode`, `encode` the answer, then response
 * headers + one DATA frame + trailers (`waitForTrailers` / `sendTrailers`). Telemetry is a bidi stream kept
 * open until the client half-closes. No compression (the Node SDK sends none), no deadlines, no logging.
 * Run as its own process; prints `{"port":…}` when ready.
 */
import http2 from 'node:http2';
import { serveHttp2, HEARTBEAT_OK, NullAnswers, SettingsEcho, telemetryAnswer, TERMINATION_OK } from './codecs.ts';

let port = 0;
const answers = new NullAnswers(() => port);
const echo = new SettingsEcho<Uint8Array>();
const PREFIX = '/apache.rocketmq.v2.MessagingService/';

const RESPONSE_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const OK_TRAILERS = { 'grpc-status': '0' };
const UNIMPLEMENTED_TRAILERS = { 'grpc-status': '12', 'grpc-message': 'not in the null server' };

/** One gRPC message frame: compressed flag 0, big-endian length, the message. */
function frame(msg: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + msg.length);
  out[0] = 0;
  out.writeUInt32BE(msg.length, 1);
  out.set(msg, 5);
  return out;
}

/** Splits complete frames off the front of `buf`; returns the unconsumed rest. */
function frames(buf: Buffer, each: (msg: Buffer) => void): Buffer {
  let at = 0;
  while (buf.length - at >= 5) {
    const len = buf.readUInt32BE(at + 1);
    if (buf.length - at - 5 < len) break;
    each(buf.subarray(at + 5, at + 5 + len));
    at += 5 + len;
  }
  return at === 0 ? buf : buf.subarray(at);
}

function reply(stream: http2.ServerHttp2Stream, msg: Uint8Array | null): void {
  if (stream.destroyed) return;
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers(msg ? OK_TRAILERS : UNIMPLEMENTED_TRAILERS));
  if (msg) stream.end(frame(msg));
  else stream.end();
}

/** A unary call: the whole request body (one frame), then one answer. */
function unary(stream: http2.ServerHttp2Stream, answer: (req: Buffer) => Uint8Array | null): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  stream.on('data', (chunk: Buffer) => {
    if (!first) first = chunk;
    else (more ??= [first]).push(chunk);
  });
  stream.on('end', () => {
    const body = more ? Buffer.concat(more) : first;
    let req: Buffer | undefined;
    if (body) frames(body, (m) => (req = m));
    reply(stream, answer(req ?? Buffer.alloc(0)));
  });
}

function telemetry(stream: http2.ServerHttp2Stream, clientId: string): void {
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers(OK_TRAILERS));
  const write = (a: Uint8Array) => {
    if (!stream.destroyed && stream.writable) stream.write(frame(a));
  };
  let rest: Buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    rest = frames(rest.length ? Buffer.concat([rest, chunk]) : chunk, (cmd) => {
      const answer = telemetryAnswer(cmd);
      if (!answer) return;
      write(answer);
      echo.settings(clientId, answer, write);
    });
  });
  stream.on('end', () => {
    echo.closed(clientId);
    if (!stream.destroyed) stream.end();
  });
  stream.on('close', () => echo.closed(clientId));
}

const server = http2.createServer();
server.on('stream', (stream, headers) => {
  stream.on('error', () => undefined);
  const path = headers[':path'] ?? '';
  const clientId = String(headers['x-mq-client-id'] ?? '');
  switch (path.startsWith(PREFIX) ? path.slice(PREFIX.length) : '') {
    case 'SendMessage':
      return unary(stream, (req) => answers.sendMessage(req));
    case 'QueryRoute':
      return unary(stream, (req) => {
        const out = answers.queryRoute(req);
        setImmediate(() => echo.routeLooked(clientId));
        return out;
      });
    case 'Heartbeat':
      return unary(stream, () => {
        setImmediate(() => echo.heartbeat(clientId));
        return HEARTBEAT_OK;
      });
    case 'NotifyClientTermination':
      return unary(stream, () => TERMINATION_OK);
    case 'Telemetry':
      return telemetry(stream, clientId);
    default:
      return unary(stream, () => null);
  }
});
serveHttp2(server, (p) => (port = p));
