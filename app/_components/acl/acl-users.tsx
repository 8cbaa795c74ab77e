'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState } from 'react';
import { PasswordSchema, USER_TYPES, UsernameSchema, type UserType } from '../../../server/broker/acl/rules.ts';
import { fieldError } from '../../../server/broker/rules.ts';
import type { AppRouter } from '../../../server/routers/_app.ts';
import { useAfterSave } from '../after-save.ts';
import { Badge } from '../badge.tsx';
import { ConfirmAction, DeleteRow } from '../confirm.tsx';
import { useTableState, type Column } from '../data-table.tsx';
import { EmptyState } from '../empty-state.tsx';
import { useErrorToast } from '../errors.tsx';
import { ChoiceField, FormFooter, TextField, useForm } from '../form.tsx';
import { NavLink } from '../nav-link.tsx';
import { DrawerButton, Overlay } from '../overlay.tsx';
import { PagedList } from '../paged-list.tsx';
import { Time } from '../time.tsx';
import { useTRPC } from '../trpc.tsx';
import { buttonClass, linkButtonClass, linkClass, secondaryButtonClass } from '../ui.tsx';

type UserRow = inferRouterOutputs<AppRouter>['acl']['users']['rows'][number];

export const USER_TYPE_HELP: Record<UserType, string> = {
  NORMAL: 'Reaches only what its policies allow.',
  SUPER: 'Bypasses every policy: it may do anything on the instance.',
};

/** A password the broker answers with once (create, reset): shown here, and never again. */
function PasswordOnce({ username, password, onClose }: { username: string; password: string; onClose(): void }) {
  const [copied, setCopied] = useState(false);
  return (
    <Overlay
      title={`Password of ${username}`}
      placement="dialog"
      onClose={onClose}
      footer={
        <button type="button" data-autofocus onClick={onClose} className={buttonClass}>
          Done
        </button>
      }
    >
      <div className="space-y-3 text-sm">
        <p className="text-slate-700 dark:text-slate-300">
          This is the only time the password is shown: copy it into the application’s configuration now (SDK <code>sessionCredentials</code>: access key <code>{username}</code>, access secret below).
        </p>
        <div className="flex items-center gap-2">
          <code data-testid="new-password" className="min-w-0 flex-1 rounded border border-slate-200 bg-slate-50 px-2 py-1.5 font-mono break-all dark:border-slate-700 dark:bg-slate-800">
            {password}
          </code>
          <button
            type="button"
            onClick={() => {
              void navigator.clipboard?.writeText(password).then(() => setCopied(true));
            }}
            className={secondaryButtonClass}
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      </div>
    </Overlay>
  );
}

type Shown = { username: string; password: string } | null;

function NewUser({ instanceId, onCreated }: { instanceId: string; onCreated(shown: Shown): void }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.acl.createUser.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.acl.pathKey()], then: (r) => onCreated({ username: r.user.username, password: r.password }) }) }));
  const form = useForm({ username: '', userType: 'NORMAL' as UserType, password: '' }, (v) => ({ username: fieldError(UsernameSchema, v.username), password: v.password ? fieldError(PasswordSchema, v.password) : '' }), create);
  return (
    <form noValidate onSubmit={form.onSubmit((v) => create.mutate({ instanceId, username: v.username.trim(), userType: v.userType, ...(v.password ? { password: v.password } : {}) }))} className="space-y-4">
      <TextField form={form} name="username" label="Username" hint="The SDK’s access key." />
      <ChoiceField form={form} name="userType" label="Type" options={USER_TYPES} help={USER_TYPE_HELP} />
      <TextField form={form} name="password" label="Password" type="password" autoComplete="new-password" hint="Leave empty to generate a strong one. Either way it is shown once, after creating." />
      <FormFooter error={form.bannerError} disabled={form.invalid || create.isPending} label="Create user" />
    </form>
  );
}

/** The instance's ACL users: who they are, and for admins, enabling, passwords and deleting. */
export function AclUsers({ instanceId, canChange }: { instanceId: string; canChange: boolean }) {
  const trpc = useTRPC();
  const table = useTableState('username');
  const [state] = table;
  const [shown, setShown] = useState<Shown>(null);
  const list = useQuery(trpc.acl.users.queryOptions({ instanceId, ...state }));
  const refresh = { refresh: [trpc.acl.pathKey()] };
  const onError = useErrorToast();
  const update = useMutation(trpc.acl.updateUser.mutationOptions({ onSuccess: useAfterSave({ ...refresh, message: (u) => `${u.username} is ${u.userStatus === 'ENABLE' ? 'enabled' : 'disabled'}.` }), onError }));
  const reset = useMutation(trpc.acl.resetPassword.mutationOptions({ onSuccess: useAfterSave({ ...refresh, then: (r) => setShown({ username: r.user.username, password: r.password }) }) }));
  const del = useMutation(trpc.acl.deleteUser.mutationOptions({ onSuccess: useAfterSave({ ...refresh, message: (_, v) => `Deleted ${v.username}.` }) }));
  const columns: Column<UserRow>[] = [
    {
      key: 'username',
      header: 'User',
      sortable: true,
      render: (u) => (
        <NavLink href={`/instances/${instanceId}/acl/users/${encodeURIComponent(u.username)}`} className={`font-mono ${linkClass}`}>
          {u.username}
        </NavLink>
      ),
    },
    { key: 'userType', header: 'Type', sortable: true, render: (u) => <Badge tone={u.userType === 'SUPER' ? 'amber' : 'slate'}>{u.userType.toLowerCase()}</Badge> },
    { key: 'userStatus', header: 'Status', sortable: true, render: (u) => <Badge tone={u.userStatus === 'ENABLE' ? 'green' : 'red'}>{u.userStatus === 'ENABLE' ? 'enabled' : 'disabled'}</Badge> },
    { key: 'createdAt', header: 'Created', sortable: true, render: (u) => <Time at={u.createdAt} /> },
    {
      key: 'actions',
      header: 'Actions',
      render: (u) => (
        <span className="flex gap-3">
          <NavLink href={`/instances/${instanceId}/acl/users/${encodeURIComponent(u.username)}`} className={linkButtonClass}>
            Policies
          </NavLink>
          {canChange && (
            <>
              <button type="button" aria-label={`${u.userStatus === 'ENABLE' ? 'Disable' : 'Enable'} ${u.username}`} disabled={update.isPending} onClick={() => update.mutate({ instanceId, username: u.username, userStatus: u.userStatus === 'ENABLE' ? 'DISABLE' : 'ENABLE' })} className={linkButtonClass}>
                {u.userStatus === 'ENABLE' ? 'Disable' : 'Enable'}
              </button>
              <ConfirmAction
                label="Reset password"
                ariaLabel={`Reset password of ${u.username}`}
                buttonClassName={linkButtonClass}
                title={`Reset the password of ${u.username}`}
                body="A new password is generated and shown once. Clients still using the old one are refused from now on."
                confirmLabel="Reset password"
                tone="primary"
                onConfirm={() => reset.mutateAsync({ instanceId, username: u.username })}
              />
              <DeleteRow what="user" name={u.username} consequence="Its clients are refused from their next request, and its policies are deleted with it." onConfirm={() => del.mutateAsync({ instanceId, username: u.username })} />
            </>
          )}
        </span>
      ),
    },
  ];
  return (
    <section aria-label="Users" className="space-y-2">
      <div className="flex items-center justify-between">
        <h2 className="text-sm font-semibold">Users</h2>
        {canChange && (
          <DrawerButton label="New user" title="New ACL user">
            {(close) => (
              <NewUser
                instanceId={instanceId}
                onCreated={(s) => {
                  close();
                  setShown(s);
                }}
              />
            )}
          </DrawerButton>
        )}
      </div>
      <PagedList
        label="ACL users"
        query={list}
        table={table}
        search="Search users"
        columns={columns}
        rowKey={(u) => u.username}
        empty={<EmptyState title={state.search ? 'No user matches.' : 'No ACL users yet.'} hint="A user is the access key and secret an application signs its requests with; its policies say what it may do." />}
      />
      {shown && <PasswordOnce username={shown.username} password={shown.password} onClose={() => setShown(null)} />}
    </section>
  );
}
