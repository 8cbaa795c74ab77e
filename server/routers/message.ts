import { z } from 'zod';
import { MAX_MESSAGE_ID_BYTES, TimerProperty, unwrapName, type FoundMessage } from '../broker/index.ts';
import { instanceProcedure, router } from '../trpc.ts';

/** The console shows the start of a body; the full body is a download, not a page. */
const BODY_PREVIEW_BYTES = 64 * 1024;

function view({ message, topic, held }: FoundMessage) {
  const deliverAt = message.properties[TimerProperty.DELIVER_AT];
  const { name, namespace } = unwrapName(topic);
  return {
    messageId: message.messageId,
    /** The user's topic (bare name) and its namespace, also while the timer or a transaction holds it. */
    topic: name,
    namespace,
    /** The stored name that addresses the topic (its page, other procedures). */
    topicRef: topic,
    /** Its place in the topic; null while held, when it sits in a queue of the internal topic instead. */
    queueId: held ? null : message.queueId,
    queueOffset: held ? null : message.queueOffset,
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
    /**
     * What holds it back from consumers, without the internal topic it waits under: a scheduled message's due
     * time, state and recall handle (recalling takes the operator role), or a half message's transaction.
     */
    held: held ?? null,
  };
}

export const messageRouter = router({
  /** One message by id with the recorded steps of its life, oldest first. */
  get: instanceProcedure('viewer')
    .input(z.object({ messageId: z.string().trim().min(1).max(MAX_MESSAGE_ID_BYTES) }))
    .query(async ({ ctx, input }) => {
      const [found, trace] = await Promise.all([ctx.admin.findMessage(input.messageId), ctx.admin.traceOf(input.messageId)]);
      return { message: found ? view(found) : undefined, trace };
    }),
});
