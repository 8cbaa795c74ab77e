import fs from 'node:fs';
import os from 'node:os';
import tls from 'node:tls';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { BrokerError, hrTime, logger, type Broker } from '../../server/broker/index.ts';
import { ClientRegistry } from './clients.ts';
import { GrpcMetrics } from './metrics.ts';
import { Http2GrpcServer, type MethodDefinition, type TlsFiles } from './h2/server.ts';
import { Renewals } from './renewals.ts';
import { toWireMessage } from './messages.ts';
import { messagingService } from './proto.ts';
import { createHandlers } from './service.ts';
import type { Endpoints } from './wire.ts';

export interface GrpcEndpointOptions {
  broker: Broker;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  autoCreate?: boolean;
  brokerName?: string;
  /** Longest a receive is held open waiting for messages (default 20 s, RocketMQ's). */
  longPollingMs?: number;
  /** Shortest invisible duration a receive may ask for (default 1 s). */
  minInvisibleMs?: number;
  pushInvisibleMs?: number;
  /** host:port of an OTLP/gRPC collector that SDKs should push their client metrics to (Settings.metric). */
  clientMetricsEndpoint?: string;
  /** Serve gRPC over TLS only, with this certificate chain and key (see readTlsFiles). */
  tls?: TlsFiles;
}

/** The RocketMQ proxy's frame limit: far above any body limit, so an oversized body gets a protocol status. */
const MAX_FRAME_BYTES = 130 * 1024 * 1024;
/** In-flight calls get this long to finish at shutdown before the server is forced down. */
const CLOSE_GRACE_MS = 5000;
/** RocketMQ's default long-polling timeout. */
export const DEFAULT_LONG_POLLING_MS = 20_000;
/** Meridian's shortest invisible duration (the proxy's is 10 s; 1 s keeps tests and tight retries quick). */
const DEFAULT_MIN_INVISIBLE_MS = 1000;
/** Invisible time a push delivery gets, renewed while its client is connected (the proxy renews similarly). */
const DEFAULT_PUSH_INVISIBLE_MS = 60_000;

/** The RocketMQ v2 gRPC MessagingService over one engine. */
export class GrpcEndpoint {
  readonly clients = new ClientRegistry();
  private readonly shutdown = new AbortController();
  private renewals: Renewals | undefined;
  private readonly metrics: GrpcMetrics;
  private constructor(
    private readonly server: Http2GrpcServer,
    private readonly broker: Broker,
    readonly port: number,
    readonly host: string,
    /** Whether clients must connect with TLS (the SDKs' sslEnabled). */
    readonly tls: boolean,
  ) {
    this.metrics = new GrpcMetrics(broker.metricLabels, this.clients);
  }

  static async start(opts: GrpcEndpointOptions): Promise<GrpcEndpoint> {
    const host = opts.host ?? '0.0.0.0';
    const clientMetrics = opts.clientMetricsEndpoint ? endpointsOf(opts.clientMetricsEndpoint) : undefined;
    // An oversized message then gets MESSAGE_BODY_TOO_LARGE rather than a transport error that makes SDKs
    // write the endpoint off.
    const server = new Http2GrpcServer({ maxReceiveMessageLength: Math.max(MAX_FRAME_BYTES, opts.broker.limits.maxMessageSize * 2), ...(opts.tls ? { tls: opts.tls } : {}) });
    const port = await server.listen(host, opts.port);
    const endpoint = new GrpcEndpoint(server, opts.broker, port, host, opts.tls !== undefined);
    const pushInvisibleMs = opts.pushInvisibleMs ?? DEFAULT_PUSH_INVISIBLE_MS;
    endpoint.renewals = new Renewals(opts.broker, endpoint.clients, pushInvisibleMs);
    const advertised: Endpoints = {
      scheme: 'IPv4',
      addresses: [{ host: host === '0.0.0.0' ? advertisedHost() : host, port }],
    };
    server.addService(
      messagingService().service as unknown as Record<string, MethodDefinition>,
      createHandlers({
        broker: opts.broker,
        clients: endpoint.clients,
        renewals: endpoint.renewals,
        autoCreate: opts.autoCreate ?? false,
        brokerName: opts.brokerName ?? 'meridian',
        advertisedEndpoints: () => advertised,
        longPollingMs: opts.longPollingMs ?? DEFAULT_LONG_POLLING_MS,
        minInvisibleMs: opts.minInvisibleMs ?? DEFAULT_MIN_INVISIBLE_MS,
        pushInvisibleMs,
        shutdown: endpoint.shutdown.signal,
        metrics: endpoint.metrics,
        ...(clientMetrics ? { clientMetrics } : {}),
      }),
    );
    // Transaction check-backs go to a live producer of the topic over its telemetry stream.
    opts.broker.setCheckBackHandler((half, realTopic, transactionId) => {
      const streams = endpoint.clients.producerStreams(realTopic);
      const stream = streams[Math.floor(Math.random() * streams.length)];
      if (!stream) return false;
      stream.write({ recover_orphaned_transaction_command: { message: toWireMessage({ ...half, topic: realTopic }, ''), transaction_id: transactionId } });
      return true;
    });
    // Consume verification delivers through a live consumer of the group: refused while none is connected.
    opts.broker.setLiveConsumerCheck((group) => endpoint.clients.list({ group }).some((c) => c.kind === 'PUSH_CONSUMER' || c.kind === 'SIMPLE_CONSUMER'));
    opts.broker.setSubscriptionSource(() => endpoint.clients.subscriptionsByGroup());
    logger.info({ event: 'grpc.start', port, host, tls: endpoint.tls }, 'gRPC endpoint listening');
    return endpoint;
  }

  /** The endpoint's series (rpc latency, connections) as a metrics reader would collect them now. */
  collectMetrics(now = Date.now()): MetricData[] {
    return this.metrics.collect(hrTime(now));
  }

  /** Stops accepting calls, lets in-flight ones finish (long polls are answered early), then closes. */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    this.shutdown.abort();
    this.broker.setCheckBackHandler(undefined);
    this.broker.setLiveConsumerCheck(undefined);
    this.broker.setSubscriptionSource(undefined);
    this.renewals?.close();
    this.clients.closeAll();
    this.metrics.close();
    await this.server.close(graceMs);
    logger.info({ event: 'grpc.stop', port: this.port }, 'gRPC endpoint stopped');
  }
}

/**
 * A PEM certificate chain and private key from their files, checked to form a usable pair before the port
 * opens: a wrong path or a key of another certificate is refused with the file named.
 */
export function readTlsFiles(certFile: string, keyFile: string): TlsFiles {
  const read = (file: string, what: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new BrokerError('INVALID_ARGUMENT', `Cannot read the TLS ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  };
  const files = { cert: read(certFile, 'certificate'), key: read(keyFile, 'key') };
  try {
    tls.createSecureContext(files);
  } catch (e) {
    throw new BrokerError('INVALID_ARGUMENT', `The TLS certificate ${certFile} and key ${keyFile} do not form a usable pair: ${(e as Error).message}`);
  }
  return files;
}

/** "host:port" as protocol Endpoints; a malformed one is refused when the endpoint starts. */
export function endpointsOf(hostPort: string): Endpoints {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(hostPort.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new BrokerError('INVALID_ARGUMENT', `The client metrics endpoint must be host:port, got "${hostPort}"`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return { scheme: host.includes(':') ? 'IPv6' : /^[\d.]+$/.test(host) ? 'IPv4' : 'DOMAIN_NAME', addresses: [{ host, port }] };
}

/** The first non-internal IPv4 address, for clients that do not say which address they dialed. */
function advertisedHost(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
