import { z } from 'zod';
import { EmbeddedBrokerAdmin } from '../broker-admin.ts';
import type { Instance } from '../db.ts';
import type { Runtime } from '../runtime.ts';
import { adminProcedure, AppError, router, viewerProcedure } from '../trpc.ts';
import { PageInput, paginate } from './paging.ts';

const Spec = z.object({
  region: z.string().trim().min(1).max(64),
  description: z.string().max(500).default(''),
  grpcPort: z.number().int().min(0).max(65535),
  maxTps: z.number().int().positive().nullable().default(null),
  retentionHours: z.number().int().min(1).max(24 * 365).default(72),
  maxMessageSize: z.number().int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  flushMode: z.enum(['sync', 'async']).default('async'),
});

const NAME = z.string().trim().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Use 1-63 lower-case letters, digits or "-", starting with a letter or digit');

export function specOf(i: Instance) {
  return { id: i.id, name: i.name, grpcPort: i.grpcPort, retentionHours: i.retentionHours, maxMessageSize: i.maxMessageSize, flushMode: i.flushMode === 'sync' ? 'sync' : 'async' } as const;
}

/** An instance row as the console shows it: control-plane spec plus live status from the runtime. */
function view(i: Instance, runtime: Runtime) {
  const live = runtime.get(i.id);
  const running = live?.status === 'running' && live.broker ? new EmbeddedBrokerAdmin({ ...live, broker: live.broker }) : undefined;
  return {
    ...i,
    status: live?.status ?? 'stopped',
    error: live?.error ?? null,
    endpoint: live?.endpoint ? `${live.endpoint.host === '0.0.0.0' ? 'localhost' : live.endpoint.host}:${live.endpoint.port}` : null,
    summary: running?.summary() ?? null,
  };
}

export const instanceRouter = router({
  list: viewerProcedure.input(PageInput).query(async ({ ctx, input }) => {
    const rows = (await ctx.db.instance.findMany()).map((i) => view(i, ctx.runtime));
    return paginate(rows, input, (r) => `${r.name} ${r.region} ${r.description}`);
  }),

  get: viewerProcedure.input(z.object({ instanceId: z.string().min(1) })).query(async ({ ctx, input }) => {
    const i = await ctx.db.instance.findUnique({ where: { id: input.instanceId } });
    if (!i) throw new AppError('INSTANCE_NOT_FOUND', 'NOT_FOUND', 'No such instance');
    return view(i, ctx.runtime);
  }),

  create: adminProcedure.input(Spec.extend({ name: NAME })).mutation(async ({ ctx, input }) => {
    if (await ctx.db.instance.findUnique({ where: { name: input.name } })) {
      throw new AppError('INSTANCE_EXISTS', 'CONFLICT', `Instance "${input.name}" already exists`, 'name');
    }
    const created = await ctx.db.instance.create({ data: { ...input, kind: 'embedded' } });
    await ctx.runtime.start(specOf(created));
    return view(created, ctx.runtime);
  }),

  update: adminProcedure.input(Spec.partial().extend({ instanceId: z.string().min(1) })).mutation(async ({ ctx, input }) => {
    const { instanceId, ...patch } = input;
    const updated = await ctx.db.instance.update({ where: { id: instanceId }, data: patch });
    await ctx.runtime.start(specOf(updated));
    return view(updated, ctx.runtime);
  }),

  delete: adminProcedure.input(z.object({ instanceId: z.string().min(1), confirmName: z.string() })).mutation(async ({ ctx, input }) => {
    const i = await ctx.db.instance.findUnique({ where: { id: input.instanceId } });
    if (!i) throw new AppError('INSTANCE_NOT_FOUND', 'NOT_FOUND', 'No such instance');
    if (input.confirmName !== i.name) throw new AppError('CONFIRMATION_MISMATCH', 'BAD_REQUEST', `Type "${i.name}" to confirm`, 'confirmName');
    await ctx.runtime.stop(i.id);
    await ctx.db.instance.delete({ where: { id: i.id } });
    return { deleted: i.name };
  }),
});
