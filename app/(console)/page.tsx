'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { InstanceForm } from '../_components/instance-form.tsx';
import { NavLink } from '../_components/nav-link.tsx';
import { PageTable, type Column, type TableState } from '../_components/page-table.tsx';
import { errorInfo, useTRPC } from '../_components/trpc.tsx';
import { PageHeader, SearchBox } from '../_components/ui.tsx';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../../server/broker/rules.ts';
import type { AppRouter } from '../../server/routers/_app.ts';
import { DEFAULT_RETENTION_HOURS } from '../../server/schemas.ts';
import type { inferRouterOutputs } from '@trpc/server';

type InstanceRow = inferRouterOutputs<AppRouter>['instance']['list']['rows'][number];

const STATUS_STYLE: Record<string, string> = {
  running: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-300',
  error: 'bg-red-100 text-red-800 dark:bg-red-900/50 dark:text-red-300',
};

const columns: Column<InstanceRow>[] = [
  { key: 'name', header: 'Instance', sortable: true, render: (r) => <NavLink href={`/instances/${r.id}/topics`} className="font-medium text-indigo-600 dark:text-indigo-400">{r.name}</NavLink> },
  { key: 'region', header: 'Region', sortable: true, render: (r) => r.region },
  {
    key: 'status',
    header: 'Status',
    sortable: true,
    render: (r) => (
      <span title={r.error ?? ''} className={`rounded-full px-2 py-0.5 text-xs ${STATUS_STYLE[r.status] ?? 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300'}`}>
        {r.status}
      </span>
    ),
  },
  { key: 'endpoint', header: 'gRPC endpoint', render: (r) => <code className="text-xs">{r.endpoint ?? '—'}</code> },
  { key: 'topics', header: 'Topics', align: 'right', render: (r) => r.summary?.topics ?? '—' },
  { key: 'groups', header: 'Groups', align: 'right', render: (r) => r.summary?.groups ?? '—' },
  { key: 'messages', header: 'Messages', align: 'right', render: (r) => r.summary?.messages.toLocaleString() ?? '—' },
  { key: 'in', header: 'In/s', align: 'right', render: (r) => r.summary?.inPerSec ?? '—' },
  { key: 'out', header: 'Out/s', align: 'right', render: (r) => r.summary?.outPerSec ?? '—' },
  { key: 'backlog', header: 'Backlog', align: 'right', render: (r) => r.summary?.backlog.toLocaleString() ?? '—' },
  { key: 'clients', header: 'Clients', align: 'right', render: (r) => r.summary?.clients ?? '—' },
];

export default function OverviewPage() {
  const trpc = useTRPC();
  const [state, setState] = useState<TableState>({ page: 1, pageSize: 20, sort: 'name', dir: 'asc', search: '' });
  const list = useQuery({ ...trpc.instance.list.queryOptions(state), refetchInterval: 5_000 });
  const me = useQuery(trpc.auth.me.queryOptions());
  const qc = useQueryClient();
  const [formKey, setFormKey] = useState(0);
  const create = useMutation(trpc.instance.create.mutationOptions({ onSuccess: () => { setFormKey((k) => k + 1); void qc.invalidateQueries({ queryKey: trpc.instance.pathKey() }); } }));
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Overview']} title="Overview">
        <SearchBox placeholder="Search instances" value={state.search} onChange={(search) => setState({ ...state, search, page: 1 })} />
      </PageHeader>
      <p className="text-sm text-slate-500">Every instance across regions, refreshed every 5 seconds.</p>
      {me.data?.role === 'admin' && (
        <details className="text-sm">
          <summary className="cursor-pointer font-medium text-indigo-600 dark:text-indigo-400">New instance</summary>
          <div className="mt-2">
            <InstanceForm
              key={formKey}
              initial={{ name: '', region: 'local', description: '', grpcPort: 0, retentionHours: DEFAULT_RETENTION_HOURS, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE, flushMode: 'async' }}
              submitLabel="Create instance"
              pending={create.isPending}
              error={create.error ? errorInfo(create.error).message : undefined}
              onSubmit={(v) => create.mutate(v)}
            />
          </div>
        </details>
      )}
      <PageTable
        columns={columns}
        rows={list.data?.rows}
        total={list.data?.total ?? 0}
        state={state}
        onState={setState}
        loading={list.isPending}
        error={list.error ? errorInfo(list.error).message : undefined}
        empty="No instances match."
        rowKey={(r) => r.id}
      />
    </section>
  );
}
