'use client';

import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { Badge, type Tone } from '../badge.tsx';
import { formatTime } from '../time.tsx';
import { EndButton } from '../topic/half-messages.tsx';
import { RecallButton } from '../topic/scheduled-panel.tsx';

export type Held = NonNullable<NonNullable<inferRouterOutputs<AppRouter>['message']['get']['message']>['held']>;

const SCHEDULED: Record<string, { tone: Tone; text: (dueAt: number) => string }> = {
  PENDING: { tone: 'amber', text: (dueAt) => `Scheduled for ${formatTime(dueAt)}` },
  FIRING: { tone: 'indigo', text: () => 'Being delivered now' },
  FIRED: { tone: 'green', text: (dueAt) => `Delivered at ${formatTime(dueAt)}` },
  RECALLED: { tone: 'red', text: (dueAt) => `Recalled (was due ${formatTime(dueAt)})` },
};

const TRANSACTION: Record<string, { tone: Tone; text: string }> = {
  PREPARED: { tone: 'amber', text: 'Half message: waiting for commit' },
  COMMITTED: { tone: 'green', text: 'Committed' },
  ROLLED_BACK: { tone: 'red', text: 'Rolled back: never delivered' },
};

function label(held: Held): { tone: Tone; text: string } {
  if (held.kind === 'SCHEDULED') {
    const s = SCHEDULED[held.state] ?? { tone: 'slate', text: () => held.state };
    return { tone: s.tone, text: s.text(held.dueAt) };
  }
  return TRANSACTION[held.state] ?? { tone: 'slate', text: held.state };
}

/**
 * What still holds a message back from its consumers (the timer or an open transaction), as a badge, with
 * the operator's way out: recall a pending scheduled message, commit or roll back a half message.
 */
export function HeldState({ held, instanceId, topic, messageId, canOperate }: { held: Held; instanceId: string; topic: string; messageId: string; canOperate: boolean }) {
  const { tone, text } = label(held);
  return (
    <div data-testid="held-state" className="flex flex-wrap items-center gap-3">
      <Badge tone={tone}>{text}</Badge>
      {held.kind === 'TRANSACTION' && held.state === 'PREPARED' && (
        <span className="text-xs text-slate-500 dark:text-slate-400">{held.checks} check-back(s) so far</span>
      )}
      {canOperate && held.kind === 'SCHEDULED' && held.state === 'PENDING' && 'recallHandle' in held && held.recallHandle && (
        <RecallButton instanceId={instanceId} topic={topic} message={{ messageId, dueAt: held.dueAt, recallHandle: held.recallHandle }} />
      )}
      {canOperate && held.kind === 'TRANSACTION' && held.state === 'PREPARED' && (
        <>
          <EndButton instanceId={instanceId} topic={topic} half={{ transactionId: held.transactionId, messageId }} resolution="COMMIT" />
          <EndButton instanceId={instanceId} topic={topic} half={{ transactionId: held.transactionId, messageId }} resolution="ROLLBACK" />
        </>
      )}
    </div>
  );
}
