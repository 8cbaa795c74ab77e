'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useParams } from 'next/navigation.js';
import { useState, type FormEvent } from 'react';
import { NavLink } from '../../../../_components/nav-link.tsx';
import { NamespaceFilter } from '../../../../_components/namespace-filter.tsx';
import { PageTable, type Column, type TableState } from '../../../../_components/page-table.tsx';
import { useCanOperate } from '../../../../_components/shell.tsx';
import { errorInfo, useTRPC } from '../../../../_components/trpc.tsx';
import { buttonClass, cardClass, inputClass, PageHeader, SearchBox } from '../../../../_components/ui.tsx';
import {
  CONSUME_TYPES,
  DEFAULT_MAX_DELIVERY_ATTEMPTS,
  fieldError,
  groupNameSchema,
  MAX_DELIVERY_ATTEMPTS_LIMIT,
  maxDeliveryAttemptsSchema,
  type ConsumeType,
} from '../../../../../server/broker/rules.ts';
import type { AppRouter } from '../../../../../server/routers/_app.ts';

type GroupRow = inferRouterOutputs<AppRouter>['group']['list']['rows'][number];

function CreateGroup({ instanceId, namespace }: { instanceId: string; namespace: string | undefined }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [fifo, setFifo] = useState(false);
  const [consumeType, setConsumeType] = useState<ConsumeType>('CLUSTERING');
  const [maxDeliveryAttempts, setMax] = useState(DEFAULT_MAX_DELIVERY_ATTEMPTS);
  const create = useMutation(trpc.group.create.mutationOptions({ onSuccess: () => { setName(''); void qc.invalidateQueries({ queryKey: trpc.group.list.pathKey() }); } }));
  const nameErr = name ? fieldError(groupNameSchema, name) : '';
  const maxErr = fieldError(maxDeliveryAttemptsSchema, maxDeliveryAttempts);
  const invalid = !name || !!nameErr || !!maxErr;
  function submit(e: FormEvent): void {
    e.preventDefault();
    if (!invalid) create.mutate({ instanceId, name, fifo, consumeType, maxDeliveryAttempts, ...(namespace ? { namespace } : {}) });
  }
  return (
    <form onSubmit={submit} className={`grid grid-cols-1 gap-3 text-sm md:grid-cols-5 ${cardClass}`}>
      <label className="md:col-span-2">
        <span className="font-medium">Name{namespace ? ` (in namespace ${namespace})` : ''}</span>
        <input aria-label="Group name" value={name} onChange={(e) => setName(e.target.value)} className={`mt-1 w-full ${inputClass}`} />
        {nameErr && <span className="mt-1 block text-xs text-red-600">{nameErr}</span>}
      </label>
      <label>
        <span className="font-medium">Consume type</span>
        <select value={consumeType} onChange={(e) => setConsumeType(e.target.value as ConsumeType)} className={`mt-1 w-full ${inputClass}`}>
          {CONSUME_TYPES.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        <span className="font-medium">Max delivery attempts</span>
        <input type="number" min={1} max={MAX_DELIVERY_ATTEMPTS_LIMIT} value={maxDeliveryAttempts} onChange={(e) => setMax(Number(e.target.value))} className={`mt-1 w-full ${inputClass}`} />
        {maxErr && <span className="mt-1 block text-xs text-red-600">{maxErr}</span>}
      </label>
      <div className="flex items-end gap-3">
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={fifo} onChange={(e) => setFifo(e.target.checked)} /> FIFO
        </label>
        <button type="submit" disabled={invalid || create.isPending} className={`flex-1 ${buttonClass}`}>
          Create group
        </button>
      </div>
      {create.error && <p role="alert" className="text-red-600 md:col-span-5">{errorInfo(create.error).message}</p>}
    </form>
  );
}

export default function GroupsPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const canOperate = useCanOperate();
  const [state, setState] = useState<TableState>({ page: 1, pageSize: 20, sort: 'name', dir: 'asc', search: '' });
  const [namespace, setNamespace] = useState<string | undefined>(undefined);
  const list = useQuery({ ...trpc.group.list.queryOptions({ instanceId: id, ...state, ...(namespace !== undefined ? { namespace } : {}) }), refetchInterval: 5_000 });
  const columns: Column<GroupRow>[] = [
    { key: 'name', header: 'Group', sortable: true, render: (r) => <NavLink href={`/instances/${id}/groups/${encodeURIComponent(r.name)}`} className="font-medium text-indigo-600 dark:text-indigo-400">{r.name}</NavLink> },
    { key: 'consumeType', header: 'Consume type', sortable: true, render: (r) => r.consumeType },
    { key: 'fifo', header: 'FIFO', render: (r) => (r.fifo ? 'yes' : 'no') },
    { key: 'retryPolicy', header: 'Retry', render: (r) => r.retryPolicy },
    { key: 'maxDeliveryAttempts', header: 'Max attempts', sortable: true, align: 'right', render: (r) => r.maxDeliveryAttempts },
    { key: 'onlineConsumers', header: 'Online', sortable: true, align: 'right', render: (r) => r.onlineConsumers },
    { key: 'backlog', header: 'Backlog', sortable: true, align: 'right', render: (r) => <span data-testid={`backlog-${r.name}`}>{r.backlog.toLocaleString()}</span> },
  ];
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Instances', 'Groups']} title="Consumer groups">
        <NamespaceFilter instanceId={id} value={namespace} onChange={(v) => { setNamespace(v); setState({ ...state, page: 1 }); }} />
        <SearchBox placeholder="Search groups" value={state.search} onChange={(search) => setState({ ...state, search, page: 1 })} />
      </PageHeader>
      {canOperate && <CreateGroup instanceId={id} namespace={namespace} />}
      <PageTable columns={columns} rows={list.data?.rows} total={list.data?.total ?? 0} state={state} onState={setState} loading={list.isPending} error={list.error ? errorInfo(list.error).message : undefined} empty="No consumer groups yet." rowKey={(r) => r.name} />
    </section>
  );
}
