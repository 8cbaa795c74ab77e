import type { StoredMessage } from '../store/message-store.ts';
import { traceContextOf } from '../trace/spans.ts';

/**
 * A message's trace context for the trace step being recorded about it ('' when it has none), so the step's
 * span never reads the record back to find it.
 */
export function contextOf(m: StoredMessage): { traceContext: string } {
  return { traceContext: traceContextOf(m.properties) ?? '' };
}
