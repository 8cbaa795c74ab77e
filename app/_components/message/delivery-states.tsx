'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState, type ReactNode } from 'react';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { Badge, type Tone } from '../badge.tsx';
import { DataTable, type Column } from '../data-table.tsx';
import { EmptyState } from '../empty-state.tsx';
import { ErrorBanner } from '../errors.tsx';
import { NavLink } from '../nav-link.tsx';
import { Overlay } from '../overlay.tsx';
import { Time } from '../time.tsx';
import { useTRPC } from '../trpc.tsx';
import { buttonClass, Card, inputClass, linkClass, secondaryButtonClass } from '../ui.tsx';

type Delivery = inferRouterOutputs<AppRouter>['message']['deliveryStates']['groups'][number];
type Verification = inferRouterOutputs<AppRouter>['message']['verification'];

/** How often a pending verification is asked about: the consumer's ack arrives within a poll or two. */
const VERIFICATION_POLL_MS = 1_000;
const DELIVERY_REFRESH_MS = 5_000;

const STATE: Record<Delivery['state'], { tone: Tone; label: string }> = {
  NOT_DELIVERED: { tone: 'slate', label: 'Not yet delivered' },
  IN_FLIGHT: { tone: 'indigo', label: 'In flight' },
  ACKED: { tone: 'green', label: 'Acked' },
  RETRYING: { tone: 'amber', label: 'Retrying' },
  DEAD_LETTERED: { tone: 'red', label: 'Dead-lettered' },
  FILTERED: { tone: 'slate', label: 'Filtered out' },
};

/** The facts behind a state, in words: which attempt, until when it is invisible, when the next one comes. */
function detail(d: Delivery): ReactNode {
  const attempt = d.attempt !== undefined ? `attempt ${d.attempt}` : undefined;
  switch (d.state) {
    case 'IN_FLIGHT':
      return <>{attempt}{d.invisibleUntil !== undefined && <>, invisible until <Time at={d.invisibleUntil} /></>}</>;
    case 'RETRYING':
      return <>{attempt}{d.nextAttemptAt !== undefined && <>, next attempt at <Time at={d.nextAttemptAt} /></>}</>;
    case 'FILTERED':
      return d.filterExpression ? <>by its subscription <code className="font-mono text-xs">{d.filterExpression}</code></> : 'by its subscription';
    case 'ACKED':
    case 'DEAD_LETTERED':
      return <>{attempt && `after ${attempt}`}{d.at !== undefined && <>{attempt ? ', ' : ''}at <Time at={d.at} /></>}</>;
    default:
      return null;
  }
}

const VERDICT: Record<Verification['state'], { tone: Tone; text: string }> = {
  PENDING: { tone: 'amber', text: 'Waiting for a consumer of the group to receive and acknowledge it…' },
  ACKED: { tone: 'green', text: 'Acked: a consumer of the group received and acknowledged it.' },
  FAILED: { tone: 'red', text: 'Failed: the consumer rejected it (nack or sent to the DLQ).' },
  TIMED_OUT: { tone: 'red', text: 'Timed out: no consumer acknowledged it within its invisible time.' },
};

/** A verification's progress, polled while it is pending. */
function VerificationStatus({ instanceId, verificationId }: { instanceId: string; verificationId: string }) {
  const trpc = useTRPC();
  const v = useQuery({ ...trpc.message.verification.queryOptions({ instanceId, verificationId }), refetchInterval: (q) => (q.state.data?.state === 'PENDING' || !q.state.data ? VERIFICATION_POLL_MS : false) });
  if (v.error) return <ErrorBanner error={v.error} />;
  if (!v.data) return null;
  const verdict = VERDICT[v.data.state];
  return (
    <div data-testid="verification" data-state={v.data.state} className="flex flex-wrap items-center gap-2 rounded-md border border-slate-200 px-3 py-2 text-sm dark:border-slate-700">
      <span className="font-medium">Consume verification with <span className="font-mono">{v.data.group}</span>:</span>
      <Badge tone={verdict.tone}>{v.data.state === 'TIMED_OUT' ? 'TIMED OUT' : v.data.state}</Badge>
      <span className="text-slate-600 dark:text-slate-300">{verdict.text}</span>
      {v.data.at !== undefined && <span className="text-xs text-slate-500 dark:text-slate-400"><Time at={v.data.at} /></span>}
      {v.data.clientId && <span className="text-xs text-slate-500 dark:text-slate-400">client {v.data.clientId}</span>}
    </div>
  );
}

/** The operator picks a subscribing group; the message goes once more to that group's live consumers. */
function VerifyDialog({ instanceId, messageId, groups, onStarted, onClose }: { instanceId: string; messageId: string; groups: string[]; onStarted(id: string): void; onClose(): void }) {
  const trpc = useTRPC();
  const [group, setGroup] = useState(groups[0] ?? '');
  const verify = useMutation(trpc.message.verify.mutationOptions({ onSuccess: (r) => onStarted(r.verificationId) }));
  return (
    <Overlay
      title="Verify consumption"
      placement="dialog"
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose} className={secondaryButtonClass}>
            Cancel
          </button>
          <button type="button" disabled={!group || verify.isPending} onClick={() => verify.mutate({ instanceId, messageId, group })} className={buttonClass}>
            {verify.isPending ? 'Delivering…' : 'Deliver once more'}
          </button>
        </>
      }
    >
      <div className="space-y-3 text-sm">
        <p className="text-slate-700 dark:text-slate-300">
          The message is delivered once more to one group, through its normal delivery to its live consumers. The group&apos;s offsets and the other groups are not touched; the page shows whether a consumer acked it.
        </p>
        <label className="block">
          <span className="font-medium text-slate-700 dark:text-slate-200">Consumer group</span>
          <select aria-label="Consumer group" value={group} onChange={(e) => setGroup(e.target.value)} className={`mt-1 w-full ${inputClass}`}>
            {groups.map((g) => (
              <option key={g}>{g}</option>
            ))}
          </select>
        </label>
        <ErrorBanner error={verify.error} />
      </div>
    </Overlay>
  );
}

/**
 * Where the message stands with every consumer group that subscribes to its topic, from the group's offsets,
 * pop state and trace; operators verify consumption by one of them from here.
 */
export function DeliveryStates({ instanceId, messageId, canOperate }: { instanceId: string; messageId: string; canOperate: boolean }) {
  const trpc = useTRPC();
  const states = useQuery({ ...trpc.message.deliveryStates.queryOptions({ instanceId, messageId }), refetchInterval: DELIVERY_REFRESH_MS });
  const [dialog, setDialog] = useState(false);
  const [verificationId, setVerificationId] = useState<string | null>(null);
  const groups = states.data?.groups ?? [];
  const columns: Column<Delivery>[] = [
    {
      key: 'group',
      header: 'Group',
      render: (d) => (
        <NavLink href={`/instances/${instanceId}/groups/${encodeURIComponent(d.group)}`} className={`font-mono text-xs ${linkClass}`}>
          {d.group}
        </NavLink>
      ),
    },
    { key: 'state', header: 'State', render: (d) => <span data-testid={`delivery-${d.group}`}><Badge tone={STATE[d.state].tone}>{STATE[d.state].label}</Badge></span> },
    { key: 'detail', header: 'Detail', render: (d) => <span className="text-xs text-slate-600 dark:text-slate-300">{detail(d)}</span> },
  ];
  return (
    <Card
      title="Delivery by consumer group"
      actions={
        canOperate && (
          <button type="button" disabled={groups.length === 0} onClick={() => setDialog(true)} className={`${secondaryButtonClass} px-2! py-1! text-xs!`}>
            Verify consumption
          </button>
        )
      }
    >
      <div className="space-y-3">
        {verificationId && <VerificationStatus key={verificationId} instanceId={instanceId} verificationId={verificationId} />}
        <DataTable
          label="Delivery by consumer group"
          columns={columns}
          rows={states.data?.groups}
          rowKey={(d) => d.group}
          loading={states.isPending}
          error={states.error}
          empty={<EmptyState title="No consumer group subscribes to this topic yet." hint="A group counts once it has offsets on the topic or one of its consumers has received from it." />}
        />
      </div>
      {dialog && (
        <VerifyDialog
          instanceId={instanceId}
          messageId={messageId}
          groups={groups.map((g) => g.group)}
          onClose={() => setDialog(false)}
          onStarted={(id) => {
            setVerificationId(id);
            setDialog(false);
          }}
        />
      )}
    </Card>
  );
}
