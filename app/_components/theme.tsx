'use client';

import { useSyncExternalStore } from 'react';
import { THEME_STORAGE_KEY } from './theme-script.ts';

export type ThemeChoice = 'light' | 'dark' | 'system';

const listeners = new Set<() => void>();

function systemDark(): boolean {
  return matchMedia('(prefers-color-scheme: dark)').matches;
}

function savedChoice(): ThemeChoice {
  const saved = localStorage.getItem(THEME_STORAGE_KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') localStorage.removeItem(THEME_STORAGE_KEY);
  else localStorage.setItem(THEME_STORAGE_KEY, choice);
  document.documentElement.classList.toggle('dark', choice === 'dark' || (choice === 'system' && systemDark()));
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const media = matchMedia('(prefers-color-scheme: dark)');
  const onSystem = () => savedChoice() === 'system' && applyTheme('system');
  media.addEventListener('change', onSystem);
  return () => {
    listeners.delete(listener);
    media.removeEventListener('change', onSystem);
  };
}

/** The theme the user chose (light, dark, or the system's). */
export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(subscribe, savedChoice, () => 'system');
}

/** Whether the page is dark now, for what styles cannot reach (chart colours). */
export function useDark(): boolean {
  return useSyncExternalStore(subscribe, () => document.documentElement.classList.contains('dark'), () => false);
}
