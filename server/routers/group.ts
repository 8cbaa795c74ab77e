import { z } from 'zod';
import { CONSUME_TYPES, RetryPolicySchema } from '../broker/model.ts';
import { operatorProcedure, router, viewerProcedure } from '../trpc.ts';
import { adminFor } from './instance-access.ts';
import { PageInput, paginate } from './paging.ts';

const GroupRef = z.object({ instanceId: z.string().min(1), name: z.string().min(1).max(200) });
const GroupFields = z.object({
  consumeType: z.enum(CONSUME_TYPES).optional(),
  fifo: z.boolean().optional(),
  maxDeliveryAttempts: z.number().int().min(1).max(1000).optional(),
  retryPolicy: RetryPolicySchema.optional(),
  description: z.string().max(500).optional(),
});

/** Reset target: a time (replay from there), or the latest offset (skip the backlog). */
const ResetInput = GroupRef.extend({
  topic: z.string().min(1),
  target: z.union([z.object({ timestamp: z.number().int().nonnegative() }), z.object({ position: z.enum(['earliest', 'latest']) })]),
});

export const groupRouter = router({
  list: viewerProcedure.input(PageInput.extend({ instanceId: z.string().min(1), namespace: z.string().optional() })).query(({ ctx, input }) => {
    const admin = adminFor(ctx, input.instanceId);
    const rows = admin.listGroups(input.namespace).map((g) => ({
      name: g.name,
      namespace: g.namespace,
      consumeType: g.consumeType,
      fifo: g.fifo,
      maxDeliveryAttempts: g.maxDeliveryAttempts,
      retryPolicy: g.retryPolicy.kind,
      description: g.attributes.description ?? '',
      onlineConsumers: admin.clients({ group: g.name }).length,
      backlog: admin.groupStats(g.name).lag,
      updatedAt: g.updatedAt,
    }));
    return paginate(rows, input, (r) => `${r.name} ${r.description}`);
  }),

  /** Detail: config, lag per topic and queue, live clients with their subscriptions. */
  get: viewerProcedure.input(GroupRef).query(({ ctx, input }) => {
    const admin = adminFor(ctx, input.instanceId);
    return { group: admin.getGroup(input.name), stats: admin.groupStats(input.name), clients: admin.clients({ group: input.name }) };
  }),

  create: operatorProcedure.input(GroupRef.merge(GroupFields).extend({ namespace: z.string().optional() })).mutation(({ ctx, input }) => {
    const { instanceId, description, namespace, ...fields } = input;
    return adminFor(ctx, instanceId).createGroup({
      ...fields,
      ...(namespace ? { namespace } : {}),
      ...(description !== undefined ? { attributes: { description } } : {}),
    });
  }),

  update: operatorProcedure.input(GroupRef.merge(GroupFields)).mutation(({ ctx, input }) => {
    const { instanceId, name, description, ...fields } = input;
    return adminFor(ctx, instanceId).updateGroup(name, { ...fields, ...(description !== undefined ? { attributes: { description } } : {}) });
  }),

  delete: operatorProcedure.input(GroupRef).mutation(({ ctx, input }) => {
    adminFor(ctx, input.instanceId).deleteGroup(input.name);
    return { deleted: input.name };
  }),

  /** How many messages a reset would replay (positive) or skip (negative), queue by queue; changes nothing. */
  previewReset: viewerProcedure.input(ResetInput).query(({ ctx, input }) =>
    adminFor(ctx, input.instanceId).resetOffset(input.name, input.topic, input.target, true),
  ),

  resetOffset: operatorProcedure.input(ResetInput).mutation(({ ctx, input }) =>
    adminFor(ctx, input.instanceId).resetOffset(input.name, input.topic, input.target, false),
  ),
});
