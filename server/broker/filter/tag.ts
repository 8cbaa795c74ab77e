import { tagHash, type ReadFilter } from '../store/message-store.ts';

/** The tags of a tag expression (`TagA || TagB`); undefined for "everything" (`*` or empty). */
export function parseTagExpression(expression: string): string[] | undefined {
  const trimmed = expression.trim();
  if (trimmed === '' || trimmed === '*') return undefined;
  const tags = trimmed
    .split('||')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  return tags.length === 0 || tags.includes('*') ? undefined : tags;
}

/** A read filter for a tag list: consume-queue tag hashes first, then the exact tag. */
export function tagFilter(tags: readonly string[] | undefined): ReadFilter | undefined {
  if (!tags || tags.length === 0 || tags.includes('*')) return undefined;
  const set = new Set(tags);
  return { tagHashes: new Set(tags.map(tagHash)), accept: (m) => set.has(m.tag) };
}
