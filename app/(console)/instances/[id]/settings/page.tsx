'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams, useRouter } from 'next/navigation.js';
import { useState } from 'react';
import { InstanceForm } from '../../../../_components/instance-form.tsx';
import { errorInfo, useTRPC } from '../../../../_components/trpc.tsx';
import { cardClass, inputClass, PageHeader } from '../../../../_components/ui.tsx';

export default function InstanceSettingsPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const me = useQuery(trpc.auth.me.queryOptions());
  const instance = useQuery(trpc.instance.get.queryOptions({ instanceId: id }));
  const update = useMutation(trpc.instance.update.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.instance.pathKey() }) }));
  const del = useMutation(trpc.instance.delete.mutationOptions({ onSuccess: () => { void qc.invalidateQueries({ queryKey: trpc.instance.pathKey() }); router.replace('/'); } }));
  const [confirm, setConfirm] = useState('');
  if (instance.isPending) return <div className="text-sm text-slate-500">Loading…</div>;
  if (instance.error) return <div className="text-sm text-red-600">{errorInfo(instance.error).message}</div>;
  const i = instance.data;
  const isAdmin = me.data?.role === 'admin';
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Instances', i.name, 'Settings']} title={`${i.name} settings`} />
      <p className="text-sm text-slate-500">
        Status <b>{i.status}</b>{i.error ? ` — ${i.error}` : ''} · gRPC endpoint <code>{i.endpoint ?? '—'}</code>. Saving restarts the instance with the new spec.
      </p>
      {isAdmin ? (
        <InstanceForm
          initial={{ name: i.name, region: i.region, description: i.description, grpcPort: i.grpcPort, retentionHours: i.retentionHours, maxMessageSize: i.maxMessageSize, flushMode: i.flushMode === 'sync' ? 'sync' : 'async' }}
          nameLocked
          submitLabel="Save and restart"
          pending={update.isPending}
          error={update.error ? errorInfo(update.error).message : undefined}
          onSubmit={({ name: _name, ...spec }) => update.mutate({ instanceId: id, ...spec })}
        />
      ) : (
        <p className="text-sm text-slate-500">Only admins change instances.</p>
      )}
      {isAdmin && (
        <div className={`space-y-2 border-red-200 text-sm dark:border-red-900 ${cardClass}`}>
          <h2 className="font-semibold text-red-700 dark:text-red-400">Delete instance</h2>
          <p>Stops the broker and removes the instance from the console. Type <b>{i.name}</b> to confirm.</p>
          <div className="flex gap-2">
            <input aria-label="Type the instance name to confirm" value={confirm} onChange={(e) => setConfirm(e.target.value)} className={inputClass} />
            <button type="button" disabled={confirm !== i.name || del.isPending} onClick={() => del.mutate({ instanceId: id, confirmName: confirm })} className="rounded-md bg-red-600 px-3 py-1.5 font-medium text-white disabled:opacity-40">
              Delete instance
            </button>
          </div>
          {del.error && <p role="alert" className="text-red-600">{errorInfo(del.error).message}</p>}
        </div>
      )}
    </section>
  );
}
