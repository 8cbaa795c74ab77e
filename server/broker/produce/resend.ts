import { BrokerError } from '../errors.ts';
import type { Topic } from '../model.ts';
import { SystemProperty, userPropertiesOf } from '../properties.ts';
import type { StoredMessage } from '../store/message-store.ts';
import type { PutMessage } from './put-message.ts';

/** The topic a stored copy belongs to for a user: a dead letter's origin, else its own. */
export function homeTopicOf(m: StoredMessage): string {
  return m.properties[SystemProperty.ORIGIN_TOPIC] ?? m.topic;
}

/**
 * A stored message sent again by an operator: body, keys, tag, user properties, message group and the
 * producer's trace context kept (the engine's other `__` properties are not copied), to its own topic or
 * another of the same type. The copy gets a new id; `__RESENT_FROM` names the original (consumers see it as
 * the user property RESENT_FROM). It is delivered now: a DELAY message is not scheduled again, a
 * TRANSACTION one is committed by the operator.
 */
export function resendOf(source: StoredMessage, sourceTopic: Topic, target: Topic): PutMessage {
  if (target.messageType !== sourceTopic.messageType) {
    throw new BrokerError('MESSAGE_TYPE_MISMATCH', `Topic "${target.name}" is a ${target.messageType} topic; message ${source.messageId} came from a ${sourceTopic.messageType} topic`, {
      topicType: target.messageType,
      messageType: sourceTopic.messageType,
    });
  }
  const group = source.properties[SystemProperty.MESSAGE_GROUP];
  const traceContext = source.properties[SystemProperty.TRACE_CONTEXT];
  return {
    topic: target.name,
    body: source.body,
    keys: source.keys,
    properties: userPropertiesOf(source.properties),
    resentFrom: source.messageId,
    ...(source.tag ? { tag: source.tag } : {}),
    ...(group !== undefined ? { messageGroup: group } : {}),
    ...(traceContext ? { traceContext } : {}),
  };
}
