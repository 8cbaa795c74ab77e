/**
 * The black-box prober's vocabulary: the checks it runs, what one run of a check reports, and the typed
 * failure every check throws. Pure (no SDK, no engine), so the router, the runner and the alerts share it.
 */

/** Every check, in the order a round runs them (the order the Health page lists them). */
export const CHECK_NAMES = ['normal', 'fifo', 'delay', 'transaction', 'tag_filter', 'sql_filter', 'ack', 'nack_redeliver'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** What a person reads on the Health page for each check. */
export const CHECK_LABELS: Record<CheckName, { title: string; what: string }> = {
  normal: { title: 'Normal', what: 'send → receive → ack on a normal topic' },
  fifo: { title: 'FIFO order', what: '3 messages of one message group arrive in order' },
  delay: { title: 'Delay', what: 'a message due in 2 s arrives after 2 s, not before' },
  transaction: { title: 'Transaction commit', what: 'a half message, committed, is delivered' },
  tag_filter: { title: 'Tag filter', what: 'a consumer of one tag gets only that tag' },
  sql_filter: { title: 'SQL filter', what: 'a SQL92 property filter passes only matching messages' },
  ack: { title: 'Ack', what: 'an acked message is not delivered again' },
  nack_redeliver: { title: 'Nack and redeliver', what: 'a message not acked comes back with delivery attempt 2' },
};

/** One run of one check. */
export interface ProbeOutcome {
  ok: boolean;
  /** From the check's first send to its verdict (client start-up excluded: it measures the message path). */
  latencyMs: number;
  /** `CODE: sentence` when the check failed. */
  error?: string;
}

/** Why a check failed, as a stable code (stored in the row's error, read by the 'prober failed' alert). */
export type ProbeErrorCode =
  | 'TIMEOUT'
  | 'NOT_RECEIVED'
  | 'OUT_OF_ORDER'
  | 'EARLY_DELIVERY'
  | 'FILTER_LEAK'
  | 'REDELIVERED'
  | 'WRONG_ATTEMPT'
  | 'RESOURCE_CONFLICT'
  | 'INSTANCE_NOT_RUNNING'
  | 'CLIENT_ERROR';

export class ProbeError extends Error {
  override readonly name = 'ProbeError';
  constructor(
    readonly code: ProbeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A failure as one line for the row and the page: the code first, so it can be grouped on. */
export function describeFailure(e: unknown): string {
  if (e instanceof ProbeError) return `${e.code}: ${e.message}`;
  const message = e instanceof Error ? e.message : String(e);
  return `CLIENT_ERROR: ${message}`;
}

/** The code of a stored error line (`CODE: sentence`), or CLIENT_ERROR for anything else. */
export function failureCode(error: string | null | undefined): ProbeErrorCode | undefined {
  if (!error) return undefined;
  const code = /^([A-Z_]+):/.exec(error)?.[1];
  return (code as ProbeErrorCode | undefined) ?? 'CLIENT_ERROR';
}
