'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { Suspense } from 'react';
import { useAfterSave } from '../_components/after-save.ts';
import { Badge } from '../_components/badge.tsx';
import { useTableState, type Column } from '../_components/data-table.tsx';
import { EmptyState } from '../_components/empty-state.tsx';
import { InstanceForm, instanceSpecOf } from '../_components/instance-form.tsx';
import { OverviewCharts } from '../_components/metrics/overview-charts.tsx';
import { NavLink } from '../_components/nav-link.tsx';
import { DrawerButton } from '../_components/overlay.tsx';
import { PageHeader } from '../_components/page-header.tsx';
import { PagedList } from '../_components/paged-list.tsx';
import { useTRPC } from '../_components/trpc.tsx';
import { linkClass, Skeleton } from '../_components/ui.tsx';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../../server/broker/rules.ts';
import type { AppRouter } from '../../server/routers/_app.ts';
import { DEFAULT_RETENTION_HOURS } from '../../server/schemas.ts';

type InstanceRow = inferRouterOutputs<AppRouter>['instance']['list']['rows'][number];

const STATUS_TONE = { running: 'green', error: 'red' } as const;

const columns: Column<InstanceRow>[] = [
  { key: 'name', header: 'Instance', sortable: true, render: (r) => <NavLink href={`/instances/${r.id}/topics`} className={`whitespace-nowrap ${linkClass}`}>{r.name}</NavLink> },
  { key: 'region', header: 'Region', sortable: true, render: (r) => r.region },
  { key: 'status', header: 'Status', sortable: true, render: (r) => <Badge tone={STATUS_TONE[r.status as keyof typeof STATUS_TONE] ?? 'slate'} title={r.error ?? undefined}>{r.status}</Badge> },
  { key: 'endpoint', header: 'gRPC endpoint', render: (r) => <code className="text-xs">{r.endpoint ?? '—'}</code> },
  { key: 'topics', header: 'Topics', align: 'right', render: (r) => r.summary?.topics ?? '—' },
  { key: 'groups', header: 'Groups', align: 'right', render: (r) => r.summary?.groups ?? '—' },
  { key: 'messages', header: 'Messages', align: 'right', render: (r) => r.summary?.messages.toLocaleString() ?? '—' },
  { key: 'in', header: 'In/s', align: 'right', render: (r) => r.summary?.inPerSec ?? '—' },
  { key: 'out', header: 'Out/s', align: 'right', render: (r) => r.summary?.outPerSec ?? '—' },
  { key: 'backlog', header: 'Backlog', align: 'right', render: (r) => r.summary?.backlog.toLocaleString() ?? '—' },
  { key: 'clients', header: 'Clients', align: 'right', render: (r) => r.summary?.clients ?? '—' },
];

const NEW_INSTANCE = { name: '', region: 'local', description: '', grpcPort: 0, retentionHours: DEFAULT_RETENTION_HOURS, traceRetentionHours: DEFAULT_RETENTION_HOURS, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE, flushMode: 'async', maxTps: 0, maxReceiveTps: 0, tlsCertFile: '', tlsKeyFile: '' } as const;

function CreateInstance({ onDone }: { onDone(): void }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.instance.create.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.instance.pathKey()], then: onDone }) }));
  return <InstanceForm initial={NEW_INSTANCE} submitLabel="Create instance" pending={create.isPending} server={create} onSubmit={(v) => create.mutate({ name: v.name, ...instanceSpecOf(v) })} />;
}

export default function OverviewPage() {
  const trpc = useTRPC();
  const table = useTableState('name');
  const [state] = table;
  const list = useQuery({ ...trpc.instance.list.queryOptions(state), refetchInterval: 5_000 });
  const me = useQuery(trpc.auth.me.queryOptions());
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Overview' }]}
        title="Overview"
        description="Every instance across regions, refreshed every 5 seconds."
        actions={me.data?.role === 'admin' && <DrawerButton label="New instance" title="New instance">{(close) => <CreateInstance onDone={close} />}</DrawerButton>}
      />
      <Suspense fallback={<Skeleton lines={4} />}>
        <OverviewCharts />
      </Suspense>
      <PagedList
        label="Instances"
        query={list}
        table={table}
        search="Search instances"
        columns={columns}
        rowKey={(r) => r.id}
        empty={<EmptyState title={state.search ? 'No instance matches.' : 'No instances yet.'} hint="An instance is one broker with its own data directory and gRPC endpoint." />}
      />
    </>
  );
}
