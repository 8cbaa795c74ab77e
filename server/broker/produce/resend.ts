import { BrokerError } from '../errors.ts';
import type { Topic } from '../model.ts';
import { SystemProperty } from '../properties.ts';
import type { StoredMessage } from '../store/message-store.ts';
import type { PutMessage } from './put-message.ts';

/** The user's own properties of a stored message (the engine's `__` ones are its own and are not copied). */
function userProperties(m: StoredMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.properties)) if (!k.startsWith('__')) out[k] = v;
  return out;
}

/** The topic a stored copy belongs to for a user: a dead letter's origin, else its own. */
export function homeTopicOf(m: StoredMessage): string {
  return m.properties[SystemProperty.ORIGIN_TOPIC] ?? m.topic;
}

/**
 * A stored message sent again by an operator: body, keys, tag, user properties and message group kept, to
 * its own topic or another of the same type. The copy gets a new id; RESENT_FROM names the original. It is
 * delivered now: a DELAY message is not scheduled again, a TRANSACTION one is committed by the operator.
 */
export function resendOf(source: StoredMessage, sourceTopic: Topic, target: Topic): PutMessage {
  if (target.messageType !== sourceTopic.messageType) {
    throw new BrokerError('MESSAGE_TYPE_MISMATCH', `Topic "${target.name}" is a ${target.messageType} topic; message ${source.messageId} came from a ${sourceTopic.messageType} topic`, {
      topicType: target.messageType,
      messageType: sourceTopic.messageType,
    });
  }
  const group = source.properties[SystemProperty.MESSAGE_GROUP];
  return {
    topic: target.name,
    body: source.body,
    keys: source.keys,
    properties: userProperties(source),
    resentFrom: source.messageId,
    ...(source.tag ? { tag: source.tag } : {}),
    ...(group !== undefined ? { messageGroup: group } : {}),
  };
}
