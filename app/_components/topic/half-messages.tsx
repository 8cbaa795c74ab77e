'use client';

import { useMutation } from '@tanstack/react-query';
import { useAfterSave } from '../after-save.ts';
import { ConfirmAction } from '../confirm.tsx';
import { DataTable, type Column } from '../data-table.tsx';
import { EmptyState } from '../empty-state.tsx';
import { NavLink } from '../nav-link.tsx';
import { Time } from '../time.tsx';
import { useTRPC } from '../trpc.tsx';
import { Card, dangerLinkClass, linkButtonClass, linkClass } from '../ui.tsx';

interface Half {
  transactionId: string;
  messageId: string;
  createdAt: number;
  checks: number;
}

const RESOLUTIONS = {
  COMMIT: { label: 'Commit', done: 'committed: consumers will receive it', body: 'The message is stored in the topic and delivered to its consumers, as if its producer had committed.', className: linkButtonClass },
  ROLLBACK: { label: 'Roll back', done: 'rolled back: it will never be delivered', body: 'The message is discarded and never delivered, as if its producer had rolled back.', className: dangerLinkClass },
} as const;

/** Commits or rolls back one half message in its producer's place, after a confirmation (audited). */
export function EndButton({ instanceId, topic, half, resolution }: { instanceId: string; topic: string; half: Pick<Half, 'transactionId' | 'messageId'>; resolution: keyof typeof RESOLUTIONS }) {
  const trpc = useTRPC();
  const r = RESOLUTIONS[resolution];
  const end = useMutation(
    trpc.topic.endTransaction.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.topic.pathKey(), trpc.message.pathKey()], message: () => `Message ${half.messageId} ${r.done}.` }) }),
  );
  return (
    <ConfirmAction
      label={r.label}
      ariaLabel={`${r.label} ${half.messageId}`}
      buttonClassName={r.className}
      title={`${r.label} a half message`}
      tone={resolution === 'COMMIT' ? 'primary' : 'danger'}
      body={
        <>
          <p>{r.body}</p>
          <p className="mt-2 text-xs text-slate-500">
            Message <code className="font-mono">{half.messageId}</code>, transaction <code className="font-mono">{half.transactionId}</code>. The action is audited.
          </p>
        </>
      }
      confirmLabel={r.label}
      onConfirm={() => end.mutateAsync({ instanceId, topic, transactionId: half.transactionId, messageId: half.messageId, resolution })}
    />
  );
}

/** A TRANSACTION topic's half messages waiting for their producer; operators can end them in its place. */
export function HalfMessages({ instanceId, topic, halves, canOperate }: { instanceId: string; topic: string; halves: Half[]; canOperate: boolean }) {
  const columns: Column<Half>[] = [
    { key: 'messageId', header: 'Message id', render: (h) => <NavLink href={`/instances/${instanceId}/messages?id=${encodeURIComponent(h.messageId)}`} className={`font-mono text-xs ${linkClass}`}>{h.messageId}</NavLink> },
    { key: 'transactionId', header: 'Transaction', render: (h) => <code className="font-mono text-xs">{h.transactionId}</code> },
    { key: 'createdAt', header: 'Waiting since', render: (h) => <Time at={h.createdAt} relative="beside" /> },
    { key: 'checks', header: 'Check-backs', align: 'right', render: (h) => h.checks },
    ...(canOperate
      ? [
          {
            key: 'actions',
            header: 'Actions',
            render: (h: Half) => (
              <span className="flex gap-3">
                <EndButton instanceId={instanceId} topic={topic} half={h} resolution="COMMIT" />
                <EndButton instanceId={instanceId} topic={topic} half={h} resolution="ROLLBACK" />
              </span>
            ),
          },
        ]
      : []),
  ];
  return (
    <Card title={`Half messages waiting for commit (${halves.length})`}>
      <DataTable label="Half messages" columns={columns} rows={halves} rowKey={(h) => h.transactionId} empty={<EmptyState title="No half message is waiting." hint="Transactional messages wait here until their producer commits or rolls them back." />} />
    </Card>
  );
}
