import { z } from 'zod';
import { operatorProcedure, router } from '../trpc.ts';

export const auditRouter = router({
  /** Audit events, newest first, filtered on the server and paged. */
  list: operatorProcedure
    .input(
      z.object({
        page: z.number().int().min(1).default(1),
        pageSize: z.number().int().min(1).max(200).default(50),
        actor: z.string().max(100).optional(),
        action: z.string().max(100).optional(),
        result: z.enum(['ok', 'error']).optional(),
        since: z.number().int().optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const where = {
        ...(input.actor ? { actor: input.actor } : {}),
        ...(input.action ? { action: { startsWith: input.action } } : {}),
        ...(input.result ? { result: input.result } : {}),
        ...(input.since ? { at: { gte: new Date(input.since) } } : {}),
      };
      const [rows, total] = await Promise.all([
        ctx.db.auditEvent.findMany({ where, orderBy: { at: 'desc' }, skip: (input.page - 1) * input.pageSize, take: input.pageSize }),
        ctx.db.auditEvent.count({ where }),
      ]);
      return { rows, total, page: input.page, pageSize: input.pageSize };
    }),
});
