import type { ReactNode } from 'react';
import { inputClass } from './ui.tsx';

/** The row of filters above a list. */
export function FilterBar({ children }: { children: ReactNode }) {
  return (
    <div role="search" className="flex flex-wrap items-center gap-2">
      {children}
    </div>
  );
}

export function SearchBox({ value, onChange, placeholder }: { value: string; onChange(v: string): void; placeholder: string }) {
  return <input type="search" aria-label={placeholder} placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} className={`w-64 ${inputClass}`} />;
}
