'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ErrorState } from './errors.tsx';
import { isNotFound } from './trpc.tsx';
import { cardClass, Skeleton } from './ui.tsx';

/**
 * What a page shows for its main query: a skeleton while it loads, the not-found state when the server
 * says there is no such thing (also once it is deleted while open), the error state, else the content.
 */
export function QueryView<T, E>({ query, notFound, children }: { query: UseQueryResult<T, E>; notFound: ReactNode; children(data: T): ReactNode }) {
  if (query.error && isNotFound(query.error)) return <>{notFound}</>;
  if (query.data !== undefined) return <>{children(query.data)}</>;
  if (query.error) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return (
    <div className={cardClass}>
      <Skeleton />
    </div>
  );
}
