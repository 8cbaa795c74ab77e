import { z } from 'zod';
import { TimerProperty } from '../broker/timer/timer-service.ts';
import { router, viewerProcedure } from '../trpc.ts';
import { adminFor } from './instance-access.ts';

export const messageRouter = router({
  /** One message by id with the recorded steps of its life, oldest first. */
  get: viewerProcedure.input(z.object({ instanceId: z.string().min(1), messageId: z.string().trim().min(1).max(128) })).query(async ({ ctx, input }) => {
    const admin = adminFor(ctx, input.instanceId);
    const { message, trace } = await admin.findMessage(input.messageId);
    return {
      message: message && {
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
        body: message.body.toString('utf8', 0, Math.min(message.body.length, 64 * 1024)),
        bodyBytes: message.body.length,
        /** For scheduled messages: when they were (or are) to be delivered. */
        deliverAt: message.properties[TimerProperty.DELIVER_AT] ? Number(message.properties[TimerProperty.DELIVER_AT]) : null,
      },
      trace,
    };
  }),
});
