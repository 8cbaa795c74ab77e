'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useAfterSave } from '../../_components/after-save.ts';
import { FormFooter } from '../../_components/form.tsx';
import { useTRPC } from '../../_components/trpc.tsx';
import { inputClass } from '../../_components/ui.tsx';
import { ScopesSchema, scopeSummary, type Scopes } from '../../../server/scope.ts';

/** How the form writes the default namespace (names without a '%'): not a valid namespace name, so never ambiguous. */
const DEFAULT_WORD = '(default)';

/** Per chosen instance, its namespaces as typed: comma-separated, empty for all of them. */
type Draft = { all: boolean; chosen: Record<string, string> };

function draftOf(scopes: Scopes): Draft {
  if (scopes === null) return { all: true, chosen: {} };
  return { all: false, chosen: Object.fromEntries(scopes.map((e) => [e.instanceId, e.namespaces.map((ns) => ns || DEFAULT_WORD).join(', ')])) };
}

function scopesOf(draft: Draft): unknown {
  if (draft.all) return null;
  return Object.entries(draft.chosen).map(([instanceId, text]) => ({
    instanceId,
    namespaces: text
      .split(',')
      .map((ns) => ns.trim())
      .filter(Boolean)
      .map((ns) => (ns === DEFAULT_WORD ? '' : ns)),
  }));
}

/** The first problem of a draft as a sentence, checked with the router's own schema as the admin types. */
function problemOf(draft: Draft): string | undefined {
  const parsed = ScopesSchema.safeParse(scopesOf(draft));
  return parsed.success ? undefined : parsed.error.issues[0]?.message;
}

/** The users table's summary of a scope, instances by name. */
export function ScopeSummary({ scopes }: { scopes: Scopes }) {
  const trpc = useTRPC();
  const instances = useQuery(trpc.instance.list.queryOptions({ pageSize: 200, sort: 'name' }));
  const names = new Map((instances.data?.rows ?? []).map((i) => [i.id, i.name]));
  return <span className={scopes === null ? 'text-slate-500' : ''}>{scopeSummary(scopes, (id) => names.get(id) ?? id)}</span>;
}

/** Sets which instances and namespaces a viewer's or operator's role applies to. */
export function ScopeEditor({ username, scopes, onDone }: { username: string; scopes: Scopes; onDone(): void }) {
  const trpc = useTRPC();
  const instances = useQuery(trpc.instance.list.queryOptions({ pageSize: 200, sort: 'name' }));
  const [draft, setDraft] = useState(() => draftOf(scopes));
  const update = useMutation(trpc.user.update.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.user.list.pathKey()], message: () => `Scope of ${username} saved.`, then: onDone }) }));
  const problem = problemOf(draft);
  const toggle = (id: string, on: boolean) =>
    setDraft((d) => {
      const chosen = { ...d.chosen };
      if (on) chosen[id] = '';
      else delete chosen[id];
      return { ...d, chosen };
    });
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const parsed = ScopesSchema.safeParse(scopesOf(draft));
        if (parsed.success) update.mutate({ username, scopes: parsed.data });
      }}
      className="space-y-4"
    >
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={draft.all} onChange={(e) => setDraft((d) => ({ ...d, all: e.target.checked }))} />
        All instances and namespaces
      </label>
      {!draft.all && (
        <fieldset className="space-y-3">
          <legend className="text-sm font-medium">Instances</legend>
          {(instances.data?.rows ?? []).map((i) => {
            const chosen = Object.hasOwn(draft.chosen, i.id);
            return (
              <div key={i.id} className="space-y-1">
                <label className="flex items-center gap-2 text-sm">
                  <input type="checkbox" checked={chosen} onChange={(e) => toggle(i.id, e.target.checked)} />
                  {i.name}
                </label>
                {chosen && (
                  <input
                    aria-label={`Namespaces on ${i.name}`}
                    placeholder={`All namespaces (or e.g. shop, ${DEFAULT_WORD})`}
                    value={draft.chosen[i.id]}
                    onChange={(e) => setDraft((d) => ({ ...d, chosen: { ...d.chosen, [i.id]: e.target.value } }))}
                    className={inputClass}
                  />
                )}
              </div>
            );
          })}
          <p className="text-xs text-slate-500">Namespaces separated by commas; empty gives every namespace of the instance, {DEFAULT_WORD} the topics and groups outside any namespace.</p>
        </fieldset>
      )}
      {problem && (
        <p role="alert" className="text-sm text-red-600">
          {problem}
        </p>
      )}
      <FormFooter error={update.error} disabled={!!problem || update.isPending} label="Save scope" />
    </form>
  );
}
