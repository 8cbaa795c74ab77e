/**
 * Candidate "grpcjs-today": the null server on grpc-js with proto-loader's object codecs, as Meridian's
 * server was before issue 12. Run as its own process (`node --import tsx grpcjs-today.ts`): the least a gRPC
 * server must answer for the official SDK's Producer to start and send (QueryRoute, Heartbeat,
 * Telemetry settings, NotifyClientTermination, SendMessage), storing nothing. Prints `{"port":…}` when ready.
 * It answers each settings command once (as Meridian did), so a Producer declaring 3+ topics never starts
 * against it (the Node SDK drops an early answer); compare.ts measures with one topic.
 */
import * as grpc from '@grpc/grpc-js';
import { messagingService } from '../../grpc/proto.ts';
import { producerSettings } from '../../grpc/settings.ts';
import type { Endpoints, Resource, TelemetryCommand, WireMessage } from '../../grpc/wire.ts';

const OK = { code: 'OK', message: 'OK' };
/** Meridian's default body limit, announced in the settings answer as the broker does. */
const LIMITS = { maxBodySize: 4 * 1024 * 1024, longPollingMs: 20_000, receiveBatchSize: 32 };

const server = new grpc.Server();
let own: Endpoints = { scheme: 'IPv4', addresses: [] };
let offset = 0;
type Unary<Req> = grpc.ServerUnaryCall<Req, object>;
const answer = <Req>(fn: (req: Req) => object) => (call: Unary<Req>, cb: grpc.sendUnaryData<object>) => cb(null, fn(call.request));

server.addService(messagingService().service, {
  // One queue (id 0: the SDK writes only to queue 0 of a broker), served at this server's own endpoint.
  QueryRoute: answer<{ topic: Resource | null }>((req) => ({
    status: OK,
    message_queues: [{ topic: req.topic, id: 0, permission: 'READ_WRITE', broker: { name: 'null', id: 0, endpoints: own }, accept_message_types: ['NORMAL'] }],
  })),
  Heartbeat: answer(() => ({ status: OK })),
  NotifyClientTermination: answer(() => ({ status: OK })),
  SendMessage: answer<{ messages: WireMessage[] }>((req) => ({
    status: OK,
    entries: req.messages.map((m) => ({ status: OK, message_id: m.system_properties?.message_id ?? '', transaction_id: '', offset: offset++, recall_handle: '' })),
  })),
  // The client's settings echoed with the broker's additions (retry policy, limits), as Meridian answers.
  Telemetry: (stream: grpc.ServerDuplexStream<TelemetryCommand, object>) => {
    stream.on('data', (cmd: TelemetryCommand) => {
      if (cmd.settings) stream.write({ status: OK, settings: producerSettings(cmd.settings, LIMITS) });
    });
    stream.on('end', () => stream.end());
    stream.on('error', () => undefined);
  },
});

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  own = { scheme: 'IPv4', addresses: [{ host: '127.0.0.1', port }] };
  console.log(JSON.stringify({ port }));
});

// Like the broker: in-flight calls (the last producers' closing telemetry streams) finish before it exits,
// since the SDK drops its stream listeners at shutdown and a reset connection would then crash the bench.
process.once('SIGTERM', () => {
  setTimeout(() => process.exit(0), 5000).unref();
  server.tryShutdown(() => process.exit(0));
});
