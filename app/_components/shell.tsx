'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { usePathname, useRouter } from 'next/navigation.js';
import { useEffect, type ReactNode } from 'react';
import { ActiveAlertsBadge } from './alerts/alert-views.tsx';
import { ErrorState } from './errors.tsx';
import { NavLink as Link } from './nav-link.tsx';
import { ThemeToggle } from './theme-toggle.tsx';
import { errorInfo, useTRPC } from './trpc.tsx';
import { secondaryButtonClass, Skeleton } from './ui.tsx';

/** An instance's pages in the sidebar: path under /instances/[id] ('' is its overview) and label. */
const INSTANCE_SECTIONS = [
  { path: '', label: 'Overview' },
  { path: 'topics', label: 'Topics' },
  { path: 'groups', label: 'Groups' },
  { path: 'messages', label: 'Messages' },
  { path: 'namespaces', label: 'Namespaces' },
  { path: 'clients', label: 'Clients' },
  { path: 'acl', label: 'Access control' },
  { path: 'settings', label: 'Settings' },
] as const;

const navItem = (active: boolean) => `block rounded px-2 py-1 ${active ? 'bg-slate-100 font-medium text-slate-900 dark:bg-slate-800 dark:text-slate-100' : 'text-slate-700 hover:bg-slate-50 dark:text-slate-300 dark:hover:bg-slate-800/60'}`;

const STATUS_DOT: Record<string, string> = { running: 'bg-emerald-500', error: 'bg-red-500' };

function Sidebar({ role }: { role: string }) {
  const trpc = useTRPC();
  const pathname = usePathname();
  const instances = useQuery(trpc.instance.list.queryOptions({ pageSize: 200, sort: 'name' }));
  return (
    <aside className="w-48 shrink-0 xl:w-56 border-r border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <Link href="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight">
        <img src="/icon.svg" alt="" width={22} height={22} />
        Meridian
      </Link>
      <nav aria-label="Main" className="mt-6 space-y-1 text-sm">
        <Link href="/" className={navItem(pathname === '/')}>
          Overview
        </Link>
        <Link href="/alerts" className={navItem(pathname.startsWith('/alerts'))}>
          Alerts
        </Link>
        <Link href="/health" className={navItem(pathname.startsWith('/health'))}>
          Health
        </Link>
        <p className="px-2 pt-4 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">Instances</p>
        {instances.data?.rows.map((i) => {
          const home = `/instances/${i.id}`;
          const inside = pathname === home || pathname.startsWith(`${home}/`);
          return (
            <div key={i.id}>
              <Link href={`/instances/${i.id}/topics`} className={`flex items-center justify-between ${navItem(inside)}`}>
                <span className="truncate">{i.name}</span>
                <span title={i.status} className={`h-2 w-2 shrink-0 rounded-full ${STATUS_DOT[i.status] ?? 'bg-slate-400'}`} />
              </Link>
              {inside && (
                <div className="ml-3 border-l border-slate-200 pl-2 dark:border-slate-700">
                  {INSTANCE_SECTIONS.map((section) => {
                    const href = section.path ? `${home}/${section.path}` : home;
                    const active = section.path ? pathname.startsWith(href) : pathname === home;
                    return (
                      <Link key={section.path} href={href} className={`block rounded px-2 py-0.5 ${active ? 'font-medium text-indigo-600 dark:text-indigo-400' : 'text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100'}`}>
                        {section.label}
                      </Link>
                    );
                  })}
                </div>
              )}
            </div>
          );
        })}
        {role !== 'viewer' && (
          <>
            <p className="px-2 pt-4 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">Administration</p>
            <Link href="/audit" className={navItem(pathname === '/audit')}>
              Audit log
            </Link>
            {role === 'admin' && (
              <Link href="/users" className={navItem(pathname === '/users')}>
                Users
              </Link>
            )}
          </>
        )}
      </nav>
    </aside>
  );
}

/** The signed-in frame: header (user, theme, sign out), sidebar of instances; sends anonymous users to /login. */
export function Shell({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.auth.me.queryOptions());
  const logout = useMutation(trpc.auth.logout.mutationOptions({ onSuccess: () => router.replace('/login') }));
  const unauthenticated = !!me.error && errorInfo(me.error).code === 'UNAUTHENTICATED';

  useEffect(() => {
    if (unauthenticated) router.replace('/login');
  }, [unauthenticated, router]);

  if (me.isPending || unauthenticated) {
    return (
      <div className="p-8">
        <Skeleton />
      </div>
    );
  }
  if (me.error) {
    return (
      <div className="p-8">
        <ErrorState error={me.error} onRetry={() => void me.refetch()} />
      </div>
    );
  }

  return (
    <div className="flex min-h-screen">
      <Sidebar role={me.data.role} />
      <div className="min-w-0 flex-1">
        <header className="flex items-center justify-end gap-3 border-b border-slate-200 bg-white px-6 py-3 text-sm dark:border-slate-800 dark:bg-slate-900">
          <ActiveAlertsBadge />
          <span data-testid="current-user">
            {me.data.username} <span className="text-slate-500 dark:text-slate-400">({me.data.role})</span>
          </span>
          <ThemeToggle />
          <button type="button" onClick={() => logout.mutate()} className={`${secondaryButtonClass} px-2! py-1! text-xs!`}>
            Sign out
          </button>
        </header>
        <main className="mx-auto max-w-7xl space-y-4 p-6">{children}</main>
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
