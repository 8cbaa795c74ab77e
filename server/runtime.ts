import path from 'node:path';
import { GrpcEndpoint, readTlsFiles } from '../broker/grpc/server.ts';
import { Broker, logger, type FlushMode } from './broker/index.ts';
import type { Instance } from './db.ts';

/** What the runtime needs of an instance's control-plane record to run it. */
export interface InstanceSpec {
  id: string;
  name: string;
  grpcPort: number;
  retentionHours: number;
  traceRetentionHours: number;
  maxMessageSize: number;
  flushMode: FlushMode;
  /** Messages per second accepted from producers / delivered to consumers; null = unlimited. */
  maxTps: number | null;
  maxReceiveTps: number | null;
  /** PEM files: with both, gRPC is served over TLS only. */
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
}

/** The runtime's part of an instance's control-plane record. */
export function specOf(i: Instance): InstanceSpec {
  return {
    id: i.id,
    name: i.name,
    grpcPort: i.grpcPort,
    retentionHours: i.retentionHours,
    traceRetentionHours: i.traceRetentionHours,
    maxMessageSize: i.maxMessageSize,
    flushMode: i.flushMode === 'sync' ? 'sync' : 'async',
    maxTps: i.maxTps,
    maxReceiveTps: i.maxReceiveTps,
    tlsCertFile: i.tlsCertFile,
    tlsKeyFile: i.tlsKeyFile,
  };
}

export type InstanceStatus = 'starting' | 'running' | 'stopped' | 'error';

export interface Rates {
  inPerSec: number;
  outPerSec: number;
}

export interface RunningInstance {
  spec: InstanceSpec;
  /** Messages stored / delivered per second over the last sampling interval. */
  rates: Rates;
  status: InstanceStatus;
  error?: string;
  broker?: Broker;
  endpoint?: GrpcEndpoint;
  startedAt?: number;
}

/**
 * One engine + gRPC endpoint per embedded instance, in this process. The registry lives on globalThis so a
 * Next.js dev reload does not start a second engine on the same data directory.
 */
export class Runtime {
  private readonly instances = new Map<string, RunningInstance>();
  private readonly samples = new Map<string, { at: number; stored: number; delivered: number }>();
  private sampler: NodeJS.Timeout | undefined;
  private readonly startListeners = new Set<(entry: RunningInstance) => void>();

  constructor(
    private readonly dataRoot: string,
    private readonly sampleMs = 5_000,
  ) {}

  /** Turns the engines' counters into per-second rates (every interval; tests call it directly). */
  sampleRates(): void {
    const now = Date.now();
    for (const [id, entry] of this.instances) {
      if (!entry.broker) continue;
      const { stored, delivered } = entry.broker.counters;
      const prev = this.samples.get(id);
      if (prev && now > prev.at) {
        const secs = (now - prev.at) / 1000;
        entry.rates = { inPerSec: Math.round(((stored - prev.stored) / secs) * 10) / 10, outPerSec: Math.round(((delivered - prev.delivered) / secs) * 10) / 10 };
      }
      this.samples.set(id, { at: now, stored, delivered });
    }
  }

  dataDirOf(spec: Pick<InstanceSpec, 'name'>): string {
    // Run-time data, never part of the build: unmarked, Turbopack traces ./data/instances (commit-log segments
    // of a GiB each) into the server's file list.
    return path.join(/* turbopackIgnore: true */ this.dataRoot, 'instances', spec.name);
  }

  get(id: string): RunningInstance | undefined {
    return this.instances.get(id);
  }

  list(): RunningInstance[] {
    return [...this.instances.values()];
  }

  /** Calls `listener` each time an instance starts running (boot, a restart): what goes with it resumes there. */
  onStarted(listener: (entry: RunningInstance) => void): void {
    this.startListeners.add(listener);
  }

  /** Starts the instance; a failure is kept as its status (shown in the console), not thrown. */
  async start(spec: InstanceSpec): Promise<RunningInstance> {
    await this.stop(spec.id);
    const entry: RunningInstance = { spec, status: 'starting', rates: { inPerSec: 0, outPerSec: 0 } };
    this.samples.delete(spec.id);
    this.sampler ??= setInterval(() => this.sampleRates(), this.sampleMs).unref();
    this.instances.set(spec.id, entry);
    try {
      entry.broker = await Broker.open({
        dataDir: this.dataDirOf(spec),
        flush: spec.flushMode,
        retentionHours: spec.retentionHours,
        traceRetentionHours: spec.traceRetentionHours,
        maxMessageSize: spec.maxMessageSize,
        metrics: { labels: { node_id: spec.name, instance: spec.name } },
      });
      // The instance-wide limits are the control plane's spec; per-topic and per-group ones stay the engine's.
      const limits = entry.broker.access.limits;
      entry.broker.access.setLimits({ ...limits, send: spec.maxTps ? { perSecond: spec.maxTps } : null, receive: spec.maxReceiveTps ? { perSecond: spec.maxReceiveTps } : null });
      const clientMetricsEndpoint = process.env.MERIDIAN_CLIENT_METRICS_ENDPOINT;
      const tls = spec.tlsCertFile && spec.tlsKeyFile ? readTlsFiles(spec.tlsCertFile, spec.tlsKeyFile) : undefined;
      entry.endpoint = await GrpcEndpoint.start({ broker: entry.broker, port: spec.grpcPort, ...(clientMetricsEndpoint ? { clientMetricsEndpoint } : {}), ...(tls ? { tls } : {}) });
      entry.status = 'running';
      entry.startedAt = Date.now();
      logger.info({ event: 'instance.start', instance: spec.name, port: entry.endpoint.port }, 'instance started');
      for (const listener of this.startListeners) listener(entry);
    } catch (e) {
      await entry.broker?.close();
      delete entry.broker;
      entry.status = 'error';
      entry.error = (e as Error).message;
      logger.error({ event: 'instance.start_failed', instance: spec.name, err: entry.error }, 'instance failed to start');
    }
    return entry;
  }

  async stop(id: string): Promise<void> {
    const entry = this.instances.get(id);
    if (!entry) return;
    await entry.endpoint?.close();
    await entry.broker?.close();
    delete entry.endpoint;
    delete entry.broker;
    entry.status = 'stopped';
    this.instances.delete(id);
  }

  async stopAll(): Promise<void> {
    clearInterval(this.sampler);
    this.sampler = undefined;
    await Promise.all([...this.instances.keys()].map((id) => this.stop(id)));
  }
}

const KEY = Symbol.for('meridian.runtime');
type WithRuntime = typeof globalThis & { [KEY]?: Runtime };

/** The process-wide runtime (one per server process, kept across dev reloads). */
export function runtime(dataRoot = process.env.MERIDIAN_DATA_DIR ?? './data'): Runtime {
  const g = globalThis as WithRuntime;
  g[KEY] ??= new Runtime(dataRoot);
  return g[KEY];
}
