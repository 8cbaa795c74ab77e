'use client';

import { useSyncExternalStore } from 'react';

/** Every time the console shows, in the browser's zone, with the zone named: "Dec 1, 2026, 20:36:05 EST". */
const ABSOLUTE = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});
/** The same clock, compact, for chart axes: "Dec 1, 20:36". */
const SHORT = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** The browser's time zone ("America/New_York"), for labels of time inputs and chart axes. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function formatTime(ms: number): string {
  return ABSOLUTE.format(ms);
}

export function formatShortTime(ms: number): string {
  return SHORT.format(ms);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];

/** "3 minutes ago", "in 2 hours", "now". */
export function formatRelative(ms: number, now: number): string {
  const diff = ms - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size || unit === 'second') return RELATIVE.format(Math.round(diff / size), unit);
  }
  return RELATIVE.format(0, 'second');
}

/** A delay as people say it: "500 ms", "5 s", "2 min", "1 h 30 min". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 3_600_000) {
    const s = Math.round((ms % 60_000) / 1_000);
    return `${Math.floor(ms / 60_000)} min${s ? ` ${s} s` : ''}`;
  }
  const min = Math.round((ms % 3_600_000) / 60_000);
  return `${Math.floor(ms / 3_600_000)} h${min ? ` ${min} min` : ''}`;
}

/** Relative times refresh on one shared clock (every 10 s), not one timer per cell. */
const CLOCK_TICK_MS = 10_000;
let clockNow = Date.now();
const clockListeners = new Set<() => void>();
let clockTimer: ReturnType<typeof setInterval> | undefined;

function subscribeClock(listener: () => void): () => void {
  clockListeners.add(listener);
  if (!clockTimer) clockNow = Date.now();
  clockTimer ??= setInterval(() => {
    clockNow = Date.now();
    for (const l of clockListeners) l();
  }, CLOCK_TICK_MS);
  return () => {
    clockListeners.delete(listener);
    if (clockListeners.size === 0 && clockTimer) {
      clearInterval(clockTimer);
      clockTimer = undefined;
    }
  };
}

/** The current time, refreshed every few seconds. */
export function useNow(): number {
  return useSyncExternalStore(subscribeClock, () => clockNow, () => clockNow);
}

/**
 * The one way a time is shown: absolute in the browser's zone, with the relative time beside it or on hover.
 * Missing times show a dash.
 */
export function Time({ at, relative = 'hover' }: { at: number | null | undefined; relative?: 'beside' | 'hover' }) {
  const now = useNow();
  if (at === null || at === undefined) return <span className="text-slate-400">—</span>;
  const absolute = formatTime(at);
  const rel = formatRelative(at, now);
  return (
    <time dateTime={new Date(at).toISOString()} title={relative === 'hover' ? rel : absolute} className="tabular-nums">
      <span className="whitespace-nowrap">{absolute}</span>
      {relative === 'beside' && (
        <>
          {' '}
          <span className="text-xs whitespace-nowrap text-slate-500 dark:text-slate-400">({rel})</span>
        </>
      )}
    </time>
  );
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** A time as a `datetime-local` input holds it: the browser's local wall clock, to the minute. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value read in the browser's zone; undefined when incomplete. */
export function fromLocalInput(value: string): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}
