'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useRouter } from 'next/navigation.js';
import { Suspense } from 'react';
import { Badge } from '../../../../../_components/badge.tsx';
import { CLIENT_COLUMNS } from '../../../../../_components/client-columns.tsx';
import { DangerDelete } from '../../../../../_components/confirm.tsx';
import { DataTable, type Column } from '../../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../../_components/empty-state.tsx';
import { EditGroup } from '../../../../../_components/group/edit-group.tsx';
import { ResetOffset } from '../../../../../_components/group/reset-offset.tsx';
import { RetrySchedule } from '../../../../../_components/group/retry-schedule.tsx';
import { useInstance } from '../../../../../_components/instance-scope.tsx';
import { GroupCharts } from '../../../../../_components/metrics/group-charts.tsx';
import { NavLink } from '../../../../../_components/nav-link.tsx';
import { DrawerButton } from '../../../../../_components/overlay.tsx';
import { PageHeader } from '../../../../../_components/page-header.tsx';
import { ResourceView, useRouteName } from '../../../../../_components/resource-page.tsx';
import { useCanOperate } from '../../../../../_components/shell.tsx';
import { useTRPC } from '../../../../../_components/trpc.tsx';
import { Card, Fact, Facts, linkClass, secondaryButtonClass, Skeleton } from '../../../../../_components/ui.tsx';
import type { AppRouter } from '../../../../../../server/routers/_app.ts';

type GroupDetail = inferRouterOutputs<AppRouter>['group']['get'];
type LagRow = GroupDetail['stats']['topics'][number]['queues'][number];

const lagColumns: Column<LagRow>[] = [
  { key: 'queueId', header: 'Queue', render: (q) => q.queueId },
  { key: 'brokerOffset', header: 'Broker offset', align: 'right', render: (q) => q.brokerOffset.toLocaleString() },
  { key: 'consumerOffset', header: 'Consumer offset', align: 'right', render: (q) => q.consumerOffset.toLocaleString() },
  { key: 'lag', header: 'Lag', align: 'right', render: (q) => q.lag.toLocaleString() },
];


function GroupView({ data, name }: { data: GroupDetail; name: string }) {
  const instance = useInstance();
  const trpc = useTRPC();
  const router = useRouter();
  const canOperate = useCanOperate();
  const del = useMutation(trpc.group.delete.mutationOptions({ onSuccess: () => router.replace(`/instances/${instance.id}/groups`) }));
  const { group, stats, clients, retrySchedule, deadLetters } = data;
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Groups', href: `/instances/${instance.id}/groups` }, { label: name }]}
        title={name}
        description={group.attributes.description || undefined}
        actions={
          canOperate && (
            <DrawerButton label="Edit" title={`Edit ${name}`} buttonClassName={secondaryButtonClass}>
              {(close) => <EditGroup instanceId={instance.id} name={name} maxDeliveryAttempts={group.maxDeliveryAttempts} fifo={group.fifo} onDone={close} />}
            </DrawerButton>
          )
        }
      />
      <Facts>
        <Fact label="Consume type">{group.consumeType}</Fact>
        <Fact label="Ordering">{group.fifo ? <Badge tone="indigo">FIFO</Badge> : 'Concurrent'}</Fact>
        <Fact label="Max delivery attempts">{group.maxDeliveryAttempts}</Fact>
        <Fact label="Online consumers">{clients.length}</Fact>
        <Fact label="Backlog"><span data-testid="group-lag">{stats.lag}</span></Fact>
        <Fact label="Dead letters">
          <NavLink href={`/instances/${instance.id}/groups/${encodeURIComponent(name)}/dead-letters`} className={linkClass}>
            <span data-testid="group-dlq">{deadLetters.toLocaleString()}</span> — {deadLetters > 0 ? 'view, resend or purge' : 'view the DLQ'}
          </NavLink>
        </Fact>
      </Facts>
      <Suspense fallback={<Skeleton lines={4} />}>
        <GroupCharts instanceId={instance.id} group={name} />
      </Suspense>
      <RetrySchedule schedule={retrySchedule} kind={group.retryPolicy.kind} maxAttempts={group.maxDeliveryAttempts} />
      {stats.topics.length === 0 && (
        <Card title="Lag">
          <EmptyState title="This group reads no topic yet." hint="A consumer that connects with this group tells the broker which topics it subscribes to." />
        </Card>
      )}
      {stats.topics.map((t) => (
        <Card key={t.topic} title={<>
          <NavLink href={`/instances/${instance.id}/topics/${encodeURIComponent(t.topic)}`} className={linkClass}>{t.topic}</NavLink> <span className="font-normal text-slate-500 dark:text-slate-400">— lag {t.lag.toLocaleString()}</span>
        </>}>
          <DataTable label={`Lag of ${t.topic}`} columns={lagColumns} rows={t.queues} rowKey={(q) => String(q.queueId)} empty={<EmptyState title="No queue." />} />
        </Card>
      ))}
      <Card title={`Connected clients (${clients.length})`}>
        <DataTable label="Connected clients" columns={CLIENT_COLUMNS} rows={clients} rowKey={(c) => c.clientId} empty={<EmptyState title="No consumer of this group is connected." />} />
      </Card>
      {canOperate && stats.topics.length > 0 && <ResetOffset instanceId={instance.id} group={name} topics={stats.topics.map((t) => t.topic)} />}
      {canOperate && <DangerDelete what="group" name={name} consequence="Its committed offsets are removed; a group created again with this name starts at the end of its topics." onConfirm={() => del.mutateAsync({ instanceId: instance.id, name })} />}
    </>
  );
}

export default function GroupDetailPage() {
  const name = useRouteName('group');
  const instance = useInstance();
  const trpc = useTRPC();
  const detail = useQuery({ ...trpc.group.get.queryOptions({ instanceId: instance.id, name }), refetchInterval: 3_000 });
  return (
    <ResourceView query={detail} what="Group" name={name}>
      {(data) => <GroupView data={data} name={name} />}
    </ResourceView>
  );
}
