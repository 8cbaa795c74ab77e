import { createHash } from 'node:crypto';
import {
  consumerPropertiesOf,
  MESSAGE_TYPES,
  SystemProperty,
  TimerProperty,
  unwrapName,
  validatePutMessage,
  type BrokerLimits,
  type MessageType,
  type PutMessage,
  type ReceivedMessage,
  type StoredMessage,
} from '../../server/broker/index.ts';
import { ProtocolError } from './status.ts';
import { duration, timestamp, toMs, type WireMessage } from './wire.ts';

function isMessageType(type: string): type is MessageType {
  return (MESSAGE_TYPES as readonly string[]).includes(type);
}

/**
 * Turns a wire message into an engine put, checked with the engine's message rules (the proxy's) before the
 * topic is touched. `topic` is the resolved full name. Throws ProtocolError for what only the protocol knows,
 * BrokerError naming the field for the message rules (mapped to the proxy's status codes).
 */
export function toPutMessage(m: WireMessage, topic: string, limits: BrokerLimits, bornHostFallback: string): PutMessage {
  const sys = m.system_properties;
  if (!sys) throw new ProtocolError('BAD_REQUEST', 'Message has no system_properties');
  const type = sys.message_type;
  if (!isMessageType(type)) throw new ProtocolError('UNSUPPORTED', `Message type ${type} is not supported`);
  const put: PutMessage = {
    topic,
    body: m.body ?? Buffer.alloc(0),
    keys: sys.keys ?? [],
    properties: { ...m.user_properties },
    messageId: sys.message_id ?? '',
    messageType: type,
    bornTimestamp: toMs(sys.born_timestamp) ?? Date.now(),
    bornHost: sys.born_host || bornHostFallback,
  };
  if (sys.tag !== undefined) put.tag = sys.tag;
  const deliverAt = toMs(sys.delivery_timestamp);
  if (deliverAt !== undefined) put.deliverAt = deliverAt;
  const checkAfter = toMs(sys.orphaned_transaction_recovery_duration);
  if (checkAfter !== undefined) put.transactionCheckAfterMs = checkAfter;
  if (sys.message_group !== undefined) put.messageGroup = sys.message_group;
  if (sys.trace_context) put.traceContext = sys.trace_context;
  validatePutMessage(put, m.body?.length ?? 0, limits);
  return put;
}

/** A stored message as the protocol delivers it: bare topic name, system properties, MD5 body digest. */
export function toWireMessage(m: StoredMessage, storeHost: string, delivery?: ReceivedMessage, invisibleMs?: number): WireMessage {
  const { namespace, name } = unwrapName(m.topic);
  const p = m.properties;
  const sys: WireMessage['system_properties'] & object = {
    keys: [...m.keys],
    message_id: m.messageId,
    body_digest: { type: 'MD5', checksum: createHash('md5').update(m.body).digest('hex').toUpperCase() },
    body_encoding: 'IDENTITY',
    message_type: (p[SystemProperty.MESSAGE_TYPE] as MessageType | undefined) ?? 'NORMAL',
    born_timestamp: timestamp(m.bornTimestamp),
    born_host: m.bornHost,
    store_timestamp: timestamp(m.storeTimestamp),
    store_host: storeHost,
    queue_id: m.queueId,
    queue_offset: m.queueOffset,
  };
  if (m.tag) sys.tag = m.tag;
  const group = p[SystemProperty.MESSAGE_GROUP];
  if (group !== undefined) sys.message_group = group;
  const deliverAt = p[TimerProperty.DELIVER_AT];
  if (deliverAt) sys.delivery_timestamp = timestamp(Number(deliverAt));
  const trace = p[SystemProperty.TRACE_CONTEXT];
  if (trace) sys.trace_context = trace;
  if (delivery) {
    sys.receipt_handle = delivery.receiptHandle;
    sys.delivery_attempt = delivery.deliveryAttempt;
    if (invisibleMs !== undefined) sys.invisible_duration = duration(invisibleMs);
  }
  return { topic: { resource_namespace: namespace, name }, user_properties: consumerPropertiesOf(p), system_properties: sys, body: m.body };
}
