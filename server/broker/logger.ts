import { pino, type Logger } from 'pino';

/**
 * Structured logs: one JSON line per event on stdout. Level from MERIDIAN_LOG_LEVEL (default info; "silent"
 * in tests that do not want output).
 */
export const logger: Logger = pino(
  {
    level: process.env.MERIDIAN_LOG_LEVEL ?? 'info',
    base: { service: 'meridian' },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  // Synchronous: nothing is left in a buffer to flush at exit (a flush into a closed pipe never ends).
  pino.destination({ dest: 1, sync: true }),
);

export type { Logger };
