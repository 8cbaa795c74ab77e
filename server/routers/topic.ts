import { z } from 'zod';
import {
  DEFAULT_QUEUES,
  MAX_MESSAGE_GROUP_BYTES,
  MAX_MESSAGE_ID_BYTES,
  MAX_MESSAGE_SIZE_LIMIT,
  MAX_NAMESPACE_LENGTH,
  MAX_TOPIC_LENGTH,
  MESSAGE_TYPES,
  messageKeySchema,
  namespaceNameSchema,
  PERMISSIONS,
  queueCountSchema,
  tagSchema,
  topicNameSchema,
  type Topic,
  type TopicStats,
} from '../broker/index.ts';
import type { BrokerAdmin } from '../broker-admin.ts';
import { assertConsoleCanSend } from '../console-send.ts';
import { descriptionSchema } from '../schemas.ts';
import { AppError, audits, instanceProcedure, router } from '../trpc.ts';
import { deleteProcedure } from './delete-procedure.ts';
import { PageInput, paginate } from './paging.ts';

/** A topic by its stored name (`ns%name` inside a namespace). */
const topicRefSchema = z.string().min(1).max(MAX_TOPIC_LENGTH);
const TopicRef = z.object({ name: topicRefSchema });

/** Scheduled messages one call lists by default and at most (the engine reads each one's record). */
const DEFAULT_SCHEDULED_LIST = 50;
const MAX_SCHEDULED_LIST = 500;
/** Handles and ids are the engine's own short strings; anything longer is not one of them. */
const MAX_HANDLE_LENGTH = 512;

/** Refuses to act on a message through a topic it does not belong to (the audit names the topic). */
async function requireMessageOf(admin: BrokerAdmin, topic: string, messageId: string): Promise<void> {
  await admin.getTopic(topic);
  const found = await admin.findMessage(messageId);
  if (found && found.topic !== topic) {
    throw new AppError('MESSAGE_NOT_IN_TOPIC', 'BAD_REQUEST', `Message ${messageId} belongs to topic "${found.topic}", not "${topic}"`, 'messageId');
  }
}

function row(t: Topic, s: TopicStats) {
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
}

export const topicRouter = router({
  list: instanceProcedure('viewer')
    .input(PageInput.extend({ namespace: z.string().max(MAX_NAMESPACE_LENGTH).optional() }))
    .query(async ({ ctx, input }) => {
      if (input.namespace !== undefined) ctx.scope.requireNamespace(input.namespace);
      // Filtered before the stats are read and the page is cut: totals count only what the caller may see.
      const topics = (await ctx.admin.listTopics(input.namespace)).filter((t) => ctx.scope.allowsName(t.name));
      const rows = await Promise.all(topics.map(async (t) => row(t, await ctx.admin.topicStats(t.name))));
      return paginate(rows, input, (r) => `${r.name} ${r.description}`);
    }),

  /** The topic, its queues, and the limits of its instance (the send form checks the body against them). */
  get: instanceProcedure('viewer')
    .input(TopicRef)
    .query(async ({ ctx, input }) => {
      ctx.scope.requireName(input.name);
      const [topic, stats, limits] = await Promise.all([ctx.admin.getTopic(input.name), ctx.admin.topicStats(input.name), ctx.admin.limits()]);
      return { topic, stats, limits };
    }),

  create: instanceProcedure('operator')
    .meta(audits('instanceId', 'namespace', 'name'))
    .input(
      z.object({
        namespace: namespaceNameSchema.optional(),
        name: topicNameSchema,
        messageType: z.enum(MESSAGE_TYPES).default('NORMAL'),
        queueNums: queueCountSchema.default(DEFAULT_QUEUES),
        perm: z.enum(PERMISSIONS).default('READ_WRITE'),
        description: descriptionSchema.default(''),
      }),
    )
    .mutation(({ ctx, input: { instanceId: _instance, namespace, description, ...topic } }) => {
      ctx.scope.requireNamespace(namespace ?? '');
      return ctx.admin.createTopic({ ...topic, ...(namespace ? { namespace } : {}), attributes: { description } });
    }),

  update: instanceProcedure('operator')
    .meta(audits('instanceId', 'name'))
    .input(TopicRef.extend({ queueNums: queueCountSchema.optional(), perm: z.enum(PERMISSIONS).optional(), description: descriptionSchema.optional() }))
    .mutation(({ ctx, input }) => {
      ctx.scope.requireName(input.name);
      return ctx.admin.updateTopic(input.name, {
        ...(input.queueNums ? { queueNums: input.queueNums } : {}),
        ...(input.perm ? { perm: input.perm } : {}),
        ...(input.description !== undefined ? { attributes: { description: input.description } } : {}),
      });
    }),

  /** Scheduled (DELAY) and half (TRANSACTION) messages still waiting on this topic. */
  pending: instanceProcedure('viewer')
    .input(TopicRef)
    .query(({ ctx, input }) => {
      ctx.scope.requireName(input.name);
      return ctx.admin.pendingOf(input.name);
    }),

  /** Scheduled messages of the topic still waiting, soonest first, each with the handle that recalls it. */
  scheduled: instanceProcedure('viewer')
    .input(z.object({ topic: topicRefSchema, limit: z.number().int().min(1).max(MAX_SCHEDULED_LIST).default(DEFAULT_SCHEDULED_LIST) }))
    .query(async ({ ctx, input }) => {
      ctx.scope.requireName(input.topic);
      return { messages: await ctx.admin.waitingScheduled(input.topic, input.limit) };
    }),

  /** Cancels a scheduled message before its delivery time; one already delivered or recalled is MESSAGE_NOT_FOUND. */
  recall: instanceProcedure('operator')
    .meta(audits('instanceId', 'topic'))
    .input(z.object({ topic: topicRefSchema, recallHandle: z.string().trim().min(1).max(MAX_HANDLE_LENGTH) }))
    .mutation(async ({ ctx, input }) => {
      ctx.scope.requireName(input.topic);
      return { messageId: await ctx.admin.recall(input.topic, input.recallHandle) };
    }),

  /** Commits or rolls back a half message in place of its producer (one already ended is TRANSACTION_ENDED). */
  endTransaction: instanceProcedure('operator')
    .meta(audits('instanceId', 'topic'))
    .input(
      z.object({
        topic: topicRefSchema,
        transactionId: z.string().trim().min(1).max(MAX_HANDLE_LENGTH),
        messageId: z.string().trim().min(1).max(MAX_MESSAGE_ID_BYTES),
        resolution: z.enum(['COMMIT', 'ROLLBACK']),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      ctx.scope.requireName(input.topic);
      await requireMessageOf(ctx.admin, input.topic, input.messageId);
      return { state: await ctx.admin.endTransaction(input.transactionId, input.messageId, input.resolution, `operator ${ctx.user.username}`) };
    }),

  /** Sends one message (operators testing a flow); validated against the topic's type, its size by the instance. */
  send: instanceProcedure('operator')
    .meta(audits('instanceId', 'name'))
    .input(
      TopicRef.extend({
        // Only a bound on what one request may carry: the instance refuses a body above its own limit.
        body: z.string().min(1, 'Enter a body').max(MAX_MESSAGE_SIZE_LIMIT, `At most ${MAX_MESSAGE_SIZE_LIMIT} bytes, the most any instance accepts`),
        tag: tagSchema.optional(),
        keys: z.array(messageKeySchema).max(32).default([]),
        properties: z.record(z.string().min(1).max(128), z.string().max(4096)).default({}),
        messageGroup: z.string().min(1).max(MAX_MESSAGE_GROUP_BYTES).optional(),
        deliverAt: z.number().int().positive().optional(),
        /** One queue of the topic instead of the usual choice (round robin, or the message group's queue). */
        queueId: z.number().int().nonnegative().optional(),
      }),
    )
    .mutation(async ({ ctx, input: { instanceId: _instance, name, ...message } }) => {
      ctx.scope.requireName(name);
      const topic = await ctx.admin.getTopic(name);
      assertConsoleCanSend(topic);
      if (topic.messageType === 'FIFO' && !message.messageGroup) throw new AppError('MESSAGE_GROUP_REQUIRED', 'BAD_REQUEST', 'FIFO topics need a message group', 'messageGroup');
      if (topic.messageType === 'DELAY' && !message.deliverAt) throw new AppError('DELIVERY_TIME_REQUIRED', 'BAD_REQUEST', 'DELAY topics need a delivery time', 'deliverAt');
      const r = await ctx.admin.sendMessage({ ...message, topic: name, messageType: topic.messageType });
      return { messageId: r.messageId, queueId: r.queueId, queueOffset: r.queueOffset, scheduled: !!r.recallHandle };
    }),

  delete: deleteProcedure(TopicRef, (admin, name) => admin.deleteTopic(name)),
});
