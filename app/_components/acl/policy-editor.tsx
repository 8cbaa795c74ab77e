'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { ACTIONS, addressProblem, DECISIONS, POLICY_TYPES, resourceProblem, type Action, type Decision, type PolicyEntry, type PolicyType } from '../../../server/broker/acl/rules.ts';
import { useAfterSave } from '../after-save.ts';
import { Badge } from '../badge.tsx';
import { ConfirmAction } from '../confirm.tsx';
import { DataTable, type Column } from '../data-table.tsx';
import { EmptyState } from '../empty-state.tsx';
import { ErrorState } from '../errors.tsx';
import { ChoiceField, Field, FormFooter, useForm } from '../form.tsx';
import { NotFound } from '../not-found.tsx';
import { Overlay } from '../overlay.tsx';
import { isNotFound, useTRPC } from '../trpc.tsx';
import { buttonClass, Card, dangerLinkClass, inputClass, linkButtonClass, Skeleton } from '../ui.tsx';
import { Suggestions, useResourceNames } from './resource-names.tsx';

export const POLICY_HELP: Record<PolicyType, string> = {
  CUSTOM: 'Checked first. The most specific matching entry decides; DENY wins a tie.',
  DEFAULT: 'Checked only when no CUSTOM entry matches the request.',
};

const DECISION_HELP: Record<Decision, string> = { ALLOW: 'The request may go ahead.', DENY: 'The request is refused.' };

const ACTION_HELP: Partial<Record<Action, string>> = { PUB: 'send', SUB: 'receive', ALL: 'every action', ANY: 'any one action' };

export function DecisionBadge({ decision }: { decision: Decision }) {
  return <Badge tone={decision === 'ALLOW' ? 'green' : 'red'}>{decision.toLowerCase()}</Badge>;
}

const splitList = (text: string) => text.split(/[\s,]+/).filter(Boolean);

type EntryValues = { resource: string; actions: Action[]; sourceIps: string; decision: Decision };

function entryValues(e: PolicyEntry | undefined): EntryValues {
  return e ? { resource: e.resource, actions: [...e.actions], sourceIps: e.sourceIps.join(', '), decision: e.decision } : { resource: '', actions: ['PUB'], sourceIps: '', decision: 'ALLOW' };
}

function validateEntry(v: EntryValues) {
  const problems = splitList(v.sourceIps).flatMap((ip) => addressProblem(ip) ?? []);
  return {
    resource: v.resource.trim() ? (resourceProblem(v.resource.trim()) ?? '') : 'Name a resource: Topic:orders, Group:billing, Topic:order-*, Topic:* or *',
    actions: v.actions.length ? '' : 'Give at least one action',
    sourceIps: problems.join('; '),
  };
}

/** One entry's form: resource and addresses checked as typed, the instance's topics and groups suggested. */
function EntryForm({ instanceId, initial, server, onSave }: { instanceId: string; initial: PolicyEntry | undefined; server: { error: unknown; reset(): void; isPending: boolean }; onSave(e: PolicyEntry): void }) {
  const form = useForm(entryValues(initial), validateEntry, server);
  const listId = useId();
  const names = useResourceNames(instanceId);
  const suggestions = [...names.topics.map((t) => `Topic:${t}`), ...names.groups.map((g) => `Group:${g}`), 'Topic:*', 'Group:*', '*'];
  const toggle = (a: Action) => form.set('actions', form.values.actions.includes(a) ? form.values.actions.filter((x) => x !== a) : [...form.values.actions, a]);
  return (
    <form noValidate onSubmit={form.onSubmit((v) => onSave({ resource: v.resource.trim(), actions: v.actions, sourceIps: splitList(v.sourceIps), decision: v.decision }))} className="space-y-4">
      <Field label="Resource" error={form.error('resource')} hint="Topic:orders (exact), Topic:order-* (prefix), Topic:* (every topic), Group:billing, or * (everything). Names inside a namespace are ns%name.">
        <input aria-label="Resource" list={listId} value={form.values.resource} onChange={(e) => form.set('resource', e.target.value)} className={`w-full font-mono ${inputClass}`} />
        <Suggestions id={listId} values={suggestions} />
      </Field>
      <fieldset>
        <legend className="text-sm font-medium text-slate-700 dark:text-slate-200">Actions</legend>
        <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
          {ACTIONS.map((a) => (
            <label key={a} className="flex items-center gap-1.5 text-sm">
              <input type="checkbox" aria-label={a} checked={form.values.actions.includes(a)} onChange={() => toggle(a)} className="h-4 w-4 accent-indigo-600" />
              <span className="font-mono">{a}</span>
              {ACTION_HELP[a] && <span className="text-xs text-slate-500 dark:text-slate-400">({ACTION_HELP[a]})</span>}
            </label>
          ))}
        </div>
        {form.error('actions') && <span data-field-error className="mt-1 block text-xs text-red-600 dark:text-red-400">{form.error('actions')}</span>}
      </fieldset>
      <Field label="Source IPs" error={form.error('sourceIps')} hint="Addresses or CIDRs, separated by commas. Empty: from any address.">
        <input aria-label="Source IPs" value={form.values.sourceIps} placeholder="10.0.0.0/8, 192.168.1.20" onChange={(e) => form.set('sourceIps', e.target.value)} className={`w-full font-mono ${inputClass}`} />
      </Field>
      <ChoiceField form={form} name="decision" label="Decision" options={DECISIONS} help={DECISION_HELP} />
      <FormFooter error={form.bannerError} disabled={form.invalid || server.isPending} label={initial ? 'Save entry' : 'Add entry'} />
    </form>
  );
}

type Editing = { index: number | undefined } | null;

function PolicyCard({ instanceId, username, policyType, entries, canChange }: { instanceId: string; username: string; policyType: PolicyType; entries: PolicyEntry[]; canChange: boolean }) {
  const trpc = useTRPC();
  const [editing, setEditing] = useState<Editing>(null);
  const save = useMutation(trpc.acl.setPolicy.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.acl.pathKey()], message: () => `${policyType} policy of ${username} saved.`, then: () => setEditing(null) }) }));
  const write = (next: PolicyEntry[]) => save.mutateAsync({ instanceId, username, policy: { policyType, entries: next } });
  const rows = entries.map((entry, index) => ({ entry, index }));
  const columns: Column<(typeof rows)[number]>[] = [
    { key: 'index', header: '#', align: 'right', render: (r) => r.index + 1 },
    { key: 'resource', header: 'Resource', render: (r) => <code className="text-xs">{r.entry.resource}</code> },
    { key: 'actions', header: 'Actions', render: (r) => <span className="font-mono text-xs">{r.entry.actions.join(', ')}</span> },
    { key: 'sourceIps', header: 'Source IPs', render: (r) => (r.entry.sourceIps.length ? <span className="font-mono text-xs">{r.entry.sourceIps.join(', ')}</span> : <span className="text-xs text-slate-500 dark:text-slate-400">any</span>) },
    { key: 'decision', header: 'Decision', render: (r) => <DecisionBadge decision={r.entry.decision} /> },
    ...(canChange
      ? [
          {
            key: 'edit',
            header: 'Actions',
            render: (r: (typeof rows)[number]) => (
              <span className="flex gap-3">
                <button type="button" aria-label={`Edit ${policyType} entry ${r.index + 1}`} onClick={() => setEditing({ index: r.index })} className={linkButtonClass}>
                  Edit
                </button>
                <ConfirmAction
                  label="Remove"
                  ariaLabel={`Remove ${policyType} entry ${r.index + 1}`}
                  buttonClassName={dangerLinkClass}
                  title={`Remove entry ${r.index + 1}`}
                  body={<>Remove <code>{r.entry.resource}</code> ({r.entry.decision}) from the {policyType} policy of {username}? Requests it decided are decided by the next matching entry, or refused.</>}
                  confirmLabel="Remove entry"
                  onConfirm={() => write(entries.filter((_, i) => i !== r.index))}
                />
              </span>
            ),
          },
        ]
      : []),
  ];
  const editedEntry = editing?.index === undefined ? undefined : entries[editing.index];
  return (
    <Card
      title={<>{policyType} policy <span className="ml-2 text-xs font-normal text-slate-500 dark:text-slate-400">{POLICY_HELP[policyType]}</span></>}
      actions={
        canChange && (
          <button type="button" aria-label={`Add ${policyType} entry`} onClick={() => setEditing({ index: undefined })} className={buttonClass}>
            Add entry
          </button>
        )
      }
    >
      <DataTable label={`${policyType} entries`} columns={columns} rows={rows} rowKey={(r) => String(r.index)} empty={<EmptyState title={`No ${policyType} entries.`} hint={policyType === 'CUSTOM' ? 'Without a matching entry a request is refused (default deny).' : undefined} />} />
      {editing && (
        <Overlay title={editing.index === undefined ? `New ${policyType} entry` : `Edit ${policyType} entry ${editing.index + 1}`} placement="drawer" onClose={() => setEditing(null)}>
          <EntryForm
            instanceId={instanceId}
            initial={editedEntry}
            server={save}
            onSave={(e) => void write(editing.index === undefined ? [...entries, e] : entries.map((x, i) => (i === editing.index ? e : x))).catch(() => undefined)}
          />
        </Overlay>
      )}
    </Card>
  );
}

/** A user's two policies (CUSTOM, DEFAULT) as tables of entries, editable by admins. */
export function PolicyEditor({ instanceId, username, canChange }: { instanceId: string; username: string; canChange: boolean }) {
  const trpc = useTRPC();
  const policies = useQuery(trpc.acl.policies.queryOptions({ instanceId, username }));
  if (policies.isPending) return <Skeleton lines={4} />;
  if (isNotFound(policies.error)) return <NotFound what="ACL user" name={username} back={{ href: `/instances/${instanceId}/acl`, label: 'Access control' }} />;
  if (policies.error) return <ErrorState error={policies.error} onRetry={() => void policies.refetch()} />;
  return (
    <>
      {POLICY_TYPES.map((t) => (
        <PolicyCard key={t} instanceId={instanceId} username={username} policyType={t} entries={policies.data.find((p) => p.policyType === t)?.entries ?? []} canChange={canChange} />
      ))}
    </>
  );
}
