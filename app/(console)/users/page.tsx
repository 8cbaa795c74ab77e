'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState, type FormEvent } from 'react';
import { PageTable, type Column, type TableState } from '../../_components/page-table.tsx';
import { errorInfo, useTRPC } from '../../_components/trpc.tsx';
import { buttonClass, cardClass, inputClass, PageHeader } from '../../_components/ui.tsx';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { fieldError } from '../../../server/broker/rules.ts';
import { passwordSchema, ROLES, usernameSchema, type Role } from '../../../server/schemas.ts';

type UserRow = inferRouterOutputs<AppRouter>['user']['list']['rows'][number];

export default function UsersPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [state, setState] = useState<TableState>({ page: 1, pageSize: 20, sort: 'username', dir: 'asc', search: '' });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const list = useQuery(trpc.user.list.queryOptions(state));
  const refresh = () => void qc.invalidateQueries({ queryKey: trpc.user.list.pathKey() });
  const create = useMutation(trpc.user.create.mutationOptions({ onSuccess: () => { setUsername(''); setPassword(''); refresh(); } }));
  const update = useMutation(trpc.user.update.mutationOptions({ onSuccess: refresh }));
  const del = useMutation(trpc.user.delete.mutationOptions({ onSuccess: refresh }));
  const nameErr = username ? fieldError(usernameSchema, username) : '';
  const pwErr = password ? fieldError(passwordSchema, password) : '';
  const invalid = !username || !password || !!nameErr || !!pwErr;
  function submit(e: FormEvent): void {
    e.preventDefault();
    if (!invalid) create.mutate({ username, password, role });
  }
  const columns: Column<UserRow>[] = [
    { key: 'username', header: 'User', sortable: true, render: (r) => <span className="font-medium">{r.username}</span> },
    { key: 'role', header: 'Role', sortable: true, render: (r) => (
      <select aria-label={`Role of ${r.username}`} value={r.role} onChange={(e) => update.mutate({ username: r.username, role: e.target.value as Role })} className={inputClass}>
        {ROLES.map((x) => <option key={x}>{x}</option>)}
      </select>
    ) },
    { key: 'lastLoginAt', header: 'Last sign-in', sortable: true, render: (r) => (r.lastLoginAt ? new Date(r.lastLoginAt).toLocaleString() : 'never') },
    { key: 'actions', header: '', render: (r) => <button type="button" onClick={() => window.confirm(`Delete user ${r.username}?`) && del.mutate({ username: r.username })} className="text-xs text-red-600">Delete</button> },
  ];
  const error = create.error ?? update.error ?? del.error;
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Users']} title="Console users" />
      <form onSubmit={submit} className={`flex flex-wrap items-start gap-2 text-sm ${cardClass}`}>
        <div>
          <input aria-label="New username" placeholder="username" value={username} onChange={(e) => setUsername(e.target.value)} className={inputClass} />
          {nameErr && <span className="mt-1 block text-xs text-red-600">{nameErr}</span>}
        </div>
        <div>
          <input aria-label="New password" type="password" placeholder="password" value={password} onChange={(e) => setPassword(e.target.value)} className={inputClass} />
          {pwErr && <span className="mt-1 block text-xs text-red-600">{pwErr}</span>}
        </div>
        <select aria-label="New role" value={role} onChange={(e) => setRole(e.target.value as Role)} className={inputClass}>
          {ROLES.map((x) => <option key={x}>{x}</option>)}
        </select>
        <button type="submit" disabled={invalid} className={buttonClass}>Add user</button>
      </form>
      {error && <p role="alert" className="text-sm text-red-600">{errorInfo(error).message}</p>}
      <PageTable columns={columns} rows={list.data?.rows} total={list.data?.total ?? 0} state={state} onState={setState} loading={list.isPending} error={list.error ? errorInfo(list.error).message : undefined} empty="No users." rowKey={(r) => r.id} />
    </section>
  );
}
