'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { Badge, type Tone } from '../badge.tsx';
import { DeleteRow } from '../confirm.tsx';
import type { Column } from '../data-table.tsx';
import { NavLink } from '../nav-link.tsx';
import { DrawerButton } from '../overlay.tsx';
import { Time } from '../time.tsx';
import { useTRPC } from '../trpc.tsx';
import { linkButtonClass } from '../ui.tsx';
import { ALERT_METRICS, COMPARISONS, type AlertMetric, type Comparison } from '../../../server/alerts/rules.ts';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { RuleForm, type RuleRow } from './rule-form.tsx';

export type EventRow = inferRouterOutputs<AppRouter>['alert']['events']['rows'][number];

export const SEVERITY_TONE: Record<string, Tone> = { critical: 'red', warning: 'amber', info: 'indigo' };
const STATE_TONE: Record<string, Tone> = { firing: 'red', pending: 'amber', ok: 'green' };

function condition(r: RuleRow): string {
  const m = ALERT_METRICS[r.metric as AlertMetric];
  const unit = m.unit ? ` ${m.unit}` : '';
  const window = r.metric === 'dlq_messages' ? ` in ${r.windowMinutes} min` : '';
  return `${m.label}${window} ${COMPARISONS[r.comparison as Comparison]} ${r.threshold.toLocaleString()}${unit}${r.forMinutes ? ` for ${r.forMinutes} min` : ''}`;
}

function RuleActions({ rule, canOperate }: { rule: RuleRow; canOperate: boolean }) {
  const trpc = useTRPC();
  const client = useQueryClient();
  const refresh = () => void client.invalidateQueries({ queryKey: trpc.alert.pathKey() });
  const toggle = useMutation(trpc.alert.setEnabled.mutationOptions({ onSuccess: refresh }));
  const del = useMutation(trpc.alert.deleteRule.mutationOptions({ onSuccess: refresh }));
  if (!canOperate) return null;
  return (
    <span className="flex items-center gap-3">
      <DrawerButton label="Edit" title={`Edit ${rule.name}`} buttonClassName={linkButtonClass}>
        {(close) => <RuleForm rule={rule} onDone={close} />}
      </DrawerButton>
      <button type="button" className={linkButtonClass} disabled={toggle.isPending} onClick={() => toggle.mutate({ id: rule.id, enabled: !rule.enabled })}>
        {rule.enabled ? 'Disable' : 'Enable'}
      </button>
      {!rule.builtIn && <DeleteRow what="alert rule" name={rule.name} consequence="Its open alert is closed; its history stays." onConfirm={() => del.mutateAsync({ id: rule.id })} />}
    </span>
  );
}

export function ruleColumns(canOperate: boolean): Column<RuleRow>[] {
  return [
    {
      key: 'name',
      header: 'Rule',
      sortable: true,
      render: (r) => (
        <span className="flex flex-wrap items-center gap-1.5">
          <span className="font-medium">{r.name}</span>
          {r.builtIn && <Badge>built-in</Badge>}
          {!r.enabled && <Badge>disabled</Badge>}
        </span>
      ),
    },
    { key: 'scope', header: 'Scope', render: (r) => <span>{r.scopeKind === 'instance' ? r.instanceName : `${r.scopeKind} ${r.scopeName}`}<span className="block text-xs text-slate-500 dark:text-slate-400">{r.scopeKind === 'instance' ? 'instance' : r.instanceName}</span></span> },
    { key: 'condition', header: 'Condition', render: (r) => <span className="text-xs">{condition(r)}</span> },
    { key: 'severity', header: 'Severity', sortable: true, render: (r) => <Badge tone={SEVERITY_TONE[r.severity] ?? 'slate'}>{r.severity}</Badge> },
    { key: 'channels', header: 'Notifies', render: (r) => <span className="text-xs">{r.channels.length ? r.channels.join(', ') : 'console only'}</span> },
    { key: 'state', header: 'State', sortable: true, render: (r) => <Badge tone={r.enabled ? (STATE_TONE[r.state] ?? 'slate') : 'slate'}>{r.enabled ? r.state : 'off'}</Badge> },
    { key: 'actions', header: 'Actions', render: (r) => <RuleActions rule={r} canOperate={canOperate} /> },
  ];
}

export const eventColumns: Column<EventRow>[] = [
  { key: 'severity', header: 'Severity', render: (e) => <Badge tone={SEVERITY_TONE[e.severity] ?? 'slate'}>{e.severity}</Badge> },
  { key: 'message', header: 'Alert', render: (e) => <span><span className="block font-medium">{e.ruleName}</span><span className="text-xs text-slate-600 dark:text-slate-300">{e.message}</span></span> },
  { key: 'firedAt', header: 'Fired', render: (e) => <Time at={e.firedAt} relative="beside" /> },
  { key: 'resolvedAt', header: 'Resolved', render: (e) => (e.resolvedAt ? <Time at={e.resolvedAt} /> : <Badge tone="red">firing</Badge>) },
];

/** The header's count of open alerts, linking to the Alerts page; nothing while all is well. */
export function ActiveAlertsBadge() {
  const trpc = useTRPC();
  const active = useQuery({ ...trpc.alert.active.queryOptions(), refetchInterval: 15_000 });
  const a = active.data;
  if (!a || a.total === 0) return null;
  const tone = a.critical > 0 ? 'bg-red-600 text-white' : 'bg-amber-500 text-white';
  return (
    <span data-testid="active-alerts">
      <NavLink href="/alerts" className={`rounded-full px-2.5 py-0.5 text-xs font-semibold ${tone}`}>
        {a.total} {a.total === 1 ? 'alert' : 'alerts'} firing
      </NavLink>
    </span>
  );
}
