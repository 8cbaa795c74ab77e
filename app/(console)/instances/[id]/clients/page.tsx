'use client';

import { useQuery } from '@tanstack/react-query';
import { CLIENT_COLUMNS } from '../../../../_components/client-columns.tsx';
import { DataTable, pagedRows, useTableState } from '../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../_components/empty-state.tsx';
import { FilterBar, SearchBox } from '../../../../_components/filter-bar.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { useTRPC } from '../../../../_components/trpc.tsx';


export default function ClientsPage() {
  const instance = useInstance();
  const trpc = useTRPC();
  const [state, setState] = useTableState('lastHeartbeat', 'desc');
  const list = useQuery({ ...trpc.client.list.queryOptions({ instanceId: instance.id, ...state }), refetchInterval: 5_000 });
  return (
    <>
      <PageHeader crumbs={[{ label: 'Clients' }]} title="Connected clients" description="Producers and consumers connected over gRPC, refreshed every 5 seconds." />
      <FilterBar>
        <SearchBox placeholder="Search clients" value={state.search} onChange={(search) => setState({ ...state, search, page: 1 })} />
      </FilterBar>
      <DataTable
        label="Connected clients"
        columns={CLIENT_COLUMNS}
        rowKey={(r) => r.clientId}
        {...pagedRows(list, state, setState)}
        empty={<EmptyState title={state.search ? 'No client matches.' : 'No producer or consumer is connected.'} hint={instance.endpoint ? <>Point a RocketMQ 5 SDK at <code>{instance.endpoint}</code>.</> : undefined} />}
      />
    </>
  );
}
