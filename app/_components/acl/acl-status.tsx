'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { addressProblem, MAX_ADDRESSES, type AclSettings } from '../../../server/broker/acl/rules.ts';
import { useAfterSave } from '../after-save.ts';
import { Badge } from '../badge.tsx';
import { ErrorBanner, ErrorState } from '../errors.tsx';
import { Field } from '../form.tsx';
import { Overlay } from '../overlay.tsx';
import { useTRPC } from '../trpc.tsx';
import { buttonClass, Card, inputClass, secondaryButtonClass, Skeleton } from '../ui.tsx';

/** The sentence an open instance is described with, wherever its state shows. */
export const ACL_OFF_WARNING = 'ACL is off: anyone who can reach the port can produce and consume';

/** What the two switches together mean for a client, in one sentence. */
export function aclMeaning(s: Pick<AclSettings, 'authentication' | 'authorization'>): { tone: 'green' | 'amber' | 'red'; text: string } {
  if (s.authentication && s.authorization) return { tone: 'green', text: 'Every request must be signed by an enabled user and is checked against that user’s policies.' };
  if (s.authentication) return { tone: 'amber', text: 'Authorization is off: any signed-in user can produce to and consume from every topic and group.' };
  if (s.authorization) return { tone: 'amber', text: 'Authentication is off, so requests carry no user: every request that needs a permission is refused.' };
  return { tone: 'red', text: ACL_OFF_WARNING };
}

const WARNING_TONE = {
  green: 'border-emerald-200 bg-emerald-50 text-emerald-900 dark:border-emerald-900 dark:bg-emerald-950/40 dark:text-emerald-200',
  amber: 'border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-900 dark:bg-amber-950/40 dark:text-amber-200',
  red: 'border-red-200 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950/40 dark:text-red-200',
};

/** An on/off control that reads as one (role="switch"), named by its label. */
export function Switch({ label, on, disabled, onChange }: { label: string; on: boolean; disabled?: boolean; onChange(on: boolean): void }) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={on}
      aria-label={label}
      disabled={disabled}
      onClick={() => onChange(!on)}
      className={`relative inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors focus-visible:ring-2 focus-visible:ring-indigo-500/50 focus-visible:outline-none disabled:cursor-not-allowed disabled:opacity-60 ${on ? 'bg-indigo-600 dark:bg-indigo-500' : 'bg-slate-300 dark:bg-slate-700'}`}
    >
      <span className={`inline-block h-5 w-5 rounded-full bg-white shadow transition-transform ${on ? 'translate-x-5' : 'translate-x-0.5'}`} />
    </button>
  );
}

function SwitchRow({ label, hint, on, canChange, onChange }: { label: string; hint: string; on: boolean; canChange: boolean; onChange(on: boolean): void }) {
  return (
    <div className="flex items-start justify-between gap-4 py-2">
      <div>
        <p className="text-sm font-medium">{label}</p>
        <p className="text-xs text-slate-500 dark:text-slate-400">{hint}</p>
      </div>
      <div className="flex items-center gap-2">
        <Badge tone={on ? 'green' : 'slate'}>{on ? 'on' : 'off'}</Badge>
        <Switch label={label} on={on} disabled={!canChange} onChange={onChange} />
      </div>
    </div>
  );
}

/** The switches, what they mean together, and a confirmation before authorization locks every client out. */
export function AclStatusCard({ instanceId, canChange }: { instanceId: string; canChange: boolean }) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.acl.settings.queryOptions({ instanceId }));
  const [confirming, setConfirming] = useState(false);
  const update = useMutation(
    trpc.acl.updateSettings.mutationOptions({
      onSuccess: useAfterSave({ refresh: [trpc.acl.pathKey()], message: (s) => `Authentication ${s.authentication ? 'on' : 'off'}, authorization ${s.authorization ? 'on' : 'off'}.`, then: () => setConfirming(false) }),
    }),
  );
  if (settings.isPending) return <Card title="Status"><Skeleton /></Card>;
  if (settings.error) return <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />;
  const { settings: s, someoneAllowed } = settings.data;
  const meaning = aclMeaning(s);
  const setAuthorization = (on: boolean) => (on && !someoneAllowed ? setConfirming(true) : update.mutate({ instanceId, authorization: on }));
  return (
    <Card title="Status">
      <p role="status" data-testid="acl-meaning" className={`mb-2 rounded-md border px-3 py-2 text-sm ${WARNING_TONE[meaning.tone]}`}>
        {meaning.text}
      </p>
      <div className="divide-y divide-slate-100 dark:divide-slate-800">
        <SwitchRow label="Authentication" hint="Requests must carry a valid signature of a user (the SDK’s access key and secret)." on={s.authentication} canChange={canChange && !update.isPending} onChange={(on) => update.mutate({ instanceId, authentication: on })} />
        <SwitchRow label="Authorization" hint="Each request is checked against its user’s policies; without a matching ALLOW entry it is refused." on={s.authorization} canChange={canChange && !update.isPending} onChange={setAuthorization} />
      </div>
      {!canChange && <p className="mt-2 text-xs text-slate-500 dark:text-slate-400">Only admins change access control.</p>}
      <ErrorBanner error={update.error} />
      {confirming && (
        <Overlay
          title="Turn authorization on?"
          placement="dialog"
          onClose={() => setConfirming(false)}
          footer={
            <>
              <button type="button" onClick={() => setConfirming(false)} className={secondaryButtonClass}>
                Cancel
              </button>
              <button type="button" data-autofocus disabled={update.isPending} onClick={() => update.mutate({ instanceId, authorization: true })} className={buttonClass}>
                Turn on anyway
              </button>
            </>
          }
        >
          <p className="text-sm text-slate-700 dark:text-slate-300">
            No enabled user is SUPER or has an ALLOW entry, so once authorization is on <b>every producer and consumer is refused</b>. Give a user a policy first, unless locking the instance is what you want.
          </p>
        </Overlay>
      )}
    </Card>
  );
}

/** Each line's problem, numbered as the user sees the lines. */
function listProblems(lines: readonly string[]): string | undefined {
  if (lines.length > MAX_ADDRESSES) return `At most ${MAX_ADDRESSES} addresses`;
  const problems = lines.flatMap((line, i) => {
    const problem = addressProblem(line);
    return problem ? [`Line ${i + 1}: ${problem}`] : [];
  });
  return problems.length ? problems.join('; ') : undefined;
}

const linesOf = (text: string) => text.split(/[\n,]/).map((l) => l.trim()).filter(Boolean);

/** The instance's IP allow-list: addresses and CIDRs, one a line, checked as typed; empty allows every address. */
export function AllowListCard({ instanceId, canChange }: { instanceId: string; canChange: boolean }) {
  const trpc = useTRPC();
  const settings = useQuery(trpc.acl.settings.queryOptions({ instanceId }));
  const saved = settings.data?.settings.allowIps.join('\n') ?? '';
  const [text, setText] = useState<string | undefined>(undefined);
  const update = useMutation(
    trpc.acl.updateSettings.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.acl.pathKey()], message: (s) => (s.allowIps.length ? `Allow-list saved: ${s.allowIps.length} entries.` : 'Allow-list cleared: every address may connect.'), then: () => setText(undefined) }) }),
  );
  if (settings.isPending) return <Card title="IP allow-list"><Skeleton lines={2} /></Card>;
  if (settings.error) return <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />;
  const value = text ?? saved;
  const lines = linesOf(value);
  const problem = listProblems(lines);
  const changed = value !== saved;
  return (
    <Card title="IP allow-list">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!problem) update.mutate({ instanceId, allowIps: lines });
        }}
        className="space-y-3"
      >
        <Field label="Allowed addresses" error={changed ? problem : undefined} hint={lines.length ? `${lines.length} ${lines.length === 1 ? 'entry' : 'entries'}: only these addresses may connect.` : 'Empty: every address may connect.'}>
          <textarea aria-label="Allowed addresses" rows={4} disabled={!canChange} value={value} placeholder={'10.0.0.0/8\n192.168.1.20\n2001:db8::/32'} onChange={(e) => setText(e.target.value)} className={`w-full font-mono ${inputClass}`} />
        </Field>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          Checked before anything else on every gRPC connection, with authentication on or off. The console itself is not affected, but the SDK clients are: list the addresses your producers and consumers connect from (as the clients page shows them), or they are refused at once.
        </p>
        <ErrorBanner error={update.error} />
        {canChange && (
          <div className="flex justify-end gap-2">
            <button type="button" disabled={!changed} onClick={() => setText(undefined)} className={secondaryButtonClass}>
              Discard
            </button>
            <button type="submit" disabled={!changed || !!problem || update.isPending} className={buttonClass}>
              Save allow-list
            </button>
          </div>
        )}
      </form>
    </Card>
  );
}
