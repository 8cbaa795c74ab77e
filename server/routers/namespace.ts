import { z } from 'zod';
import { namespaceNameSchema } from '../broker/index.ts';
import { descriptionSchema } from '../schemas.ts';
import { audits, instanceProcedure, router } from '../trpc.ts';
import { deleteProcedure } from './delete-procedure.ts';
import { PageInput, paginate } from './paging.ts';

const NamespaceRef = z.object({ name: namespaceNameSchema });

export const namespaceRouter = router({
  list: instanceProcedure('viewer')
    .input(PageInput)
    .query(async ({ ctx, input }) => {
      const namespaces = (await ctx.admin.listNamespaces()).filter((ns) => ctx.scope.allowsNamespace(ns.name));
      const rows = await Promise.all(
        namespaces.map(async (ns) => {
          const [topics, groups] = await Promise.all([ctx.admin.listTopics(ns.name), ctx.admin.listGroups(ns.name)]);
          return { ...ns, topics: topics.length, groups: groups.length };
        }),
      );
      return paginate(rows, input, (r) => `${r.name} ${r.description}`);
    }),

  create: instanceProcedure('operator')
    .meta(audits('instanceId', 'name'))
    .input(NamespaceRef.extend({ description: descriptionSchema.default('') }))
    .mutation(({ ctx, input }) => {
      ctx.scope.requireNamespace(input.name);
      return ctx.admin.createNamespace(input.name, input.description);
    }),

  /** Refused with NAMESPACE_NOT_EMPTY (and the counts) while it holds topics or groups. */
  delete: deleteProcedure(NamespaceRef, (admin, name) => admin.deleteNamespace(name), (scope, name) => scope.requireNamespace(name)),
});
