'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useId, useState } from 'react';
import { ACTIONS, addressProblem, UsernameSchema, type Action } from '../../../server/broker/acl/rules.ts';
import { fieldError } from '../../../server/broker/rules.ts';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { Badge } from '../badge.tsx';
import { ErrorBanner } from '../errors.tsx';
import { Field, FormFooter, useForm } from '../form.tsx';
import { NavLink } from '../nav-link.tsx';
import { useTRPC } from '../trpc.tsx';
import { Card, inputClass, linkClass } from '../ui.tsx';
import { DecisionBadge } from './policy-editor.tsx';
import { Suggestions, useResourceNames } from './resource-names.tsx';

type Question = { username: string; type: 'Topic' | 'Group'; name: string; action: Action; ip: string };
type Answer = inferRouterOutputs<AppRouter>['acl']['check'];

const REASON_TEXT: Record<Answer['decision']['reason'], string> = {
  SUPER_USER: 'The user is SUPER: it bypasses every policy.',
  ALLOWED_BY_ENTRY: 'An ALLOW entry matched the request.',
  DENIED_BY_ENTRY: 'A DENY entry matched the request.',
  NO_MATCHING_POLICY: 'No entry of the user’s policies matches the resource, action and address: refused by default.',
  UNKNOWN_USER: 'There is no such user.',
  USER_DISABLED: 'The user is disabled.',
};

function Verdict({ instanceId, question, answer }: { instanceId: string; question: Question; answer: Answer }) {
  const { decision } = answer;
  return (
    <div data-testid="check-result" className="mt-4 space-y-2 text-sm">
      <p className="flex items-center gap-2">
        <Badge tone={decision.allowed ? 'green' : 'red'}>{decision.allowed ? 'allowed' : 'denied'}</Badge>
        <span>
          <code>{question.username}</code> {decision.allowed ? 'may' : 'may not'} <code>{question.action}</code> on <code>{decision.resource}</code> from <code>{question.ip}</code>.
        </span>
      </p>
      <p className="text-slate-600 dark:text-slate-300">{REASON_TEXT[decision.reason]}</p>
      {decision.entry && (
        <div data-testid="deciding-entry" className="rounded-md border-2 border-indigo-400 bg-indigo-50 px-3 py-2 dark:border-indigo-500 dark:bg-indigo-950/40">
          <p className="text-xs font-semibold tracking-wide text-indigo-700 uppercase dark:text-indigo-300">Deciding entry</p>
          <p className="mt-1 flex flex-wrap items-center gap-2">
            <span>
              {decision.entry.policyType} #{decision.entry.index + 1}
            </span>
            <code>{decision.entry.resource}</code>
            <DecisionBadge decision={decision.entry.decision} />
            <NavLink href={`/instances/${instanceId}/acl/users/${encodeURIComponent(question.username)}`} className={`text-xs ${linkClass}`}>
              Open the policy
            </NavLink>
          </p>
        </div>
      )}
      {!answer.authorization && <p className="text-xs text-amber-700 dark:text-amber-300">Authorization is off, so the broker does not apply this answer now: every request goes ahead until it is turned on.</p>}
    </div>
  );
}

/** "Can user X do action Y on resource Z from address A?", answered by the broker's own evaluator. */
export function AccessChecker({ instanceId, usernames }: { instanceId: string; usernames: readonly string[] }) {
  const trpc = useTRPC();
  const [asked, setAsked] = useState<Question | null>(null);
  const answer = useQuery({ ...trpc.acl.check.queryOptions({ instanceId, ...(asked ?? { username: '', type: 'Topic', name: '', action: 'PUB', ip: '' }) }), enabled: asked !== null });
  const form = useForm<Question>({ username: usernames[0] ?? '', type: 'Topic', name: '', action: 'PUB', ip: '127.0.0.1' }, (v) => ({ username: fieldError(UsernameSchema, v.username), name: v.name.trim() ? '' : 'Name a topic or group', ip: addressProblem(v.ip.trim()) ?? '' }));
  const names = useResourceNames(instanceId);
  const userList = useId();
  const nameList = useId();
  const set = <K extends keyof Question>(key: K, value: Question[K]) => {
    form.set(key, value);
    setAsked(null);
  };
  return (
    <Card title="Access checker">
      <form noValidate onSubmit={form.onSubmit((v) => setAsked({ ...v, username: v.username.trim(), name: v.name.trim(), ip: v.ip.trim() }))} className="grid gap-3 md:grid-cols-5">
        <Field label="User" error={form.error('username')}>
          <input aria-label="User" list={userList} value={form.values.username} onChange={(e) => set('username', e.target.value)} className={`w-full font-mono ${inputClass}`} />
          <Suggestions id={userList} values={usernames} />
        </Field>
        <Field label="Action">
          <select aria-label="Action" value={form.values.action} onChange={(e) => set('action', e.target.value as Action)} className={`w-full ${inputClass}`}>
            {ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </Field>
        <Field label="Resource type">
          <select aria-label="Resource type" value={form.values.type} onChange={(e) => set('type', e.target.value as Question['type'])} className={`w-full ${inputClass}`}>
            <option>Topic</option>
            <option>Group</option>
          </select>
        </Field>
        <Field label="Name" error={form.error('name')} hint="Stored name: ns%name inside a namespace.">
          <input aria-label="Name" list={nameList} value={form.values.name} onChange={(e) => set('name', e.target.value)} className={`w-full font-mono ${inputClass}`} />
          <Suggestions id={nameList} values={form.values.type === 'Topic' ? names.topics : names.groups} />
        </Field>
        <Field label="From address" error={form.error('ip')}>
          <input aria-label="From address" value={form.values.ip} onChange={(e) => set('ip', e.target.value)} className={`w-full font-mono ${inputClass}`} />
        </Field>
        <div className="md:col-span-5">
          <FormFooter error={undefined} disabled={form.invalid || answer.isFetching} label="Check" />
        </div>
      </form>
      <ErrorBanner error={answer.error} />
      {asked && answer.data && <Verdict instanceId={instanceId} question={asked} answer={answer.data} />}
    </Card>
  );
}
