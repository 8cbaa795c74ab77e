'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from './trpc.tsx';
import { inputClass } from './ui.tsx';

/** All namespaces, none ('') or one; lists on the server filter by it. */
export function NamespaceFilter({ instanceId, value, onChange }: { instanceId: string; value: string | undefined; onChange(v: string | undefined): void }) {
  const trpc = useTRPC();
  const namespaces = useQuery(trpc.namespace.list.queryOptions({ instanceId, pageSize: 200, sort: 'name' }));
  return (
    <select aria-label="Namespace" value={value ?? '*'} onChange={(e) => onChange(e.target.value === '*' ? undefined : e.target.value)} className={inputClass}>
      <option value="*">All namespaces</option>
      <option value="">No namespace</option>
      {namespaces.data?.rows.map((n) => (
        <option key={n.name} value={n.name}>
          {n.name}
        </option>
      ))}
    </select>
  );
}
