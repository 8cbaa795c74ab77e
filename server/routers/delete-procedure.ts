import type { z } from 'zod';
import type { BrokerAdmin } from '../broker-admin.ts';
import { audits, instanceProcedure } from '../trpc.ts';

/**
 * An operator's delete of one named resource of an instance (a topic, group or namespace): audited under
 * its name, and answering with that name so the console can say what went.
 */
export function deleteProcedure(ref: z.ZodType<{ name: string }, { name: string }>, del: (admin: BrokerAdmin, name: string) => Promise<void>) {
  return instanceProcedure('operator')
    .meta(audits('instanceId', 'name'))
    .input(ref)
    .mutation(async ({ ctx, input }) => {
      await del(ctx.admin, input.name);
      return { deleted: input.name };
    });
}
