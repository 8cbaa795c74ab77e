'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/navigation.js';
import { useAfterSave } from '../../../../_components/after-save.ts';
import { Badge } from '../../../../_components/badge.tsx';
import { DangerDelete } from '../../../../_components/confirm.tsx';
import { InstanceForm, instanceSpecOf, limitFieldsOf } from '../../../../_components/instance-form.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { Time } from '../../../../_components/time.tsx';
import { useTRPC } from '../../../../_components/trpc.tsx';
import { Card, Fact, Facts } from '../../../../_components/ui.tsx';

const STATUS_TONE = { running: 'green', error: 'red' } as const;

export default function InstanceSettingsPage() {
  const i = useInstance();
  const trpc = useTRPC();
  const router = useRouter();
  const me = useQuery(trpc.auth.me.queryOptions());
  const update = useMutation(trpc.instance.update.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.instance.pathKey()], message: () => `Saved ${i.name}; it restarted with the new settings.` }) }));
  const del = useMutation(trpc.instance.delete.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.instance.pathKey()], then: () => router.replace('/') }) }));
  const isAdmin = me.data?.role === 'admin';
  return (
    <>
      <PageHeader crumbs={[{ label: 'Settings' }]} title={`${i.name} settings`} description="Saving restarts the instance with the new spec." />
      <Facts>
        <Fact label="Status">
          <span data-testid="instance-status"><Badge tone={STATUS_TONE[i.status as keyof typeof STATUS_TONE] ?? 'slate'} title={i.error ?? undefined}>{i.status}</Badge></span>
          {i.error && <span className="mt-1 block text-xs text-red-700 dark:text-red-300">{i.error}</span>}
        </Fact>
        <Fact label="gRPC endpoint"><code className="text-xs">{i.endpoint ?? '—'}</code></Fact>
        <Fact label="Region">{i.region}</Fact>
        <Fact label="Created"><Time at={new Date(i.createdAt).getTime()} /></Fact>
        <Fact label="Updated"><Time at={new Date(i.updatedAt).getTime()} relative="beside" /></Fact>
      </Facts>
      <Card title="Trace">
        <Facts plain>
          <Fact label="Trace retention">{i.traceRetentionHours} h (messages {i.retentionHours} h)</Fact>
          <Fact label="Events shed (trace buffer full)">
            <span data-testid="trace-shed">{i.summary ? i.summary.traceShed.toLocaleString() : '—'}</span>
          </Fact>
          <Fact label="Events lost (trace write failed)">
            <span data-testid="trace-write-dropped">{i.summary ? i.summary.traceWriteDropped.toLocaleString() : '—'}</span>
          </Fact>
        </Facts>
        <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">Since the instance started. Each message that lost trace events shows a “trace shed” step in its trace.</p>
      </Card>
      <Card title="Specification">
        {isAdmin ? (
          <InstanceForm
            initial={{ name: i.name, region: i.region, description: i.description, grpcPort: i.grpcPort, retentionHours: i.retentionHours, traceRetentionHours: i.traceRetentionHours, maxMessageSize: i.maxMessageSize, flushMode: i.flushMode === 'sync' ? 'sync' : 'async', ...limitFieldsOf(i) }}
            nameLocked
            submitLabel="Save and restart"
            pending={update.isPending}
            server={update}
            onSubmit={(v) => update.mutate({ ...instanceSpecOf(v), instanceId: i.id })}
          />
        ) : (
          <p className="text-sm text-slate-500 dark:text-slate-400">Only admins change instances.</p>
        )}
      </Card>
      {isAdmin && <DangerDelete what="instance" name={i.name} consequence="Stops the broker and removes the instance from the console." onConfirm={() => del.mutateAsync({ instanceId: i.id, confirmName: i.name })} />}
    </>
  );
}
