'use client';

import { useQuery } from '@tanstack/react-query';
import { AccessChecker } from '../../../../_components/acl/access-checker.tsx';
import { AclLimitsCard, DenialsCard } from '../../../../_components/acl/acl-limits.tsx';
import { AclStatusCard, AllowListCard } from '../../../../_components/acl/acl-status.tsx';
import { AclUsers } from '../../../../_components/acl/acl-users.tsx';
import { useIsAdmin } from '../../../../_components/acl/resource-names.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { useTRPC } from '../../../../_components/trpc.tsx';

/** Largest user list the checker suggests from. */
const SUGGESTED_USERS = 200;

export default function AccessControlPage() {
  const instance = useInstance();
  const trpc = useTRPC();
  const isAdmin = useIsAdmin();
  const users = useQuery(trpc.acl.users.queryOptions({ instanceId: instance.id, pageSize: SUGGESTED_USERS, sort: 'username' }));
  return (
    <>
      <PageHeader crumbs={[{ label: 'Access control' }]} title="Access control" description="Who may connect, produce and consume: RocketMQ ACL 2.0 users and policies, the IP allow-list and rate limits." />
      <div className="grid gap-4 lg:grid-cols-2">
        <AclStatusCard instanceId={instance.id} canChange={isAdmin} />
        <AllowListCard instanceId={instance.id} canChange={isAdmin} />
      </div>
      <AclUsers instanceId={instance.id} canChange={isAdmin} />
      <AccessChecker key={users.data ? 'users' : 'none'} instanceId={instance.id} usernames={users.data?.rows.map((u) => u.username) ?? []} />
      <div className="grid gap-4 xl:grid-cols-3">
        <div className="xl:col-span-2">
          <AclLimitsCard instanceId={instance.id} canChange={isAdmin} />
        </div>
        <DenialsCard instanceId={instance.id} />
      </div>
    </>
  );
}
