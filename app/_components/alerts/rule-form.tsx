'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import type { ReactNode } from 'react';
import { useAfterSave } from '../after-save.ts';
import { CheckboxField, Field, FormFooter, NumberField, TextField, useForm, type FieldErrors, type Form } from '../form.tsx';
import { useTRPC } from '../trpc.tsx';
import { inputClass, Skeleton } from '../ui.tsx';
import { ALERT_METRIC_NAMES, ALERT_METRICS, alertRuleSchema, COMPARISONS, SCOPE_KINDS, SEVERITIES, type AlertMetric, type AlertRuleInput, type Comparison, type ScopeKind } from '../../../server/alerts/rules.ts';
import type { AppRouter } from '../../../server/routers/_app.ts';

type Outputs = inferRouterOutputs<AppRouter>;
export type RuleRow = Outputs['alert']['rules']['rows'][number];
type Instance = Outputs['instance']['list']['rows'][number];
type Channel = Outputs['alertChannel']['list'][number];

type Values = {
  name: string;
  instanceId: string;
  scopeKind: ScopeKind;
  scopeName: string;
  metric: AlertMetric;
  comparison: Comparison;
  threshold: number;
  forMinutes: number;
  windowMinutes: number;
  severity: (typeof SEVERITIES)[number];
  enabled: boolean;
  channelIds: string[];
};

function initialValues(rule: RuleRow | undefined, instanceId: string): Values {
  if (!rule) return { name: '', instanceId, scopeKind: 'group', scopeName: '', metric: 'backlog', comparison: 'gt', threshold: 1000, forMinutes: 5, windowMinutes: 5, severity: 'warning', enabled: true, channelIds: [] };
  return {
    name: rule.name,
    instanceId: rule.instanceId,
    scopeKind: rule.scopeKind as ScopeKind,
    scopeName: rule.scopeName,
    metric: rule.metric as AlertMetric,
    comparison: rule.comparison as Comparison,
    threshold: rule.threshold,
    forMinutes: rule.forMinutes,
    windowMinutes: rule.windowMinutes,
    severity: rule.severity as Values['severity'],
    enabled: rule.enabled,
    channelIds: rule.channelIds,
  };
}

function inputOf(v: Values): AlertRuleInput {
  return { ...v, name: v.name.trim(), scopeName: v.scopeKind === 'instance' ? '' : v.scopeName.trim() };
}

/** The rule schema the router checks, issue by issue onto the fields: the form validates as you type. */
function validate(v: Values): FieldErrors<Values> {
  const r = alertRuleSchema.safeParse(inputOf(v));
  const errors: FieldErrors<Values> = {};
  if (!r.success) for (const issue of r.error.issues) errors[issue.path[0] as keyof Values & string] ??= issue.message;
  return errors;
}

function Select<K extends 'instanceId' | 'scopeKind' | 'metric' | 'comparison' | 'severity'>({ form, name, label, hint, options }: { form: Form<Values>; name: K; label: string; hint?: ReactNode; options: { value: Values[K]; label: string }[] }) {
  return (
    <Field label={label} error={form.error(name)} hint={hint}>
      <select aria-label={label} value={form.values[name]} onChange={(e) => form.set(name, e.target.value as Values[K])} className={`w-full ${inputClass}`}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Field>
  );
}

/**
 * Creates an alert rule, or edits `rule`: scope, metric, condition, duration, severity, channels. The fields
 * appear once the instances have loaded, so a new rule starts on a real instance rather than on none.
 */
export function RuleForm({ rule, onDone }: { rule?: RuleRow; onDone(): void }) {
  const trpc = useTRPC();
  const instances = useQuery(trpc.instance.list.queryOptions({ pageSize: 200, sort: 'name' }));
  const channels = useQuery(trpc.alertChannel.list.queryOptions());
  if (!instances.data || !channels.data) return <Skeleton lines={6} />;
  const rows = instances.data.rows;
  return <RuleFields rule={rule} instances={rows} channels={channels.data} initialInstanceId={rule?.instanceId ?? rows[0]?.id ?? ''} onDone={onDone} />;
}

function RuleFields({ rule, instances, channels, initialInstanceId, onDone }: { rule: RuleRow | undefined; instances: Instance[]; channels: Channel[]; initialInstanceId: string; onDone(): void }) {
  const trpc = useTRPC();
  const after = useAfterSave({ refresh: [trpc.alert.pathKey()], message: () => 'Alert rule saved.', then: onDone });
  const create = useMutation(trpc.alert.createRule.mutationOptions({ onSuccess: after }));
  const update = useMutation(trpc.alert.updateRule.mutationOptions({ onSuccess: after }));
  const save = rule ? update : create;
  const form = useForm(initialValues(rule, initialInstanceId), validate, save);
  const v = form.values;
  const metric = ALERT_METRICS[v.metric];
  const submit = (values: Values) => (rule ? update.mutate({ id: rule.id, rule: inputOf(values) }) : create.mutate(inputOf(values)));
  const toggleChannel = (id: string, on: boolean) => form.set('channelIds', on ? [...v.channelIds, id] : v.channelIds.filter((c) => c !== id));
  return (
    <form noValidate onSubmit={form.onSubmit(submit)} className="space-y-4">
      <TextField form={form} name="name" label="Name" autoComplete="off" />
      <Select form={form} name="instanceId" label="Instance" options={instances.map((i) => ({ value: i.id, label: i.name }))} />
      <Select form={form} name="metric" label="Metric" hint={`Measured per ${metric.scopes.join(' or ')}.`} options={ALERT_METRIC_NAMES.map((m) => ({ value: m, label: ALERT_METRICS[m].label }))} />
      <div className="grid grid-cols-2 gap-3">
        <Select form={form} name="scopeKind" label="Scope" options={SCOPE_KINDS.map((s) => ({ value: s, label: s }))} />
        {v.scopeKind !== 'instance' && <TextField form={form} name="scopeName" label={v.scopeKind === 'topic' ? 'Topic' : 'Group'} autoComplete="off" />}
      </div>
      <div className="grid grid-cols-2 gap-3">
        <Select form={form} name="comparison" label="When the value is" options={(Object.keys(COMPARISONS) as Comparison[]).map((c) => ({ value: c, label: COMPARISONS[c] }))} />
        <NumberField form={form} name="threshold" label={`Threshold${metric.unit ? ` (${metric.unit})` : ''}`} min={0} />
      </div>
      <div className="grid grid-cols-2 gap-3">
        <NumberField form={form} name="forMinutes" label="For (minutes)" hint="How long it must hold; 0 fires at once." min={0} />
        {v.metric === 'dlq_messages' && <NumberField form={form} name="windowMinutes" label="Window (minutes)" hint="Dead letters counted over this long." min={1} />}
      </div>
      <Select form={form} name="severity" label="Severity" options={SEVERITIES.map((s) => ({ value: s, label: s }))} />
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700 dark:text-slate-200">Notify</legend>
        {channels.length ? (
          channels.map((c) => <CheckboxField key={c.id} label={c.name} hint={c.summary} checked={v.channelIds.includes(c.id)} onChange={(on) => toggleChannel(c.id, on)} />)
        ) : (
          <p className="text-xs text-slate-500 dark:text-slate-400">No channel yet: the alert shows in the console only. Add one under Channels.</p>
        )}
      </fieldset>
      <CheckboxField label="Enabled" checked={v.enabled} onChange={(c) => form.set('enabled', c)} />
      <FormFooter error={form.bannerError} disabled={form.invalid || save.isPending} label={rule ? 'Save rule' : 'Create rule'} />
    </form>
  );
}
