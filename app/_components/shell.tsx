'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { NavLink as Link } from './nav-link.tsx';
import { usePathname, useRouter } from 'next/navigation.js';
import { useEffect, type ReactNode } from 'react';
import { errorInfo, useTRPC } from './trpc.tsx';

function ThemeToggle() {
  function toggle(): void {
    const dark = document.documentElement.classList.toggle('dark');
    localStorage.setItem('meridian-theme', dark ? 'dark' : 'light');
  }
  return (
    <button type="button" onClick={toggle} aria-label="Toggle dark mode" className="rounded-md border border-slate-300 px-2 py-1 text-xs dark:border-slate-700">
      Theme
    </button>
  );
}

/** The signed-in frame: header (user, theme, sign out), sidebar of instances; sends anonymous users to /login. */
export function Shell({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const me = useQuery(trpc.auth.me.queryOptions());
  const instances = useQuery({ ...trpc.instance.list.queryOptions({ pageSize: 200, sort: 'name' }), enabled: me.isSuccess });
  const logout = useMutation(trpc.auth.logout.mutationOptions({ onSuccess: () => router.replace('/login') }));
  const unauthenticated = me.error && errorInfo(me.error).code === 'UNAUTHENTICATED';

  useEffect(() => {
    if (unauthenticated) router.replace('/login');
  }, [unauthenticated, router]);

  if (me.isPending || unauthenticated) return <div className="p-8 text-sm text-slate-500">Loading…</div>;
  if (me.error) return <div className="p-8 text-sm text-red-600">{errorInfo(me.error).message}</div>;

  return (
    <div className="flex min-h-screen">
      <aside className="w-56 shrink-0 border-r border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <Link href="/" className="block text-lg font-semibold tracking-tight">
          Meridian
        </Link>
        <nav className="mt-6 space-y-1 text-sm">
          <Link href="/" className={`block rounded px-2 py-1 ${pathname === '/' ? 'bg-slate-100 font-medium dark:bg-slate-800' : ''}`}>
            Overview
          </Link>
          <p className="px-2 pt-4 text-xs font-semibold uppercase tracking-wide text-slate-400">Instances</p>
          {instances.data?.rows.map((i) => (
            <div key={i.id}>
              <Link
                href={`/instances/${i.id}/topics`}
                className={`flex items-center justify-between rounded px-2 py-1 ${pathname.startsWith(`/instances/${i.id}`) ? 'bg-slate-100 font-medium dark:bg-slate-800' : ''}`}
              >
                <span>{i.name}</span>
                <span className={`h-2 w-2 rounded-full ${i.status === 'running' ? 'bg-emerald-500' : i.status === 'error' ? 'bg-red-500' : 'bg-slate-400'}`} />
              </Link>
              {pathname.startsWith(`/instances/${i.id}`) && (
                <div className="ml-3 border-l border-slate-200 pl-2 dark:border-slate-700">
                  {['topics', 'groups', 'messages', 'namespaces', 'clients', 'settings'].map((section) => (
                    <Link key={section} href={`/instances/${i.id}/${section}`} className={`block rounded px-2 py-0.5 capitalize ${pathname.startsWith(`/instances/${i.id}/${section}`) ? 'text-indigo-600 dark:text-indigo-400' : 'text-slate-600 dark:text-slate-400'}`}>
                      {section}
                    </Link>
                  ))}
                </div>
              )}
            </div>
          ))}
          {me.data.role !== 'viewer' && (
            <>
              <p className="px-2 pt-4 text-xs font-semibold uppercase tracking-wide text-slate-400">Administration</p>
              <Link href="/audit" className="block rounded px-2 py-1">Audit log</Link>
              {me.data.role === 'admin' && <Link href="/users" className="block rounded px-2 py-1">Users</Link>}
            </>
          )}
        </nav>
      </aside>
      <div className="flex-1">
        <header className="flex items-center justify-end gap-3 border-b border-slate-200 bg-white px-6 py-3 text-sm dark:border-slate-800 dark:bg-slate-900">
          <span data-testid="current-user">
            {me.data.username} <span className="text-slate-500">({me.data.role})</span>
          </span>
          <ThemeToggle />
          <button type="button" onClick={() => logout.mutate()} className="rounded-md border border-slate-300 px-2 py-1 text-xs dark:border-slate-700">
            Sign out
          </button>
        </header>
        <main className="p-6">{children}</main>
      </div>
    </div>
  );
}

/** Role helper for pages: whether the current user may change data-plane resources. */
export function useCanOperate(): boolean {
  const trpc = useTRPC();
  const me = useQuery(trpc.auth.me.queryOptions());
  return me.data?.role === 'admin' || me.data?.role === 'operator';
}
