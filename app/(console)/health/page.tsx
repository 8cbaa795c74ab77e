'use client';

import { useQuery } from '@tanstack/react-query';
import { EmptyState } from '../../_components/empty-state.tsx';
import { InstanceHealthCard } from '../../_components/health/instance-card.tsx';
import { PageHeader } from '../../_components/page-header.tsx';
import { QueryView } from '../../_components/query-view.tsx';
import { useTRPC } from '../../_components/trpc.tsx';
import { cardClass } from '../../_components/ui.tsx';

/** The prober writes a round every 10 s at most; 15 s keeps the page current without polling for nothing. */
const REFRESH_MS = 15_000;

export default function HealthPage() {
  const trpc = useTRPC();
  const overview = useQuery({ ...trpc.health.overview.queryOptions(), refetchInterval: REFRESH_MS });
  const me = useQuery(trpc.auth.me.queryOptions());
  const canEdit = me.data?.role === 'operator' || me.data?.role === 'admin';
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Health' }]}
        title="Health"
        description="Black-box checks that send and receive through each instance's gRPC endpoint with the official SDK. Refreshed every 15 seconds."
      />
      <QueryView query={overview} notFound={null}>
        {(data) =>
          data.instances.length === 0 ? (
            <div className={cardClass}>
              <EmptyState title="No embedded instance to check." hint="The prober checks the instances this console runs; create one on the Overview page." />
            </div>
          ) : (
            <div className="space-y-4">
              {data.instances.map((i) => (
                <InstanceHealthCard key={i.id} instance={i} canEdit={canEdit} />
              ))}
            </div>
          )
        }
      </QueryView>
    </>
  );
}
