import { DLQ_PREFIX, groupRetryTopicOf, isSystemTopic, RETRY_PREFIX } from '../names.ts';
import { SystemProperty } from '../properties.ts';
import type { MessageStore, StoreInput, StoredMessage } from '../store/message-store.ts';

/**
 * Copies of a message injected for one group alone wait in the group's retry topic for its user topic
 * (`%RETRY%<group>+<topic>`): a dead letter resent to the group, or a consume verification. The group's
 * consumers receive them as messages of the user topic (same id, attempts from 1); other groups never see
 * them and the group's offsets on the user topic never move.
 */

/** What a copy is for: a resend (with its dedupe key, if any) or a consume verification. */
export type RetryMark = { resendKey?: string } | { verificationId: string };

/** Where a message sits in its user topic. */
export interface Origin {
  topic: string;
  queueId: number;
  queueOffset: number;
}

/** The engine's marks of a failed or injected delivery: a new copy sets its own, never inherits them. */
const DELIVERY_MARKS: readonly string[] = [
  SystemProperty.DLQ_REASON,
  SystemProperty.DLQ_REASON_KIND,
  SystemProperty.FIRST_FAILURE_AT,
  SystemProperty.LAST_FAILURE_AT,
  SystemProperty.VERIFICATION_ID,
  SystemProperty.RESEND_KEY,
];

export function withoutRetryMarks(props: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (!DELIVERY_MARKS.includes(k)) out[k] = v;
  return out;
}

/** The message's place in its user topic: its own, or the one a retry or dead-letter copy names. */
export function originOf(m: StoredMessage): Origin {
  const topic = m.properties[SystemProperty.ORIGIN_TOPIC];
  if (topic === undefined) return { topic: m.topic, queueId: m.queueId, queueOffset: m.queueOffset };
  return { topic, queueId: Number(m.properties[SystemProperty.ORIGIN_QUEUE_ID] ?? 0), queueOffset: Number(m.properties[SystemProperty.ORIGIN_QUEUE_OFFSET] ?? 0) };
}

/** The store input of a copy of `source` (a stored message or a dead letter of it) for `group` alone. */
export function retryCopyInput(store: MessageStore, source: StoredMessage, group: string, mark: RetryMark): StoreInput {
  const origin = originOf(source);
  const topic = groupRetryTopicOf(group, origin.topic);
  const properties: Record<string, string> = {
    ...withoutRetryMarks(source.properties),
    [SystemProperty.ORIGIN_TOPIC]: origin.topic,
    [SystemProperty.ORIGIN_QUEUE_ID]: String(origin.queueId),
    [SystemProperty.ORIGIN_QUEUE_OFFSET]: String(origin.queueOffset),
  };
  if ('verificationId' in mark) properties[SystemProperty.VERIFICATION_ID] = mark.verificationId;
  else if (mark.resendKey !== undefined) properties[SystemProperty.RESEND_KEY] = mark.resendKey;
  return {
    topic,
    generation: store.topicGeneration(topic),
    queueId: 0,
    messageId: source.messageId,
    body: source.body,
    tag: source.tag,
    keys: source.keys,
    properties,
    bornTimestamp: source.bornTimestamp,
    bornHost: source.bornHost,
    sysFlag: 0,
    reconsumeTimes: 0,
  };
}

/** A copy as the group's consumers receive it: a message of the user topic, at the original's place. */
export function asDelivered(copy: StoredMessage): StoredMessage {
  return { ...copy, ...originOf(copy) };
}

/** Records of one message id read back at most (the record, dead letters, resends, verifications). */
export const MAX_COPIES = 64;

/** A record in a user topic: not an internal topic's, a dead letter or a retry-topic copy. */
export function isUserRecord(m: StoredMessage): boolean {
  return !isSystemTopic(m.topic) && !m.topic.startsWith(DLQ_PREFIX) && !m.topic.startsWith(RETRY_PREFIX);
}

/**
 * The stored copy of a message a user looks at: its record in the user topic; else the one the timer or a
 * transaction holds (not in its topic yet); else, once retention took those, its newest dead letter. Never a
 * retry-topic copy (those are one group's delivery internals).
 */
export function newestVisibleCopy(store: MessageStore, messageId: string): StoredMessage | undefined {
  const copies = store.lookupAllById(messageId, MAX_COPIES);
  return copies.find(isUserRecord) ?? copies.find((m) => !m.topic.startsWith(DLQ_PREFIX) && !m.topic.startsWith(RETRY_PREFIX)) ?? copies.find((m) => !m.topic.startsWith(RETRY_PREFIX));
}
