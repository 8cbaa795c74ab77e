import { z } from 'zod';
import { MAX_GROUP_LENGTH } from '../broker/index.ts';
import { instanceProcedure, router } from '../trpc.ts';
import { PageInput, paginate } from './paging.ts';

export const clientRouter = router({
  /** Producers and consumers connected over gRPC, most recently seen first by default. */
  list: instanceProcedure('viewer')
    .input(PageInput.extend({ group: z.string().max(MAX_GROUP_LENGTH).optional() }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.admin.clients(input.group ? { group: input.group } : {});
      return paginate(rows, input, (r) => `${r.clientId} ${r.group ?? ''} ${r.host} ${r.kind} ${r.language}`);
    }),
});
