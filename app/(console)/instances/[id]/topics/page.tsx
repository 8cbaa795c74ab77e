'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState } from 'react';
import { MessageTypeBadge } from '../../../../_components/badge.tsx';
import { Bytes } from '../../../../_components/bytes.tsx';
import { useAfterSave } from '../../../../_components/after-save.ts';
import { DeleteRow } from '../../../../_components/confirm.tsx';
import { DataTable, pagedRows, useTableState, type Column } from '../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../_components/empty-state.tsx';
import { FilterBar, SearchBox } from '../../../../_components/filter-bar.tsx';
import { Field, FormFooter, NumberField, TextField, useForm } from '../../../../_components/form.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { NamespaceSelect } from '../../../../_components/namespace-filter.tsx';
import { NavLink } from '../../../../_components/nav-link.tsx';
import { DrawerButton } from '../../../../_components/overlay.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { useCanOperate } from '../../../../_components/shell.tsx';
import { Time } from '../../../../_components/time.tsx';
import { TOPIC_DELETE_CONSEQUENCE } from '../../../../_components/topic/delete-topic.ts';
import { useTRPC } from '../../../../_components/trpc.tsx';
import { inputClass, linkClass } from '../../../../_components/ui.tsx';
import { DEFAULT_QUEUES, fieldError, MAX_QUEUES, MESSAGE_TYPES, queueCountSchema, topicNameSchema, type MessageType } from '../../../../../server/broker/rules.ts';
import type { AppRouter } from '../../../../../server/routers/_app.ts';
import { descriptionSchema } from '../../../../../server/schemas.ts';

type TopicRow = inferRouterOutputs<AppRouter>['topic']['list']['rows'][number];

const TYPE_HELP: Record<MessageType, string> = {
  NORMAL: 'Plain messages, delivered in any order.',
  FIFO: 'Ordered per message group; producers must set a message group.',
  DELAY: 'Delivered at a chosen time (scheduled messages).',
  TRANSACTION: 'Half messages committed or rolled back by the producer.',
};

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
      <Field label="Namespace" error={form.error('namespace')}>
        <NamespaceSelect instanceId={instanceId} label="Namespace of the topic" value={values.namespace} onChange={(v) => form.set('namespace', v ?? '')} className="w-full" />
      </Field>
      <Field label="Message type" hint={TYPE_HELP[values.messageType]}>
        <select aria-label="Message type" value={values.messageType} onChange={(e) => form.set('messageType', e.target.value as MessageType)} className={`w-full ${inputClass}`}>
          {MESSAGE_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </Field>
      <NumberField form={form} name="queueNums" label="Queues" min={1} max={MAX_QUEUES} />
      <TextField form={form} name="description" label="Description" />
      <FormFooter error={form.bannerError} disabled={form.invalid || create.isPending} label="Create topic" />
    </form>
  );
}

function DeleteTopic({ instanceId, name }: { instanceId: string; name: string }) {
  const trpc = useTRPC();
  const del = useMutation(trpc.topic.delete.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.topic.list.pathKey()] }) }));
  return <DeleteRow what="topic" name={name} consequence={TOPIC_DELETE_CONSEQUENCE} onConfirm={() => del.mutateAsync({ instanceId, name })} />;
}

export default function TopicsPage() {
  const instance = useInstance();
  const trpc = useTRPC();
  const canOperate = useCanOperate();
  const [state, setState] = useTableState('name');
  const [namespace, setNamespace] = useState<string | undefined>(undefined);
  const list = useQuery({ ...trpc.topic.list.queryOptions({ instanceId: instance.id, ...state, ...(namespace !== undefined ? { namespace } : {}) }), refetchInterval: 5_000 });
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
    ...(canOperate ? [{ key: 'actions', header: 'Actions', render: (r: TopicRow) => <DeleteTopic instanceId={instance.id} name={r.name} /> }] : []),
  ];
  const create = canOperate && (
    <DrawerButton label="Create topic" title="Create topic">
      {(close) => <CreateTopic instanceId={instance.id} namespace={namespace} onDone={close} />}
    </DrawerButton>
  );
  return (
    <>
      <PageHeader crumbs={[{ label: 'Topics' }]} title="Topics" actions={create} />
      <FilterBar>
        <NamespaceSelect instanceId={instance.id} allowAll value={namespace} onChange={(v) => { setNamespace(v); setState({ ...state, page: 1 }); }} />
        <SearchBox placeholder="Search topics" value={state.search} onChange={(search) => setState({ ...state, search, page: 1 })} />
      </FilterBar>
      <DataTable
        label="Topics"
        columns={columns}
        rowKey={(r) => r.name}
        {...pagedRows(list, state, setState)}
        empty={state.search || namespace !== undefined ? <EmptyState title="No topic matches these filters." /> : <EmptyState title="No topics yet." hint="A topic holds messages of one type: normal, FIFO, delay or transaction." />}
      />
    </>
  );
}
