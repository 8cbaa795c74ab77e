import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { Time } from '../time.tsx';

type TraceEvent = inferRouterOutputs<AppRouter>['message']['get']['trace'][number];

const STEP_COLOR: Record<string, string> = {
  ACKED: 'bg-emerald-500',
  COMMITTED: 'bg-emerald-500',
  FIRED: 'bg-emerald-500',
  DEAD_LETTERED: 'bg-red-500',
  ROLLED_BACK: 'bg-red-500',
  RECALLED: 'bg-red-500',
  NACKED: 'bg-amber-500',
  EXPIRED: 'bg-amber-500',
};

function facts(e: TraceEvent): string {
  return [e.topic && `topic ${e.topic}`, e.queueId !== undefined && `queue ${e.queueId}`, e.offset !== undefined && `offset ${e.offset}`, e.group && `group ${e.group}`, e.clientId && `client ${e.clientId}`, e.attempt && `attempt ${e.attempt}`, e.detail]
    .filter(Boolean)
    .join(' · ');
}

/** Every recorded step of a message's life, oldest first. */
export function TraceTimeline({ events }: { events: TraceEvent[] }) {
  return (
    <ol data-testid="trace" className="relative ml-1.5 space-y-4 border-l border-slate-200 pl-6 text-sm dark:border-slate-700">
      {events.map((e, i) => (
        <li key={i} className="relative">
          <span className={`absolute top-1 -left-[31px] h-3 w-3 rounded-full ring-4 ring-white dark:ring-slate-900 ${STEP_COLOR[e.step] ?? 'bg-indigo-500'}`} />
          <span className="font-medium">{e.step}</span> <span className="text-xs text-slate-500 dark:text-slate-400"><Time at={e.at} /></span>
          <div className="text-xs text-slate-500 dark:text-slate-400">{facts(e)}</div>
        </li>
      ))}
    </ol>
  );
}
