'use client';

import { Badge, type Tone } from '../badge.tsx';
import { DataTable, type Column } from '../data-table.tsx';
import { EmptyState } from '../empty-state.tsx';
import { Time } from '../time.tsx';
import type { ChannelRow } from './channel-form.tsx';

type Delivery = ChannelRow['deliveries'][number];

const STATE_TONE: Record<string, Tone> = { sent: 'green', failed: 'red', pending: 'amber' };
const STATE_LABEL: Record<string, string> = { sent: 'sent', failed: 'failed', pending: 'retrying' };

/** A delivery's state; a pending one that was tried already is "retrying", one not tried yet "queued". */
export function DeliveryStateBadge({ delivery }: { delivery: Delivery }) {
  const label = delivery.state === 'pending' && delivery.attempts === 0 ? 'queued' : (STATE_LABEL[delivery.state] ?? delivery.state);
  return <Badge tone={STATE_TONE[delivery.state] ?? 'slate'}>{label}</Badge>;
}

const columns: Column<Delivery>[] = [
  { key: 'createdAt', header: 'Queued', render: (d) => <Time at={d.createdAt} /> },
  { key: 'kind', header: 'Kind', render: (d) => <span className="text-xs">{d.kind}</span> },
  { key: 'state', header: 'State', render: (d) => <DeliveryStateBadge delivery={d} /> },
  { key: 'attempts', header: 'Attempts', align: 'right', render: (d) => d.attempts },
  {
    key: 'outcome',
    header: 'Outcome',
    render: (d) =>
      d.state === 'sent' ? (
        <span className="text-xs text-slate-600 dark:text-slate-300">
          Sent <Time at={d.sentAt} />
        </span>
      ) : (
        <span className={`block max-w-md text-xs break-words ${d.lastError ? 'text-red-700 dark:text-red-300' : 'text-slate-500 dark:text-slate-400'}`}>
          {d.lastError ?? 'Not tried yet'}
          {d.nextAt !== null && d.attempts > 0 && (
            <span className="block text-slate-500 dark:text-slate-400">
              Next attempt <Time at={d.nextAt} relative="beside" />
            </span>
          )}
        </span>
      ),
  },
];

/** The channel's latest notifications, failures with the receiver's answer. */
export function ChannelDeliveries({ channel }: { channel: ChannelRow }) {
  return (
    <div className="space-y-2">
      <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">Latest deliveries</h3>
      <DataTable
        label={`Deliveries of ${channel.name}`}
        columns={columns}
        rows={channel.deliveries}
        rowKey={(d) => d.id}
        empty={<EmptyState title="Nothing sent on this channel yet." hint="Send a test, or wait for an alert rule that uses it to fire." />}
      />
    </div>
  );
}
