'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useAfterSave } from '../../../../_components/after-save.ts';
import { Badge } from '../../../../_components/badge.tsx';
import { useTableState, type Column } from '../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../_components/empty-state.tsx';
import { CheckboxField, ChoiceField, FormFooter, NumberField, TextField, useForm } from '../../../../_components/form.tsx';
import { DLQ_HINT } from '../../../../_components/group/edit-group.tsx';
import { retryPolicyLabel } from '../../../../_components/group/retry-schedule.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { NamespaceField, NamespaceSelect, useNamespaceFilter } from '../../../../_components/namespace-filter.tsx';
import { NavLink } from '../../../../_components/nav-link.tsx';
import { DrawerButton } from '../../../../_components/overlay.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { PagedList } from '../../../../_components/paged-list.tsx';
import { useCanOperate } from '../../../../_components/shell.tsx';
import { useTRPC } from '../../../../_components/trpc.tsx';
import { linkClass } from '../../../../_components/ui.tsx';
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
      <NamespaceField form={form} instanceId={instanceId} resource="group" />
      <ChoiceField form={form} name="consumeType" label="Consume type" options={CONSUME_TYPES} help={CONSUME_HELP} />
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
  const table = useTableState('name');
  const { namespace, input, filtered, choose: chooseNamespace } = useNamespaceFilter(table);
  const list = useQuery({ ...trpc.group.list.queryOptions({ instanceId: instance.id, ...input }), refetchInterval: 5_000 });
  const columns: Column<GroupRow>[] = [
    { key: 'name', header: 'Group', sortable: true, render: (r) => <NavLink href={`/instances/${instance.id}/groups/${encodeURIComponent(r.name)}`} className={`whitespace-nowrap ${linkClass}`}>{r.name}</NavLink> },
    { key: 'consumeType', header: 'Consume type', sortable: true, render: (r) => r.consumeType },
    { key: 'fifo', header: 'FIFO', render: (r) => (r.fifo ? <Badge tone="indigo">FIFO</Badge> : <span className="text-slate-400">—</span>) },
    { key: 'retryPolicy', header: 'Retry back-off', render: (r) => retryPolicyLabel(r.retryPolicy) },
    { key: 'maxDeliveryAttempts', header: 'Max attempts', sortable: true, align: 'right', render: (r) => r.maxDeliveryAttempts },
    { key: 'onlineConsumers', header: 'Online', sortable: true, align: 'right', render: (r) => r.onlineConsumers },
    { key: 'backlog', header: 'Backlog', sortable: true, align: 'right', render: (r) => <span data-testid={`backlog-${r.name}`}>{r.backlog.toLocaleString()}</span> },
    {
      key: 'deadLetters',
      header: 'Dead letters',
      sortable: true,
      align: 'right',
      render: (r) =>
        r.deadLetters > 0 ? (
          <NavLink href={`/instances/${instance.id}/groups/${encodeURIComponent(r.name)}/dead-letters`} className={linkClass}>
            <span data-testid={`dlq-${r.name}`}>{r.deadLetters.toLocaleString()}</span>
          </NavLink>
        ) : (
          <span data-testid={`dlq-${r.name}`} className="text-slate-400">0</span>
        ),
    },
  ];
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Groups' }]}
        title="Consumer groups"
        actions={canOperate && <DrawerButton label="Create group" title="Create consumer group">{(close) => <CreateGroup instanceId={instance.id} namespace={namespace} onDone={close} />}</DrawerButton>}
      />
      <PagedList
        label="Consumer groups"
        query={list}
        table={table}
        filters={<NamespaceSelect instanceId={instance.id} allowAll value={namespace} onChange={chooseNamespace} />}
        search="Search groups"
        columns={columns}
        rowKey={(r) => r.name}
        empty={filtered ? <EmptyState title="No group matches these filters." /> : <EmptyState title="No consumer groups yet." hint="A consumer group tracks how far its consumers have read each topic." />}
      />
    </>
  );
}
