'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useRouter } from 'next/navigation.js';
import { Suspense } from 'react';
import { MessageTypeBadge } from '../../../../../_components/badge.tsx';
import { Bytes } from '../../../../../_components/bytes.tsx';
import { DangerDelete } from '../../../../../_components/confirm.tsx';
import { DataTable, type Column } from '../../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../../_components/empty-state.tsx';
import { useInstance } from '../../../../../_components/instance-scope.tsx';
import { TopicCharts } from '../../../../../_components/metrics/topic-charts.tsx';
import { DrawerButton } from '../../../../../_components/overlay.tsx';
import { PageHeader } from '../../../../../_components/page-header.tsx';
import { ResourceView, useRouteName } from '../../../../../_components/resource-page.tsx';
import { SendMessage } from '../../../../../_components/send-message.tsx';
import { useCanOperate } from '../../../../../_components/shell.tsx';
import { Time } from '../../../../../_components/time.tsx';
import { TOPIC_DELETE_CONSEQUENCE } from '../../../../../_components/topic/delete-topic.ts';
import { EditTopic } from '../../../../../_components/topic/edit-topic.tsx';
import { HalfMessages } from '../../../../../_components/topic/half-messages.tsx';
import { ImportMessages } from '../../../../../_components/topic/import-messages.tsx';
import { MESSAGE_TYPE_ACCEPTS } from '../../../../../_components/topic/message-types.ts';
import { ScheduledPanel } from '../../../../../_components/topic/scheduled-panel.tsx';
import { useTRPC } from '../../../../../_components/trpc.tsx';
import { Card, Fact, Facts, secondaryButtonClass, Skeleton } from '../../../../../_components/ui.tsx';
import type { AppRouter } from '../../../../../../server/routers/_app.ts';

type TopicDetail = inferRouterOutputs<AppRouter>['topic']['get'];
type QueueRow = TopicDetail['stats']['queues'][number];

const queueColumns: Column<QueueRow>[] = [
  { key: 'queueId', header: 'Queue', render: (q) => q.queueId },
  { key: 'minOffset', header: 'Min offset', align: 'right', render: (q) => q.minOffset.toLocaleString() },
  { key: 'maxOffset', header: 'Max offset', align: 'right', render: (q) => q.maxOffset.toLocaleString() },
  { key: 'messageCount', header: 'Messages', align: 'right', render: (q) => q.messageCount.toLocaleString() },
  { key: 'maxStoreTimestamp', header: 'Last message', render: (q) => <Time at={q.maxStoreTimestamp || null} /> },
];

/** Scheduled minutes and half messages: only DELAY and TRANSACTION topics have them. */
function PendingPanels({ instanceId, name, messageType, canOperate }: { instanceId: string; name: string; messageType: string; canOperate: boolean }) {
  const trpc = useTRPC();
  const pending = useQuery({ ...trpc.topic.pending.queryOptions({ instanceId, name }), refetchInterval: 5_000 });
  if (!pending.data) return null;
  if (messageType === 'DELAY') return <ScheduledPanel instanceId={instanceId} topic={name} minutes={pending.data.scheduled} canOperate={canOperate} />;
  return <HalfMessages instanceId={instanceId} topic={name} halves={pending.data.halfMessages} canOperate={canOperate} />;
}

function TopicView({ data, name }: { data: TopicDetail; name: string }) {
  const instance = useInstance();
  const trpc = useTRPC();
  const router = useRouter();
  const canOperate = useCanOperate();
  const del = useMutation(trpc.topic.delete.mutationOptions({ onSuccess: () => router.replace(`/instances/${instance.id}/topics`) }));
  const { topic, stats, limits } = data;
  const actions = (
    <>
      <a href={`/api/instances/${encodeURIComponent(instance.id)}/messages/export?topic=${encodeURIComponent(name)}`} download className={secondaryButtonClass}>
        Export NDJSON
      </a>
      {canOperate && (
        <DrawerButton label="Edit" title={`Edit ${name}`} buttonClassName={secondaryButtonClass}>
          {(close) => <EditTopic instanceId={instance.id} name={name} queues={topic.readQueueNums} description={topic.attributes.description ?? ''} onDone={close} />}
        </DrawerButton>
      )}
      {canOperate && topic.messageType !== 'TRANSACTION' && (
        <DrawerButton label="Import messages" title={`Import messages into ${name}`} buttonClassName={secondaryButtonClass}>
          {() => <ImportMessages instanceId={instance.id} topic={name} messageType={topic.messageType} maxMessageSize={limits.maxMessageSize} />}
        </DrawerButton>
      )}
      {canOperate && topic.messageType !== 'TRANSACTION' && (
        <DrawerButton label="Send message" title={`Send a message to ${name}`}>
          {() => <SendMessage instanceId={instance.id} topic={name} messageType={topic.messageType} limits={limits} />}
        </DrawerButton>
      )}
    </>
  );
  return (
    <>
      <PageHeader crumbs={[{ label: 'Topics', href: `/instances/${instance.id}/topics` }, { label: name }]} title={name} description={`This ${topic.messageType} topic ${MESSAGE_TYPE_ACCEPTS[topic.messageType]}.`} actions={actions} />
      <Facts>
        <Fact label="Type"><MessageTypeBadge type={topic.messageType} /></Fact>
        <Fact label="Queues (read / write)">{topic.readQueueNums} / {topic.writeQueueNums}</Fact>
        <Fact label="Permission">{topic.perm}</Fact>
        <Fact label="Messages">{stats.messageCount.toLocaleString()}</Fact>
        <Fact label="Size"><Bytes value={stats.bytes} /></Fact>
        <Fact label="Last message"><Time at={stats.maxStoreTimestamp || null} relative="beside" /></Fact>
        <Fact label="Created"><Time at={topic.createdAt} /></Fact>
        <Fact label="Description">{topic.attributes.description || '—'}</Fact>
      </Facts>
      <Suspense fallback={<Skeleton lines={4} />}>
        <TopicCharts instanceId={instance.id} topic={name} />
      </Suspense>
      {(topic.messageType === 'DELAY' || topic.messageType === 'TRANSACTION') && <PendingPanels instanceId={instance.id} name={name} messageType={topic.messageType} canOperate={canOperate} />}
      <Card title="Queues">
        <DataTable label="Queues" columns={queueColumns} rows={stats.queues} rowKey={(q) => String(q.queueId)} empty={<EmptyState title="This topic has no readable queue." />} />
      </Card>
      {canOperate && <DangerDelete what="topic" name={name} consequence={TOPIC_DELETE_CONSEQUENCE} onConfirm={() => del.mutateAsync({ instanceId: instance.id, name })} />}
    </>
  );
}

export default function TopicDetailPage() {
  const name = useRouteName('topic');
  const instance = useInstance();
  const trpc = useTRPC();
  const detail = useQuery({ ...trpc.topic.get.queryOptions({ instanceId: instance.id, name }), refetchInterval: 5_000 });
  return (
    <ResourceView query={detail} what="Topic" name={name}>
      {(data) => <TopicView data={data} name={name} />}
    </ResourceView>
  );
}
