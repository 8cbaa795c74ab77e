import { authorize, topicCheck } from '../access.ts';
import { OK, ProtocolError } from '../status.ts';
import type { Resource } from '../wire.ts';
import { topicName, unary, type Handlers, type ServiceOptions } from './shared.ts';

/** Transactions: EndTransaction (COMMIT or ROLLBACK of a half message; check-backs go over Telemetry). */
export function transactionHandlers(opts: ServiceOptions): Handlers {
  return {
    EndTransaction: unary<{ topic: Resource | null; transaction_id: string; message_id: string; resolution: string }>('EndTransaction', 'topic', async (req, ctx) => {
      if (opts.broker.access.settings.authorization) authorize(opts.broker.access, ctx, [topicCheck(topicName(ctx, req.topic), 'PUB')]);
      if (!req.transaction_id?.trim()) throw new ProtocolError('INVALID_TRANSACTION_ID', 'transaction_id is blank');
      if (req.resolution !== 'COMMIT' && req.resolution !== 'ROLLBACK') {
        throw new ProtocolError('BAD_REQUEST', `resolution must be COMMIT or ROLLBACK, got ${req.resolution || 'none'}`);
      }
      await opts.broker.endTransaction(req.transaction_id, req.message_id, req.resolution);
      return { status: OK };
    }),
  };
}
