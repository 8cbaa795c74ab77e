'use client';

import { useCallback } from 'react';
import { buttonClass } from './ui.tsx';
import { errorInfo } from './trpc.tsx';
import { useToast } from './toast.tsx';

/** A failure that belongs to no field, shown where it happened (a form, a panel): a plain sentence, never JSON. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const info = errorInfo(error);
  return (
    <p role="alert" data-code={info.code} className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950/60 dark:text-red-200">
      {info.message}
    </p>
  );
}

/** A page or panel whose data could not be loaded, with a way to try again. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const info = errorInfo(error);
  return (
    <div role="alert" data-code={info.code} className="rounded-lg border border-red-200 bg-white p-6 text-sm dark:border-red-900 dark:bg-slate-900">
      <p className="font-medium text-red-700 dark:text-red-300">This could not be loaded.</p>
      <p className="mt-1 text-slate-600 dark:text-slate-300">{info.message}</p>
      {onRetry && (
        <button type="button" onClick={onRetry} className={`mt-3 ${buttonClass}`}>
          Try again
        </button>
      )}
    </div>
  );
}

/** For actions outside a form (a row's button): their failure becomes a toast. */
export function useErrorToast(): (error: unknown) => void {
  const toast = useToast();
  return useCallback((error: unknown) => toast.show('error', errorInfo(error).message), [toast]);
}
