'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation.js';
import { ErrorBanner } from '../_components/errors.tsx';
import { Field, useForm } from '../_components/form.tsx';
import { ThemeToggle } from '../_components/theme-toggle.tsx';
import { useTRPC } from '../_components/trpc.tsx';
import { buttonClass, inputClass } from '../_components/ui.tsx';

export default function LoginPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const login = useMutation(trpc.auth.login.mutationOptions({ onSuccess: () => router.replace('/') }));
  const form = useForm({ username: '', password: '' }, (v) => ({ username: v.username.trim() ? '' : 'Enter your username', password: v.password ? '' : 'Enter your password' }), login);
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-6 p-6">
      <form onSubmit={form.onSubmit((v) => login.mutate(v))} noValidate className="w-full max-w-sm space-y-5 rounded-xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <div className="flex items-center gap-3">
          <img src="/icon.svg" alt="" width={32} height={32} />
          <div>
            <h1 className="text-xl font-semibold">Sign in to Meridian</h1>
            <p className="text-sm text-slate-500 dark:text-slate-400">Message queue console</p>
          </div>
        </div>
        <Field label="Username" error={form.error('username')}>
          <input name="username" autoComplete="username" value={form.values.username} onChange={(e) => form.set('username', e.target.value)} className={`w-full px-3! py-2! ${inputClass}`} />
        </Field>
        <Field label="Password" error={form.error('password')}>
          <input name="password" type="password" autoComplete="current-password" value={form.values.password} onChange={(e) => form.set('password', e.target.value)} className={`w-full px-3! py-2! ${inputClass}`} />
        </Field>
        <ErrorBanner error={form.bannerError} />
        <button type="submit" disabled={login.isPending} className={`w-full py-2! ${buttonClass}`}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <ThemeToggle />
    </main>
  );
}
