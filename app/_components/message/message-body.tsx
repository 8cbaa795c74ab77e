'use client';

import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { formatBytes } from '../bytes.tsx';
import { ErrorBanner } from '../errors.tsx';
import { useTRPC } from '../trpc.tsx';
import { secondaryButtonClass } from '../ui.tsx';

export type BodyKind = 'json' | 'text' | 'binary';
type BodyView = 'json' | 'text' | 'hex';

const VIEWS: { view: BodyView; label: string }[] = [
  { view: 'json', label: 'JSON' },
  { view: 'text', label: 'Text' },
  { view: 'hex', label: 'Hex' },
];
/** Bytes per line of the hex view, as `xxd` and `hexdump -C` show them. */
const HEX_LINE_BYTES = 16;

function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** `00000010  7b 22 61 22 …  |{"a"…|`: offset, the bytes, and the printable ones. */
function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += HEX_LINE_BYTES) {
    const row = bytes.subarray(at, at + HEX_LINE_BYTES);
    const hex = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(HEX_LINE_BYTES * 3 - 1)}  |${ascii}|`);
  }
  return lines.join('\n');
}

/** The body as the chosen view shows it; JSON that cannot be parsed (cut short, or not JSON) shows as text with why. */
function render(bytes: Uint8Array, view: BodyView, complete: boolean): { text: string; note?: string } {
  if (view === 'hex') return { text: hexDump(bytes) };
  const text = new TextDecoder().decode(bytes);
  if (view === 'text') return { text };
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2) };
  } catch {
    return { text, note: complete ? 'This body is not valid JSON; shown as text.' : 'Only the start is loaded, which is not a whole JSON document: show all to pretty-print it.' };
  }
}

/**
 * A message's body, as JSON (pretty-printed), text or hex: the view its content suggests, with a switch. The
 * page gets only the start of a large body; "Show all" loads the rest on demand.
 */
export function MessageBody({ instanceId, messageId, kind, bodyBytes, preview }: { instanceId: string; messageId: string; kind: BodyKind; bodyBytes: number; preview: string }) {
  const trpc = useTRPC();
  const [view, setView] = useState<BodyView>(kind === 'binary' ? 'hex' : kind);
  const [all, setAll] = useState(false);
  const full = useQuery({ ...trpc.message.body.queryOptions({ instanceId, messageId }), enabled: all, staleTime: Infinity });
  const source = all && full.data?.body ? full.data.body : preview;
  const bytes = useMemo(() => fromBase64(source), [source]);
  const complete = bytes.length >= bodyBytes;
  const shown = useMemo(() => render(bytes, view, complete), [bytes, view, complete]);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div role="radiogroup" aria-label="Show the body as" className="inline-flex overflow-hidden rounded-md border border-slate-300 dark:border-slate-700">
          {VIEWS.map(({ view: v, label }) => (
            <button
              key={v}
              type="button"
              role="radio"
              aria-checked={view === v}
              onClick={() => setView(v)}
              className={`px-2.5 py-1 text-xs font-medium ${view === v ? 'bg-indigo-600 text-white dark:bg-indigo-500' : 'bg-white text-slate-700 hover:bg-slate-50 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800'}`}
            >
              {label}
            </button>
          ))}
        </div>
        <span className="text-xs text-slate-500 dark:text-slate-400" data-testid="body-extent">
          {complete ? `${formatBytes(bodyBytes)}, all shown` : `Showing the first ${formatBytes(bytes.length)} of ${formatBytes(bodyBytes)}`}
          {kind === 'binary' && ' · binary'}
        </span>
      </div>
      {shown.note && <p className="text-xs text-amber-700 dark:text-amber-300">{shown.note}</p>}
      <pre data-testid="message-body" className={`max-h-[32rem] overflow-auto rounded-md bg-slate-100 p-3 font-mono text-xs dark:bg-slate-800 ${view === 'hex' ? 'whitespace-pre' : 'break-all whitespace-pre-wrap'}`}>
        {shown.text}
      </pre>
      {!complete && (
        <button type="button" disabled={full.isFetching} onClick={() => setAll(true)} className={`${secondaryButtonClass} px-2! py-1! text-xs!`}>
          {full.isFetching ? 'Loading…' : `Show all ${formatBytes(bodyBytes)}`}
        </button>
      )}
      <ErrorBanner error={full.error} />
    </div>
  );
}
