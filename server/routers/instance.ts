import { z } from 'zod';
import { DEFAULT_RETENTION_HOURS, maxMessageSizeSchema, traceRetentionError } from '../broker/index.ts';
import { embeddedAdmin } from '../broker-admin.ts';
import type { Db, Instance } from '../db.ts';
import { specOf, type Runtime } from '../runtime.ts';
import { descriptionSchema, FLUSH_MODES, grpcPortSchema, instanceNameSchema, regionSchema, retentionHoursSchema, tlsFileSchema, tlsPairError } from '../schemas.ts';
import { adminProcedure, AppError, audits, InstanceRef, router, viewerProcedure } from '../trpc.ts';
import { PageInput, paginate } from './paging.ts';

/** An instance's spec. Fields left out are unchanged on update and take the control plane's defaults on create. */
const Spec = z.object({
  region: regionSchema,
  description: descriptionSchema,
  grpcPort: grpcPortSchema,
  /** Messages per second accepted from producers / delivered to consumers; null = unlimited. */
  maxTps: z.number().int().positive().max(10_000_000).nullable(),
  maxReceiveTps: z.number().int().positive().max(10_000_000).nullable(),
  /** PEM files on the console's host; with both, the instance serves gRPC over TLS only. */
  tlsCertFile: tlsFileSchema.min(1).nullable(),
  tlsKeyFile: tlsFileSchema.min(1).nullable(),
  retentionHours: retentionHoursSchema,
  traceRetentionHours: retentionHoursSchema,
  maxMessageSize: maxMessageSizeSchema,
  flushMode: z.enum(FLUSH_MODES),
});
const CreateInput = Spec.partial({ description: true, maxTps: true, maxReceiveTps: true, tlsCertFile: true, tlsKeyFile: true, retentionHours: true, traceRetentionHours: true, maxMessageSize: true, flushMode: true }).extend({ name: instanceNameSchema });

/** An instance row as the console shows it: control-plane spec plus live status and summary from the runtime. */
async function view(i: Instance, runtime: Runtime) {
  const live = runtime.get(i.id);
  const summary = (await embeddedAdmin(live)?.summary()) ?? null;
  return {
    ...i,
    status: live?.status ?? 'stopped',
    error: live?.error ?? null,
    endpoint: live?.endpoint ? `${live.endpoint.host === '0.0.0.0' ? 'localhost' : live.endpoint.host}:${live.endpoint.port}` : null,
    tls: live?.endpoint?.tls ?? false,
    summary,
  };
}

/** Refuses a trace retention past the message retention, as a field error on traceRetentionHours. */
function checkTraceRetention(traceRetentionHours: number, retentionHours: number): void {
  const error = traceRetentionError(traceRetentionHours, retentionHours);
  if (error) throw new AppError('INVALID_TRACE_RETENTION', 'BAD_REQUEST', error, 'traceRetentionHours');
}

function checkTlsPair(certFile: string | null | undefined, keyFile: string | null | undefined): void {
  const error = tlsPairError(certFile, keyFile);
  if (error) throw new AppError('INVALID_TLS', 'BAD_REQUEST', error, certFile ? 'tlsKeyFile' : 'tlsCertFile');
}

async function findInstance(db: Db, id: string): Promise<Instance> {
  const i = await db.instance.findUnique({ where: { id } });
  if (!i) throw new AppError('INSTANCE_NOT_FOUND', 'NOT_FOUND', 'No such instance');
  return i;
}

export const instanceRouter = router({
  list: viewerProcedure.input(PageInput).query(async ({ ctx, input }) => {
    const rows = await Promise.all((await ctx.db.instance.findMany({ where: ctx.scope.where('id') })).map((i) => view(i, ctx.runtime)));
    return paginate(rows, input, (r) => `${r.name} ${r.region} ${r.description}`);
  }),

  get: viewerProcedure.input(InstanceRef).query(async ({ ctx, input }) => {
    ctx.scope.on(input.instanceId);
    return view(await findInstance(ctx.db, input.instanceId), ctx.runtime);
  }),

  create: adminProcedure
    .meta(audits('name'))
    .input(CreateInput)
    .mutation(async ({ ctx, input }) => {
      if (await ctx.db.instance.findUnique({ where: { name: input.name } })) {
        throw new AppError('INSTANCE_EXISTS', 'CONFLICT', `Instance "${input.name}" already exists`, 'name');
      }
      // A trace is worth keeping as long as the messages it describes, unless told otherwise.
      const traceRetentionHours = input.traceRetentionHours ?? input.retentionHours;
      checkTraceRetention(traceRetentionHours ?? DEFAULT_RETENTION_HOURS, input.retentionHours ?? DEFAULT_RETENTION_HOURS);
      checkTlsPair(input.tlsCertFile, input.tlsKeyFile);
      const created = await ctx.db.instance.create({ data: { ...input, ...(traceRetentionHours ? { traceRetentionHours } : {}), kind: 'embedded' } });
      await ctx.runtime.start(specOf(created));
      return view(created, ctx.runtime);
    }),

  update: adminProcedure
    .meta(audits('instanceId'))
    .input(Spec.partial().extend(InstanceRef.shape))
    .mutation(async ({ ctx, input: { instanceId, ...patch } }) => {
      const current = await findInstance(ctx.db, instanceId);
      checkTraceRetention(patch.traceRetentionHours ?? current.traceRetentionHours, patch.retentionHours ?? current.retentionHours);
      checkTlsPair(patch.tlsCertFile === undefined ? current.tlsCertFile : patch.tlsCertFile, patch.tlsKeyFile === undefined ? current.tlsKeyFile : patch.tlsKeyFile);
      const updated = await ctx.db.instance.update({ where: { id: instanceId }, data: patch });
      await ctx.runtime.start(specOf(updated));
      return view(updated, ctx.runtime);
    }),

  delete: adminProcedure
    .meta(audits('instanceId'))
    .input(InstanceRef.extend({ confirmName: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const i = await findInstance(ctx.db, input.instanceId);
      if (input.confirmName !== i.name) throw new AppError('CONFIRMATION_MISMATCH', 'BAD_REQUEST', `Type "${i.name}" to confirm`, 'confirmName');
      await ctx.runtime.stop(i.id);
      await ctx.db.instance.delete({ where: { id: i.id } });
      return { deleted: i.name };
    }),
});
