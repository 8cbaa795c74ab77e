import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** The .proto files ship with the official Node.js SDK; we load them rather than keep a copy. */
export const PROTO_ROOT = path.join(path.dirname(require.resolve('rocketmq-client-nodejs/package.json')), 'proto');

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

interface V2Package {
  apache: { rocketmq: { v2: { MessagingService: grpc.ServiceClientConstructor } } };
}

let cached: grpc.ServiceClientConstructor | undefined;

/** The `apache.rocketmq.v2.MessagingService` client constructor; its `.service` is the server definition. */
export function messagingService(): grpc.ServiceClientConstructor {
  if (!cached) {
    const def = protoLoader.loadSync('apache/rocketmq/v2/service.proto', { ...LOADER_OPTIONS, includeDirs: [PROTO_ROOT] });
    cached = (grpc.loadPackageDefinition(def) as unknown as V2Package).apache.rocketmq.v2.MessagingService;
  }
  return cached;
}
