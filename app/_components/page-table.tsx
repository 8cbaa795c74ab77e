'use client';

import type { ReactNode } from 'react';

export interface Column<T> {
  key: string;
  header: string;
  sortable?: boolean;
  align?: 'left' | 'right';
  render(row: T): ReactNode;
}

export interface TableState {
  page: number;
  pageSize: number;
  sort?: string;
  dir: 'asc' | 'desc';
  search: string;
}

/** A server-paged table: the caller fetches rows for `state`; this renders sort headers, pager, states. */
export function PageTable<T>(props: {
  columns: Column<T>[];
  rows: T[] | undefined;
  total: number;
  state: TableState;
  onState(next: TableState): void;
  loading: boolean;
  error?: string | undefined;
  empty: ReactNode;
  rowKey(row: T): string;
}) {
  const { state, onState } = props;
  const pages = Math.max(1, Math.ceil(props.total / state.pageSize));
  return (
    <div className="overflow-hidden rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-sm">
        <thead className="bg-slate-50 text-left text-xs uppercase tracking-wide text-slate-500 dark:bg-slate-800/50">
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} className={`px-4 py-2 font-medium ${c.align === 'right' ? 'text-right' : ''}`}>
                {c.sortable ? (
                  <button
                    type="button"
                    className="uppercase tracking-wide"
                    onClick={() => onState({ ...state, sort: c.key, dir: state.sort === c.key && state.dir === 'asc' ? 'desc' : 'asc', page: 1 })}
                  >
                    {c.header}
                    {state.sort === c.key ? (state.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                  </button>
                ) : (
                  c.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.loading &&
            Array.from({ length: 3 }, (_, i) => (
              <tr key={i} className="border-t border-slate-100 dark:border-slate-800">
                <td colSpan={props.columns.length} className="px-4 py-3">
                  <div className="h-4 animate-pulse rounded bg-slate-200 dark:bg-slate-700" />
                </td>
              </tr>
            ))}
          {props.error && (
            <tr>
              <td colSpan={props.columns.length} className="px-4 py-6 text-center text-red-600">
                {props.error}
              </td>
            </tr>
          )}
          {!props.loading && !props.error && props.rows?.length === 0 && (
            <tr>
              <td colSpan={props.columns.length} className="px-4 py-8 text-center text-slate-500">
                {props.empty}
              </td>
            </tr>
          )}
          {props.rows?.map((row) => (
            <tr key={props.rowKey(row)} className="border-t border-slate-100 dark:border-slate-800">
              {props.columns.map((c) => (
                <td key={c.key} className={`px-4 py-2 ${c.align === 'right' ? 'text-right tabular-nums' : ''}`}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="flex items-center justify-between border-t border-slate-100 px-4 py-2 text-xs text-slate-500 dark:border-slate-800">
        <span>{props.total} total</span>
        <span className="flex items-center gap-2">
          <button type="button" disabled={state.page <= 1} onClick={() => onState({ ...state, page: state.page - 1 })} className="disabled:opacity-40">
            Previous
          </button>
          <span>
            Page {state.page} of {pages}
          </span>
          <button type="button" disabled={state.page >= pages} onClick={() => onState({ ...state, page: state.page + 1 })} className="disabled:opacity-40">
            Next
          </button>
        </span>
      </div>
    </div>
  );
}
