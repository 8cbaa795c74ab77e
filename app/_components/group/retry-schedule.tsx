import { formatDuration } from '../time.tsx';
import { Card } from '../ui.tsx';

const POLICY_LABEL: Record<string, string> = { customized: 'Fixed levels', exponential: 'Exponential' };

/** A retry policy's kind in words ("customized" says nothing to an operator). */
export function retryPolicyLabel(kind: string): string {
  return POLICY_LABEL[kind] ?? kind;
}

/** The delay before each retry, as the broker will apply it to this group. */
export function RetrySchedule({ schedule, kind, maxAttempts }: { schedule: { attempt: number; delayMs: number }[]; kind: string; maxAttempts: number }) {
  return (
    <Card title={`Retry back-off: ${retryPolicyLabel(kind)}`}>
      <p className="mb-3 text-sm text-slate-600 dark:text-slate-400">
        {schedule.length === 0
          ? 'A failed delivery is not tried again: the message moves to the dead-letter topic at once.'
          : `A failed delivery is tried again after these waits; when attempt ${maxAttempts} fails too, the message moves to the dead-letter topic.`}
      </p>
      <ol data-testid="retry-schedule" className="flex flex-wrap gap-2 text-xs">
        {schedule.map((s) => (
          <li key={s.attempt} className="rounded-md border border-slate-200 px-2 py-1 tabular-nums dark:border-slate-700">
            <span className="text-slate-500 dark:text-slate-400">attempt {s.attempt} after</span> <span className="font-medium">{formatDuration(s.delayMs)}</span>
          </li>
        ))}
      </ol>
    </Card>
  );
}
