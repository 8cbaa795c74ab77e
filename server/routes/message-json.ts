/** Stored messages as the console's file format (server/message-ndjson.ts): export lines and single-message downloads. */
import { MESSAGE_TYPES, SystemProperty, TimerProperty, unwrapName, userPropertiesOf, type MessageType, type StoredMessage } from '../broker/index.ts';
import type { DeadLetter } from '../broker-admin.ts';
import type { NdjsonMessage } from '../message-ndjson.ts';

function isMessageType(v: string | undefined): v is MessageType {
  return (MESSAGE_TYPES as readonly (string | undefined)[]).includes(v);
}

/** A stored message as one line of an export; `topic` is the stored name of the user's topic it belongs to. */
export function ndjsonOf(m: StoredMessage, topic: string): NdjsonMessage {
  const p = m.properties;
  const { name, namespace } = unwrapName(topic);
  const type = p[SystemProperty.MESSAGE_TYPE];
  const deliverAt = p[TimerProperty.DELIVER_AT];
  const group = p[SystemProperty.MESSAGE_GROUP];
  const traceContext = p[SystemProperty.TRACE_CONTEXT];
  return {
    messageId: m.messageId,
    topic: name,
    namespace,
    tag: m.tag,
    keys: [...m.keys],
    properties: userPropertiesOf(m.properties),
    messageType: isMessageType(type) ? type : 'NORMAL',
    ...(group !== undefined ? { messageGroup: group } : {}),
    ...(deliverAt !== undefined && Number.isFinite(Number(deliverAt)) ? { deliverAt: Number(deliverAt) } : {}),
    ...(traceContext ? { traceContext } : {}),
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeTimestamp: m.storeTimestamp,
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    bodyBase64: m.body.toString('base64'),
  };
}

/** A dead letter as a line of a DLQ export: the message under its original topic, with why it failed. */
export function ndjsonOfDeadLetter(group: string, d: DeadLetter): NdjsonMessage {
  return {
    ...ndjsonOf(d.message, d.originTopic),
    deadLetter: {
      group,
      originMessageId: d.originMessageId,
      attempts: d.attempts,
      ...(d.firstFailureAt !== undefined ? { firstFailureAt: d.firstFailureAt } : {}),
      lastFailureAt: d.lastFailureAt,
      reason: d.reason,
      detail: d.detail,
      ...(d.resentAt !== undefined ? { resentAt: d.resentAt } : {}),
    },
  };
}
