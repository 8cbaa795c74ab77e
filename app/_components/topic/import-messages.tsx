'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { MessageType } from '../../../server/broker/rules.ts';
import { ImportEventSchema, maxLineChars, NDJSON_TYPE, parseNdjsonLine, readLines, topicProblem, type ImportMessage, type LineError } from '../../../server/message-ndjson.ts';
import { Bytes, formatBytes } from '../bytes.tsx';
import { Field } from '../form.tsx';
import { NavLink } from '../nav-link.tsx';
import { ProgressBar } from '../progress-bar.tsx';
import { useTRPC } from '../trpc.tsx';
import { buttonClass, inputClass, linkClass } from '../ui.tsx';

/** Messages the preview shows: enough to see the file is the one meant. */
const PREVIEW_MESSAGES = 5;
/** Bad lines listed one by one (the server reports the same cap); the rest are counted. */
const LISTED_ERRORS = 20;
/** Characters of a text body the preview shows. */
const PREVIEW_BODY_CHARS = 120;

interface FileCheck {
  lines: number;
  valid: number;
  invalid: number;
  errors: LineError[];
  preview: { line: number; message: ImportMessage }[];
  done: boolean;
}

/** Reads the chosen file in the browser, line by line, with the rules the server applies: preview and validation report. */
function useFileCheck(file: File | undefined, maxMessageSize: number, messageType: MessageType): FileCheck | undefined {
  const [check, setCheck] = useState<FileCheck>();
  useEffect(() => {
    if (!file) return;
    let cancelled = false;
    const c: FileCheck = { lines: 0, valid: 0, invalid: 0, errors: [], preview: [], done: false };
    const bad = (line: number, error: string) => {
      c.invalid++;
      if (c.errors.length < LISTED_ERRORS) c.errors.push({ line, error });
    };
    void (async () => {
      try {
        let shown = 0;
        for await (const { line, text } of readLines(file.stream(), maxLineChars(maxMessageSize))) {
          if (cancelled) return;
          c.lines = line;
          const r = parseNdjsonLine(text, { maxMessageSize });
          const problem = r.ok ? topicProblem(r.message, messageType) : r.error;
          if (problem !== undefined) bad(line, problem);
          else if (r.ok) {
            c.valid++;
            if (c.preview.length < PREVIEW_MESSAGES) c.preview.push({ line, message: r.message });
          }
          // Redraw every few thousand lines, not every line: a large file checks at full speed.
          if (++shown % 5000 === 0) setCheck({ ...c });
        }
      } catch (e) {
        const line = (e as { line?: unknown }).line;
        bad(typeof line === 'number' ? line : c.lines + 1, (e as Error).message);
      }
      if (!cancelled) setCheck({ ...c, done: true });
    })();
    return () => {
      cancelled = true;
      setCheck(undefined);
    };
  }, [file, maxMessageSize, messageType]);
  return check;
}

/** Control characters other than tab and line breaks, or bytes that are not UTF-8, mean bytes rather than text. */
function looksBinary(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f || c === 0xfffd) return true;
  }
  return false;
}

/** A base64 body as the text it holds, when it is UTF-8 text; undefined for bytes. */
function textOf(base64: string): string | undefined {
  try {
    // Enough bytes for the characters shown (at most 4 bytes each); a character cut at the end is held back.
    const bytes = Uint8Array.from(atob(base64.slice(0, Math.ceil((PREVIEW_BODY_CHARS * 4) / 3) * 4)), (c) => c.charCodeAt(0));
    const text = new TextDecoder().decode(bytes, { stream: true });
    return looksBinary(text) ? undefined : text;
  } catch {
    return undefined;
  }
}

function bodyPreview(m: ImportMessage): string {
  const text = 'text' in m.body ? m.body.text : textOf(m.body.base64);
  if (text === undefined) return `${formatBytes(m.bodyBytes)} of bytes`;
  return text.length > PREVIEW_BODY_CHARS ? `${text.slice(0, PREVIEW_BODY_CHARS)}…` : text;
}

function Preview({ check }: { check: FileCheck }) {
  if (check.preview.length === 0) return null;
  return (
    <div className="overflow-x-auto rounded-md border border-slate-200 dark:border-slate-800">
      <table aria-label="Preview" className="w-full text-xs">
        <thead className="bg-slate-50 text-left text-slate-500 uppercase dark:bg-slate-800/60 dark:text-slate-400">
          <tr>
            <th className="px-2 py-1 font-medium">Line</th>
            <th className="px-2 py-1 font-medium">Tag</th>
            <th className="px-2 py-1 font-medium">Keys</th>
            <th className="px-2 py-1 font-medium">Body</th>
          </tr>
        </thead>
        <tbody>
          {check.preview.map(({ line, message }) => (
            <tr key={line} className="border-t border-slate-100 align-top dark:border-slate-800">
              <td className="px-2 py-1 tabular-nums">{line}</td>
              <td className="px-2 py-1">{message.tag ?? '—'}</td>
              <td className="px-2 py-1 font-mono">{message.keys.join(', ') || '—'}</td>
              <td className="max-w-56 truncate px-2 py-1 font-mono" title={bodyPreview(message)}>
                {bodyPreview(message)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LineErrors({ errors, total }: { errors: LineError[]; total: number }) {
  if (total === 0) return null;
  return (
    <div role="alert" data-testid="import-errors" className="space-y-1 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-800 dark:border-red-900 dark:bg-red-950/60 dark:text-red-200">
      <p className="font-medium">
        {total.toLocaleString()} {total === 1 ? 'line is' : 'lines are'} not a message this topic takes:
      </p>
      <ul className="space-y-0.5">
        {errors.map((e) => (
          <li key={e.line}>
            <b>Line {e.line}</b>: {e.error}
          </li>
        ))}
      </ul>
      {total > errors.length && <p>…and {(total - errors.length).toLocaleString()} more.</p>}
    </div>
  );
}

interface Upload {
  sentBytes: number;
  imported: number;
  errors: LineError[];
  invalid: number;
  refused?: { fromLine: number; toLine: number };
  outcome?: { complete: boolean; imported: number } | { failed: string };
}

/**
 * Sends the file as the request body (XMLHttpRequest: its upload reports bytes sent) and reads the server's
 * NDJSON events as they arrive, for the progress bar and the report.
 */
function upload(instanceId: string, topic: string, file: File, onChange: (u: Upload) => void): void {
  const u: Upload = { sentBytes: 0, imported: 0, errors: [], invalid: 0 };
  const xhr = new XMLHttpRequest();
  let read = 0;
  const drain = (final: boolean) => {
    const text = xhr.responseText;
    const end = final ? text.length : text.lastIndexOf('\n') + 1;
    for (const line of text.slice(read, end).split('\n')) {
      if (!line.trim()) continue;
      const e = ImportEventSchema.safeParse(JSON.parse(line));
      if (!e.success) continue;
      const ev = e.data;
      if (ev.type === 'progress') u.imported = ev.imported;
      else if (ev.type === 'invalid') {
        u.invalid++;
        if (u.errors.length < LISTED_ERRORS) u.errors.push({ line: ev.line, error: ev.error });
      } else if (ev.type === 'refused') u.refused = { fromLine: ev.fromLine, toLine: ev.toLine };
      else if (ev.type === 'done') {
        u.imported = ev.imported;
        u.invalid = ev.errors;
        u.outcome ??= { complete: ev.complete, imported: ev.imported };
      } else u.outcome = { failed: ev.message };
    }
    read = end;
    onChange({ ...u });
  };
  xhr.open('POST', `/api/instances/${encodeURIComponent(instanceId)}/messages/import?topic=${encodeURIComponent(topic)}`);
  xhr.setRequestHeader('content-type', NDJSON_TYPE);
  xhr.upload.onprogress = (e) => {
    u.sentBytes = e.loaded;
    onChange({ ...u });
  };
  xhr.onprogress = () => {
    if (xhr.status === 200) drain(false);
  };
  xhr.onload = () => {
    if (xhr.status === 200) return drain(true);
    let message = `The server answered ${xhr.status}`;
    try {
      message = (JSON.parse(xhr.responseText) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the status
    }
    u.outcome = { failed: message };
    onChange({ ...u });
  };
  xhr.onerror = () => {
    u.outcome = { failed: 'The console could not reach its server. Check the connection and try again.' };
    onChange({ ...u });
  };
  xhr.send(file);
}

/**
 * Import of an NDJSON file (an export, or a file a script wrote in that format) into this topic: the file is
 * checked in the browser first (preview, every line validated), then streamed to the server, which validates
 * again and stores it batch by batch while the bar shows how far it got.
 */
export function ImportMessages({ instanceId, topic, messageType, maxMessageSize }: { instanceId: string; topic: string; messageType: MessageType; maxMessageSize: number }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [file, setFile] = useState<File>();
  const [progress, setProgress] = useState<Upload>();
  const check = useFileCheck(file, maxMessageSize, messageType);
  const uploading = !!progress && !progress.outcome;
  const outcome = progress?.outcome;
  useEffect(() => {
    if (outcome) void qc.invalidateQueries({ queryKey: trpc.topic.pathKey() });
  }, [outcome, qc, trpc]);
  const choose = (f: File | undefined) => {
    setFile(f);
    setProgress(undefined);
  };
  const ready = !!check?.done && check.invalid === 0 && check.valid > 0;
  return (
    <div className="space-y-4 text-sm">
      <p className="text-slate-600 dark:text-slate-300">
        One JSON message per line, as an export writes it; a script&apos;s file needs only a <code className="font-mono">body</code> (text) or <code className="font-mono">bodyBase64</code> per line, with optional{' '}
        <code className="font-mono">tag</code>, <code className="font-mono">keys</code> and <code className="font-mono">properties</code>. The messages get new ids.
      </p>
      <Field label="NDJSON file">
        <input type="file" aria-label="NDJSON file" accept=".ndjson,.jsonl,.json,.txt,application/x-ndjson" disabled={uploading} onChange={(e) => choose(e.target.files?.[0])} className={`w-full ${inputClass}`} />
      </Field>
      {file && (
        <p className="text-xs text-slate-500 dark:text-slate-400">
          {file.name}, <Bytes value={file.size} />
        </p>
      )}
      {file && check && (
        <section aria-label="File check" className="space-y-2">
          <p data-testid="import-check">
            {check.done ? 'Checked' : 'Checking'} {check.lines.toLocaleString()} {check.lines === 1 ? 'line' : 'lines'}: {check.valid.toLocaleString()} valid
            {check.invalid > 0 && <>, {check.invalid.toLocaleString()} refused</>}
            {check.done && check.valid === 0 && check.invalid === 0 && ' — the file has no message'}.
          </p>
          <Preview check={check} />
          <LineErrors errors={check.errors} total={check.invalid} />
        </section>
      )}
      {progress && (
        <section aria-label="Import progress" className="space-y-2">
          <ProgressBar label="Messages imported" done={progress.imported} total={check?.valid ?? null} tone={outcome && 'failed' in outcome ? 'red' : outcome ? 'green' : 'indigo'} />
          {uploading && file && <p className="text-xs text-slate-500 dark:text-slate-400">Sent {formatBytes(progress.sentBytes)} of {formatBytes(file.size)}.</p>}
          {progress.refused && (
            <p role="alert" className="text-xs text-red-700 dark:text-red-300">
              Lines {progress.refused.fromLine}–{progress.refused.toLine} were not stored, nor anything after them, because of the lines below.
            </p>
          )}
          <LineErrors errors={progress.errors} total={progress.invalid} />
          {outcome && 'failed' in outcome && (
            <p role="alert" className="text-xs text-red-700 dark:text-red-300">
              {outcome.failed}
            </p>
          )}
          {outcome && 'complete' in outcome && (
            <p role="status" data-testid="import-done" className="text-emerald-700 dark:text-emerald-300">
              {outcome.complete ? 'Imported' : 'Stored'} {outcome.imported.toLocaleString()} {outcome.imported === 1 ? 'message' : 'messages'}
              {outcome.complete ? '.' : ' before the first refused batch.'}{' '}
              <NavLink href={`/instances/${instanceId}/messages?by=time&topic=${encodeURIComponent(topic)}`} className={linkClass}>
                See them in Messages
              </NavLink>
            </p>
          )}
        </section>
      )}
      <div className="flex items-center justify-end gap-3 border-t border-slate-200 pt-3 dark:border-slate-800">
        {check?.done && check.invalid > 0 && !progress && <span className="text-xs text-slate-500 dark:text-slate-400">Fix the refused lines to import the file.</span>}
        <button type="button" disabled={!ready || uploading || !!outcome} onClick={() => file && upload(instanceId, topic, file, setProgress)} className={buttonClass}>
          {uploading ? 'Importing…' : check?.valid ? `Import ${check.valid.toLocaleString()} ${check.valid === 1 ? 'message' : 'messages'}` : 'Import'}
        </button>
      </div>
    </div>
  );
}
