'use client';

import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useParams } from 'next/navigation.js';
import { createContext, useContext, type ReactNode } from 'react';
import type { AppRouter } from '../../server/routers/_app.ts';
import { NotFound } from './not-found.tsx';
import { QueryView } from './query-view.tsx';
import { useTRPC } from './trpc.tsx';

export type InstanceView = inferRouterOutputs<AppRouter>['instance']['get'];

const InstanceContext = createContext<InstanceView | null>(null);

/**
 * Every page under /instances/[id]: the instance is looked up once; an unknown id is the not-found state
 * (never a page of that instance), and the pages below read the instance from here.
 */
export function InstanceScope({ children }: { children: ReactNode }) {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const instance = useQuery({ ...trpc.instance.get.queryOptions({ instanceId: id }), refetchInterval: 5_000 });
  return (
    <QueryView query={instance} notFound={<NotFound what="Instance" name={id} back={{ href: '/', label: 'All instances' }} />}>
      {(data) => <InstanceContext.Provider value={data}>{children}</InstanceContext.Provider>}
    </QueryView>
  );
}

/** The instance of the page, inside InstanceScope; null elsewhere. */
export function useOptionalInstance(): InstanceView | null {
  return useContext(InstanceContext);
}

/** The instance of the page (pages under /instances/[id] only). */
export function useInstance(): InstanceView {
  const instance = useContext(InstanceContext);
  if (!instance) throw new Error('useInstance is for pages under /instances/[id]');
  return instance;
}
