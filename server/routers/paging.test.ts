import { describe, expect, it } from 'vitest';
import { PageInput, paginate } from './paging.ts';

const rows = [
  { name: 'orders', count: 5 },
  { name: 'payments', count: 12 },
  { name: 'audit', count: 1 },
];

describe('paginate', () => {
  it('filters, sorts by a known column and slices a page', () => {
    const page = paginate(rows, PageInput.parse({ sort: 'count', dir: 'desc', pageSize: 2 }), (r) => r.name);
    expect(page).toEqual({ rows: [rows[1], rows[0]], total: 3, page: 1, pageSize: 2 });
    expect(paginate(rows, PageInput.parse({ search: 'PAY' }), (r) => r.name).rows).toEqual([rows[1]]);
    expect(paginate(rows, PageInput.parse({ page: 2, pageSize: 2, sort: 'name' }), (r) => r.name).rows).toEqual([rows[1]]);
  });

  it('ignores unknown sort columns and refuses bad page input', () => {
    expect(paginate(rows, PageInput.parse({ sort: 'nope' }), (r) => r.name).rows).toEqual(rows);
    expect(PageInput.safeParse({ pageSize: 1000 }).success).toBe(false);
    expect(PageInput.safeParse({ page: 0 }).success).toBe(false);
  });
});
