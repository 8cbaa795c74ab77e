'use client';

import { useQuery } from '@tanstack/react-query';
import { aclMeaning } from '../../../_components/acl/acl-status.tsx';
import { Badge } from '../../../_components/badge.tsx';
import { useInstance } from '../../../_components/instance-scope.tsx';
import { NavLink } from '../../../_components/nav-link.tsx';
import { PageHeader } from '../../../_components/page-header.tsx';
import { useTRPC } from '../../../_components/trpc.tsx';
import { Card, Fact, Facts, linkClass, Skeleton } from '../../../_components/ui.tsx';

const STATUS_TONE = { running: 'green', error: 'red' } as const;
const onOff = (on: boolean) => <Badge tone={on ? 'green' : 'red'}>{on ? 'on' : 'off'}</Badge>;
const rate = (n: number | null) => (n ? `${n.toLocaleString()} msg/s` : 'unlimited');

/** Whether the instance is fenced: the ACL switches, the allow-list and the rate limits (operators and admins). */
function AccessSummary({ instanceId }: { instanceId: string }) {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const canRead = me.data?.role === 'admin' || me.data?.role === 'operator';
  const settings = useQuery({ ...trpc.acl.settings.queryOptions({ instanceId }), enabled: canRead });
  const limits = useQuery({ ...trpc.acl.limits.queryOptions({ instanceId }), enabled: canRead });
  if (me.data && !canRead) return null;
  const actions = <NavLink href={`/instances/${instanceId}/acl`} className={`text-sm ${linkClass}`}>Access control</NavLink>;
  if (!settings.data || !limits.data) return <Card title="Access and limits" actions={actions}><Skeleton lines={2} /></Card>;
  const s = settings.data.settings;
  const meaning = aclMeaning(s);
  const scoped = Object.keys(limits.data.limits.topics).length + Object.keys(limits.data.limits.groups).length;
  return (
    <Card title="Access and limits" actions={actions}>
      <Facts plain>
        <Fact label="Authentication"><span data-testid="overview-authentication">{onOff(s.authentication)}</span></Fact>
        <Fact label="Authorization"><span data-testid="overview-authorization">{onOff(s.authorization)}</span></Fact>
        <Fact label="IP allow-list">{s.allowIps.length ? `${s.allowIps.length} entries` : 'every address'}</Fact>
        <Fact label="Send limit">{rate(limits.data.spec.maxTps)}</Fact>
        <Fact label="Receive limit">{rate(limits.data.spec.maxReceiveTps)}{scoped > 0 && <span className="block text-xs text-slate-500 dark:text-slate-400">+ {scoped} per topic or group</span>}</Fact>
      </Facts>
      {meaning.tone !== 'green' && <p className="mt-3 text-sm text-amber-800 dark:text-amber-300">{meaning.text}</p>}
    </Card>
  );
}

export default function InstanceOverviewPage() {
  const i = useInstance();
  return (
    <>
      <PageHeader crumbs={[{ label: 'Overview' }]} title={i.name} description={i.description || undefined} />
      <Facts>
        <Fact label="Status"><Badge tone={STATUS_TONE[i.status as keyof typeof STATUS_TONE] ?? 'slate'} title={i.error ?? undefined}>{i.status}</Badge></Fact>
        <Fact label="gRPC endpoint"><code className="text-xs">{i.endpoint ?? '—'}</code>{i.tls && <span className="ml-1"><Badge tone="indigo">TLS</Badge></span>}</Fact>
        <Fact label="Topics">{i.summary?.topics ?? '—'}</Fact>
        <Fact label="Groups">{i.summary?.groups ?? '—'}</Fact>
        <Fact label="Clients">{i.summary?.clients ?? '—'}</Fact>
      </Facts>
      {i.status === 'running' && <AccessSummary instanceId={i.id} />}
    </>
  );
}
