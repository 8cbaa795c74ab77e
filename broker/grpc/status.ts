import { BrokerError, ERROR_SURFACES, FIELD_ROCKETMQ_CODES, isServerFault, logger, type RocketmqCode } from '../../server/broker/index.ts';
import type { Status } from './wire.ts';

/** Protocol status codes by name (apache.rocketmq.v2.Code); proto-loader encodes the names. */
export type Code = RocketmqCode;

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

/** Maps any error to a protocol status; unexpected ones are logged and reported as internal errors. */
export function toStatus(e: unknown, context: { rpc: string; kind?: 'topic' | 'group' }): Status {
  if (e instanceof ProtocolError) return status(e.code, e.message);
  if (e instanceof BrokerError) {
    if (e.code === 'INVALID_NAME') return status(context.kind === 'group' ? 'ILLEGAL_CONSUMER_GROUP' : 'ILLEGAL_TOPIC', e.message);
    if (isServerFault(e.code)) logger.error({ rpc: context.rpc, code: e.code, err: e.message }, 'engine error');
    const field = typeof e.details.field === 'string' ? FIELD_ROCKETMQ_CODES[e.details.field] : undefined;
    return status(field ?? ERROR_SURFACES[e.code].rocketmq, e.message);
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
