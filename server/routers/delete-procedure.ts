import type { z } from 'zod';
import type { BrokerAdmin } from '../broker-admin.ts';
import type { InstanceScope } from '../scope.ts';
import { audits, instanceProcedure } from '../trpc.ts';

/**
 * An operator's delete of one named resource of an instance (a topic, group or namespace): allowed by the
 * caller's scope (`inScope`: a stored topic or group name by default), audited under its name, and answering
 * with that name so the console can say what went.
 */
export function deleteProcedure(
  ref: z.ZodType<{ name: string }, { name: string }>,
  del: (admin: BrokerAdmin, name: string) => Promise<void>,
  inScope: (scope: InstanceScope, name: string) => void = (scope, name) => scope.requireName(name),
) {
  return instanceProcedure('operator')
    .meta(audits('instanceId', 'name'))
    .input(ref)
    .mutation(async ({ ctx, input }) => {
      inScope(ctx.scope, input.name);
      await del(ctx.admin, input.name);
      return { deleted: input.name };
    });
}
