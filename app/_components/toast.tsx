'use client';

import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

type Tone = 'error' | 'success';

interface ToastItem {
  id: number;
  tone: Tone;
  text: string;
}

/** How long a toast stays; errors stay until closed, so a person can read them. */
const SUCCESS_TOAST_MS = 4_000;
/** Older toasts give way to new ones past this many (a burst of failures does not fill the screen). */
const MAX_TOASTS = 4;

interface ToastApi {
  show(tone: Tone, text: string): void;
}

const ToastContext = createContext<ToastApi>({ show() {} });

function ToastView({ item, onClose }: { item: ToastItem; onClose(id: number): void }) {
  useEffect(() => {
    if (item.tone !== 'success') return;
    const t = setTimeout(() => onClose(item.id), SUCCESS_TOAST_MS);
    return () => clearTimeout(t);
  }, [item.id, item.tone, onClose]);
  const tone =
    item.tone === 'error'
      ? 'border-red-200 bg-red-50 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200'
      : 'border-emerald-200 bg-emerald-50 text-emerald-800 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-200';
  return (
    <div role={item.tone === 'error' ? 'alert' : 'status'} className={`flex items-start gap-3 rounded-lg border px-4 py-3 text-sm shadow-lg ${tone}`}>
      <span className="flex-1">{item.text}</span>
      <button type="button" aria-label="Dismiss" onClick={() => onClose(item.id)} className="text-current opacity-70 hover:opacity-100">
        ✕
      </button>
    </div>
  );
}

/** Toasts for outcomes that belong to no form field: a row action that failed, an action that worked. */
export function Toaster({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<ToastItem[]>([]);
  const show = useCallback((tone: Tone, text: string) => {
    setItems((prev) => [...prev, { id: Date.now() + Math.random(), tone, text }].slice(-MAX_TOASTS));
  }, []);
  const api = useMemo(() => ({ show }), [show]);
  const close = useCallback((id: number) => setItems((prev) => prev.filter((t) => t.id !== id)), []);
  return (
    <ToastContext.Provider value={api}>
      {children}
      <div data-testid="toasts" className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-96 max-w-[calc(100vw-2rem)] flex-col gap-2 [&>*]:pointer-events-auto">
        {items.map((t) => (
          <ToastView key={t.id} item={t} onClose={close} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): ToastApi {
  return useContext(ToastContext);
}
