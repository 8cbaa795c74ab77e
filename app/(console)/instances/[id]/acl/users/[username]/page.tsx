'use client';

import { useParams } from 'next/navigation.js';
import { PolicyEditor } from '../../../../../../_components/acl/policy-editor.tsx';
import { useIsAdmin } from '../../../../../../_components/acl/resource-names.tsx';
import { Badge } from '../../../../../../_components/badge.tsx';
import { useInstance } from '../../../../../../_components/instance-scope.tsx';
import { PageHeader } from '../../../../../../_components/page-header.tsx';

export default function AclUserPage() {
  const instance = useInstance();
  const { username: raw } = useParams<{ username: string }>();
  const username = decodeURIComponent(raw);
  const isAdmin = useIsAdmin();
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Access control', href: `/instances/${instance.id}/acl` }, { label: username }]}
        title={<span className="font-mono">{username}</span>}
        description={<>Policies of <Badge>User:{username}</Badge>. A request is allowed only by a matching ALLOW entry; CUSTOM entries are checked before DEFAULT ones.</>}
      />
      <PolicyEditor instanceId={instance.id} username={username} canChange={isAdmin} />
    </>
  );
}
