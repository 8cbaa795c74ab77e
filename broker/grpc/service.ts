import type { AccessControl } from '../../server/broker/index.ts';
import { authenticateCall } from './access.ts';
import { hostOf } from './context.ts';
import type { Call, Handler, Handlers } from './h2/server.ts';
import type { GrpcMetrics } from './metrics.ts';
import { popHandlers } from './rpc/pop.ts';
import { produceHandlers } from './rpc/produce.ts';
import { queueModelHandlers } from './rpc/queue-model.ts';
import { routeHandlers } from './rpc/route.ts';
import { statusCodeOf, type ServiceOptions } from './rpc/shared.ts';
import { toStatus } from './status.ts';
import { transactionHandlers } from './rpc/transaction.ts';

export type { ServiceOptions } from './rpc/shared.ts';

/** The apache.rocketmq.v2.MessagingService handlers over one engine, one module per RPC family. */
export function createHandlers(opts: ServiceOptions): Handlers {
  const handlers: Handlers = {
    ...routeHandlers(opts),
    ...produceHandlers(opts),
    ...popHandlers(opts),
    ...queueModelHandlers(opts),
    ...transactionHandlers(opts),
  };
  return Object.fromEntries(Object.entries(handlers).map(([rpc, h]) => [rpc, authenticated(rpc, timed(rpc, h, opts.metrics), opts.broker.access)]));
}

/**
 * A handler that runs only for calls from an allowed address with a good signature (when authentication is
 * on), with `call.user` set; any other call is answered UNAUTHORIZED in the RPC's own status, as the proxy
 * answers: the reply's status, the first frame of a stream, or each telemetry command.
 */
function authenticated(rpc: string, handler: Handler, access: AccessControl): Handler {
  const admit = (call: Call<never>): object | undefined => {
    try {
      call.user = authenticateCall(access, call, hostOf(call.peer));
      return undefined;
    } catch (e) {
      return { status: toStatus(e, { rpc }) };
    }
  };
  if ('unary' in handler) return { unary: async (call) => admit(call) ?? handler.unary(call) };
  if ('serverStream' in handler) {
    return {
      serverStream: (call) => {
        const refused = admit(call);
        if (!refused) return handler.serverStream(call);
        call.write(refused);
        call.end();
      },
    };
  }
  return {
    duplex: (call) => {
      const refused = admit(call);
      if (!refused) return handler.duplex(call);
      call.on('data', () => call.write(refused));
      call.on('end', () => call.end());
    },
  };
}

/** A unary handler whose answers are timed into `rocketmq_rpc_latency` (streams time themselves). */
function timed(rpc: string, handler: Handler, metrics: GrpcMetrics): Handler {
  if (!('unary' in handler)) return handler;
  const run = handler.unary;
  return {
    unary: async (call) => {
      const startedAt = performance.now();
      try {
        const reply = await run(call);
        metrics.rpc(rpc, statusCodeOf(reply), 'success', startedAt);
        return reply;
      } catch (e) {
        metrics.rpc(rpc, 'INTERNAL_SERVER_ERROR', 'process_request_failed', startedAt);
        throw e;
      }
    },
  };
}
