/**
 * Test support for the dead-letter jobs and pages (not a test itself): dead letters made the way a consumer
 * makes them, and the deliveries a group's consumer gets afterwards, counted per message id.
 */
import type { Broker } from '../broker/index.ts';

/** A topic and a group reading it, ready to dead-letter into (the group exists before the messages, so it reads them). */
export function createTopicAndGroup(broker: Broker, topic: string, group: string, queueNums = 2): void {
  if (!broker.hasTopic(topic)) broker.createTopic({ name: topic, messageType: 'NORMAL', queueNums });
  if (!broker.hasGroup(group)) broker.createGroup({ name: group, maxDeliveryAttempts: 1 });
}

/** Receives up to a batch for the group, for as long as deliveries keep coming. */
async function* deliveries(broker: Broker, group: string, topic: string) {
  for (;;) {
    const got = await broker.receive({ group, topic, maxMessages: 32, invisibleMs: 600_000, waitMs: 0 });
    if (got.length === 0) return;
    yield* got;
  }
}

/**
 * Puts `bodies` into the topic, then has the group's consumer receive each and forward it to the DLQ, as a
 * client gives up on a message. Resolves to the dead-lettered ids, in the order of `bodies`.
 */
export async function makeDeadLetters(broker: Broker, topic: string, group: string, bodies: readonly (string | { body: string; tag?: string; keys?: string[] })[]): Promise<string[]> {
  createTopicAndGroup(broker, topic, group);
  const sent = await broker.putBatch(bodies.map((b) => ({ topic, ...(typeof b === 'string' ? { body: b } : b) })));
  let forwarded = 0;
  for await (const r of deliveries(broker, group, topic)) {
    await broker.forwardToDeadLetter(group, topic, r.receiptHandle, 'the test gave up on it');
    forwarded++;
  }
  if (forwarded !== sent.length) throw new Error(`dead-lettered ${forwarded} of ${sent.length} messages`);
  return sent.map((s) => s.messageId);
}

/** The DLQ offset of each dead letter of the group, by the id of the message it holds (its origin). */
export function deadLetterOffsets(broker: Broker, group: string): Map<string, number> {
  const out = new Map<string, number>();
  let cursor: ReturnType<Broker['deadLetters']>['nextCursor'];
  do {
    const page = broker.deadLetters(group, { beginMs: 0, endMs: Date.now(), order: 'oldest', limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const d of page.letters) out.set(d.originMessageId, d.offset);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Everything the group's consumer receives now (acked as it comes), counted per message id. */
export async function deliveredCounts(broker: Broker, topic: string, group: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const r of deliveries(broker, group, topic)) {
    counts.set(r.message.messageId, (counts.get(r.message.messageId) ?? 0) + 1);
    broker.ack(group, topic, r.receiptHandle);
  }
  return counts;
}
