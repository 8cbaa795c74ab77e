import { z } from 'zod';
import { MAX_MESSAGE_ID_BYTES, TimerProperty, type StoredMessage } from '../broker/index.ts';
import { instanceProcedure, router } from '../trpc.ts';

/** The console shows the start of a body; the full body is a download, not a page. */
const BODY_PREVIEW_BYTES = 64 * 1024;

function view(message: StoredMessage) {
  const deliverAt = message.properties[TimerProperty.DELIVER_AT];
  return {
    messageId: message.messageId,
    topic: message.topic,
    queueId: message.queueId,
    queueOffset: message.queueOffset,
    tag: message.tag,
    keys: message.keys,
    properties: Object.fromEntries(Object.entries(message.properties).filter(([k]) => !k.startsWith('__'))),
    bornTimestamp: message.bornTimestamp,
    storeTimestamp: message.storeTimestamp,
    bornHost: message.bornHost,
    body: message.body.toString('utf8', 0, Math.min(message.body.length, BODY_PREVIEW_BYTES)),
    bodyBytes: message.body.length,
    /** For scheduled messages: when they were (or are) to be delivered. */
    deliverAt: deliverAt ? Number(deliverAt) : null,
  };
}

export const messageRouter = router({
  /** One message by id with the recorded steps of its life, oldest first. */
  get: instanceProcedure('viewer')
    .input(z.object({ messageId: z.string().trim().min(1).max(MAX_MESSAGE_ID_BYTES) }))
    .query(async ({ ctx, input }) => {
      const { message, trace } = await ctx.admin.findMessage(input.messageId);
      return { message: message && view(message), trace };
    }),
});
