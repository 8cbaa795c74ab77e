'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useAfterSave } from '../../_components/after-save.ts';
import { DeleteRow } from '../../_components/confirm.tsx';
import { useTableState, type Column } from '../../_components/data-table.tsx';
import { EmptyState } from '../../_components/empty-state.tsx';
import { useErrorToast } from '../../_components/errors.tsx';
import { ChoiceField, FormFooter, TextField, useForm } from '../../_components/form.tsx';
import { DrawerButton } from '../../_components/overlay.tsx';
import { PageHeader } from '../../_components/page-header.tsx';
import { PagedList } from '../../_components/paged-list.tsx';
import { Time } from '../../_components/time.tsx';
import { useTRPC } from '../../_components/trpc.tsx';
import { inputClass } from '../../_components/ui.tsx';
import { fieldError } from '../../../server/broker/rules.ts';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { ScopeEditor, ScopeSummary } from './scope-editor.tsx';
import { passwordSchema, ROLES, usernameSchema, type Role } from '../../../server/schemas.ts';

type UserRow = inferRouterOutputs<AppRouter>['user']['list']['rows'][number];

const ROLE_HELP: Record<Role, string> = {
  viewer: 'Reads everything, changes nothing.',
  operator: 'Also creates, changes and deletes topics, groups and namespaces, and sends messages.',
  admin: 'Also manages instances and console users, always on every instance.',
};

function CreateUser({ onDone }: { onDone(): void }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.user.create.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.user.list.pathKey()], then: onDone }) }));
  const form = useForm({ username: '', password: '', role: 'viewer' as Role }, (v) => ({ username: fieldError(usernameSchema, v.username), password: fieldError(passwordSchema, v.password) }), create);
  return (
    <form noValidate onSubmit={form.onSubmit((v) => create.mutate(v))} className="space-y-4">
      <TextField form={form} name="username" label="Username" autoComplete="off" />
      <TextField form={form} name="password" label="Password" type="password" autoComplete="new-password" />
      <ChoiceField form={form} name="role" label="Role" selectLabel="New role" options={ROLES} help={ROLE_HELP} />
      <FormFooter error={form.bannerError} disabled={form.invalid || create.isPending} label="Add user" />
    </form>
  );
}

function RoleSelect({ user }: { user: UserRow }) {
  const trpc = useTRPC();
  const update = useMutation(trpc.user.update.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.user.list.pathKey()], message: (_r, v) => `${v.username} is now ${v.role}.` }), onError: useErrorToast() }));
  return (
    <select aria-label={`Role of ${user.username}`} value={user.role} disabled={update.isPending} onChange={(e) => update.mutate({ username: user.username, role: e.target.value as Role })} className={inputClass}>
      {ROLES.map((r) => (
        <option key={r}>{r}</option>
      ))}
    </select>
  );
}

/** A viewer's or operator's scope and the drawer that changes it; admins always have every instance. */
function ScopeCell({ user }: { user: UserRow }) {
  if (user.role === 'admin') return <span className="text-slate-500">All instances</span>;
  return (
    <div className="flex items-center gap-2">
      <ScopeSummary scopes={user.scopes} />
      <DrawerButton label="Edit scope" title={`Scope of ${user.username}`} buttonClassName="text-xs text-blue-600 hover:underline">
        {(close) => <ScopeEditor username={user.username} scopes={user.scopes} onDone={close} />}
      </DrawerButton>
    </div>
  );
}

function DeleteUser({ username }: { username: string }) {
  const trpc = useTRPC();
  const del = useMutation(trpc.user.delete.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.user.list.pathKey()] }) }));
  return <DeleteRow what="user" name={username} consequence="The user can no longer sign in. Their audit events stay." onConfirm={() => del.mutateAsync({ username })} />;
}

function columnsFor(me: string | undefined): Column<UserRow>[] {
  return [
  { key: 'username', header: 'User', sortable: true, render: (r) => <span className="font-medium">{r.username}</span> },
  { key: 'role', header: 'Role', sortable: true, render: (r) => <RoleSelect user={r} /> },
  { key: 'scopes', header: 'Scope', render: (r) => <ScopeCell user={r} /> },
  { key: 'lastLoginAt', header: 'Last sign-in', sortable: true, render: (r) => (r.lastLoginAt ? <Time at={new Date(r.lastLoginAt).getTime()} relative="beside" /> : <span className="text-slate-400">never</span>) },
  { key: 'actions', header: 'Actions', render: (r) => (r.username === me ? <span className="text-xs text-slate-400">you</span> : <DeleteUser username={r.username} />) },
  ];
}

export default function UsersPage() {
  const trpc = useTRPC();
  const table = useTableState('username');
  const list = useQuery(trpc.user.list.queryOptions(table[0]));
  const me = useQuery(trpc.auth.me.queryOptions());
  return (
    <>
      <PageHeader crumbs={[{ label: 'Administration' }, { label: 'Users' }]} title="Console users" actions={<DrawerButton label="Add user" title="Add a console user">{(close) => <CreateUser onDone={close} />}</DrawerButton>} />
      <PagedList label="Console users" query={list} table={table} search="Search users" columns={columnsFor(me.data?.username)} rowKey={(r) => r.id} empty={<EmptyState title="No user matches." />} />
    </>
  );
}
