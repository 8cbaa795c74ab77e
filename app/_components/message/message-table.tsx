'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState, type ReactNode } from 'react';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { Badge } from '../badge.tsx';
import { Bytes } from '../bytes.tsx';
import { DataTable, type Column } from '../data-table.tsx';
import { NavLink } from '../nav-link.tsx';
import { Time } from '../time.tsx';
import { useTRPC } from '../trpc.tsx';
import { linkClass, secondaryButtonClass } from '../ui.tsx';
import { messageHref } from './search-params.ts';
import { stepTone } from './trace-timeline.tsx';

export type MessageRow = inferRouterOutputs<AppRouter>['message']['browse']['rows'][number];

export const smallButtonClass = `${secondaryButtonClass} px-2! py-1! text-xs!`;

/** The last step of each row's trace, fetched after the rows so a page of results shows at once. */
function useLastSteps(instanceId: string, rows: MessageRow[] | undefined) {
  const trpc = useTRPC();
  const messageIds = rows?.map((r) => r.messageId) ?? [];
  return useQuery({ ...trpc.message.lastSteps.queryOptions({ instanceId, messageIds }), enabled: messageIds.length > 0 }).data;
}

/**
 * A page of found messages: id (to the detail page), tag, keys, store time, size and the last step of its
 * trace, each row selectable for an export of the selection.
 */
export function MessageTable({ instanceId, label, rows, loading, error, empty, selected, onToggle, footer }: {
  instanceId: string;
  label: string;
  rows: MessageRow[] | undefined;
  loading: boolean;
  error: unknown;
  empty: ReactNode;
  selected: ReadonlySet<string>;
  onToggle(messageId: string, on: boolean): void;
  footer?: ReactNode;
}) {
  const steps = useLastSteps(instanceId, rows);
  const columns: Column<MessageRow>[] = [
    {
      key: 'select',
      header: '',
      render: (r) => <input type="checkbox" aria-label={`Select ${r.messageId}`} checked={selected.has(r.messageId)} onChange={(e) => onToggle(r.messageId, e.target.checked)} className="h-4 w-4 accent-indigo-600" />,
    },
    {
      key: 'messageId',
      header: 'Message id',
      render: (r) => (
        <NavLink href={messageHref(instanceId, r.messageId)} className={`font-mono text-xs ${linkClass}`}>
          {r.messageId}
        </NavLink>
      ),
    },
    { key: 'tag', header: 'Tag', render: (r) => r.tag || <span className="text-slate-400">—</span> },
    { key: 'keys', header: 'Keys', render: (r) => <span className="block max-w-56 truncate font-mono text-xs" title={r.keys.join(', ')}>{r.keys.join(', ') || '—'}</span> },
    { key: 'storeTimestamp', header: 'Stored', render: (r) => <Time at={r.storeTimestamp} /> },
    { key: 'bodyBytes', header: 'Size', align: 'right', render: (r) => <Bytes value={r.storeSize} /> },
    {
      key: 'trace',
      header: 'Last step',
      render: (r) => {
        const s = steps?.[r.messageId];
        if (steps === undefined) return <span className="text-xs text-slate-400">…</span>;
        if (!s) return <span className="text-slate-400">—</span>;
        return (
          <span className="flex items-center gap-1.5 whitespace-nowrap" data-testid="last-step">
            <Badge tone={stepTone(s.step)}>{s.step}</Badge>
            {s.group && <span className="max-w-32 truncate font-mono text-xs text-slate-500 dark:text-slate-400" title={s.group}>{s.group}</span>}
          </span>
        );
      },
    },
  ];
  return (
    <div className="space-y-0">
      <DataTable label={label} columns={columns} rows={rows} rowKey={(r) => r.messageId} loading={loading} error={error} empty={empty} />
      {footer}
    </div>
  );
}

/** The rows chosen in a table (by their key: a message id, a dead letter's offset), kept while paging on. */
export function useSelection<K = string>() {
  const [selected, setSelected] = useState<ReadonlySet<K>>(new Set());
  const toggle = (key: K, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(key);
      else next.delete(key);
      return next;
    });
  return { selected, toggle, set: setSelected, clear: () => setSelected(new Set()) };
}

/** Under a cursor-paged table: where the listing stands, and the way back and on. */
export function CursorPager({ status, onPrevious, onNext, nextLabel = 'Next page' }: { status: ReactNode; onPrevious?: (() => void) | undefined; onNext?: (() => void) | undefined; nextLabel?: string }) {
  return (
    <div className="flex flex-wrap items-center justify-between gap-2 px-1 py-2 text-xs text-slate-500 dark:text-slate-400">
      <span data-testid="scan-status">{status}</span>
      <span className="flex items-center gap-2">
        <button type="button" disabled={!onPrevious} onClick={onPrevious} className={smallButtonClass}>
          Previous page
        </button>
        <button type="button" disabled={!onNext} onClick={onNext} className={smallButtonClass}>
          {nextLabel}
        </button>
      </span>
    </div>
  );
}
