import { z } from 'zod';
import { router, viewerProcedure } from '../trpc.ts';
import { adminFor } from './instance-access.ts';
import { PageInput, paginate } from './paging.ts';

export const clientRouter = router({
  /** Producers and consumers connected over gRPC, most recently seen first by default. */
  list: viewerProcedure.input(PageInput.extend({ instanceId: z.string().min(1), group: z.string().optional() })).query(({ ctx, input }) => {
    const rows = adminFor(ctx, input.instanceId).clients(input.group ? { group: input.group } : {});
    return paginate(rows, input, (r) => `${r.clientId} ${r.group ?? ''} ${r.host} ${r.kind} ${r.language}`);
  }),
});
