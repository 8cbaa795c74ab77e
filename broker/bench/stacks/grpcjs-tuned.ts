/**
 * Candidate "grpcjs-tuned": the same null server as grpcjs-today.ts on grpc-js, with what can be tuned without
 * leaving grpc-js: a hand-written service definition whose (de)serializers hand the wire bytes straight to
 * protobufjs `Type.decode` / `Type.encode` (no proto-loader object conversion: enums stay numbers, no
 * defaults filled in), answers that never change encoded once, channelz off (it counts every call), no
 * logging. Run as its own process; prints `{"port":…}` when ready.
 */
import * as grpc from '@grpc/grpc-js';
import { announce, HEARTBEAT_OK, NullAnswers, SettingsEcho, telemetryAnswer, TERMINATION_OK } from './codecs.ts';

let port = 0;
const answers = new NullAnswers(() => port);
const echo = new SettingsEcho<Uint8Array>();

const bytes = (b: Buffer): Buffer => b;
const out = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const method = (name: string, stream = false): grpc.MethodDefinition<Buffer, Uint8Array> => ({
  path: `/apache.rocketmq.v2.MessagingService/${name}`,
  requestStream: stream,
  responseStream: stream,
  requestSerialize: bytes,
  requestDeserialize: bytes,
  responseSerialize: out,
  responseDeserialize: bytes,
});

const service: grpc.ServiceDefinition = {
  QueryRoute: method('QueryRoute'),
  Heartbeat: method('Heartbeat'),
  NotifyClientTermination: method('NotifyClientTermination'),
  SendMessage: method('SendMessage'),
  Telemetry: method('Telemetry', true),
};

type Unary = grpc.ServerUnaryCall<Buffer, Uint8Array>;
type Reply = grpc.sendUnaryData<Uint8Array>;
const clientId = (call: { metadata: grpc.Metadata }) => String(call.metadata.get('x-mq-client-id')[0] ?? '');

const server = new grpc.Server({ 'grpc.enable_channelz': 0 });
server.addService(service, {
  QueryRoute: (call: Unary, cb: Reply) => {
    cb(null, answers.queryRoute(call.request));
    echo.routeLooked(clientId(call));
  },
  Heartbeat: (call: Unary, cb: Reply) => {
    cb(null, HEARTBEAT_OK);
    echo.heartbeat(clientId(call));
  },
  NotifyClientTermination: (_call: Unary, cb: Reply) => cb(null, TERMINATION_OK),
  SendMessage: (call: Unary, cb: Reply) => cb(null, answers.sendMessage(call.request)),
  Telemetry: (stream: grpc.ServerDuplexStream<Buffer, Uint8Array>) => {
    const id = clientId(stream);
    stream.on('data', (cmd: Buffer) => {
      const answer = telemetryAnswer(cmd);
      if (!answer) return;
      stream.write(answer);
      echo.settings(id, answer, (a) => stream.write(a));
    });
    stream.on('end', () => {
      echo.closed(id);
      stream.end();
    });
    stream.on('error', () => echo.closed(id));
  },
});

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) throw err;
  port = bound;
  announce(port, (done) => server.tryShutdown(done));
});
