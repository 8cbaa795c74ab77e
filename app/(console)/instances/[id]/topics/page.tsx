'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'next/navigation.js';
import { useState, type FormEvent } from 'react';
import { NavLink } from '../../../../_components/nav-link.tsx';
import { NamespaceFilter } from '../../../../_components/namespace-filter.tsx';
import { PageTable, type Column, type TableState } from '../../../../_components/page-table.tsx';
import { useCanOperate } from '../../../../_components/shell.tsx';
import { errorInfo, useTRPC } from '../../../../_components/trpc.tsx';
import { PageHeader, SearchBox } from '../../../../_components/ui.tsx';
import { DEFAULT_QUEUES, fieldError, MAX_QUEUES, MESSAGE_TYPES, queueCountSchema, topicNameSchema, type MessageType } from '../../../../../server/broker/rules.ts';
import type { AppRouter } from '../../../../../server/routers/_app.ts';
import type { inferRouterOutputs } from '@trpc/server';

type TopicRow = inferRouterOutputs<AppRouter>['topic']['list']['rows'][number];
const TYPE_HELP: Record<MessageType, string> = {
  NORMAL: 'Plain messages, delivered in any order.',
  FIFO: 'Ordered per message group; producers must set a message group.',
  DELAY: 'Delivered at a chosen time (scheduled messages).',
  TRANSACTION: 'Half messages committed or rolled back by the producer.',
};

function CreateTopic({ instanceId, namespace }: { instanceId: string; namespace: string | undefined }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [messageType, setType] = useState<MessageType>('NORMAL');
  const [queueNums, setQueues] = useState(DEFAULT_QUEUES);
  const [description, setDescription] = useState('');
  const create = useMutation(
    trpc.topic.create.mutationOptions({
      onSuccess: () => {
        setName('');
        setDescription('');
        void qc.invalidateQueries({ queryKey: trpc.topic.list.pathKey() });
      },
    }),
  );
  // The name's error shows once something is typed; an empty name only keeps the button disabled.
  const errors = { name: fieldError(topicNameSchema, name), queues: fieldError(queueCountSchema, queueNums) };
  const invalid = Object.values(errors).some(Boolean);
  function submit(e: FormEvent): void {
    e.preventDefault();
    if (!invalid) create.mutate({ instanceId, name, messageType, queueNums, description, ...(namespace ? { namespace } : {}) });
  }
  return (
    <form onSubmit={submit} className="grid grid-cols-1 gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm md:grid-cols-5 dark:border-slate-800 dark:bg-slate-900">
      <label className="md:col-span-2">
        <span className="font-medium">Name{namespace ? ` (in namespace ${namespace})` : ''}</span>
        <input aria-label="Topic name" value={name} onChange={(e) => setName(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 bg-transparent px-2 py-1.5 dark:border-slate-700" />
        {name && errors.name && <span className="mt-1 block text-xs text-red-600">{errors.name}</span>}
      </label>
      <label>
        <span className="font-medium">Type</span>
        <select aria-label="Message type" value={messageType} onChange={(e) => setType(e.target.value as MessageType)} className="mt-1 w-full rounded-md border border-slate-300 bg-transparent px-2 py-1.5 dark:border-slate-700">
          {MESSAGE_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <span className="mt-1 block text-xs text-slate-500">{TYPE_HELP[messageType]}</span>
      </label>
      <label>
        <span className="font-medium">Queues</span>
        <input aria-label="Queues" type="number" min={1} max={MAX_QUEUES} value={queueNums} onChange={(e) => setQueues(Number(e.target.value))} className="mt-1 w-full rounded-md border border-slate-300 bg-transparent px-2 py-1.5 dark:border-slate-700" />
        {errors.queues && <span className="mt-1 block text-xs text-red-600">{errors.queues}</span>}
      </label>
      <div className="flex items-end">
        <button type="submit" disabled={invalid || create.isPending} className="w-full rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-500 disabled:opacity-50">
          Create topic
        </button>
      </div>
      <label className="md:col-span-5">
        <span className="font-medium">Description</span>
        <input aria-label="Description" value={description} onChange={(e) => setDescription(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 bg-transparent px-2 py-1.5 dark:border-slate-700" />
      </label>
      {create.error && (
        <p role="alert" className="text-sm text-red-600 md:col-span-5">
          {errorInfo(create.error).message}
        </p>
      )}
    </form>
  );
}

function DeleteTopic({ instanceId, name }: { instanceId: string; name: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const del = useMutation(trpc.topic.delete.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.topic.list.pathKey() }) }));
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)} className="text-xs text-red-600 hover:underline">
        Delete
      </button>
    );
  }
  return (
    <span className="flex items-center gap-2">
      <input aria-label={`Type ${name} to confirm`} placeholder={name} value={typed} onChange={(e) => setTyped(e.target.value)} className="w-32 rounded border border-slate-300 bg-transparent px-1 py-0.5 text-xs dark:border-slate-700" />
      <button type="button" disabled={typed !== name || del.isPending} onClick={() => del.mutate({ instanceId, name })} className="text-xs font-medium text-red-600 disabled:opacity-40">
        Confirm delete
      </button>
      <button type="button" onClick={() => setOpen(false)} className="text-xs text-slate-500">
        Cancel
      </button>
    </span>
  );
}

export default function TopicsPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const canOperate = useCanOperate();
  const [state, setState] = useState<TableState>({ page: 1, pageSize: 20, sort: 'name', dir: 'asc', search: '' });
  const [namespace, setNamespace] = useState<string | undefined>(undefined);
  const list = useQuery({ ...trpc.topic.list.queryOptions({ instanceId: id, ...state, ...(namespace !== undefined ? { namespace } : {}) }), refetchInterval: 5_000 });
  const instance = useQuery(trpc.instance.get.queryOptions({ instanceId: id }));
  const columns: Column<TopicRow>[] = [
    { key: 'name', header: 'Topic', sortable: true, render: (r) => <NavLink href={`/instances/${id}/topics/${encodeURIComponent(r.name)}`} className="font-medium text-indigo-600 dark:text-indigo-400">{r.name}</NavLink> },
    { key: 'messageType', header: 'Type', sortable: true, render: (r) => r.messageType },
    { key: 'readQueueNums', header: 'Queues', sortable: true, align: 'right', render: (r) => r.readQueueNums },
    { key: 'messageCount', header: 'Messages', sortable: true, align: 'right', render: (r) => <span data-testid={`count-${r.name}`}>{r.messageCount.toLocaleString()}</span> },
    { key: 'maxStoreTimestamp', header: 'Last message', sortable: true, render: (r) => (r.maxStoreTimestamp ? new Date(r.maxStoreTimestamp).toLocaleString() : '—') },
    { key: 'description', header: 'Description', render: (r) => <span className="text-slate-500">{r.description}</span> },
    ...(canOperate ? [{ key: 'actions', header: '', render: (r: TopicRow) => <DeleteTopic instanceId={id} name={r.name} /> }] : []),
  ];
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Instances', instance.data?.name ?? '…', 'Topics']} title="Topics">
        <NamespaceFilter instanceId={id} value={namespace} onChange={(v) => { setNamespace(v); setState({ ...state, page: 1 }); }} />
        <SearchBox placeholder="Search topics" value={state.search} onChange={(search) => setState({ ...state, search, page: 1 })} />
      </PageHeader>
      {canOperate && <CreateTopic instanceId={id} namespace={namespace} />}
      <PageTable
        columns={columns}
        rows={list.data?.rows}
        total={list.data?.total ?? 0}
        state={state}
        onState={setState}
        loading={list.isPending}
        error={list.error ? errorInfo(list.error).message : undefined}
        empty="No topics yet."
        rowKey={(r) => r.name}
      />
    </section>
  );
}
