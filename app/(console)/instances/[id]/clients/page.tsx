'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useParams } from 'next/navigation.js';
import { useState } from 'react';
import { PageTable, type Column, type TableState } from '../../../../_components/page-table.tsx';
import { errorInfo, useTRPC } from '../../../../_components/trpc.tsx';
import { PageHeader, SearchBox } from '../../../../_components/ui.tsx';
import type { AppRouter } from '../../../../../server/routers/_app.ts';

type ClientRow = inferRouterOutputs<AppRouter>['client']['list']['rows'][number];

const columns: Column<ClientRow>[] = [
  { key: 'clientId', header: 'Client id', sortable: true, render: (r) => <code className="text-xs">{r.clientId}</code> },
  { key: 'kind', header: 'Kind', sortable: true, render: (r) => r.kind },
  { key: 'group', header: 'Group', sortable: true, render: (r) => r.group ?? '—' },
  { key: 'language', header: 'Language', sortable: true, render: (r) => `${r.language} ${r.version}` },
  { key: 'host', header: 'Host', sortable: true, render: (r) => r.host },
  { key: 'lastHeartbeat', header: 'Last heartbeat', sortable: true, render: (r) => new Date(r.lastHeartbeat).toLocaleTimeString() },
];

export default function ClientsPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const [state, setState] = useState<TableState>({ page: 1, pageSize: 20, sort: 'lastHeartbeat', dir: 'desc', search: '' });
  const list = useQuery({ ...trpc.client.list.queryOptions({ instanceId: id, ...state }), refetchInterval: 5_000 });
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Instances', 'Clients']} title="Connected clients">
        <SearchBox placeholder="Search clients" value={state.search} onChange={(search) => setState({ ...state, search, page: 1 })} />
      </PageHeader>
      <PageTable columns={columns} rows={list.data?.rows} total={list.data?.total ?? 0} state={state} onState={setState} loading={list.isPending} error={list.error ? errorInfo(list.error).message : undefined} empty="No producer or consumer is connected." rowKey={(r) => r.clientId} />
    </section>
  );
}
