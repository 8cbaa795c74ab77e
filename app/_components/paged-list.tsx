'use client';

import type { ReactNode } from 'react';
import { DataTable, pagedRows, type Column, type useTableState } from './data-table.tsx';
import { FilterBar, SearchBox } from './filter-bar.tsx';

type PagedQuery<T> = Parameters<typeof pagedRows<T>>[0];

/**
 * The body of every list page: its filters, then the server-paged table of what they select. A new search
 * goes back to the first page, since the page the user was on may not exist among fewer rows.
 */
export function PagedList<T>({ label, query, table: [state, setState], search, filters, columns, rowKey, empty, detail }: {
  label: string;
  query: PagedQuery<T>;
  table: ReturnType<typeof useTableState>;
  /** The search box's placeholder; without it the list has no free-text search. */
  search?: string;
  /** Filters of the page's own, before the search box. */
  filters?: ReactNode;
  columns: Column<T>[];
  rowKey(row: T): string;
  empty: ReactNode;
  detail?(row: T): ReactNode;
}) {
  return (
    <>
      <FilterBar>
        {filters}
        {search && <SearchBox placeholder={search} value={state.search} onChange={(s) => setState({ ...state, search: s, page: 1 })} />}
      </FilterBar>
      <DataTable label={label} columns={columns} rowKey={rowKey} {...pagedRows(query, state, setState)} detail={detail} empty={empty} />
    </>
  );
}
