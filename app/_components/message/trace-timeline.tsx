'use client';

import type { inferRouterOutputs } from '@trpc/server';
import { useState, type ReactNode } from 'react';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { Badge, type Tone } from '../badge.tsx';
import { KeyValues } from '../key-values.tsx';
import { NavLink } from '../nav-link.tsx';
import { Overlay } from '../overlay.tsx';
import { formatDuration, formatTime, Time } from '../time.tsx';
import { linkClass, secondaryButtonClass } from '../ui.tsx';
import { messageHref } from './search-params.ts';

/** One recorded step, as the server sends it. */
export type TraceStep = inferRouterOutputs<AppRouter>['message']['get']['trace'][number];

/** How a step reads at a glance: done (green), failed (red), retried or lost (amber), else neutral. */
const STEP_TONE: Record<string, Tone> = {
  PRODUCED: 'indigo',
  STORED: 'indigo',
  ACKED: 'green',
  COMMITTED: 'green',
  FIRED: 'green',
  VERIFIED: 'green',
  DEAD_LETTERED: 'red',
  PRODUCE_FAILED: 'red',
  ROLLED_BACK: 'red',
  RECALLED: 'red',
  NACKED: 'amber',
  EXPIRED: 'amber',
  TRACE_SHED: 'amber',
  FILTERED: 'slate',
};

export function stepTone(step: string): Tone {
  return STEP_TONE[step] ?? 'slate';
}

/** A step that needs a second look: a failure, a retry, an expiry, a dead letter, a gap in the trace. */
function standsOut(e: TraceStep): 'red' | 'amber' | undefined {
  const tone = stepTone(e.step);
  const failed = (e.status !== undefined && e.status !== 'OK') || (e.step === 'VERIFIED' && e.outcome !== undefined && e.outcome !== 'ACKED');
  if (tone === 'red' || failed) return 'red';
  if (tone === 'amber' || (e.step === 'DELIVERED' && (e.attempt ?? 1) > 1)) return 'amber';
  return undefined;
}

/** The few words under a step: the client, the attempt, what came of it. */
function summary(e: TraceStep): string {
  const outcome = e.outcome ?? (e.status && e.status !== 'OK' ? e.status : undefined);
  const client = e.clientId && `client ${e.clientId}${e.sdk ? ` (${e.sdk})` : ''}`;
  return [e.attempt && e.attempt > 1 ? `attempt ${e.attempt}` : undefined, client, e.host && `on ${e.host}`, e.latencyMs !== undefined && `${e.latencyMs}\u00a0ms`, outcome]
    .filter(Boolean)
    .join(' · ');
}

const PRODUCER_LANE = 'Producer · broker';

/** Steps are milliseconds apart: the lane's clock shows them; the day (with its zone) heads each new day. */
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23' });
const DAY = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', timeZoneName: 'short' });

function StepTime({ at, prev }: { at: number; prev: number | undefined }) {
  const day = DAY.format(at);
  return (
    <>
      {(prev === undefined || DAY.format(prev) !== day) && <span className="block font-medium text-slate-600 dark:text-slate-300">{day}</span>}
      <time dateTime={new Date(at).toISOString()} title={formatTime(at)} className="block tabular-nums">
        {CLOCK.format(at)}
      </time>
      {prev !== undefined && <span className="block text-slate-400 dark:text-slate-500">+{formatDuration(Math.max(0, at - prev))}</span>}
    </>
  );
}

/** One lane for the producer and the broker, then one per consumer group in the order they first appear. */
function lanesOf(events: readonly TraceStep[]): string[] {
  const groups = [...new Set(events.flatMap((e) => (e.group ? [e.group] : [])))];
  return [PRODUCER_LANE, ...groups];
}

function downloadJson(name: string, data: unknown): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

const CARD_TONE = {
  red: 'border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950/40',
  amber: 'border-amber-300 bg-amber-50 dark:border-amber-700 dark:bg-amber-950/30',
  plain: 'border-slate-200 bg-white hover:border-indigo-300 dark:border-slate-700 dark:bg-slate-900 dark:hover:border-indigo-500',
};

function StepDetails({ e, instanceId }: { e: TraceStep; instanceId: string }) {
  const entries: [string, ReactNode][] = [
    ['step', e.step],
    ['at', <Time key="at" at={e.at} relative="beside" />],
    // The client's clock: the step itself is placed no later than the store, whatever that clock says.
    ...(e.bornAt !== undefined ? [['born (client clock)', <Time key="born" at={e.bornAt} />] satisfies [string, ReactNode]] : []),
    ...Object.entries(e)
      .filter(([k, v]) => !['step', 'at', 'bornAt', 'relatedMessageId', 'messageId'].includes(k) && v !== undefined && v !== null && v !== '')
      .map(([k, v]): [string, ReactNode] => [k, String(v)]),
    ['message', <code key="id">{e.messageId}</code>],
  ];
  if (e.relatedMessageId) {
    entries.push([
      e.step === 'RESENT' ? 'other message' : 'related message',
      <NavLink key="rel" href={messageHref(instanceId, e.relatedMessageId)} className={linkClass}>
        {e.relatedMessageId}
      </NavLink>,
    ]);
  }
  return <KeyValues entries={entries} />;
}

/**
 * A message's life as a timeline: time runs down the page, one lane for the producer and the broker and one
 * per consumer group. Each step shows its time, the time since the step before, the client and the outcome;
 * failures, retries, expiries and dead letters stand out, and a missing stretch (events shed under load) is
 * said. A click on a step opens all it recorded.
 */
export function TraceTimeline({ events, instanceId, messageId }: { events: TraceStep[]; instanceId: string; messageId: string }) {
  const [open, setOpen] = useState<number | null>(null);
  const lanes = lanesOf(events);
  const shed = events.some((e) => e.step === 'TRACE_SHED');
  const columns = `8.5rem repeat(${lanes.length}, minmax(13rem, 1fr))`;
  const chosen = open === null ? undefined : events[open];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-xs text-slate-500 dark:text-slate-400">
          {events.length} {events.length === 1 ? 'step' : 'steps'}, oldest first. Select a step for everything it recorded.
        </p>
        <button type="button" onClick={() => downloadJson(`trace-${messageId}.json`, events)} className={`${secondaryButtonClass} px-2! py-1! text-xs!`}>
          Download trace JSON
        </button>
      </div>
      {shed && (
        <p role="status" data-testid="trace-incomplete" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-200">
          Trace incomplete: the broker shed trace events under load, so some steps of this message were not recorded.
        </p>
      )}
      <div className="overflow-x-auto">
        <div data-testid="trace" role="table" aria-label="Trace" className="grid min-w-fit text-sm" style={{ gridTemplateColumns: columns }}>
          <div role="row" className="contents">
            <div role="columnheader" className="border-b border-slate-200 px-2 py-1.5 text-xs font-medium tracking-wide text-slate-500 uppercase dark:border-slate-700 dark:text-slate-400">
              Time
            </div>
            {lanes.map((lane) => (
              <div key={lane} role="columnheader" data-testid="trace-lane" className="truncate border-b border-l border-slate-200 px-3 py-1.5 text-xs font-medium text-slate-600 dark:border-slate-700 dark:text-slate-300" title={lane}>
                {lane === PRODUCER_LANE ? lane : <>Group <span className="font-mono">{lane}</span></>}
              </div>
            ))}
          </div>
          {events.map((e, i) => {
            const lane = e.group ? lanes.indexOf(e.group) : 0;
            const prev = events[i - 1];
            const mark = standsOut(e);
            const text = summary(e);
            return (
              <div key={i} role="row" data-testid="trace-step" data-step={e.step} className="contents">
                <div role="cell" className="px-2 py-2 text-xs text-slate-500 dark:text-slate-400">
                  <StepTime at={e.at} prev={prev?.at} />
                </div>
                {lanes.map((_, l) => (
                  <div key={l} role="cell" className="border-l border-slate-200 px-2 py-1.5 dark:border-slate-700">
                    {l === lane && (
                      <button
                        type="button"
                        onClick={() => setOpen(i)}
                        aria-label={`${e.step} at step ${i + 1}: details`}
                        className={`w-full rounded-md border px-2.5 py-1.5 text-left focus-visible:ring-2 focus-visible:ring-indigo-500/50 focus-visible:outline-none ${CARD_TONE[mark ?? 'plain']}`}
                      >
                        <span className="flex items-center gap-2">
                          <Badge tone={stepTone(e.step)}>{e.step}</Badge>
                          {e.step === 'DELIVERED' && (e.attempt ?? 1) > 1 && <span className="text-xs font-medium text-amber-700 dark:text-amber-300">retry</span>}
                        </span>
                        {text && <span className="mt-1 block text-xs break-all text-slate-600 dark:text-slate-300">{text}</span>}
                        {e.detail && <span className="mt-0.5 block text-xs break-words text-slate-500 dark:text-slate-400">{e.detail}</span>}
                      </button>
                    )}
                    {l === lane && e.relatedMessageId && (
                      <NavLink href={messageHref(instanceId, e.relatedMessageId)} className={`mt-1 block truncate px-1 text-xs ${linkClass}`}>
                        <span data-testid="trace-related">{e.step === 'RESENT' ? 'Other message: ' : 'Related: '}{e.relatedMessageId}</span>
                      </NavLink>
                    )}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
      {chosen && (
        <Overlay title={`${chosen.step} — step ${open! + 1} of ${events.length}`} placement="drawer" onClose={() => setOpen(null)}>
          <StepDetails e={chosen} instanceId={instanceId} />
        </Overlay>
      )}
    </div>
  );
}
