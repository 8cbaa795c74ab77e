'use client';

import { useState, type FormEvent, type ReactNode } from 'react';
import { errorInfo } from './trpc.tsx';
import { ErrorBanner } from './errors.tsx';
import { buttonClass, inputClass } from './ui.tsx';

export type FieldErrors<T> = Partial<Record<keyof T & string, string>>;

/** The mutation a form submits to: its failure and a way to clear it once the user edits again. */
interface ServerOutcome {
  error: unknown;
  reset(): void;
}

/**
 * The one form pattern: values, the shared zod rules checked as the user types (`validate`, through
 * `fieldError`), and the server's answer mapped back onto the same fields. A field's error shows once it
 * has been edited (or the form submitted); a server failure naming no field of the form is `bannerError`.
 */
export function useForm<T extends Record<string, unknown>>(initial: T, validate: (values: T) => FieldErrors<T>, server?: ServerOutcome) {
  const [values, setValues] = useState(initial);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const errors = validate(values);
  const invalid = Object.values(errors).some(Boolean);
  const info = server?.error ? errorInfo(server.error) : undefined;
  const namesAField = !!info && Object.keys(initial).some((k) => info.fields[k]);
  return {
    values,
    invalid,
    bannerError: info && !namesAField ? server?.error : undefined,
    set<K extends keyof T & string>(key: K, value: T[K]): void {
      setValues((v) => ({ ...v, [key]: value }));
      setTouched((t) => new Set(t).add(key));
      if (server?.error) server.reset();
    },
    /** The error to show beside a field: the rule it breaks as typed, else what the server said of it. */
    error(key: keyof T & string): string | undefined {
      return ((touched.has(key) || submitted) && errors[key]) || info?.fields[key] || undefined;
    },
    onSubmit(send: (values: T) => void) {
      return (e: FormEvent) => {
        e.preventDefault();
        setSubmitted(true);
        if (!invalid) send(values);
      };
    },
    reset(): void {
      setValues(initial);
      setTouched(new Set());
      setSubmitted(false);
    },
  };
}

/** A labelled control with its hint and its error beside it. */
export function Field({ label, error, hint, children, className = '' }: { label: ReactNode; error?: string | undefined; hint?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <label className={`block text-sm ${className}`}>
      <span className="font-medium text-slate-700 dark:text-slate-200">{label}</span>
      <span className="mt-1 block">{children}</span>
      {error ? (
        <span data-field-error className="mt-1 block text-xs text-red-600 dark:text-red-400">
          {error}
        </span>
      ) : (
        hint && <span className="mt-1 block text-xs text-slate-500 dark:text-slate-400">{hint}</span>
      )}
    </label>
  );
}

export type Form<T extends Record<string, unknown>> = ReturnType<typeof useForm<T>>;
type KeysOf<T, V> = { [K in keyof T]: T[K] extends V ? K : never }[keyof T] & string;

interface InputProps<T extends Record<string, unknown>, K> {
  form: Form<T>;
  name: K;
  label: string;
  hint?: ReactNode;
  disabled?: boolean;
  className?: string;
}

/** A form's text value as a labelled input with its error beside it. */
export function TextField<T extends Record<string, unknown>>({ form, name, label, hint, disabled, className, type = 'text', autoComplete }: InputProps<T, KeysOf<T, string>> & { type?: 'text' | 'password'; autoComplete?: string }) {
  return (
    <Field label={label} error={form.error(name)} hint={hint} className={className}>
      <input aria-label={label} type={type} autoComplete={autoComplete} disabled={disabled} value={form.values[name] as string} onChange={(e) => form.set(name, e.target.value as T[typeof name])} className={`w-full ${inputClass}`} />
    </Field>
  );
}

/**
 * A form's choice among fixed values, with what the chosen one means as its hint: the meaning changes as
 * the user picks, so it stands under the field rather than behind a tooltip.
 */
export function ChoiceField<T extends Record<string, unknown>, K extends KeysOf<T, string>>({ form, name, label, selectLabel = label, options, help }: { form: Form<T>; name: K; label: string; selectLabel?: string; options: readonly (T[K] & string)[]; help: Record<T[K] & string, string> }) {
  const value = form.values[name] as T[K] & string;
  return (
    <Field label={label} hint={help[value]}>
      <select aria-label={selectLabel} value={value} onChange={(e) => form.set(name, e.target.value as T[K])} className={`w-full ${inputClass}`}>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </Field>
  );
}

/** A form's number value as a labelled input with its error beside it. */
export function NumberField<T extends Record<string, unknown>>({ form, name, label, hint, disabled, className, min, max }: InputProps<T, KeysOf<T, number>> & { min?: number; max?: number }) {
  return (
    <Field label={label} error={form.error(name)} hint={hint} className={className}>
      <input aria-label={label} type="number" min={min} max={max} disabled={disabled} value={String(form.values[name])} onChange={(e) => form.set(name, Number(e.target.value) as T[typeof name])} className={`w-full ${inputClass}`} />
    </Field>
  );
}

/** A checkbox with its label on the right. */
export function CheckboxField({ label, checked, onChange, hint }: { label: string; checked: boolean; onChange(checked: boolean): void; hint?: string }) {
  return (
    <label className="flex items-start gap-2 text-sm">
      <input type="checkbox" aria-label={label} checked={checked} onChange={(e) => onChange(e.target.checked)} className="mt-0.5 h-4 w-4 accent-indigo-600" />
      <span>
        <span className="font-medium text-slate-700 dark:text-slate-200">{label}</span>
        {hint && <span className="block text-xs text-slate-500 dark:text-slate-400">{hint}</span>}
      </span>
    </label>
  );
}

/** The end of a form: the server's failure that names no field, then the submit button. */
export function FormFooter({ error, disabled, label }: { error: unknown; disabled: boolean; label: string }) {
  return (
    <div className="space-y-2">
      <ErrorBanner error={error} />
      <div className="flex items-center justify-end gap-2 pt-2">
        <button type="submit" disabled={disabled} className={buttonClass}>
          {label}
        </button>
      </div>
    </div>
  );
}
