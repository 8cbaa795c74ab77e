import type { Handlers } from './h2/server.ts';
import { popHandlers } from './rpc/pop.ts';
import { produceHandlers } from './rpc/produce.ts';
import { queueModelHandlers } from './rpc/queue-model.ts';
import { routeHandlers } from './rpc/route.ts';
import type { ServiceOptions } from './rpc/shared.ts';
import { transactionHandlers } from './rpc/transaction.ts';

export type { ServiceOptions } from './rpc/shared.ts';

/** The apache.rocketmq.v2.MessagingService handlers over one engine, one module per RPC family. */
export function createHandlers(opts: ServiceOptions): Handlers {
  return {
    ...routeHandlers(opts),
    ...produceHandlers(opts),
    ...popHandlers(opts),
    ...queueModelHandlers(opts),
    ...transactionHandlers(opts),
  };
}
