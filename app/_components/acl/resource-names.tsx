'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../trpc.tsx';

/** Enough names to suggest from; the fields accept any name, so a long tail left out costs nothing. */
const SUGGESTED_NAMES = 200;

/** The instance's stored topic and group names (`ns%name` inside a namespace), to suggest in ACL forms. */
export function useResourceNames(instanceId: string): { topics: string[]; groups: string[] } {
  const trpc = useTRPC();
  const topics = useQuery(trpc.topic.list.queryOptions({ instanceId, pageSize: SUGGESTED_NAMES, sort: 'name' }));
  const groups = useQuery(trpc.group.list.queryOptions({ instanceId, pageSize: SUGGESTED_NAMES, sort: 'name' }));
  return { topics: topics.data?.rows.map((t) => t.name) ?? [], groups: groups.data?.rows.map((g) => g.name) ?? [] };
}

/** A datalist of suggestions for an input's `list` attribute. */
export function Suggestions({ id, values }: { id: string; values: readonly string[] }) {
  return (
    <datalist id={id}>
      {values.map((v) => (
        <option key={v} value={v} />
      ))}
    </datalist>
  );
}

/** Whether the signed-in console user is an admin: only admins change access control. */
export function useIsAdmin(): boolean {
  const trpc = useTRPC();
  return useQuery(trpc.auth.me.queryOptions()).data?.role === 'admin';
}
