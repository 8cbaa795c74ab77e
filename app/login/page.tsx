'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation.js';
import { useState, type FormEvent } from 'react';
import { errorInfo, useTRPC } from '../_components/trpc.tsx';

export default function LoginPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [touched, setTouched] = useState(false);
  const login = useMutation(trpc.auth.login.mutationOptions({ onSuccess: () => router.replace('/') }));
  const usernameError = touched && !username.trim() ? 'Enter your username' : '';
  const passwordError = touched && !password ? 'Enter your password' : '';

  function submit(e: FormEvent): void {
    e.preventDefault();
    setTouched(true);
    if (username.trim() && password) login.mutate({ username, password });
  }

  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <form onSubmit={submit} noValidate className="w-full max-w-sm space-y-5 rounded-xl border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <div>
          <h1 className="text-xl font-semibold">Sign in to Meridian</h1>
          <p className="mt-1 text-sm text-slate-500">Message queue console</p>
        </div>
        <label className="block text-sm">
          <span className="font-medium">Username</span>
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 bg-transparent px-3 py-2 dark:border-slate-700" />
          {usernameError && <span className="mt-1 block text-xs text-red-600">{usernameError}</span>}
        </label>
        <label className="block text-sm">
          <span className="font-medium">Password</span>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} className="mt-1 w-full rounded-md border border-slate-300 bg-transparent px-3 py-2 dark:border-slate-700" />
          {passwordError && <span className="mt-1 block text-xs text-red-600">{passwordError}</span>}
        </label>
        {login.error && (
          <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300">
            {errorInfo(login.error).message}
          </p>
        )}
        <button type="submit" disabled={login.isPending} className="w-full rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60">
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
