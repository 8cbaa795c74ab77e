'use client';

import { useQuery } from '@tanstack/react-query';
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
