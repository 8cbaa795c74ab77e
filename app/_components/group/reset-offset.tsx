'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useAfterSave } from '../after-save.ts';
import { ConfirmAction } from '../confirm.tsx';
import { DateTimeInput } from '../datetime-input.tsx';
import { Field } from '../form.tsx';
import { Time } from '../time.tsx';
import { useTRPC } from '../trpc.tsx';
import { buttonClass, Card, inputClass } from '../ui.tsx';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

type Target = { timestamp: number } | { position: 'latest' };

function previewText(delta: number): string {
  if (delta > 0) return `Replays ${delta} message(s).`;
  if (delta < 0) return `Skips ${-delta} message(s).`;
  return 'Changes nothing.';
}

/** Replay from a time (the browser's wall clock), or skip the backlog: preview the effect, then confirm. */
export function ResetOffset({ instanceId, group, topics }: { instanceId: string; group: string; topics: string[] }) {
  const trpc = useTRPC();
  const [topic, setTopic] = useState(topics[0] ?? '');
  const [mode, setMode] = useState<'time' | 'latest'>('time');
  // An hour ago on this browser's clock, to the minute (what the picker shows).
  const [when, setWhen] = useState<number | undefined>(() => Math.floor((Date.now() - HOUR_MS) / MINUTE_MS) * MINUTE_MS);
  const target: Target = mode === 'latest' ? { position: 'latest' } : { timestamp: when ?? 0 };
  const preview = useQuery({ ...trpc.group.previewReset.queryOptions({ instanceId, name: group, topic, target }), enabled: !!topic && (mode === 'latest' || when !== undefined) });
  const reset = useMutation(trpc.group.resetOffset.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.group.pathKey()], message: (_r, v) => `Reset ${group} on ${v.topic}.` }) }));
  const delta = preview.data?.delta ?? 0;
  return (
    <Card title="Reset consumer offset">
      <div className="flex flex-wrap items-end gap-4 text-sm">
        <Field label="Topic">
          <select aria-label="Topic" value={topic} onChange={(e) => setTopic(e.target.value)} className={inputClass}>
            {topics.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </Field>
        <fieldset className="flex flex-wrap items-center gap-3">
          <legend className="sr-only">Reset to</legend>
          <label className="flex items-center gap-1.5">
            <input type="radio" name="reset-mode" checked={mode === 'time'} onChange={() => setMode('time')} className="accent-indigo-600" /> Replay from
          </label>
          <DateTimeInput label="Replay from" value={when} onChange={setWhen} disabled={mode !== 'time'} />
          <label className="flex items-center gap-1.5">
            <input type="radio" name="reset-mode" checked={mode === 'latest'} onChange={() => setMode('latest')} className="accent-indigo-600" /> Skip to latest
          </label>
        </fieldset>
      </div>
      <p data-testid="reset-preview" className="mt-3 text-sm text-slate-700 dark:text-slate-300">
        {preview.isPending ? 'Computing…' : previewText(delta)}
      </p>
      <div className="mt-3">
        <ConfirmAction
          label="Reset offset"
          buttonClassName={buttonClass}
          title={`Reset ${group} on ${topic}`}
          tone="primary"
          disabled={delta === 0 || preview.isPending}
          body={
            <>
              {mode === 'time' ? (
                <>
                  The group will consume {topic} again from <Time at={when} relative="beside" />.{' '}
                </>
              ) : (
                `The group will skip to the end of ${topic}. `
              )}
              {delta > 0 ? `${delta} message(s) will be consumed again.` : `${-delta} message(s) will be skipped.`}
            </>
          }
          confirmLabel="Reset offset"
          onConfirm={() => reset.mutateAsync({ instanceId, name: group, topic, target })}
        />
      </div>
    </Card>
  );
}
