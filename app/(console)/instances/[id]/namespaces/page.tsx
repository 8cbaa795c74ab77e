'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useAfterSave } from '../../../../_components/after-save.ts';
import { deleteColumn } from '../../../../_components/confirm.tsx';
import { useTableState, type Column } from '../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../_components/empty-state.tsx';
import { FormFooter, TextField, useForm } from '../../../../_components/form.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { DrawerButton } from '../../../../_components/overlay.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { PagedList } from '../../../../_components/paged-list.tsx';
import { useCanOperate } from '../../../../_components/shell.tsx';
import { Time } from '../../../../_components/time.tsx';
import { useTRPC } from '../../../../_components/trpc.tsx';
import { fieldError, namespaceNameSchema } from '../../../../../server/broker/rules.ts';
import type { AppRouter } from '../../../../../server/routers/_app.ts';
import { descriptionSchema } from '../../../../../server/schemas.ts';

type NsRow = inferRouterOutputs<AppRouter>['namespace']['list']['rows'][number];

function CreateNamespace({ instanceId, onDone }: { instanceId: string; onDone(): void }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.namespace.create.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.namespace.list.pathKey()], then: onDone }) }));
  const form = useForm({ name: '', description: '' }, (v) => ({ name: fieldError(namespaceNameSchema, v.name), description: fieldError(descriptionSchema, v.description) }), create);
  return (
    <form noValidate onSubmit={form.onSubmit((v) => create.mutate({ instanceId, ...v }))} className="space-y-4">
      <TextField form={form} name="name" label="Namespace name" hint="Topics and groups in it are stored as name%topic" />
      <TextField form={form} name="description" label="Description" />
      <FormFooter error={form.bannerError} disabled={form.invalid || create.isPending} label="Create namespace" />
    </form>
  );
}

export default function NamespacesPage() {
  const instance = useInstance();
  const trpc = useTRPC();
  const canOperate = useCanOperate();
  const table = useTableState('name');
  const [state] = table;
  const del = useMutation(trpc.namespace.delete.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.namespace.list.pathKey()] }) }));
  const list = useQuery(trpc.namespace.list.queryOptions({ instanceId: instance.id, ...state }));
  const columns: Column<NsRow>[] = [
    { key: 'name', header: 'Namespace', sortable: true, render: (r) => <span className="font-medium">{r.name}</span> },
    { key: 'description', header: 'Description', render: (r) => <span className="text-slate-500 dark:text-slate-400">{r.description}</span> },
    { key: 'topics', header: 'Topics', sortable: true, align: 'right', render: (r) => r.topics },
    { key: 'groups', header: 'Groups', sortable: true, align: 'right', render: (r) => r.groups },
    { key: 'createdAt', header: 'Created', sortable: true, render: (r) => <Time at={r.createdAt} /> },
    ...(canOperate ? [deleteColumn<NsRow>('namespace', 'Only an empty namespace can be deleted: delete its topics and groups first.', (name) => del.mutateAsync({ instanceId: instance.id, name }))] : []),
  ];
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Namespaces' }]}
        title="Namespaces"
        description="A namespace prefixes the names of its topics and groups, so several applications share one instance."
        actions={canOperate && <DrawerButton label="Create namespace" title="Create namespace">{(close) => <CreateNamespace instanceId={instance.id} onDone={close} />}</DrawerButton>}
      />
      <PagedList
        label="Namespaces"
        query={list}
        table={table}
        search="Search namespaces"
        columns={columns}
        rowKey={(r) => r.name}
        empty={<EmptyState title={state.search ? 'No namespace matches.' : 'No namespaces.'} hint={state.search ? undefined : 'Topics and groups without a namespace live at the top level.'} />}
      />
    </>
  );
}
