import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../server/routers/_app.ts';
import { Badge } from './badge.tsx';
import type { Column } from './data-table.tsx';
import { formatRelative, Time, useNow } from './time.tsx';

export type ClientRow = inferRouterOutputs<AppRouter>['client']['list']['rows'][number];

const muted = 'block text-xs text-slate-500 dark:text-slate-400';

function Heartbeat({ at }: { at: number }) {
  const now = useNow();
  return <span className={muted}>heartbeat {formatRelative(at, now)}</span>;
}

/** How a connected client is shown, on the clients page and a group's page alike: what its SDK reports. */
export const CLIENT_COLUMNS: Column<ClientRow>[] = [
  {
    key: 'clientId',
    header: 'Client',
    sortable: true,
    render: (r) => (
      <>
        <code className="block text-xs">{r.clientId}</code>
        <span className="mt-0.5 block">
          <Badge tone={r.kind === 'PRODUCER' ? 'indigo' : 'green'}>{r.kind.replace('_', ' ').toLowerCase()}</Badge>
        </span>
        <code className={muted}>{r.address}</code>
      </>
    ),
  },
  {
    key: 'language',
    header: 'SDK',
    sortable: true,
    render: (r) => (
      <span data-testid={`sdk-${r.clientId}`}>
        <span className="whitespace-nowrap">
          {r.language} {r.version}
        </span>
        {r.platform && <span className={muted}>{r.platform}</span>}
      </span>
    ),
  },
  {
    key: 'group',
    header: 'Subscriptions',
    sortable: true,
    render: (r) => (
      <>
        {r.group && <span className="block font-medium">{r.group}</span>}
        {r.subscriptions.length > 0 ? (
          <ul className="text-xs">
            {r.subscriptions.map((s) => (
              <li key={s.topic}>
                {s.topic} <span className="text-slate-500 dark:text-slate-400">({s.filterType} {s.expression})</span>
              </li>
            ))}
          </ul>
        ) : (
          <span className={muted}>{r.topics.length ? `sends to ${r.topics.join(', ')}` : '—'}</span>
        )}
      </>
    ),
  },
  {
    key: 'sendPerSec',
    header: 'Sent/s',
    align: 'right',
    sortable: true,
    render: (r) => <span title={`${r.sent.toLocaleString()} since it connected`} className="tabular-nums">{r.sendPerSec.toLocaleString()}</span>,
  },
  {
    key: 'receivePerSec',
    header: 'Received/s',
    align: 'right',
    sortable: true,
    render: (r) => <span title={`${r.received.toLocaleString()} since it connected`} className="tabular-nums">{r.receivePerSec.toLocaleString()}</span>,
  },
  {
    key: 'connectedAt',
    header: 'Connected since',
    sortable: true,
    render: (r) => (
      <>
        <Time at={r.connectedAt} />
        <Heartbeat at={r.lastHeartbeat} />
      </>
    ),
  },
];
