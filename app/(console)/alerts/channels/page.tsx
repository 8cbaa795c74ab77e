'use client';

import { useQuery } from '@tanstack/react-query';
import { ChannelStatus, DeleteChannel, EditChannel, SendTestButton } from '../../../_components/alerts/channel-actions.tsx';
import { ChannelDeliveries } from '../../../_components/alerts/channel-deliveries.tsx';
import { ChannelForm, type ChannelRow } from '../../../_components/alerts/channel-form.tsx';
import { Badge } from '../../../_components/badge.tsx';
import { DataTable, type Column } from '../../../_components/data-table.tsx';
import { EmptyState } from '../../../_components/empty-state.tsx';
import { DrawerButton } from '../../../_components/overlay.tsx';
import { PageHeader } from '../../../_components/page-header.tsx';
import { Time } from '../../../_components/time.tsx';
import { useTRPC } from '../../../_components/trpc.tsx';
import type { Role } from '../../../../server/schemas.ts';

/** The channel list refreshes while a notification is being retried, so a recovery shows without a reload. */
const RETRYING_REFRESH_MS = 5_000;

function AddChannel() {
  return (
    <DrawerButton label="Add channel" title="Add a notification channel">
      {(close) => <ChannelForm onDone={close} />}
    </DrawerButton>
  );
}

function Actions({ channel, role }: { channel: ChannelRow; role: Role | undefined }) {
  return (
    <span className="flex items-center gap-3">
      {role !== 'viewer' && <SendTestButton channel={channel} />}
      {role === 'admin' && <EditChannel channel={channel} />}
      {role === 'admin' && <DeleteChannel channel={channel} />}
    </span>
  );
}

function columnsFor(role: Role | undefined): Column<ChannelRow>[] {
  return [
    {
      key: 'name',
      header: 'Name',
      render: (c) => (
        <span className="flex flex-wrap items-center gap-1.5">
          <span className="font-medium">{c.name}</span>
          {!c.enabled && <Badge>disabled</Badge>}
        </span>
      ),
    },
    {
      key: 'target',
      header: 'Sends to',
      render: (c) => (
        <span className="flex items-center gap-2">
          <Badge tone={c.kind === 'webhook' ? 'indigo' : 'slate'}>{c.kind}</Badge>
          <span className="block max-w-[14rem] truncate font-mono text-xs" title={c.summary}>
            {c.summary}
          </span>
        </span>
      ),
    },
    { key: 'status', header: 'Last result', render: (c) => <ChannelStatus channel={c} /> },
    { key: 'lastSentAt', header: 'Last delivered', render: (c) => <Time at={c.lastSentAt} /> },
    { key: 'actions', header: 'Actions', render: (c) => <Actions channel={c} role={role} /> },
  ];
}

export default function AlertChannelsPage() {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  const list = useQuery({
    ...trpc.alertChannel.list.queryOptions(),
    refetchInterval: (q) => (q.state.data?.some((c) => c.deliveries.some((d) => d.state === 'pending')) ? RETRYING_REFRESH_MS : false),
  });
  const role = me.data?.role;
  return (
    <>
      <PageHeader
        crumbs={[{ label: 'Alerts', href: '/alerts' }, { label: 'Channels' }]}
        title="Notification channels"
        description="Where alerts are sent. A failed notification is retried with back-off (10 s up to 30 min, 8 attempts); its error shows here."
        actions={role === 'admin' && <AddChannel />}
      />
      <DataTable
        label="Notification channels"
        columns={columnsFor(role)}
        rows={list.data}
        loading={list.isPending}
        error={list.error}
        rowKey={(c) => c.id}
        detail={(c) => <ChannelDeliveries channel={c} />}
        empty={<EmptyState title="No notification channels yet." hint="Add a webhook or an e-mail channel, send a test, then pick it in an alert rule." action={role === 'admin' ? <AddChannel /> : undefined} />}
      />
    </>
  );
}
