'use client';

import { applyTheme, useThemeChoice, type ThemeChoice } from './theme.tsx';

const CHOICES: { value: ThemeChoice; label: string; icon: string }[] = [
  { value: 'light', label: 'Light', icon: '☀' },
  { value: 'dark', label: 'Dark', icon: '☾' },
  { value: 'system', label: 'System', icon: '◐' },
];

/** Light, dark or the system's: the current choice is the pressed one. */
export function ThemeToggle() {
  const choice = useThemeChoice();
  return (
    <div role="group" aria-label="Theme" className="inline-flex rounded-md border border-slate-300 p-0.5 dark:border-slate-700">
      {CHOICES.map((c) => (
        <button
          key={c.value}
          type="button"
          aria-pressed={choice === c.value}
          title={`${c.label} theme`}
          onClick={() => applyTheme(c.value)}
          className={`rounded px-2 py-0.5 text-xs ${choice === c.value ? 'bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900' : 'text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'}`}
        >
          <span aria-hidden>{c.icon}</span> {c.label}
        </button>
      ))}
    </div>
  );
}
