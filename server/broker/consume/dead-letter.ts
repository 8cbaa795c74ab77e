import type { Catalog } from '../catalog.ts';
import type { Traffic } from '../metrics/traffic.ts';
import { SystemProperty } from '../properties.ts';
import type { MessageStore, StoredMessage } from '../store/message-store.ts';
import type { TraceRecorder } from '../trace/recorder.ts';
import { originOf, withoutRetryMarks } from './retry-copy.ts';
import { contextOf } from './trace-context.ts';

/** How a message's last delivery failed before it was dead-lettered. */
export type DeadLetterReason = 'NACK' | 'INVISIBLE_EXPIRED' | 'CLIENT_FORWARDED';

export interface Failure {
  reason: DeadLetterReason;
  /** A sentence for people ("not acknowledged after 17 deliveries"). */
  detail: string;
  firstAt: number;
  lastAt: number;
}

/**
 * Stores a copy of a message in its group's dead-letter topic `%DLQ%<group>`, saying where it came from (the
 * user topic, also for a copy delivered through the group's retry topic), why, and when its deliveries failed.
 */
export async function moveToDeadLetter(
  parts: { catalog: Catalog; store: MessageStore; trace: TraceRecorder; traffic: Traffic },
  m: StoredMessage,
  group: string,
  attempts: number,
  failure: Failure,
): Promise<void> {
  const dlq = parts.catalog.systemTopicFor('dlq', group);
  const origin = originOf(m);
  parts.traffic.deadLettered(group, origin.topic);
  parts.trace.record({ messageId: m.messageId, step: 'DEAD_LETTERED', group, topic: dlq.name, attempt: attempts, detail: failure.detail, ...contextOf(m) });
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
        ...withoutRetryMarks(m.properties),
        [SystemProperty.ORIGIN_TOPIC]: origin.topic,
        [SystemProperty.ORIGIN_QUEUE_ID]: String(origin.queueId),
        [SystemProperty.ORIGIN_QUEUE_OFFSET]: String(origin.queueOffset),
        [SystemProperty.DLQ_REASON]: failure.detail,
        [SystemProperty.DLQ_REASON_KIND]: failure.reason,
        [SystemProperty.FIRST_FAILURE_AT]: String(failure.firstAt),
        [SystemProperty.LAST_FAILURE_AT]: String(failure.lastAt),
      },
      bornTimestamp: m.bornTimestamp,
      bornHost: m.bornHost,
      sysFlag: 0,
      reconsumeTimes: attempts,
    },
  ]);
}
