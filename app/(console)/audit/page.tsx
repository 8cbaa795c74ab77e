'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { Fragment, useState } from 'react';
import { Badge } from '../../_components/badge.tsx';
import { useTableState, type Column } from '../../_components/data-table.tsx';
import { EmptyState } from '../../_components/empty-state.tsx';
import { KeyValues } from '../../_components/key-values.tsx';
import { PageHeader } from '../../_components/page-header.tsx';
import { PagedList } from '../../_components/paged-list.tsx';
import { Time } from '../../_components/time.tsx';
import { useTRPC } from '../../_components/trpc.tsx';
import { inputClass } from '../../_components/ui.tsx';
import type { AppRouter } from '../../../server/routers/_app.ts';

type AuditRow = inferRouterOutputs<AppRouter>['audit']['list']['rows'][number];
type Result = '' | 'ok' | 'error';

const columns: Column<AuditRow>[] = [
  { key: 'at', header: 'When', render: (e) => <Time at={new Date(e.at).getTime()} /> },
  { key: 'actor', header: 'User', render: (e) => e.actor },
  { key: 'action', header: 'Action', render: (e) => <code className="text-xs font-medium">{e.action}</code> },
  { key: 'target', header: 'Target', render: (e) => <TargetLabel event={e} /> },
  { key: 'result', header: 'Result', render: (e) => (e.result === 'ok' ? <Badge tone="green">ok</Badge> : <Badge tone="red">{e.errorCode ?? 'error'}</Badge>) },
];

/** "eu-1 / shop / orders", breaking only between the parts. */
function TargetLabel({ event }: { event: AuditRow }) {
  if (!event.targetLabel) return <span className="text-slate-400">—</span>;
  return (
    <span title={event.target}>
      {event.targetLabel.split(' / ').map((part, i) => (
        <Fragment key={i}>
          {i > 0 && ' / '}
          <span className="whitespace-nowrap">{part}</span>
        </Fragment>
      ))}
    </span>
  );
}

function Detail({ event }: { event: AuditRow }) {
  return <KeyValues entries={event.detail.map((d) => [d.key, d.value])} empty="The action had no input." />;
}

export default function AuditPage() {
  const trpc = useTRPC();
  const table = useTableState('at', 'desc');
  const [state, setState] = table;
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [result, setResult] = useState<Result>('');
  const list = useQuery(trpc.audit.list.queryOptions({ page: state.page, pageSize: state.pageSize, ...(actor ? { actor } : {}), ...(action ? { action } : {}), ...(result ? { result } : {}) }));
  const firstPage = (set: (v: string) => void) => (v: string) => {
    set(v);
    setState({ ...state, page: 1 });
  };
  const filtered = actor !== '' || action !== '' || result !== '';
  const filters = (
    <>
      <input aria-label="Filter by user" placeholder="User" value={actor} onChange={(e) => firstPage(setActor)(e.target.value)} className={inputClass} />
      <input aria-label="Filter by action" placeholder="Action prefix, e.g. topic." value={action} onChange={(e) => firstPage(setAction)(e.target.value)} className={inputClass} />
      <select aria-label="Filter by result" value={result} onChange={(e) => firstPage((v) => setResult(v as Result))(e.target.value)} className={inputClass}>
        <option value="">Any result</option>
        <option value="ok">ok</option>
        <option value="error">error</option>
      </select>
    </>
  );
  return (
    <>
      <PageHeader crumbs={[{ label: 'Administration' }, { label: 'Audit log' }]} title="Audit log" description="Every change made through the console, newest first. Expand a row to see what it changed." />
      <PagedList
        label="Audit events"
        query={list}
        table={table}
        filters={filters}
        columns={columns}
        rowKey={(e) => e.id}
        detail={(e) => <Detail event={e} />}
        empty={<EmptyState title={filtered ? 'No event matches these filters.' : 'Nothing has been changed yet.'} />}
      />
    </>
  );
}
