/**
 * What the grpcjs-tuned and lean-h2 null servers share: protobufjs codecs for the hot messages, built once
 * from the SDK's .proto files (`Type.decode` / `Type.encode` straight on the wire bytes, without the
 * proto-loader conversion to plain objects that grpc-js does today), the answers themselves, and the settings
 * echo the Node SDK needs to start a Producer with 3+ topics.
 *
 * The answers are the null server's (grpcjs-today.ts): one queue at this server's endpoint, every send OK with
 * an increasing offset, nothing stored.
 */
import fs from 'node:fs';
import type http2 from 'node:http2';
import path from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_ROOT } from '../../grpc/proto.ts';
import { producerSettings } from '../../grpc/settings.ts';
import type { Settings } from '../../grpc/wire.ts';

/** Meridian's default limits, announced in the settings answer as the broker does (as grpcjs-today.ts). */
const LIMITS = { maxBodySize: 4 * 1024 * 1024, longPollingMs: 20_000, receiveBatchSize: 32 };

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  // google/protobuf/*.proto ship inside protobufjs; everything else is under the SDK's proto directory.
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') || fs.existsSync(target) ? target : path.join(PROTO_ROOT, target));
  root.loadSync('apache/rocketmq/v2/service.proto', { keepCase: true });
  root.resolveAll();
  return root;
}

const root = loadRoot();
const type = (name: string) => root.lookupType(`apache.rocketmq.v2.${name}`);
const enumValue = (e: string, v: string): number => root.lookupEnum(`apache.rocketmq.v2.${e}`).values[v]!;

export const T = {
  QueryRouteRequest: type('QueryRouteRequest'),
  QueryRouteResponse: type('QueryRouteResponse'),
  HeartbeatResponse: type('HeartbeatResponse'),
  NotifyClientTerminationResponse: type('NotifyClientTerminationResponse'),
  SendMessageRequest: type('SendMessageRequest'),
  SendMessageResponse: type('SendMessageResponse'),
  TelemetryCommand: type('TelemetryCommand'),
};

/** The fields of a decoded request the null servers read (protobufjs with keepCase; absent message = null). */
interface DecodedResource {
  resource_namespace: string;
  name: string;
}
interface DecodedSend {
  messages: { system_properties: { message_id: string } | null }[];
}

/** Numeric enum values: `Type.encode` writes numbers as they are, so the hot answers carry them directly. */
const OK = { code: enumValue('Code', 'OK'), message: 'OK' };
const READ_WRITE = enumValue('Permission', 'READ_WRITE');
const IPV4 = enumValue('AddressScheme', 'IPv4');
const NORMAL = enumValue('MessageType', 'NORMAL');

/** Answers that never change, encoded once. */
export const HEARTBEAT_OK = T.HeartbeatResponse.encode({ status: OK }).finish();
export const TERMINATION_OK = T.NotifyClientTerminationResponse.encode({ status: OK }).finish();

export class NullAnswers {
  private offset = 0;

  constructor(private readonly port: () => number) {}

  queryRoute(req: Uint8Array): Uint8Array {
    const { topic } = T.QueryRouteRequest.decode(req) as unknown as { topic: DecodedResource | null };
    // One queue (id 0: the SDK writes only to queue 0 of a broker), served at this server's own endpoint.
    const endpoints = { scheme: IPV4, addresses: [{ host: '127.0.0.1', port: this.port() }] };
    const queue = { topic, id: 0, permission: READ_WRITE, broker: { name: 'null', id: 0, endpoints }, accept_message_types: [NORMAL] };
    return T.QueryRouteResponse.encode({ status: OK, message_queues: [queue] }).finish();
  }

  sendMessage(req: Uint8Array): Uint8Array {
    const { messages } = T.SendMessageRequest.decode(req) as unknown as DecodedSend;
    const entries = messages.map((m) => ({ status: OK, message_id: m.system_properties?.message_id ?? '', transaction_id: '', offset: this.offset++, recall_handle: '' }));
    return T.SendMessageResponse.encode({ status: OK, entries }).finish();
  }
}

/**
 * The answer to a telemetry command, or null if it carries no settings: the client's settings echoed with
 * the broker's additions (producerSettings, as Meridian and grpcjs-today.ts answer). Once per client start, so
 * it takes the slow, readable road through plain objects.
 */
export function telemetryAnswer(cmd: Uint8Array): Uint8Array | null {
  const decoded = T.TelemetryCommand.toObject(T.TelemetryCommand.decode(cmd), { enums: String, longs: Number, defaults: true, oneofs: true }) as { settings?: Settings };
  if (!decoded.settings) return null;
  const answer = T.TelemetryCommand.fromObject({ status: { code: 'OK', message: 'OK' }, settings: producerSettings(decoded.settings, LIMITS) });
  return T.TelemetryCommand.encode(answer).finish();
}

/**
 * The settings answer repeated after each route lookup until the client's first heartbeat, as the broker does
 * (broker/grpc/clients.ts echoSettings): the Node SDK looks up its topics one by one after opening its
 * telemetry stream and drops an answer that arrives during its second+ lookup, so without the repeat a
 * Producer with 3+ topics never starts. Keyed by the `x-mq-client-id` header.
 */
export class SettingsEcho<A> {
  private readonly starting = new Map<string, { answer: A; write: (a: A) => void }>();

  settings(clientId: string, answer: A, write: (a: A) => void): void {
    this.starting.set(clientId, { answer, write });
  }

  routeLooked(clientId: string): void {
    const e = this.starting.get(clientId);
    if (e) e.write(e.answer);
  }

  heartbeat(clientId: string): void {
    this.routeLooked(clientId);
    this.starting.delete(clientId);
  }

  closed(clientId: string): void {
    this.starting.delete(clientId);
  }
}

/** Prints the `{"port":…}` line the runner waits for, and exits cleanly on SIGTERM after `close`. */
export function announce(port: number, close: (done: () => void) => void): void {
  console.log(JSON.stringify({ port }));
  process.once('SIGTERM', () => {
    setTimeout(() => process.exit(0), 5000).unref();
    close(() => process.exit(0));
  });
}

/** Serves an http2 null server on a free local port (told to `onPort`, announced); SIGTERM closes it gracefully. */
export function serveHttp2(server: http2.Http2Server, onPort: (port: number) => void): void {
  server.on('sessionError', () => undefined);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    onPort(port);
    announce(port, (done) => {
      server.close(done);
      for (const s of sessions) s.close();
    });
  });
}
