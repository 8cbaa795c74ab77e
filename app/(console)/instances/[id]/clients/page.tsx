'use client';

import { useQuery } from '@tanstack/react-query';
import { CLIENT_COLUMNS } from '../../../../_components/client-columns.tsx';
import { useTableState } from '../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../_components/empty-state.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { PagedList } from '../../../../_components/paged-list.tsx';
import { useTRPC } from '../../../../_components/trpc.tsx';

export default function ClientsPage() {
  const instance = useInstance();
  const trpc = useTRPC();
  const table = useTableState('lastHeartbeat', 'desc');
  const [state] = table;
  const list = useQuery({ ...trpc.client.list.queryOptions({ instanceId: instance.id, ...state }), refetchInterval: 5_000 });
  return (
    <>
      <PageHeader crumbs={[{ label: 'Clients' }]} title="Connected clients" description="Producers and consumers connected over gRPC, refreshed every 5 seconds." />
      <PagedList
        label="Connected clients"
        query={list}
        table={table}
        search="Search clients"
        columns={CLIENT_COLUMNS}
        rowKey={(r) => r.clientId}
        empty={<EmptyState title={state.search ? 'No client matches.' : 'No producer or consumer is connected.'} hint={instance.endpoint ? <>Point a RocketMQ 5 SDK at <code>{instance.endpoint}</code>.</> : undefined} />}
      />
    </>
  );
}
