import { EmbeddedBrokerAdmin, type BrokerAdmin } from '../broker-admin.ts';
import type { InnerContext } from '../trpc.ts';
import { AppError } from '../trpc.ts';

/** The data-plane admin of a running instance, or a typed error the console can show. */
export function adminFor(ctx: Pick<InnerContext, 'runtime'>, instanceId: string): BrokerAdmin {
  const entry = ctx.runtime.get(instanceId);
  if (!entry) throw new AppError('INSTANCE_NOT_FOUND', 'NOT_FOUND', `Instance ${instanceId} is not known or not running`);
  if (entry.status !== 'running' || !entry.broker) {
    throw new AppError('INSTANCE_NOT_RUNNING', 'PRECONDITION_FAILED', `Instance "${entry.spec.name}" is ${entry.status}${entry.error ? `: ${entry.error}` : ''}`);
  }
  return new EmbeddedBrokerAdmin({ ...entry, broker: entry.broker });
}
