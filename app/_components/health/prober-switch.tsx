'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useErrorToast } from '../errors.tsx';
import { formatDuration } from '../time.tsx';
import { useTRPC } from '../trpc.tsx';
import { inputClass } from '../ui.tsx';

/** The intervals offered: from the shortest allowed to the longest, in steps people pick. */
const INTERVALS_SEC = [10, 30, 60, 300, 900, 3600];

/**
 * The one switch of an instance's prober, with its interval beside it. Viewers see it, disabled. Turning it
 * on starts a round within seconds (the runner looks every 2 s).
 */
export function ProberSwitch({ instanceId, name, enabled, intervalSec, canEdit }: { instanceId: string; name: string; enabled: boolean; intervalSec: number; canEdit: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const onError = useErrorToast();
  const set = useMutation(trpc.health.setProber.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.health.overview.queryKey() }), onError }));
  const options = INTERVALS_SEC.includes(intervalSec) ? INTERVALS_SEC : [...INTERVALS_SEC, intervalSec].sort((a, b) => a - b);
  const disabled = !canEdit || set.isPending;
  return (
    <div className="flex items-center gap-3">
      <label className="flex items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400">
        Every
        <select aria-label={`Prober interval of ${name}`} value={intervalSec} disabled={disabled} onChange={(e) => set.mutate({ instanceId, enabled, intervalSec: Number(e.target.value) })} className={`${inputClass} py-0.5 text-xs`}>
          {options.map((s) => (
            <option key={s} value={s}>
              {formatDuration(s * 1000)}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        role="switch"
        aria-checked={enabled}
        aria-label={`Prober of ${name}`}
        title={canEdit ? undefined : 'Operators and admins switch the prober'}
        disabled={disabled}
        onClick={() => set.mutate({ instanceId, enabled: !enabled, intervalSec })}
        className={`relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition-colors focus-visible:ring-2 focus-visible:ring-indigo-500/50 focus-visible:outline-none disabled:cursor-not-allowed disabled:opacity-60 ${enabled ? 'bg-indigo-600 dark:bg-indigo-500' : 'bg-slate-300 dark:bg-slate-600'}`}
      >
        <span aria-hidden className={`inline-block h-4 w-4 rounded-full bg-white shadow transition-transform ${enabled ? 'translate-x-4' : 'translate-x-0.5'}`} />
      </button>
      <span className="w-6 text-xs font-medium text-slate-600 dark:text-slate-300">{enabled ? 'On' : 'Off'}</span>
    </div>
  );
}
