'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState } from 'react';
import { useAfterSave } from '../../../../_components/after-save.ts';
import { Badge } from '../../../../_components/badge.tsx';
import { DataTable, pagedRows, useTableState, type Column } from '../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../_components/empty-state.tsx';
import { FilterBar, SearchBox } from '../../../../_components/filter-bar.tsx';
import { CheckboxField, Field, FormFooter, NumberField, TextField, useForm } from '../../../../_components/form.tsx';
import { DLQ_HINT } from '../../../../_components/group/edit-group.tsx';
import { retryPolicyLabel } from '../../../../_components/group/retry-schedule.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { NamespaceSelect } from '../../../../_components/namespace-filter.tsx';
import { NavLink } from '../../../../_components/nav-link.tsx';
import { DrawerButton } from '../../../../_components/overlay.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { useCanOperate } from '../../../../_components/shell.tsx';
import { useTRPC } from '../../../../_components/trpc.tsx';
import { inputClass, linkClass } from '../../../../_components/ui.tsx';
import { CONSUME_TYPES, DEFAULT_MAX_DELIVERY_ATTEMPTS, fieldError, groupNameSchema, MAX_DELIVERY_ATTEMPTS_LIMIT, maxDeliveryAttemptsSchema, type ConsumeType } from '../../../../../server/broker/rules.ts';
import type { AppRouter } from '../../../../../server/routers/_app.ts';

type GroupRow = inferRouterOutputs<AppRouter>['group']['list']['rows'][number];

const CONSUME_HELP: Record<ConsumeType, string> = {
  CLUSTERING: 'Each message goes to one consumer of the group.',
  BROADCASTING: 'Each message goes to every consumer of the group.',
};

function CreateGroup({ instanceId, namespace, onDone }: { instanceId: string; namespace: string | undefined; onDone(): void }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.group.create.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.group.list.pathKey()], then: onDone }) }));
  const form = useForm(
    { name: '', namespace: namespace ?? '', consumeType: 'CLUSTERING' as ConsumeType, maxDeliveryAttempts: DEFAULT_MAX_DELIVERY_ATTEMPTS, fifo: false },
    (v) => ({ name: fieldError(groupNameSchema, v.name), maxDeliveryAttempts: fieldError(maxDeliveryAttemptsSchema, v.maxDeliveryAttempts) }),
    create,
  );
  const { values } = form;
  return (
    <form noValidate onSubmit={form.onSubmit(({ namespace: ns, ...v }) => create.mutate({ instanceId, ...v, ...(ns ? { namespace: ns } : {}) }))} className="space-y-4">
      <TextField form={form} name="name" label="Group name" />
      <Field label="Namespace" error={form.error('namespace')}>
        <NamespaceSelect instanceId={instanceId} label="Namespace of the group" value={values.namespace} onChange={(v) => form.set('namespace', v ?? '')} className="w-full" />
      </Field>
      <Field label="Consume type" hint={CONSUME_HELP[values.consumeType]}>
        <select aria-label="Consume type" value={values.consumeType} onChange={(e) => form.set('consumeType', e.target.value as ConsumeType)} className={`w-full ${inputClass}`}>
          {CONSUME_TYPES.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </Field>
      <NumberField form={form} name="maxDeliveryAttempts" label="Max delivery attempts" min={1} max={MAX_DELIVERY_ATTEMPTS_LIMIT} hint={DLQ_HINT} />
      <CheckboxField label="FIFO" hint="Deliver one message at a time per message group, in order" checked={values.fifo} onChange={(fifo) => form.set('fifo', fifo)} />
      <FormFooter error={form.bannerError} disabled={form.invalid || create.isPending} label="Create group" />
    </form>
  );
}

export default function GroupsPage() {
  const instance = useInstance();
  const trpc = useTRPC();
  const canOperate = useCanOperate();
  const [state, setState] = useTableState('name');
  const [namespace, setNamespace] = useState<string | undefined>(undefined);
  const list = useQuery({ ...trpc.group.list.queryOptions({ instanceId: instance.id, ...state, ...(namespace !== undefined ? { namespace } : {}) }), refetchInterval: 5_000 });
  const columns: Column<GroupRow>[] = [
    { key: 'name', header: 'Group', sortable: true, render: (r) => <NavLink href={`/instances/${instance.id}/groups/${encodeURIComponent(r.name)}`} className={`whitespace-nowrap ${linkClass}`}>{r.name}</NavLink> },
    { key: 'consumeType', header: 'Consume type', sortable: true, render: (r) => r.consumeType },
    { key: 'fifo', header: 'FIFO', render: (r) => (r.fifo ? <Badge tone="indigo">FIFO</Badge> : <span className="text-slate-400">—</span>) },
    { key: 'retryPolicy', header: 'Retry back-off', render: (r) => retryPolicyLabel(r.retryPolicy) },
    { key: 'maxDeliveryAttempts', header: 'Max attempts', sortable: true, align: 'right', render: (r) => r.maxDeliveryAttempts },
    { key: 'onlineConsumers', header: 'Online', sortable: true, align: 'right', render: (r) => r.onlineConsumers },
    { key: 'backlog', header: 'Backlog', sortable: true, align: 'right', render: (r) => <span data-testid={`backlog-${r.name}`}>{r.backlog.toLocaleString()}</span> },
  ];
  const filtered = state.search !== '' || namespace !== undefined;
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Groups' }]}
        title="Consumer groups"
        actions={canOperate && <DrawerButton label="Create group" title="Create consumer group">{(close) => <CreateGroup instanceId={instance.id} namespace={namespace} onDone={close} />}</DrawerButton>}
      />
      <FilterBar>
        <NamespaceSelect instanceId={instance.id} allowAll value={namespace} onChange={(v) => { setNamespace(v); setState({ ...state, page: 1 }); }} />
        <SearchBox placeholder="Search groups" value={state.search} onChange={(search) => setState({ ...state, search, page: 1 })} />
      </FilterBar>
      <DataTable
        label="Consumer groups"
        columns={columns}
        rowKey={(r) => r.name}
        {...pagedRows(list, state, setState)}
        empty={filtered ? <EmptyState title="No group matches these filters." /> : <EmptyState title="No consumer groups yet." hint="A consumer group tracks how far its consumers have read each topic." />}
      />
    </>
  );
}
