'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { MessageTypeBadge } from '../../../../_components/badge.tsx';
import { Bytes } from '../../../../_components/bytes.tsx';
import { useAfterSave } from '../../../../_components/after-save.ts';
import { deleteColumn } from '../../../../_components/confirm.tsx';
import { useTableState, type Column } from '../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../_components/empty-state.tsx';
import { ChoiceField, FormFooter, NumberField, TextField, useForm } from '../../../../_components/form.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { NamespaceField, NamespaceSelect, useNamespaceFilter } from '../../../../_components/namespace-filter.tsx';
import { NavLink } from '../../../../_components/nav-link.tsx';
import { DrawerButton } from '../../../../_components/overlay.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { PagedList } from '../../../../_components/paged-list.tsx';
import { useCanOperate } from '../../../../_components/shell.tsx';
import { Time } from '../../../../_components/time.tsx';
import { TOPIC_DELETE_CONSEQUENCE } from '../../../../_components/topic/delete-topic.ts';
import { MESSAGE_TYPE_PURPOSE } from '../../../../_components/topic/message-types.ts';
import { useTRPC } from '../../../../_components/trpc.tsx';
import { linkClass } from '../../../../_components/ui.tsx';
import { DEFAULT_QUEUES, fieldError, MAX_QUEUES, MESSAGE_TYPES, queueCountSchema, topicNameSchema, type MessageType } from '../../../../../server/broker/rules.ts';
import type { AppRouter } from '../../../../../server/routers/_app.ts';
import { descriptionSchema } from '../../../../../server/schemas.ts';

type TopicRow = inferRouterOutputs<AppRouter>['topic']['list']['rows'][number];

function CreateTopic({ instanceId, namespace, onDone }: { instanceId: string; namespace: string | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.topic.create.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.topic.list.pathKey()], then: onDone }) }));
  const form = useForm(
    { name: '', namespace: namespace ?? '', messageType: 'NORMAL' as MessageType, queueNums: DEFAULT_QUEUES, description: '' },
    (v) => ({ name: fieldError(topicNameSchema, v.name), queueNums: fieldError(queueCountSchema, v.queueNums), description: fieldError(descriptionSchema, v.description) }),
    create,
  );
  const { values } = form;
  return (
    <form noValidate onSubmit={form.onSubmit((v) => create.mutate({ instanceId, name: v.name, messageType: v.messageType, queueNums: v.queueNums, description: v.description, ...(v.namespace ? { namespace: v.namespace } : {}) }))} className="space-y-4">
      <TextField form={form} name="name" label="Topic name" hint={values.namespace ? `Stored as ${values.namespace}%${values.name || '…'}` : undefined} />
      <NamespaceField form={form} instanceId={instanceId} resource="topic" />
      <ChoiceField form={form} name="messageType" label="Message type" options={MESSAGE_TYPES} help={MESSAGE_TYPE_PURPOSE} />
      <NumberField form={form} name="queueNums" label="Queues" min={1} max={MAX_QUEUES} />
      <TextField form={form} name="description" label="Description" />
      <FormFooter error={form.bannerError} disabled={form.invalid || create.isPending} label="Create topic" />
    </form>
  );
}

export default function TopicsPage() {
  const instance = useInstance();
  const trpc = useTRPC();
  const canOperate = useCanOperate();
  const table = useTableState('name');
  const { namespace, input, filtered, choose: chooseNamespace } = useNamespaceFilter(table);
  const del = useMutation(trpc.topic.delete.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.topic.list.pathKey()] }) }));
  const list = useQuery({ ...trpc.topic.list.queryOptions({ instanceId: instance.id, ...input }), refetchInterval: 5_000 });
  const columns: Column<TopicRow>[] = [
    {
      key: 'name',
      header: 'Topic',
      sortable: true,
      render: (r) => (
        <>
          <NavLink href={`/instances/${instance.id}/topics/${encodeURIComponent(r.name)}`} className={`whitespace-nowrap ${linkClass}`}>{r.name}</NavLink>
          {r.description && <span className="block max-w-xs truncate text-xs text-slate-500 dark:text-slate-400">{r.description}</span>}
        </>
      ),
    },
    { key: 'messageType', header: 'Type', sortable: true, render: (r) => <MessageTypeBadge type={r.messageType} /> },
    { key: 'readQueueNums', header: 'Queues', sortable: true, align: 'right', render: (r) => r.readQueueNums },
    { key: 'messageCount', header: 'Messages', sortable: true, align: 'right', render: (r) => <span data-testid={`count-${r.name}`}>{r.messageCount.toLocaleString()}</span> },
    { key: 'bytes', header: 'Size', sortable: true, align: 'right', render: (r) => <Bytes value={r.bytes} /> },
    { key: 'maxStoreTimestamp', header: 'Last message', sortable: true, render: (r) => <Time at={r.maxStoreTimestamp || null} /> },
    ...(canOperate ? [deleteColumn<TopicRow>('topic', TOPIC_DELETE_CONSEQUENCE, (name) => del.mutateAsync({ instanceId: instance.id, name }))] : []),
  ];
  const create = canOperate && (
    <DrawerButton label="Create topic" title="Create topic">
      {(close) => <CreateTopic instanceId={instance.id} namespace={namespace} onDone={close} />}
    </DrawerButton>
  );
  return (
    <>
      <PageHeader crumbs={[{ label: 'Topics' }]} title="Topics" actions={create} />
      <PagedList
        label="Topics"
        query={list}
        table={table}
        filters={<NamespaceSelect instanceId={instance.id} allowAll value={namespace} onChange={chooseNamespace} />}
        search="Search topics"
        columns={columns}
        rowKey={(r) => r.name}
        empty={filtered ? <EmptyState title="No topic matches these filters." /> : <EmptyState title="No topics yet." hint="A topic holds messages of one type: normal, FIFO, delay or transaction." />}
      />
    </>
  );
}
