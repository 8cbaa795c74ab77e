import { z } from 'zod';
import { auditRows } from '../audit-view.ts';
import type { SessionUser } from '../auth.ts';
import { operatorProcedure, router } from '../trpc.ts';

const AuditFilter = z.object({
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
  /** Exact username. */
  actor: z.string().max(100).optional(),
  /** Action prefix: 'topic.' for every topic action. */
  action: z.string().max(100).optional(),
  result: z.enum(['ok', 'error']).optional(),
  instanceId: z.string().max(100).optional(),
  /** Time range, ms since epoch, both ends included. */
  since: z.number().int().optional(),
  until: z.number().int().optional(),
});

function whereOf(input: z.infer<typeof AuditFilter>) {
  const at = { ...(input.since !== undefined ? { gte: new Date(input.since) } : {}), ...(input.until !== undefined ? { lte: new Date(input.until) } : {}) };
  return {
    ...(input.actor ? { actor: input.actor } : {}),
    ...(input.action ? { action: { startsWith: input.action } } : {}),
    ...(input.result ? { result: input.result } : {}),
    ...(input.instanceId ? { instanceId: input.instanceId } : {}),
    ...(Object.keys(at).length > 0 ? { at } : {}),
  };
}

/**
 * The events a scoped caller sees: everything on the instances whose every namespace is theirs, and their own
 * actions on those they share with others by namespace (a target does not always name its namespace, so
 * other people's events there could be of any). Nothing outside their instances. Unscoped: no filter.
 */
function scopeWhere(user: SessionUser) {
  if (user.scopes === null) return {};
  const whole = user.scopes.filter((e) => e.namespaces.length === 0).map((e) => e.instanceId);
  const partial = user.scopes.filter((e) => e.namespaces.length > 0).map((e) => e.instanceId);
  return { OR: [{ instanceId: { in: whole } }, { instanceId: { in: partial }, actorId: user.id }] };
}

export const auditRouter = router({
  /** Audit events, newest first, filtered on the server and paged; targets by instance name, inputs as pairs. */
  list: operatorProcedure.input(AuditFilter).query(async ({ ctx, input }) => {
    const where = { AND: [whereOf(input), scopeWhere(ctx.user)] };
    const [events, total] = await Promise.all([
      // The id breaks ties between events of the same millisecond, so pages neither overlap nor skip.
      ctx.db.auditEvent.findMany({ where, orderBy: [{ at: 'desc' }, { id: 'desc' }], skip: (input.page - 1) * input.pageSize, take: input.pageSize }),
      ctx.db.auditEvent.count({ where }),
    ]);
    return { rows: await auditRows(ctx.db, events), total, page: input.page, pageSize: input.pageSize };
  }),
});
