/**
 * Candidate "connect-node": the null server on `@connectrpc/connect-node` (gRPC protocol only) over
 * `node:http2`, with protobuf-es v2 messages. The packages are not the project's dependencies: they are
 * loaded from STACKS_DIR (an `npm install --no-save` directory, see compare.ts), and the message descriptors
 * come from a FileDescriptorSet that `buf build` made of the SDK's .proto files (STACKS_DIR/rmq.binpb) —
 * protobuf-es v2 codecs are reflection over descriptors either way, so this costs what generated code would.
 * The few library calls used are typed below by hand, as the packages' own types are not installed here.
 * Run as its own process; prints `{"port":…}` when ready.
 */
import fs from 'node:fs';
import http2 from 'node:http2';
import { createRequire } from 'node:module';
import path from 'node:path';
import { serveHttp2, SettingsEcho, telemetryAnswer } from './codecs.ts';

type Desc = { readonly kind: string };
interface EnumDesc extends Desc {
  values: { name: string; number: number }[];
}
interface Registry {
  getMessage(name: string): Desc | undefined;
  getEnum(name: string): EnumDesc | undefined;
  getService(name: string): Desc | undefined;
}
interface ProtobufEs {
  createFileRegistry(set: unknown): Registry;
  fromBinary(schema: Desc, bytes: Uint8Array): unknown;
  toBinary(schema: Desc, message: unknown): Uint8Array;
}
interface HandlerContext {
  requestHeader: Headers;
}
type Handler = (req: never, ctx: HandlerContext) => unknown;
interface Router {
  service(desc: Desc, impl: Record<string, Handler>): Router;
}
interface ConnectNode {
  connectNodeAdapter(opts: { routes: (router: Router) => void; grpc: boolean; grpcWeb: boolean; connect: boolean }): (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;
}

const dir = process.env.STACKS_DIR;
if (!dir) throw new Error('STACKS_DIR (the directory with @connectrpc/connect-node installed) is not set');
const load = createRequire(path.join(dir, 'package.json'));
const pb = load('@bufbuild/protobuf') as ProtobufEs;
const { FileDescriptorSetSchema } = load('@bufbuild/protobuf/wkt') as { FileDescriptorSetSchema: Desc };
const { connectNodeAdapter } = load('@connectrpc/connect-node') as ConnectNode;

const registry = pb.createFileRegistry(pb.fromBinary(FileDescriptorSetSchema, fs.readFileSync(path.join(dir, 'rmq.binpb'))));
const need = <D>(d: D | undefined, name: string): D => {
  if (!d) throw new Error(`${name} not in the descriptor set`);
  return d;
};
const v2 = (name: string) => `apache.rocketmq.v2.${name}`;
const enumValue = (e: string, v: string): number => need(need(registry.getEnum(v2(e)), e).values.find((x) => x.name === v), v).number;
const TelemetryCommand = need(registry.getMessage(v2('TelemetryCommand')), 'TelemetryCommand');

const OK = { code: enumValue('Code', 'OK'), message: 'OK' };
const READ_WRITE = enumValue('Permission', 'READ_WRITE');
const IPV4 = enumValue('AddressScheme', 'IPv4');
const NORMAL = enumValue('MessageType', 'NORMAL');

/** The fields of protobuf-es requests the null server reads (camelCase local names; absent message = undefined). */
interface Resource {
  resourceNamespace: string;
  name: string;
}
interface SendRequest {
  messages: { systemProperties?: { messageId: string } }[];
}

let port = 0;
let offset = 0n;
const echo = new SettingsEcho<unknown>();
const clientId = (ctx: HandlerContext) => ctx.requestHeader.get('x-mq-client-id') ?? '';

/** A queue the telemetry handler's answer stream pulls from, fed by the request stream and by the echo. */
class Outbox<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *drain(): AsyncGenerator<T> {
    for (;;) {
      while (this.items.length) yield this.items.shift()!;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

const impl: Record<string, Handler> = {
  queryRoute: (req: { topic?: Resource }, ctx: HandlerContext) => {
    // One queue (id 0: the SDK writes only to queue 0 of a broker), served at this server's own endpoint.
    setImmediate(() => echo.routeLooked(clientId(ctx)));
    const endpoints = { scheme: IPV4, addresses: [{ host: '127.0.0.1', port }] };
    return { status: OK, messageQueues: [{ topic: req.topic, id: 0, permission: READ_WRITE, broker: { name: 'null', id: 0, endpoints }, acceptMessageTypes: [NORMAL] }] };
  },
  heartbeat: (_req: unknown, ctx: HandlerContext) => {
    setImmediate(() => echo.heartbeat(clientId(ctx)));
    return { status: OK };
  },
  notifyClientTermination: () => ({ status: OK }),
  sendMessage: (req: SendRequest) => ({
    status: OK,
    entries: req.messages.map((m) => ({ status: OK, messageId: m.systemProperties?.messageId ?? '', transactionId: '', offset: offset++, recallHandle: '' })),
  }),
  telemetry: (requests: AsyncIterable<unknown>, ctx: HandlerContext) => {
    const id = clientId(ctx);
    const out = new Outbox<unknown>();
    void (async () => {
      try {
        for await (const cmd of requests) {
          // Settings arrive once per client start: answered through the same protobufjs path as the other
          // candidates (codecs.ts), converted at the edges, so every stack sends the same bytes.
          const answer = telemetryAnswer(pb.toBinary(TelemetryCommand, cmd));
          if (!answer) continue;
          const msg = pb.fromBinary(TelemetryCommand, answer);
          out.push(msg);
          echo.settings(id, msg, (m) => out.push(m));
        }
      } catch {
        // The client went away; the answer stream ends below.
      }
      echo.closed(id);
      out.end();
    })();
    return out.drain();
  },
};

const server = http2.createServer(
  connectNodeAdapter({ routes: (router) => router.service(need(registry.getService(v2('MessagingService')), 'MessagingService'), impl), grpc: true, grpcWeb: false, connect: false }),
);
serveHttp2(server, (p) => (port = p));
