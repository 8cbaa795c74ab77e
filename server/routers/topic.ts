import { z } from 'zod';
import { MESSAGE_TYPES, PERMISSIONS } from '../broker/model.ts';
import { AppError, operatorProcedure, router, viewerProcedure } from '../trpc.ts';
import { adminFor } from './instance-access.ts';
import { PageInput, paginate } from './paging.ts';

const TopicRef = z.object({ instanceId: z.string().min(1), name: z.string().min(1).max(200) });

export const topicRouter = router({
  list: viewerProcedure
    .input(PageInput.extend({ instanceId: z.string().min(1), namespace: z.string().optional() }))
    .query(({ ctx, input }) => {
      const admin = adminFor(ctx, input.instanceId);
      const rows = admin.listTopics(input.namespace).map((t) => {
        const s = admin.topicStats(t.name);
        return {
          name: t.name,
          namespace: t.namespace,
          messageType: t.messageType,
          readQueueNums: t.readQueueNums,
          writeQueueNums: t.writeQueueNums,
          perm: t.perm,
          description: t.attributes.description ?? '',
          messageCount: s.messageCount,
          bytes: s.bytes,
          minStoreTimestamp: s.minStoreTimestamp,
          maxStoreTimestamp: s.maxStoreTimestamp,
          updatedAt: t.updatedAt,
        };
      });
      return paginate(rows, input, (r) => `${r.name} ${r.description}`);
    }),

  get: viewerProcedure.input(TopicRef).query(({ ctx, input }) => {
    const admin = adminFor(ctx, input.instanceId);
    return { topic: admin.getTopic(input.name), stats: admin.topicStats(input.name) };
  }),

  create: operatorProcedure
    .input(
      z.object({
        instanceId: z.string().min(1),
        namespace: z.string().optional(),
        name: z.string().min(1).max(127),
        messageType: z.enum(MESSAGE_TYPES).default('NORMAL'),
        queueNums: z.number().int().min(1).max(1024).default(8),
        perm: z.enum(PERMISSIONS).default('READ_WRITE'),
        description: z.string().max(500).default(''),
      }),
    )
    .mutation(({ ctx, input }) =>
      adminFor(ctx, input.instanceId).createTopic({
        name: input.name,
        ...(input.namespace ? { namespace: input.namespace } : {}),
        messageType: input.messageType,
        queueNums: input.queueNums,
        perm: input.perm,
        attributes: { description: input.description },
      }),
    ),

  update: operatorProcedure
    .input(TopicRef.extend({ queueNums: z.number().int().min(1).max(1024).optional(), perm: z.enum(PERMISSIONS).optional(), description: z.string().max(500).optional() }))
    .mutation(({ ctx, input }) =>
      adminFor(ctx, input.instanceId).updateTopic(input.name, {
        ...(input.queueNums ? { queueNums: input.queueNums } : {}),
        ...(input.perm ? { perm: input.perm } : {}),
        ...(input.description !== undefined ? { attributes: { description: input.description } } : {}),
      }),
    ),

  /** Scheduled (DELAY) and half (TRANSACTION) messages still waiting on this topic. */
  pending: viewerProcedure.input(TopicRef).query(({ ctx, input }) => adminFor(ctx, input.instanceId).pendingOf(input.name)),

  /** Sends one message (operators testing a flow); validated against the topic's type. */
  send: operatorProcedure
    .input(
      TopicRef.extend({
        body: z.string().min(1, 'Enter a body').max(1024 * 1024),
        tag: z.string().max(128).optional(),
        keys: z.array(z.string().min(1).max(128)).max(32).default([]),
        properties: z.record(z.string().min(1).max(128), z.string().max(4096)).default({}),
        messageGroup: z.string().min(1).max(63).optional(),
        deliverAt: z.number().int().positive().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const admin = adminFor(ctx, input.instanceId);
      const topic = admin.getTopic(input.name);
      if (topic.messageType === 'TRANSACTION') {
        throw new AppError('UNSUPPORTED_FROM_CONSOLE', 'BAD_REQUEST', 'Transactional messages need a producer that can end them: send them with an SDK');
      }
      if (topic.messageType === 'FIFO' && !input.messageGroup) throw new AppError('MESSAGE_GROUP_REQUIRED', 'BAD_REQUEST', 'FIFO topics need a message group', 'messageGroup');
      if (topic.messageType === 'DELAY' && !input.deliverAt) throw new AppError('DELIVERY_TIME_REQUIRED', 'BAD_REQUEST', 'DELAY topics need a delivery time', 'deliverAt');
      const r = await admin.sendMessage({
        topic: input.name,
        body: input.body,
        keys: input.keys,
        properties: input.properties,
        messageType: topic.messageType,
        ...(input.tag ? { tag: input.tag } : {}),
        ...(input.messageGroup ? { messageGroup: input.messageGroup } : {}),
        ...(input.deliverAt ? { deliverAt: input.deliverAt } : {}),
      });
      return { messageId: r.messageId, queueId: r.queueId, queueOffset: r.queueOffset, scheduled: !!r.recallHandle };
    }),

  delete: operatorProcedure.input(TopicRef).mutation(async ({ ctx, input }) => {
    await adminFor(ctx, input.instanceId).deleteTopic(input.name);
    return { deleted: input.name };
  }),
});
