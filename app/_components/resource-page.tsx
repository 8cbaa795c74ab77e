'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import { useParams } from 'next/navigation.js';
import type { ReactNode } from 'react';
import { useInstance } from './instance-scope.tsx';
import { NotFound } from './not-found.tsx';
import { QueryView } from './query-view.tsx';

/** The resource name a detail route's `segment` holds, decoded: names such as `shop%orders` arrive encoded. */
export function useRouteName(segment: string): string {
  const params = useParams<Record<string, string>>();
  return decodeURIComponent(params[segment] ?? '');
}

/**
 * A detail page of one of the instance's topics or groups around its main query: the view once it
 * answers, else the not-found state leading back to the instance's list of them.
 */
export function ResourceView<T, E>({ query, what, name, children }: { query: UseQueryResult<T, E>; what: 'Topic' | 'Group'; name: string; children(data: T): ReactNode }) {
  const instance = useInstance();
  const list = `${what.toLowerCase()}s`;
  return (
    <QueryView query={query} notFound={<NotFound what={what} name={name} back={{ href: `/instances/${instance.id}/${list}`, label: `All ${list}` }} />}>
      {children}
    </QueryView>
  );
}
