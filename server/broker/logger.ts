import { pino, type Logger } from 'pino';

/**
 * Structured logs: one JSON line per event on stdout. Level from MERIDIAN_LOG_LEVEL (default info; "silent"
 * in tests that do not want output).
 */
export const logger: Logger = pino({
  level: process.env.MERIDIAN_LOG_LEVEL ?? 'info',
  base: { service: 'meridian' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type { Logger };
