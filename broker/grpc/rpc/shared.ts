import { isBrokerError, subscriptionFilter, unwrapName, type Broker, type Group, type ReadFilter, type Subscription } from '../../../server/broker/index.ts';
import type { ClientRegistry } from '../clients.ts';
import type { GrpcMetrics } from '../metrics.ts';
import { callContext, resolveName, type CallContext } from '../context.ts';
import type { Call, CallMeta } from '../h2/server.ts';
import type { Renewals } from '../renewals.ts';
import { toStatus } from '../status.ts';
import type { Endpoints, FilterExpression, Resource } from '../wire.ts';

export interface ServiceOptions {
  broker: Broker;
  clients: ClientRegistry;
  renewals: Renewals;
  /** Create unknown topics on first send and groups on first sight, as RocketMQ's auto-create does. */
  autoCreate: boolean;
  brokerName: string;
  /** host:port clients should use when a request does not say which address it dialed. */
  advertisedEndpoints: () => Endpoints;
  longPollingMs: number;
  minInvisibleMs: number;
  /** Invisible time for push consumers (auto_renew requests carry none). */
  pushInvisibleMs: number;
  /** Aborted at shutdown: long polls answer at once. */
  shutdown: AbortSignal;
  metrics: GrpcMetrics;
  /** The OTLP/gRPC collector SDKs are told to push their metrics to, if any. */
  clientMetrics?: Endpoints;
}

/** The proxy's receive/pull batch limit. */
export const MAX_BATCH = 32;
/** The proxy's longest invisible duration. */
export const MAX_INVISIBLE_MS = 12 * 3600 * 1000;
/** Leave this much of the client's deadline to deliver the answer of a long poll. */
const DEADLINE_MARGIN_MS = 500;

export type { Handlers } from '../h2/server.ts';

/** Runs a unary handler; any failure becomes `{status}` with the protocol's code, never a crash. */
export function unary<Req>(rpc: string, kind: 'topic' | 'group' | undefined, fn: (req: Req, ctx: CallContext) => object | Promise<object>) {
  return {
    unary: async (call: Call<Req>): Promise<object> => {
      try {
        return await fn(call.request, callContext(call));
      } catch (e) {
        return { status: toStatus(e, { rpc, kind }) };
      }
    },
  };
}

/**
 * Runs a server-streaming handler (the long polls): `run` gets a signal that aborts when the client cancels
 * or the broker shuts down, and answers the frames to write; a failure is answered by `onError`'s frames.
 * A cancelled call is answered with nothing.
 */
export function serverStream<Req>(
  opts: ServiceOptions,
  rpc: string,
  run: (call: Call<Req>, ctx: CallContext, signal: AbortSignal) => Promise<object[]>,
  onError: (e: unknown) => object[],
) {
  return {
    serverStream: (call: Call<Req>): void => {
      const startedAt = performance.now();
      const ctx = callContext(call);
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      const write = (frames: object[]): void => {
        if (call.cancelled) {
          opts.metrics.rpc(rpc, 'CANCELLED', 'cancelled', startedAt);
          return;
        }
        for (const f of frames) call.write(f);
        call.end();
        opts.metrics.rpc(rpc, statusCodeOf(frames[0]), 'success', startedAt);
      };
      run(call, ctx, AbortSignal.any([abort.signal, opts.shutdown])).then(write, (e: unknown) => write(onError(e)));
    },
  };
}

/** The RocketMQ status code an answer carries (`status.code`), OK when it carries none. */
export function statusCodeOf(answer: object | undefined): string {
  const code = (answer as { status?: { code?: unknown } } | undefined)?.status?.code;
  return typeof code === 'string' ? code : 'OK';
}

export function topicName(ctx: CallContext, res: Resource | null | undefined): string {
  return resolveName(ctx, res, 'topic');
}

/** The namespace, created on first sight (auto-create only). */
export function ensureNamespace(opts: ServiceOptions, namespace: string): void {
  if (namespace && !opts.broker.hasNamespace(namespace)) opts.broker.createNamespace(namespace);
}

/** The group, created on first sight when auto-create is on. */
export function groupOf(opts: ServiceOptions, ctx: CallContext, res: Resource | null | undefined): Group {
  const name = resolveName(ctx, res, 'group');
  try {
    return opts.broker.getGroup(name);
  } catch (e) {
    if (!opts.autoCreate || !isBrokerError(e, 'GROUP_NOT_FOUND')) throw e;
    const { namespace, name: bare } = unwrapName(name);
    ensureNamespace(opts, namespace);
    return opts.broker.createGroup(namespace ? { namespace, name: bare } : { name: bare });
  }
}

/** The message queue of a route or assignment: one standing for the topic, served by this broker. */
export function queueOf(opts: ServiceOptions, res: Resource, types: readonly string[], endpoints: Endpoints): object {
  return {
    topic: res,
    id: 0,
    permission: 'READ_WRITE',
    broker: { name: opts.brokerName, id: 0, endpoints },
    accept_message_types: types,
  };
}

export function endpointsOf(opts: ServiceOptions, requested: Endpoints | null | undefined): Endpoints {
  return requested && requested.addresses.length > 0 ? requested : opts.advertisedEndpoints();
}

/** A subscription's filter (tag or SQL92), compiled once; a malformed one throws INVALID_FILTER. */
export function filterOf(expr: FilterExpression | null | undefined): ReadFilter | undefined {
  const s = subscriptionOf(expr);
  return s && subscriptionFilter(s.type, s.expression);
}

/** The consumer's filter as it sent it (the broker compiles it and remembers it for the group and topic). */
export function subscriptionOf(expr: FilterExpression | null | undefined): Subscription | undefined {
  return expr ? { type: expr.type === 'SQL' ? 'SQL' : 'TAG', expression: expr.expression } : undefined;
}

export function batchSize(requested: number): number {
  return Math.min(Math.max(requested || 1, 1), MAX_BATCH);
}

/** Time a long poll may take: the requested or default, within the broker's cap and the client's deadline. */
export function pollMs(opts: ServiceOptions, call: CallMeta, requested: number | undefined): number {
  const left = call.deadline - Date.now();
  return Math.max(0, Math.min(requested ?? opts.longPollingMs, opts.longPollingMs, left - DEADLINE_MARGIN_MS));
}

/** The resource as the client named it, for answers that echo it. */
export function echoResource(res: Resource | null | undefined): Resource {
  return { resource_namespace: res?.resource_namespace ?? '', name: res?.name ?? '' };
}
