import { BrokerError, type BrokerErrorCode } from '../../server/broker/errors.ts';
import { logger } from '../../server/broker/logger.ts';
import type { Status } from './wire.ts';

/** Protocol status codes by name (apache.rocketmq.v2.Code); proto-loader encodes the names. */
export type Code =
  | 'OK'
  | 'MULTIPLE_RESULTS'
  | 'BAD_REQUEST'
  | 'ILLEGAL_ACCESS_POINT'
  | 'ILLEGAL_TOPIC'
  | 'ILLEGAL_CONSUMER_GROUP'
  | 'ILLEGAL_MESSAGE_TAG'
  | 'ILLEGAL_MESSAGE_KEY'
  | 'ILLEGAL_MESSAGE_GROUP'
  | 'ILLEGAL_MESSAGE_PROPERTY_KEY'
  | 'INVALID_TRANSACTION_ID'
  | 'ILLEGAL_MESSAGE_ID'
  | 'ILLEGAL_FILTER_EXPRESSION'
  | 'ILLEGAL_INVISIBLE_TIME'
  | 'ILLEGAL_DELIVERY_TIME'
  | 'INVALID_RECEIPT_HANDLE'
  | 'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE'
  | 'UNRECOGNIZED_CLIENT_TYPE'
  | 'CLIENT_ID_REQUIRED'
  | 'ILLEGAL_POLLING_TIME'
  | 'ILLEGAL_OFFSET'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'MESSAGE_NOT_FOUND'
  | 'TOPIC_NOT_FOUND'
  | 'CONSUMER_GROUP_NOT_FOUND'
  | 'OFFSET_NOT_FOUND'
  | 'MESSAGE_BODY_TOO_LARGE'
  | 'MESSAGE_BODY_EMPTY'
  | 'TOO_MANY_REQUESTS'
  | 'MESSAGE_PROPERTIES_TOO_LARGE'
  | 'PRECONDITION_FAILED'
  | 'INTERNAL_SERVER_ERROR'
  | 'NOT_IMPLEMENTED'
  | 'UNSUPPORTED';

export const OK: Status = { code: 'OK', message: 'OK' };

export function status(code: Code, message: string): Status {
  return { code, message };
}

/** A request the protocol layer refuses with a specific status. */
export class ProtocolError extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

const BY_ENGINE_CODE: Partial<Record<BrokerErrorCode, Code>> = {
  TOPIC_NOT_FOUND: 'TOPIC_NOT_FOUND',
  GROUP_NOT_FOUND: 'CONSUMER_GROUP_NOT_FOUND',
  NAMESPACE_NOT_FOUND: 'NOT_FOUND',
  MESSAGE_NOT_FOUND: 'MESSAGE_NOT_FOUND',
  QUEUE_NOT_FOUND: 'NOT_FOUND',
  MESSAGE_BODY_EMPTY: 'MESSAGE_BODY_EMPTY',
  MESSAGE_TOO_LARGE: 'MESSAGE_BODY_TOO_LARGE',
  MESSAGE_TYPE_MISMATCH: 'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE',
  PERMISSION_DENIED: 'FORBIDDEN',
  INVALID_RECEIPT_HANDLE: 'INVALID_RECEIPT_HANDLE',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  INVALID_ARGUMENT: 'BAD_REQUEST',
  INVALID_FILTER: 'ILLEGAL_FILTER_EXPRESSION',
  TRANSACTION_NOT_FOUND: 'INVALID_TRANSACTION_ID',
  TRANSACTION_ENDED: 'PRECONDITION_FAILED',
};

const BY_FIELD: Record<string, Code> = {
  tag: 'ILLEGAL_MESSAGE_TAG',
  keys: 'ILLEGAL_MESSAGE_KEY',
  properties: 'ILLEGAL_MESSAGE_PROPERTY_KEY',
  offset: 'ILLEGAL_OFFSET',
  deliverAt: 'ILLEGAL_DELIVERY_TIME',
};

/** Maps any error to a protocol status; unexpected ones are logged and reported as internal errors. */
export function toStatus(e: unknown, context: { rpc: string; kind?: 'topic' | 'group' }): Status {
  if (e instanceof ProtocolError) return status(e.code, e.message);
  if (e instanceof BrokerError) {
    if (e.code === 'INVALID_NAME') return status(context.kind === 'group' ? 'ILLEGAL_CONSUMER_GROUP' : 'ILLEGAL_TOPIC', e.message);
    const field = typeof e.details.field === 'string' ? BY_FIELD[e.details.field] : undefined;
    const mapped = field ?? BY_ENGINE_CODE[e.code];
    if (mapped) return status(mapped, e.message);
    logger.error({ rpc: context.rpc, code: e.code, err: e.message }, 'engine error');
    return status('INTERNAL_SERVER_ERROR', e.message);
  }
  logger.error({ rpc: context.rpc, err: e instanceof Error ? (e.stack ?? e.message) : String(e) }, 'unexpected error');
  return status('INTERNAL_SERVER_ERROR', 'Internal error; see the broker log');
}

/** The common status of per-entry results: their code when all agree, else MULTIPLE_RESULTS. */
export function combined(statuses: readonly Status[]): Status {
  const first = statuses[0];
  if (!first) return OK;
  return statuses.every((s) => s.code === first.code) ? first : status('MULTIPLE_RESULTS', 'Entries have different results');
}
