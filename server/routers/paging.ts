import { z } from 'zod';

/** Table input every list procedure accepts: server-side paging, sort and a text filter. */
export const PageInput = z.object({
  page: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(200).default(20),
  sort: z.string().max(64).optional(),
  dir: z.enum(['asc', 'desc']).default('asc'),
  search: z.string().max(200).default(''),
});
export type PageInput = z.infer<typeof PageInput>;

export interface Page<T> {
  rows: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** Filters by `searchOf`, sorts by the requested column (known columns only), then slices one page. */
export function paginate<T extends object>(items: readonly T[], input: PageInput, searchOf: (row: T) => string): Page<T> {
  const needle = input.search.trim().toLowerCase();
  const filtered = needle ? items.filter((r) => searchOf(r).toLowerCase().includes(needle)) : [...items];
  const key = input.sort as keyof T | undefined;
  if (key && filtered.length > 0 && key in filtered[0]!) {
    const sign = input.dir === 'desc' ? -1 : 1;
    filtered.sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * sign;
    });
  }
  const start = (input.page - 1) * input.pageSize;
  return { rows: filtered.slice(start, start + input.pageSize), total: filtered.length, page: input.page, pageSize: input.pageSize };
}

/** Rows of one page of a cursor-paged search (messages, dead letters): a screenful, and a bound on per-row look-ups. */
export const MAX_CURSOR_PAGE_ROWS = 100;
export const CursorPageSize = z.number().int().min(1).max(MAX_CURSOR_PAGE_ROWS).default(20);
