'use client';

import { Fragment, useState, type ReactNode } from 'react';
import { errorInfo } from './trpc.tsx';
import { secondaryButtonClass } from './ui.tsx';

export interface Column<T> {
  key: string;
  header: string;
  /** Sorted on the server (paged tables only). */
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

const PAGE_SIZE = 20;

/** A paged table's state, first page, sorted by `sort`. */
export function useTableState(sort: string, dir: 'asc' | 'desc' = 'asc') {
  return useState<TableState>({ page: 1, pageSize: PAGE_SIZE, sort, dir, search: '' });
}

/** A paged list query as DataTable's props: its rows, loading and error states, and the pager. */
export function pagedRows<T>(query: { data?: { rows: T[]; total: number } | undefined; isPending: boolean; error: unknown }, state: TableState, onState: (next: TableState) => void) {
  return { rows: query.data?.rows, loading: query.isPending, error: query.error, paging: { state, total: query.data?.total ?? 0, onState } };
}

interface Paging {
  state: TableState;
  total: number;
  onState(next: TableState): void;
}

function SortHeader<T>({ column, paging }: { column: Column<T>; paging: Paging }) {
  const { state, onState } = paging;
  const active = state.sort === column.key;
  return (
    <button
      type="button"
      aria-sort={active ? (state.dir === 'asc' ? 'ascending' : 'descending') : undefined}
      className="inline-flex items-center gap-1 tracking-wide uppercase hover:text-slate-800 dark:hover:text-slate-200"
      onClick={() => onState({ ...state, sort: column.key, dir: active && state.dir === 'asc' ? 'desc' : 'asc', page: 1 })}
    >
      {column.header}
      <span aria-hidden className={active ? '' : 'opacity-0'}>
        {active && state.dir === 'desc' ? '▼' : '▲'}
      </span>
    </button>
  );
}

function Pager({ paging }: { paging: Paging }) {
  const { state, total, onState } = paging;
  const pages = Math.max(1, Math.ceil(total / state.pageSize));
  const first = total === 0 ? 0 : (state.page - 1) * state.pageSize + 1;
  const last = Math.min(total, state.page * state.pageSize);
  const small = `${secondaryButtonClass} px-2! py-1! text-xs!`;
  return (
    <div className="flex items-center justify-between border-t border-slate-200 px-4 py-2 text-xs text-slate-500 dark:border-slate-800 dark:text-slate-400">
      <span>
        {first}–{last} of {total.toLocaleString()}
      </span>
      <span className="flex items-center gap-2">
        <button type="button" disabled={state.page <= 1} onClick={() => onState({ ...state, page: state.page - 1 })} className={small}>
          Previous
        </button>
        <span>
          Page {state.page} of {pages}
        </span>
        <button type="button" disabled={state.page >= pages} onClick={() => onState({ ...state, page: state.page + 1 })} className={small}>
          Next
        </button>
      </span>
    </div>
  );
}

/**
 * The one table style, for server-paged lists (with `paging`: sort headers and a pager) and small fixed
 * tables (per-queue figures) alike: column headers always, skeleton rows while loading, the error as a
 * sentence, an empty state, and optionally a detail row each row expands into.
 */
export function DataTable<T>(props: {
  label: string;
  columns: Column<T>[];
  rows: T[] | undefined;
  rowKey(row: T): string;
  empty: ReactNode;
  loading?: boolean;
  error?: unknown;
  paging?: Paging;
  detail?(row: T): ReactNode;
}) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const span = props.columns.length + (props.detail ? 1 : 0);
  const toggle = (key: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  const cell = (c: Column<T>) => `px-3 py-2 ${c.align === 'right' ? 'text-right tabular-nums' : ''}`;
  return (
    <div className="overflow-hidden rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <div className="overflow-x-auto">
        <table aria-label={props.label} className="w-full text-sm">
          <thead className="bg-slate-50 text-left text-xs tracking-wide text-slate-500 uppercase dark:bg-slate-800/60 dark:text-slate-400">
            <tr>
              {props.detail && <th className="w-8 px-2 py-2"><span className="sr-only">Details</span></th>}
              {props.columns.map((c) => (
                <th key={c.key} scope="col" className={`px-3 py-2 font-medium whitespace-nowrap ${c.align === 'right' ? 'text-right' : ''}`}>
                  {c.sortable && props.paging ? <SortHeader column={c} paging={props.paging} /> : c.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.loading &&
              Array.from({ length: 3 }, (_, i) => (
                <tr key={i} className="border-t border-slate-100 dark:border-slate-800">
                  <td colSpan={span} className="px-4 py-3">
                    <div className="h-4 animate-pulse rounded bg-slate-200 dark:bg-slate-800" />
                  </td>
                </tr>
              ))}
            {!props.loading && !!props.error && (
              <tr>
                <td colSpan={span} role="alert" className="px-4 py-6 text-center text-red-700 dark:text-red-300">
                  {errorInfo(props.error).message}
                </td>
              </tr>
            )}
            {!props.loading && !props.error && props.rows?.length === 0 && (
              <tr>
                <td colSpan={span}>{props.empty}</td>
              </tr>
            )}
            {props.rows?.map((row) => {
              const key = props.rowKey(row);
              const expanded = open.has(key);
              return (
                <Fragment key={key}>
                  <tr className="border-t border-slate-100 align-top hover:bg-slate-50/60 dark:border-slate-800 dark:hover:bg-slate-800/40">
                    {props.detail && (
                      <td className="px-2 py-2">
                        <button type="button" aria-expanded={expanded} aria-label={expanded ? 'Hide details' : 'Show details'} onClick={() => toggle(key)} className="rounded px-1 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800">
                          {expanded ? '▾' : '▸'}
                        </button>
                      </td>
                    )}
                    {props.columns.map((c) => (
                      <td key={c.key} className={cell(c)}>
                        {c.render(row)}
                      </td>
                    ))}
                  </tr>
                  {expanded && props.detail && (
                    <tr className="bg-slate-50 dark:bg-slate-950/40">
                      <td />
                      <td colSpan={props.columns.length} className="px-4 py-3">
                        {props.detail(row)}
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
      {props.paging && <Pager paging={props.paging} />}
    </div>
  );
}
