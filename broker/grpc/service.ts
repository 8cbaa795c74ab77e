import type { Handler, Handlers } from './h2/server.ts';
import type { GrpcMetrics } from './metrics.ts';
import { popHandlers } from './rpc/pop.ts';
import { produceHandlers } from './rpc/produce.ts';
import { queueModelHandlers } from './rpc/queue-model.ts';
import { routeHandlers } from './rpc/route.ts';
import { statusCodeOf, type ServiceOptions } from './rpc/shared.ts';
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
  return Object.fromEntries(Object.entries(handlers).map(([rpc, h]) => [rpc, timed(rpc, h, opts.metrics)]));
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
