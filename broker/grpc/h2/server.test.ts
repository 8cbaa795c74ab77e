/**
 * The gRPC transport under hostile and unusual input, spoken to with a bare HTTP/2 client: every bad request
 * gets a gRPC status (or an HTTP error for non-gRPC requests), never a crash, and the endpoint keeps serving.
 */
import http2 from 'node:http2';
import net from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagingService } from '../proto.ts';
import { Fixture } from '../sdk-test-helpers.ts';
import { frame } from './frames.ts';

let fx: Fixture;
let client: http2.ClientHttp2Session;
const methods = messagingService().service;
const PATH = '/apache.rocketmq.v2.MessagingService/QueryRoute';

beforeAll(async () => {
  fx = await Fixture.start();
  fx.broker.createTopic({ name: 'known' });
  client = http2.connect(`http://${fx.endpoints}`);
});

afterAll(async () => {
  client.destroy();
  await fx.close();
});

interface Answer {
  httpStatus: number;
  grpcStatus: string | undefined;
  grpcMessage: string;
  body: Buffer;
}

/** One request: the body chunks as given, then END_STREAM (unless `keepOpen`). */
function request(body: Buffer[], headers: http2.OutgoingHttpHeaders = {}, keepOpen = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = client.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    let httpStatus = 0;
    let grpc: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      httpStatus = Number(h[':status']);
      grpc = h;
    });
    req.on('trailers', (t) => {
      grpc = { ...grpc, ...t };
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () =>
      resolve({ httpStatus, grpcStatus: grpc['grpc-status'] as string | undefined, grpcMessage: decodeURIComponent(String(grpc['grpc-message'] ?? '')), body: Buffer.concat(chunks) }),
    );
    req.on('error', reject);
    for (const b of body) req.write(b);
    if (!keepOpen) req.end();
  });
}

const queryRoute = (topic: string): Buffer => methods.QueryRoute!.requestSerialize({ topic: { name: topic, resource_namespace: '' } });
const routeStatus = (a: Answer): string => (methods.QueryRoute!.responseDeserialize(a.body.subarray(5)) as { status: { code: string } }).status.code;

describe('gRPC transport', () => {
  it('answers a well-formed request, also when split across many DATA chunks', async () => {
    const whole = frame(queryRoute('known'));
    const a = await request(Array.from(whole, (b) => Buffer.from([b])));
    expect(a.grpcStatus).toBe('0');
    expect(routeStatus(a)).toBe('OK');
  });

  it('reads gzip- and deflate-compressed requests', async () => {
    for (const [encoding, pack] of [
      ['gzip', zlib.gzipSync],
      ['deflate', zlib.deflateSync],
    ] as const) {
      const packed = pack(queryRoute('known'));
      const f = frame(packed);
      f[0] = 1;
      const a = await request([f], { 'grpc-encoding': encoding });
      expect(a.grpcStatus, encoding).toBe('0');
      expect(routeStatus(a), encoding).toBe('OK');
    }
  });

  it('refuses what is not a gRPC request with HTTP 415', async () => {
    const a = await request([Buffer.from('hello')], { 'content-type': 'text/plain' });
    expect(a.httpStatus).toBe(415);
  });

  it('answers an unknown method or an unsupported encoding with UNIMPLEMENTED (12)', async () => {
    expect((await request([frame(queryRoute('known'))], { ':path': '/apache.rocketmq.v2.MessagingService/Nope' })).grpcStatus).toBe('12');
    expect((await request([frame(queryRoute('known'))], { ':path': '/other.Service/QueryRoute' })).grpcStatus).toBe('12');
    const br = await request([frame(queryRoute('known'))], { 'grpc-encoding': 'br' });
    expect(br.grpcStatus).toBe('12');
    expect(br.grpcMessage).toMatch(/br/);
  });

  it('answers bytes that are not the request message with INTERNAL (13) naming the parse failure', async () => {
    const a = await request([frame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))]);
    expect(a.grpcStatus).toBe('13');
    expect(a.grpcMessage).toMatch(/parse/i);
  });

  it('refuses a declared length over the limit from its prefix alone, before the body is sent', async () => {
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(0xffff_ff00, 1);
    const a = await request([prefix], {}, true);
    expect(a.grpcStatus).toBe('8');
    expect(a.grpcMessage).toMatch(/larger than max/);
  });

  it('answers a truncated message, an empty body, two messages on a unary call and a stray compressed flag with INTERNAL', async () => {
    const whole = frame(queryRoute('known'));
    expect((await request([whole.subarray(0, whole.length - 2)])).grpcStatus).toBe('13');
    expect((await request([])).grpcStatus).toBe('13');
    expect((await request([whole, whole])).grpcStatus).toBe('13');
    const flagged = Buffer.from(whole);
    flagged[0] = 1;
    expect((await request([flagged])).grpcStatus).toBe('13');
    const badFlag = Buffer.from(whole);
    badFlag[0] = 7;
    expect((await request([badFlag])).grpcStatus).toBe('13');
  });

  it('drops a connection that does not speak HTTP/2 and goes on serving the others', async () => {
    await new Promise<void>((resolve) => {
      const [host, port] = fx.endpoints.split(':');
      const sock = net.connect(Number(port), host!, () => sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x01garbage'));
      sock.on('error', () => resolve());
      sock.on('close', () => resolve());
      sock.resume();
    });
    const a = await request([frame(queryRoute('known'))]);
    expect(routeStatus(a)).toBe('OK');
  });

  it('survives a client that resets its stream halfway through a message', async () => {
    const req = client.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/grpc' });
    req.on('error', () => undefined);
    req.write(frame(queryRoute('known')).subarray(0, 4));
    await new Promise<void>((resolve) => req.close(http2.constants.NGHTTP2_CANCEL, resolve));
    expect(routeStatus(await request([frame(queryRoute('known'))]))).toBe('OK');
  });
});
