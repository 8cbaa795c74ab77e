import { BrokerError } from '../errors.ts';
import type { BrokerLimits } from '../options.ts';
import {
  hasControlChars,
  keyProblem,
  MAX_BORN_HOST_BYTES,
  MAX_MESSAGE_GROUP_BYTES,
  MAX_MESSAGE_ID_BYTES,
  MAX_PROPERTIES,
  MAX_PROPERTIES_BYTES,
  propertyKeyProblem,
  tagProblem,
  type MessageType,
} from '../rules.ts';

/** Who sent a message, as the front end saw the request (shown by the trace's PRODUCED step). */
export interface ProducerInfo {
  clientId: string;
  /** The client's SDK: language and version ("JAVA 5.0.7"). */
  sdk?: string;
  /** When the request arrived (ms): the send's latency as the broker sees it runs from here to the store. */
  receivedAt?: number;
}

export interface PutMessage {
  topic: string;
  body: Buffer | Uint8Array | string;
  tag?: string;
  keys?: readonly string[];
  properties?: Readonly<Record<string, string>>;
  /** Kept when given (the client's id), generated otherwise. */
  messageId?: string;
  /** FIFO message group / sharding key: picks the queue by hash, so one group stays in one queue. */
  messageGroup?: string;
  queueId?: number;
  /** When given, checked against the topic's message type. */
  messageType?: MessageType;
  bornTimestamp?: number;
  bornHost?: string;
  traceContext?: string;
  /** Delivery time (ms since epoch) for DELAY topics: the message becomes visible then, to the second. */
  deliverAt?: number;
  /** TRANSACTION messages: how old the half message must be before the first check-back. */
  transactionCheckAfterMs?: number;
  /** Set by the engine's resend only: the id of the message this one copies. */
  resentFrom?: string;
  /** The sending client, when a front end knows it. */
  producer?: ProducerInfo;
}

function invalid(field: string, message: string): BrokerError {
  return new BrokerError('INVALID_ARGUMENT', message, { field });
}

/**
 * The rules every message obeys whatever its topic (the RocketMQ proxy's): body size, tag, keys, user
 * properties, message group, id, born host, delivery time. Throws a BrokerError naming the field at fault;
 * front-ends map the field to their protocol's status. `body` is the byte length of the body.
 */
export function validatePutMessage(m: Omit<PutMessage, 'body'>, bodyBytes: number, limits: BrokerLimits, now = Date.now()): void {
  if (bodyBytes === 0) throw new BrokerError('MESSAGE_BODY_EMPTY', 'Message body is empty');
  if (bodyBytes > limits.maxMessageSize) {
    throw new BrokerError('MESSAGE_TOO_LARGE', `Message body is ${bodyBytes} bytes; the limit is ${limits.maxMessageSize} bytes`, {
      size: bodyBytes,
      limit: limits.maxMessageSize,
    });
  }
  if (m.messageId !== undefined && (!m.messageId.trim() || Buffer.byteLength(m.messageId) > MAX_MESSAGE_ID_BYTES)) {
    throw invalid('messageId', `Message id must be 1-${MAX_MESSAGE_ID_BYTES} bytes and not blank`);
  }
  const tagError = m.tag === undefined ? undefined : tagProblem(m.tag);
  if (tagError) throw invalid('tag', tagError);
  const keys = m.keys ?? [];
  for (const k of keys) {
    const problem = keyProblem(k);
    if (problem) throw invalid('keys', problem);
  }
  checkProperties(m.properties ?? {}, Buffer.byteLength(m.tag ?? '') + keys.reduce((n, k) => n + Buffer.byteLength(k), 0));
  const group = m.messageGroup;
  if (group !== undefined && (!group.trim() || Buffer.byteLength(group) > MAX_MESSAGE_GROUP_BYTES || hasControlChars(group))) {
    throw invalid('messageGroup', `Message group must be 1-${MAX_MESSAGE_GROUP_BYTES} bytes without control characters`);
  }
  if (m.bornHost !== undefined && Buffer.byteLength(m.bornHost) > MAX_BORN_HOST_BYTES) {
    throw invalid('bornHost', `Born host must be at most ${MAX_BORN_HOST_BYTES} bytes`);
  }
  if (m.deliverAt !== undefined) {
    if (!Number.isFinite(m.deliverAt)) throw invalid('deliverAt', 'Delivery time must be a timestamp');
    if (m.deliverAt - now > limits.maxDelayMs) {
      const days = Math.round(limits.maxDelayMs / 86_400_000);
      throw invalid('deliverAt', `Delivery time ${new Date(m.deliverAt).toISOString()} is more than ${days} days ahead, the limit of this instance`);
    }
  }
}

function checkProperties(properties: Readonly<Record<string, string>>, startBytes: number): void {
  const entries = Object.entries(properties);
  if (entries.length > MAX_PROPERTIES) throw invalid('propertiesSize', `A message may carry at most ${MAX_PROPERTIES} user properties`);
  let bytes = startBytes;
  for (const [k, v] of entries) {
    const problem = propertyKeyProblem(k);
    if (problem) throw invalid('properties', problem);
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (bytes > MAX_PROPERTIES_BYTES) {
    throw invalid('propertiesSize', `Properties, tag and keys are ${bytes} bytes; the limit is ${MAX_PROPERTIES_BYTES}`);
  }
}
