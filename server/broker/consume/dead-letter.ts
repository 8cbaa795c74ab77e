import type { Catalog } from '../catalog.ts';
import { SystemProperty } from '../properties.ts';
import type { MessageStore, StoredMessage } from '../store/message-store.ts';
import type { TraceRecorder } from '../trace/recorder.ts';

/** Stores a copy of a message in its group's dead-letter topic `%DLQ%<group>`, saying where it came from and why. */
export async function moveToDeadLetter(
  parts: { catalog: Catalog; store: MessageStore; trace: TraceRecorder },
  m: StoredMessage,
  group: string,
  attempts: number,
  reason: string,
): Promise<void> {
  const dlq = parts.catalog.systemTopicFor('dlq', group);
  parts.trace.record({ messageId: m.messageId, step: 'DEAD_LETTERED', group, topic: dlq.name, attempt: attempts, detail: reason });
  await parts.store.put([
    {
      topic: dlq.name,
      generation: parts.store.topicGeneration(dlq.name),
      queueId: 0,
      messageId: m.messageId,
      body: m.body,
      tag: m.tag,
      keys: m.keys,
      properties: {
        ...m.properties,
        [SystemProperty.ORIGIN_TOPIC]: m.topic,
        [SystemProperty.ORIGIN_QUEUE_ID]: String(m.queueId),
        [SystemProperty.ORIGIN_QUEUE_OFFSET]: String(m.queueOffset),
        [SystemProperty.DLQ_REASON]: reason,
      },
      bornTimestamp: m.bornTimestamp,
      bornHost: m.bornHost,
      sysFlag: 0,
      reconsumeTimes: attempts,
    },
  ]);
}
