'use client';

import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { useToast } from './toast.tsx';

/**
 * What a mutation does once it worked, as its `onSuccess`: refresh the queries it changed, say so when nothing
 * else on screen does, then go on (close the drawer, leave the page).
 */
export function useAfterSave<D, V>({ refresh, message, then }: { refresh: QueryKey[]; message?: (data: D, variables: V) => string; then?: (data: D) => void }): (data: D, variables: V) => void {
  const qc = useQueryClient();
  const toast = useToast();
  return (data, variables) => {
    for (const queryKey of refresh) void qc.invalidateQueries({ queryKey });
    if (message) toast.show('success', message(data, variables));
    then?.(data);
  };
}
