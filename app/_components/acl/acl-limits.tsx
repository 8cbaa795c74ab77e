'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { RateLimitSchema, type RateLimit } from '../../../server/broker/acl/rules.ts';
import { fieldError } from '../../../server/broker/rules.ts';
import { useAfterSave } from '../after-save.ts';
import { ConfirmAction } from '../confirm.tsx';
import { DataTable, type Column } from '../data-table.tsx';
import { EmptyState } from '../empty-state.tsx';
import { ErrorState } from '../errors.tsx';
import { Field, FormFooter, NumberField, useForm } from '../form.tsx';
import { NavLink } from '../nav-link.tsx';
import { useTRPC } from '../trpc.tsx';
import { Card, dangerLinkClass, Fact, Facts, inputClass, linkClass, Skeleton } from '../ui.tsx';
import { Suggestions, useResourceNames } from './resource-names.tsx';

type Scope = 'topic' | 'group';
interface LimitRow {
  scope: Scope;
  name: string;
  limit: RateLimit;
  admitted: number;
  refused: number;
}

const perSecond = (n: number | null) => (n ? `${n.toLocaleString()} msg/s` : 'unlimited');

function AddLimit({ instanceId, onAdd, pending, server }: { instanceId: string; onAdd(scope: Scope, name: string, limit: RateLimit): void; pending: boolean; server: { error: unknown; reset(): void } }) {
  const names = useResourceNames(instanceId);
  const listId = useId();
  const form = useForm({ scope: 'topic' as Scope, name: '', perSecond: 100, burst: 0 }, (v) => ({
    name: v.name.trim() ? '' : 'Name a topic or group',
    perSecond: fieldError(RateLimitSchema.shape.perSecond, v.perSecond),
    burst: v.burst ? fieldError(RateLimitSchema.shape.burst, v.burst) : '',
  }), server);
  return (
    <form noValidate onSubmit={form.onSubmit((v) => onAdd(v.scope, v.name.trim(), v.burst ? { perSecond: v.perSecond, burst: v.burst } : { perSecond: v.perSecond }))} className="mt-3 grid items-start gap-3 md:grid-cols-5">
      <Field label="Limit on">
        <select aria-label="Limit on" value={form.values.scope} onChange={(e) => form.set('scope', e.target.value as Scope)} className={`w-full ${inputClass}`}>
          <option value="topic">Sends to a topic</option>
          <option value="group">Receives by a group</option>
        </select>
      </Field>
      <Field label="Limit name" error={form.error('name')} hint="Stored name (ns%name).">
        <input aria-label="Limit name" list={listId} value={form.values.name} onChange={(e) => form.set('name', e.target.value)} className={`w-full font-mono ${inputClass}`} />
        <Suggestions id={listId} values={form.values.scope === 'topic' ? names.topics : names.groups} />
      </Field>
      <NumberField form={form} name="perSecond" label="Messages per second" min={1} />
      <NumberField form={form} name="burst" label="Burst" min={0} hint="0: one second’s worth." />
      <div className="pt-5">
        <FormFooter error={form.bannerError} disabled={form.invalid || pending} label="Set limit" />
      </div>
    </form>
  );
}

/** The instance-wide limits (from the instance spec), the per-topic and per-group ones, and their usage. */
export function AclLimitsCard({ instanceId, canChange }: { instanceId: string; canChange: boolean }) {
  const trpc = useTRPC();
  const limits = useQuery({ ...trpc.acl.limits.queryOptions({ instanceId }), refetchInterval: 5_000 });
  const save = useMutation(trpc.acl.setLimits.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.acl.limits.pathKey()], message: () => 'Rate limits saved.' }) }));
  if (limits.isPending) return <Card title="Rate limits"><Skeleton /></Card>;
  if (limits.error) return <ErrorState error={limits.error} onRetry={() => void limits.refetch()} />;
  const { limits: l, usage, spec } = limits.data;
  const used = (scope: string, name: string) => usage.find((u) => u.scope === scope && u.name === name);
  const rows: LimitRow[] = [
    ...Object.entries(l.topics).map(([name, limit]) => ({ scope: 'topic' as const, name, limit, admitted: used('topic', name)?.admitted ?? 0, refused: used('topic', name)?.refused ?? 0 })),
    ...Object.entries(l.groups).map(([name, limit]) => ({ scope: 'group' as const, name, limit, admitted: used('group', name)?.admitted ?? 0, refused: used('group', name)?.refused ?? 0 })),
  ];
  const write = (topics: Record<string, RateLimit>, groups: Record<string, RateLimit>) => save.mutateAsync({ instanceId, topics, groups });
  const without = (r: LimitRow) => {
    const topics = { ...l.topics };
    const groups = { ...l.groups };
    delete (r.scope === 'topic' ? topics : groups)[r.name];
    return write(topics, groups);
  };
  const columns: Column<LimitRow>[] = [
    { key: 'scope', header: 'On', render: (r) => (r.scope === 'topic' ? 'sends to topic' : 'receives by group') },
    { key: 'name', header: 'Name', render: (r) => <code className="text-xs">{r.name}</code> },
    { key: 'perSecond', header: 'Limit', align: 'right', render: (r) => `${r.limit.perSecond.toLocaleString()} msg/s` },
    { key: 'burst', header: 'Burst', align: 'right', render: (r) => (r.limit.burst ?? r.limit.perSecond).toLocaleString() },
    { key: 'admitted', header: 'Admitted', align: 'right', render: (r) => r.admitted.toLocaleString() },
    { key: 'refused', header: 'Refused', align: 'right', render: (r) => <span className={r.refused ? 'font-medium text-red-600 dark:text-red-400' : ''}>{r.refused.toLocaleString()}</span> },
    ...(canChange
      ? [{ key: 'remove', header: 'Actions', render: (r: LimitRow) => <ConfirmAction label="Remove" ariaLabel={`Remove limit on ${r.name}`} buttonClassName={dangerLinkClass} title={`Remove the limit on ${r.name}`} body="Only the instance-wide limits apply to it afterwards." confirmLabel="Remove limit" onConfirm={() => without(r)} /> }]
      : []),
  ];
  const send = usage.find((u) => u.scope === 'send');
  const receive = usage.find((u) => u.scope === 'receive');
  return (
    <Card title="Rate limits">
      <Facts plain>
        <Fact label="Instance sends">
          <span data-testid="limit-send">{perSecond(spec.maxTps)}</span>
          {send && <span className="block text-xs text-slate-500 dark:text-slate-400">{send.admitted.toLocaleString()} admitted, {send.refused.toLocaleString()} refused</span>}
        </Fact>
        <Fact label="Instance receives">
          <span data-testid="limit-receive">{perSecond(spec.maxReceiveTps)}</span>
          {receive && <span className="block text-xs text-slate-500 dark:text-slate-400">{receive.admitted.toLocaleString()} admitted, {receive.refused.toLocaleString()} refused</span>}
        </Fact>
        <Fact label="Where set">
          <NavLink href={`/instances/${instanceId}/settings`} className={linkClass}>
            Instance settings
          </NavLink>
        </Fact>
      </Facts>
      <p className="mt-3 mb-2 text-xs text-slate-500 dark:text-slate-400">Over a limit a request is refused at once with TOO_MANY_REQUESTS (42900); the SDK retries it. Counts are since the instance started.</p>
      <DataTable label="Per-topic and per-group limits" columns={columns} rows={rows} rowKey={(r) => `${r.scope}:${r.name}`} empty={<EmptyState title="No per-topic or per-group limits." hint="Only the instance-wide limits apply." />} />
      {canChange && <AddLimit instanceId={instanceId} pending={save.isPending} server={save} onAdd={(scope, name, limit) => void write(scope === 'topic' ? { ...l.topics, [name]: limit } : l.topics, scope === 'group' ? { ...l.groups, [name]: limit } : l.groups).catch(() => undefined)} />}
    </Card>
  );
}

const DENIAL_TEXT: Record<string, string> = {
  ADDRESS_NOT_ALLOWED: 'Address not in the allow-list',
  MISSING_CREDENTIALS: 'No credentials',
  MALFORMED_CREDENTIALS: 'Malformed authorization header',
  MISSING_DATE_TIME: 'No x-mq-date-time',
  BAD_DATE_TIME: 'Unreadable x-mq-date-time',
  CLOCK_SKEW: 'Clock too far from the broker’s',
  UNKNOWN_USER: 'Unknown user',
  USER_DISABLED: 'Disabled user',
  BAD_SIGNATURE: 'Wrong signature (secret)',
  NO_MATCHING_POLICY: 'No matching policy entry',
  DENIED_BY_ENTRY: 'Denied by an entry',
};

/** Refused requests since the instance started, by reason. */
export function DenialsCard({ instanceId }: { instanceId: string }) {
  const trpc = useTRPC();
  const denials = useQuery({ ...trpc.acl.denials.queryOptions({ instanceId }), refetchInterval: 5_000 });
  if (denials.isPending) return <Card title="Denied requests"><Skeleton lines={2} /></Card>;
  if (denials.error) return <ErrorState error={denials.error} onRetry={() => void denials.refetch()} />;
  const rows = Object.entries(denials.data)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([reason, n]) => ({ reason, count: n ?? 0 }))
    .sort((a, b) => b.count - a.count);
  return (
    <Card title="Denied requests">
      <DataTable
        label="Denials by reason"
        columns={[
          { key: 'reason', header: 'Reason', render: (r) => <>{DENIAL_TEXT[r.reason] ?? r.reason} <code className="ml-1 text-xs text-slate-500 dark:text-slate-400">{r.reason}</code></> },
          { key: 'count', header: 'Requests', align: 'right', render: (r) => <span data-testid={`denials-${r.reason}`}>{r.count.toLocaleString()}</span> },
        ]}
        rows={rows}
        rowKey={(r) => r.reason}
        empty={<EmptyState title="No request has been refused since the instance started." />}
      />
    </Card>
  );
}
