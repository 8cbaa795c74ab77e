import type { ReactNode } from 'react';

export type Tone = 'green' | 'red' | 'amber' | 'indigo' | 'slate';

const TONES: Record<Tone, string> = {
  green: 'bg-emerald-100 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-900/40 dark:text-emerald-300 dark:ring-emerald-400/20',
  red: 'bg-red-100 text-red-800 ring-red-600/20 dark:bg-red-900/40 dark:text-red-300 dark:ring-red-400/20',
  amber: 'bg-amber-100 text-amber-800 ring-amber-600/20 dark:bg-amber-900/40 dark:text-amber-300 dark:ring-amber-400/20',
  indigo: 'bg-indigo-100 text-indigo-800 ring-indigo-600/20 dark:bg-indigo-900/40 dark:text-indigo-300 dark:ring-indigo-400/20',
  slate: 'bg-slate-100 text-slate-700 ring-slate-500/20 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-400/20',
};

/** A status word in a pill: running, error, FIFO, scheduled… */
export function Badge({ tone = 'slate', title, children }: { tone?: Tone; title?: string; children: ReactNode }) {
  return (
    <span title={title} className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${TONES[tone]}`}>
      {children}
    </span>
  );
}

const MESSAGE_TYPE_TONE: Record<string, Tone> = { NORMAL: 'slate', FIFO: 'indigo', DELAY: 'amber', TRANSACTION: 'green' };

/** A topic's message type. */
export function MessageTypeBadge({ type }: { type: string }) {
  return <Badge tone={MESSAGE_TYPE_TONE[type] ?? 'slate'}>{type}</Badge>;
}
