import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * The .proto files ship with the official Node.js SDK; we load them rather than keep a copy. Bundlers
 * (Next's Turbopack) turn `require.resolve` of this module into a module id, so fall back to resolving from
 * the working directory's package.
 */
function protoRoot(): string {
  const SDK = 'rocketmq-client-nodejs/package.json';
  const here: unknown = createRequire(import.meta.url).resolve(SDK);
  const pkg = typeof here === 'string' ? here : createRequire(path.join(process.cwd(), 'package.json')).resolve(SDK);
  return path.join(path.dirname(pkg), 'proto');
}

export const PROTO_ROOT = protoRoot();

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
