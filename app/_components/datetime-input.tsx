'use client';

import { fromLocalInput, localZone, toLocalInput } from './time.tsx';
import { inputClass } from './ui.tsx';

/** A date and time picked on the browser's wall clock (its zone named beside it), held as epoch ms. */
export function DateTimeInput({ label, value, onChange, disabled }: { label: string; value: number | undefined; onChange(ms: number | undefined): void; disabled?: boolean }) {
  return (
    <span className="flex items-center gap-2">
      <input
        aria-label={label}
        type="datetime-local"
        disabled={disabled}
        value={value === undefined ? '' : toLocalInput(value)}
        onChange={(e) => onChange(fromLocalInput(e.target.value))}
        className={`min-w-0 flex-1 ${inputClass}`}
      />
      <span className="text-xs whitespace-nowrap text-slate-500 dark:text-slate-400">{localZone()}</span>
    </span>
  );
}
