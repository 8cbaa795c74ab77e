import type { ReactNode } from 'react';

/** What a list or panel shows when it has nothing yet: what is missing, and how to get some. */
export function EmptyState({ title, hint, action }: { title: string; hint?: ReactNode; action?: ReactNode }) {
  return (
    <div data-testid="empty-state" className="flex flex-col items-center gap-1 px-4 py-8 text-center text-sm">
      <p className="font-medium text-slate-700 dark:text-slate-200">{title}</p>
      {hint && <p className="max-w-md text-slate-500 dark:text-slate-400">{hint}</p>}
      {action && <div className="mt-2">{action}</div>}
    </div>
  );
}
