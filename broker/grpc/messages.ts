import { createHash } from 'node:crypto';
import { SystemProperty, type PutMessage } from '../../server/broker/broker.ts';
import type { MessageType } from '../../server/broker/model.ts';
import { hasControlChars, unwrapName } from '../../server/broker/names.ts';
import type { ReceivedMessage } from '../../server/broker/consume/pop-service.ts';
import type { StoredMessage } from '../../server/broker/store/message-store.ts';
import { TimerProperty } from '../../server/broker/timer/timer-service.ts';
import { ProtocolError } from './status.ts';
import { duration, timestamp, toMs, type WireMessage } from './wire.ts';

const MAX_PROPERTIES = 128;
const MAX_PROPERTIES_BYTES = 16 * 1024;
const MAX_GROUP_BYTES = 64;
const ENGINE_TYPES: readonly string[] = ['NORMAL', 'FIFO', 'DELAY', 'TRANSACTION'];


/**
 * Checks a message as the RocketMQ proxy does and turns it into an engine put. `topic` is the resolved full
 * name. Throws ProtocolError with the protocol's code for each rule.
 */
export function toPutMessage(m: WireMessage, topic: string, maxBodySize: number, bornHostFallback: string): PutMessage {
  const sys = m.system_properties;
  if (!sys) throw new ProtocolError('BAD_REQUEST', 'Message has no system_properties');
  if (!m.body || m.body.length === 0) throw new ProtocolError('MESSAGE_BODY_EMPTY', 'Message body is empty');
  if (m.body.length > maxBodySize) {
    throw new ProtocolError('MESSAGE_BODY_TOO_LARGE', `Message body is ${m.body.length} bytes; the limit is ${maxBodySize} bytes`);
  }
  if (!sys.message_id?.trim()) throw new ProtocolError('ILLEGAL_MESSAGE_ID', 'Message id is blank');
  const tag = sys.tag;
  if (tag !== undefined && (!tag.trim() || tag.includes('|') || hasControlChars(tag))) {
    throw new ProtocolError('ILLEGAL_MESSAGE_TAG', `Tag "${tag}" is invalid: it must be non-blank, without '|' or control characters`);
  }
  for (const k of sys.keys ?? []) {
    if (!k.trim() || hasControlChars(k)) throw new ProtocolError('ILLEGAL_MESSAGE_KEY', `Message key "${k}" is blank or has control characters`);
  }
  const props = Object.entries(m.user_properties ?? {});
  if (props.length > MAX_PROPERTIES) throw new ProtocolError('MESSAGE_PROPERTIES_TOO_LARGE', `More than ${MAX_PROPERTIES} user properties`);
  let bytes = Buffer.byteLength(tag ?? '') + (sys.keys ?? []).reduce((n, k) => n + Buffer.byteLength(k), 0);
  for (const [k, v] of props) {
    if (!k || k.startsWith('__') || hasControlChars(k)) throw new ProtocolError('ILLEGAL_MESSAGE_PROPERTY_KEY', `Property key "${k}" is reserved or invalid`);
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (bytes > MAX_PROPERTIES_BYTES) {
    throw new ProtocolError('MESSAGE_PROPERTIES_TOO_LARGE', `Properties, tag and keys are ${bytes} bytes; the limit is ${MAX_PROPERTIES_BYTES}`);
  }
  const group = sys.message_group;
  if (group !== undefined && (!group.trim() || Buffer.byteLength(group) >= MAX_GROUP_BYTES || hasControlChars(group))) {
    throw new ProtocolError('ILLEGAL_MESSAGE_GROUP', `Message group must be 1-${MAX_GROUP_BYTES - 1} bytes without control characters`);
  }
  const type = sys.message_type;
  if (!ENGINE_TYPES.includes(type)) throw new ProtocolError('UNSUPPORTED', `Message type ${type} is not supported`);
  const properties: Record<string, string> = Object.fromEntries(props);
  const put: PutMessage = {
    topic,
    body: m.body,
    keys: sys.keys ?? [],
    properties,
    messageId: sys.message_id,
    messageType: type as MessageType,
    bornTimestamp: toMs(sys.born_timestamp) ?? Date.now(),
    bornHost: sys.born_host || bornHostFallback,
  };
  if (tag !== undefined) put.tag = tag;
  const deliverAt = toMs(sys.delivery_timestamp);
  if (deliverAt !== undefined) put.deliverAt = deliverAt;
  const checkAfter = toMs(sys.orphaned_transaction_recovery_duration);
  if (checkAfter !== undefined) put.transactionCheckAfterMs = checkAfter;
  if (group !== undefined) put.messageGroup = group;
  if (sys.trace_context) put.traceContext = sys.trace_context;
  return put;
}

/** User properties are everything the engine did not reserve (`__` prefix). */
function userProperties(props: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in props) if (!k.startsWith('__')) out[k] = props[k]!;
  return out;
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
  return { topic: { resource_namespace: namespace, name }, user_properties: userProperties(p), system_properties: sys, body: m.body };
}
