'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useParams } from 'next/navigation.js';
import { useState } from 'react';
import { PageTable, type Column, type TableState } from '../../../../_components/page-table.tsx';
import { useCanOperate } from '../../../../_components/shell.tsx';
import { errorInfo, useTRPC } from '../../../../_components/trpc.tsx';
import { buttonClass, inputClass, PageHeader, SearchBox } from '../../../../_components/ui.tsx';
import { fieldError, namespaceNameSchema } from '../../../../../server/broker/rules.ts';
import type { AppRouter } from '../../../../../server/routers/_app.ts';

type NsRow = inferRouterOutputs<AppRouter>['namespace']['list']['rows'][number];

export default function NamespacesPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canOperate = useCanOperate();
  const [state, setState] = useState<TableState>({ page: 1, pageSize: 20, sort: 'name', dir: 'asc', search: '' });
  const [name, setName] = useState('');
  const list = useQuery(trpc.namespace.list.queryOptions({ instanceId: id, ...state }));
  const refresh = () => void qc.invalidateQueries({ queryKey: trpc.namespace.list.pathKey() });
  const create = useMutation(trpc.namespace.create.mutationOptions({ onSuccess: () => { setName(''); refresh(); } }));
  const del = useMutation(trpc.namespace.delete.mutationOptions({ onSuccess: refresh }));
  const nameErr = name ? fieldError(namespaceNameSchema, name) : '';
  const columns: Column<NsRow>[] = [
    { key: 'name', header: 'Namespace', sortable: true, render: (r) => <span className="font-medium">{r.name}</span> },
    { key: 'topics', header: 'Topics', sortable: true, align: 'right', render: (r) => r.topics },
    { key: 'groups', header: 'Groups', sortable: true, align: 'right', render: (r) => r.groups },
    { key: 'createdAt', header: 'Created', sortable: true, render: (r) => new Date(r.createdAt).toLocaleString() },
    ...(canOperate ? [{ key: 'actions', header: '', render: (r: NsRow) => <button type="button" onClick={() => window.confirm(`Delete namespace ${r.name}?`) && del.mutate({ instanceId: id, name: r.name })} className="text-xs text-red-600">Delete</button> }] : []),
  ];
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Instances', 'Namespaces']} title="Namespaces">
        <SearchBox placeholder="Search namespaces" value={state.search} onChange={(search) => setState({ ...state, search, page: 1 })} />
      </PageHeader>
      {canOperate && (
        <form onSubmit={(e) => { e.preventDefault(); if (name && !nameErr) create.mutate({ instanceId: id, name }); }} className="flex items-start gap-2">
          <div>
            <input aria-label="Namespace name" placeholder="new namespace" value={name} onChange={(e) => setName(e.target.value)} className={inputClass} />
            {nameErr && <span className="mt-1 block text-xs text-red-600">{nameErr}</span>}
          </div>
          <button type="submit" disabled={!name || !!nameErr} className={buttonClass}>Create namespace</button>
        </form>
      )}
      {(create.error ?? del.error) && <p role="alert" className="text-sm text-red-600">{errorInfo(create.error ?? del.error).message}</p>}
      <PageTable columns={columns} rows={list.data?.rows} total={list.data?.total ?? 0} state={state} onState={setState} loading={list.isPending} error={list.error ? errorInfo(list.error).message : undefined} empty="No namespaces." rowKey={(r) => r.name} />
    </section>
  );
}
