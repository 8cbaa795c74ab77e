import type { ReadFilter } from '../store/message-store.ts';
import { compileSql } from './sql.ts';
import { parseTagExpression, tagFilter } from './tag.ts';

export type FilterType = 'TAG' | 'SQL';

/**
 * The broker-side filter of a subscription: tags check the consume-queue hash first; SQL92 runs over the
 * user properties plus TAGS. Throws INVALID_FILTER for a malformed SQL expression.
 */
export function subscriptionFilter(type: FilterType, expression: string): ReadFilter | undefined {
  if (type === 'TAG') return tagFilter(parseTagExpression(expression));
  const matches = compileSql(expression);
  return { accept: (m) => matches({ ...m.properties, TAGS: m.tag || undefined }) };
}
