'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { useTableState } from './data-table.tsx';
import { Field, type Form } from './form.tsx';
import { useTRPC } from './trpc.tsx';
import { inputClass } from './ui.tsx';

/**
 * A namespace of the instance: none ('') or one, and for filters also all (undefined); lists on the server
 * filter by it, create forms put the new resource in it.
 */
export function NamespaceSelect({ instanceId, value, onChange, allowAll, label = 'Namespace', className = '' }: { instanceId: string; value: string | undefined; onChange(v: string | undefined): void; allowAll?: boolean; label?: string; className?: string }) {
  const trpc = useTRPC();
  const namespaces = useQuery(trpc.namespace.list.queryOptions({ instanceId, pageSize: 200, sort: 'name' }));
  return (
    <select aria-label={label} value={value ?? '*'} onChange={(e) => onChange(e.target.value === '*' ? undefined : e.target.value)} className={`${inputClass} ${className}`}>
      {allowAll && <option value="*">All namespaces</option>}
      <option value="">No namespace</option>
      {namespaces.data?.rows.map((n) => (
        <option key={n.name} value={n.name}>
          {n.name}
        </option>
      ))}
    </select>
  );
}

/**
 * A list's "all namespaces or one" filter over its table: the namespace chosen, the list procedure's input
 * (paging, search and namespace), whether the user narrowed the list (so an empty one says "no match"
 * rather than "none yet"), and the change handler, which goes back to the first page as a new search does.
 */
export function useNamespaceFilter([state, setState]: ReturnType<typeof useTableState>) {
  const [namespace, setNamespace] = useState<string | undefined>(undefined);
  const choose = (v: string | undefined) => {
    setNamespace(v);
    setState({ ...state, page: 1 });
  };
  const input = { ...state, ...(namespace !== undefined ? { namespace } : {}) };
  return { namespace, input, filtered: state.search !== '' || namespace !== undefined, choose };
}

/** The namespace a create form puts its new `resource` in: none or one. */
export function NamespaceField<T extends { namespace: string }>({ form, instanceId, resource }: { form: Form<T>; instanceId: string; resource: string }) {
  return (
    <Field label="Namespace" error={form.error('namespace')}>
      <NamespaceSelect instanceId={instanceId} label={`Namespace of the ${resource}`} value={form.values.namespace} onChange={(v) => form.set('namespace', (v ?? '') as T['namespace'])} className="w-full" />
    </Field>
  );
}
