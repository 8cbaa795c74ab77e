import { z } from 'zod';
import {
  CONSUME_TYPES,
  groupNameSchema,
  MAX_GROUP_LENGTH,
  MAX_NAMESPACE_LENGTH,
  MAX_TOPIC_LENGTH,
  maxDeliveryAttemptsSchema,
  namespaceNameSchema,
  retryDelayMs,
  RetryPolicySchema,
  type Group,
} from '../broker/index.ts';
import type { BrokerAdmin } from '../broker-admin.ts';
import { descriptionSchema } from '../schemas.ts';
import type { InstanceScope } from '../scope.ts';
import { audits, instanceProcedure, router } from '../trpc.ts';
import { clientView } from './client.ts';
import { deleteProcedure } from './delete-procedure.ts';
import { PageInput, paginate } from './paging.ts';

/** A group by its stored name (`ns%name` inside a namespace). */
const GroupRef = z.object({ name: z.string().min(1).max(MAX_GROUP_LENGTH) });
const GroupFields = z.object({
  consumeType: z.enum(CONSUME_TYPES).optional(),
  fifo: z.boolean().optional(),
  maxDeliveryAttempts: maxDeliveryAttemptsSchema.optional(),
  retryPolicy: RetryPolicySchema.optional(),
  description: descriptionSchema.optional(),
});

/** Reset target: a time (replay from there), or the latest offset (skip the backlog). */
const ResetInput = GroupRef.extend({
  topic: z.string().min(1).max(MAX_TOPIC_LENGTH),
  target: z.union([z.object({ timestamp: z.number().int().nonnegative() }), z.object({ position: z.enum(['earliest', 'latest']) })]),
});

/** A reset names a group and a topic: both must lie in the caller's scope. */
function requireReset(scope: InstanceScope, input: { name: string; topic: string }): void {
  scope.requireName(input.name);
  scope.requireName(input.topic);
}

async function row(admin: BrokerAdmin, g: Group) {
  const [clients, stats, deadLetters] = await Promise.all([admin.clients({ group: g.name }), admin.groupStats(g.name), admin.deadLetterCount(g.name)]);
  return {
    name: g.name,
    namespace: g.namespace,
    consumeType: g.consumeType,
    fifo: g.fifo,
    maxDeliveryAttempts: g.maxDeliveryAttempts,
    retryPolicy: g.retryPolicy.kind,
    description: g.attributes.description ?? '',
    onlineConsumers: clients.length,
    backlog: stats.lag,
    /** Messages in the group's dead-letter queue (stored minus purged). */
    deadLetters,
    updatedAt: g.updatedAt,
  };
}

/**
 * The wait before each redelivery, as the group's policy sets it: `attempt` is the delivery it leads to (2 is
 * the first redelivery), up to the last before the dead-letter queue.
 */
function retrySchedule(g: Group): { attempt: number; delayMs: number }[] {
  return Array.from({ length: g.maxDeliveryAttempts - 1 }, (_, i) => ({ attempt: i + 2, delayMs: retryDelayMs(g.retryPolicy, i + 1) }));
}

/** The engine's attributes carry the description. */
function withDescription<T extends { description?: string | undefined }>({ description, ...rest }: T) {
  return { ...rest, ...(description !== undefined ? { attributes: { description } } : {}) };
}

export const groupRouter = router({
  list: instanceProcedure('viewer')
    .input(PageInput.extend({ namespace: z.string().max(MAX_NAMESPACE_LENGTH).optional() }))
    .query(async ({ ctx, input }) => {
      if (input.namespace !== undefined) ctx.scope.requireNamespace(input.namespace);
      const groups = (await ctx.admin.listGroups(input.namespace)).filter((g) => ctx.scope.allowsName(g.name));
      const rows = await Promise.all(groups.map((g) => row(ctx.admin, g)));
      return paginate(rows, input, (r) => `${r.name} ${r.description}`);
    }),

  /** Detail: config with its back-off schedule, lag per topic and queue, live clients with their subscriptions, the DLQ's size. */
  get: instanceProcedure('viewer')
    .input(GroupRef)
    .query(async ({ ctx, input }) => {
      ctx.scope.requireName(input.name);
      const [group, stats, clients, deadLetters] = await Promise.all([
        ctx.admin.getGroup(input.name),
        ctx.admin.groupStats(input.name),
        ctx.admin.clients({ group: input.name }),
        ctx.admin.deadLetterCount(input.name),
      ]);
      return { group, retrySchedule: retrySchedule(group), stats, clients: clients.map(clientView), deadLetters };
    }),

  create: instanceProcedure('operator')
    .meta(audits('instanceId', 'namespace', 'name'))
    .input(GroupFields.extend({ name: groupNameSchema, namespace: namespaceNameSchema.optional() }))
    .mutation(({ ctx, input: { instanceId: _instance, namespace, ...fields } }) => {
      ctx.scope.requireNamespace(namespace ?? '');
      return ctx.admin.createGroup({ ...withDescription(fields), ...(namespace ? { namespace } : {}) });
    }),

  update: instanceProcedure('operator')
    .meta(audits('instanceId', 'name'))
    .input(GroupRef.extend(GroupFields.shape))
    .mutation(({ ctx, input: { instanceId: _instance, name, ...fields } }) => {
      ctx.scope.requireName(name);
      return ctx.admin.updateGroup(name, withDescription(fields));
    }),

  delete: deleteProcedure(GroupRef, (admin, name) => admin.deleteGroup(name)),

  /** How many messages a reset would replay (positive) or skip (negative), queue by queue; changes nothing. */
  previewReset: instanceProcedure('viewer')
    .input(ResetInput)
    .query(({ ctx, input }) => {
      requireReset(ctx.scope, input);
      return ctx.admin.resetOffset(input.name, input.topic, input.target, true);
    }),

  resetOffset: instanceProcedure('operator')
    .meta(audits('instanceId', 'name'))
    .input(ResetInput)
    .mutation(({ ctx, input }) => {
      requireReset(ctx.scope, input);
      return ctx.admin.resetOffset(input.name, input.topic, input.target, false);
    }),
});
