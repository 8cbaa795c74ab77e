import path from 'node:path';
import { GrpcEndpoint } from '../broker/grpc/server.ts';
import { Broker } from './broker/broker.ts';
import type { FlushMode } from './broker/store/message-store.ts';
import { logger } from './broker/logger.ts';

/** What the runtime needs of an instance's control-plane record to run it. */
export interface InstanceSpec {
  id: string;
  name: string;
  grpcPort: number;
  retentionHours: number;
  maxMessageSize: number;
  flushMode: FlushMode;
}

export type InstanceStatus = 'starting' | 'running' | 'stopped' | 'error';

export interface RunningInstance {
  spec: InstanceSpec;
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

  constructor(private readonly dataRoot: string) {}

  dataDirOf(spec: Pick<InstanceSpec, 'name'>): string {
    return path.join(this.dataRoot, 'instances', spec.name);
  }

  get(id: string): RunningInstance | undefined {
    return this.instances.get(id);
  }

  list(): RunningInstance[] {
    return [...this.instances.values()];
  }

  /** Starts the instance; a failure is kept as its status (shown in the console), not thrown. */
  async start(spec: InstanceSpec): Promise<RunningInstance> {
    await this.stop(spec.id);
    const entry: RunningInstance = { spec, status: 'starting' };
    this.instances.set(spec.id, entry);
    try {
      entry.broker = await Broker.open({
        dataDir: this.dataDirOf(spec),
        flush: spec.flushMode,
        retentionHours: spec.retentionHours,
        maxMessageSize: spec.maxMessageSize,
      });
      entry.endpoint = await GrpcEndpoint.start({ broker: entry.broker, port: spec.grpcPort });
      entry.status = 'running';
      entry.startedAt = Date.now();
      logger.info({ event: 'instance.start', instance: spec.name, port: entry.endpoint.port }, 'instance started');
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
