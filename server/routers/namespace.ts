import { z } from 'zod';
import { operatorProcedure, router, viewerProcedure } from '../trpc.ts';
import { adminFor } from './instance-access.ts';
import { PageInput, paginate } from './paging.ts';

export const namespaceRouter = router({
  list: viewerProcedure.input(PageInput.extend({ instanceId: z.string().min(1) })).query(({ ctx, input }) => {
    const admin = adminFor(ctx, input.instanceId);
    const rows = admin.listNamespaces().map((ns) => ({
      ...ns,
      topics: admin.listTopics(ns.name).length,
      groups: admin.listGroups(ns.name).length,
    }));
    return paginate(rows, input, (r) => `${r.name} ${r.description}`);
  }),

  create: operatorProcedure
    .input(z.object({ instanceId: z.string().min(1), name: z.string().min(1).max(64), description: z.string().max(500).default('') }))
    .mutation(({ ctx, input }) => adminFor(ctx, input.instanceId).createNamespace(input.name, input.description)),

  /** Refused with NAMESPACE_NOT_EMPTY (and the counts) while it holds topics or groups. */
  delete: operatorProcedure.input(z.object({ instanceId: z.string().min(1), name: z.string().min(1) })).mutation(({ ctx, input }) => {
    adminFor(ctx, input.instanceId).deleteNamespace(input.name);
    return { deleted: input.name };
  }),
});
