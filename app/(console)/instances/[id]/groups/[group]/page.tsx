'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams, useRouter } from 'next/navigation.js';
import { useState } from 'react';
import { useCanOperate } from '../../../../../_components/shell.tsx';
import { errorInfo, useTRPC } from '../../../../../_components/trpc.tsx';
import { buttonClass, cardClass, inputClass, PageHeader } from '../../../../../_components/ui.tsx';
import { fieldError, MAX_DELIVERY_ATTEMPTS_LIMIT, maxDeliveryAttemptsSchema, type ConsumeType } from '../../../../../../server/broker/rules.ts';

type Target = { timestamp: number } | { position: 'latest' };

/** Replay from a time, or skip the backlog: preview the effect, then confirm. */
function ResetOffset({ instanceId, group, topics }: { instanceId: string; group: string; topics: string[] }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [topic, setTopic] = useState(topics[0] ?? '');
  const [mode, setMode] = useState<'time' | 'latest'>('time');
  const [when, setWhen] = useState(() => new Date(Date.now() - 3600_000).toISOString().slice(0, 16));
  const target: Target = mode === 'latest' ? { position: 'latest' } : { timestamp: new Date(when).getTime() || 0 };
  const preview = useQuery({ ...trpc.group.previewReset.queryOptions({ instanceId, name: group, topic, target }), enabled: !!topic });
  const reset = useMutation(trpc.group.resetOffset.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.group.pathKey() }) }));
  const delta = preview.data?.delta ?? 0;
  if (topics.length === 0) return null;
  return (
    <div className={`space-y-3 text-sm ${cardClass}`}>
      <h2 className="font-semibold">Reset consumer offset</h2>
      <div className="flex flex-wrap items-end gap-3">
        <label>
          <span className="block text-xs">Topic</span>
          <select value={topic} onChange={(e) => setTopic(e.target.value)} className={inputClass}>
            {topics.map((t) => <option key={t}>{t}</option>)}
          </select>
        </label>
        <label className="flex items-center gap-1"><input type="radio" checked={mode === 'time'} onChange={() => setMode('time')} /> Replay from</label>
        <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} disabled={mode !== 'time'} className={inputClass} />
        <label className="flex items-center gap-1"><input type="radio" checked={mode === 'latest'} onChange={() => setMode('latest')} /> Skip to latest</label>
      </div>
      <p data-testid="reset-preview" className="text-slate-600 dark:text-slate-300">
        {preview.isPending ? 'Computing…' : delta > 0 ? `Replays ${delta} message(s).` : delta < 0 ? `Skips ${-delta} message(s).` : 'Changes nothing.'}
      </p>
      <button type="button" disabled={delta === 0 || reset.isPending} onClick={() => window.confirm(`Reset ${group} on ${topic}? ${delta > 0 ? `${delta} messages will be consumed again.` : `${-delta} messages will be skipped.`}`) && reset.mutate({ instanceId, name: group, topic, target })} className={buttonClass}>
        Reset offset
      </button>
      {reset.error && <p role="alert" className="text-red-600">{errorInfo(reset.error).message}</p>}
    </div>
  );
}

function EditGroup({ instanceId, group }: { instanceId: string; group: { name: string; maxDeliveryAttempts: number; fifo: boolean; consumeType: ConsumeType } }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const router = useRouter();
  const [max, setMax] = useState(group.maxDeliveryAttempts);
  const [fifo, setFifo] = useState(group.fifo);
  const [confirm, setConfirm] = useState('');
  const update = useMutation(trpc.group.update.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.group.pathKey() }) }));
  const del = useMutation(trpc.group.delete.mutationOptions({ onSuccess: () => router.replace(`/instances/${instanceId}/groups`) }));
  const error = update.error ?? del.error;
  const maxError = fieldError(maxDeliveryAttemptsSchema, max);
  return (
    <div className={`flex flex-wrap items-end gap-3 text-sm ${cardClass}`}>
      <label><span className="block text-xs">Max delivery attempts</span><input aria-label="Max delivery attempts" type="number" min={1} max={MAX_DELIVERY_ATTEMPTS_LIMIT} value={max} onChange={(e) => setMax(Number(e.target.value))} className={inputClass} />{maxError && <span className="block text-xs text-red-600">{maxError}</span>}</label>
      <label className="flex items-center gap-1"><input type="checkbox" checked={fifo} onChange={(e) => setFifo(e.target.checked)} /> FIFO</label>
      <button type="button" disabled={update.isPending || !!maxError} onClick={() => update.mutate({ instanceId, name: group.name, maxDeliveryAttempts: max, fifo })} className={buttonClass}>Save</button>
      <span className="flex-1" />
      <input aria-label="Type the group name to delete it" placeholder={group.name} value={confirm} onChange={(e) => setConfirm(e.target.value)} className={inputClass} />
      <button type="button" disabled={confirm !== group.name || del.isPending} onClick={() => del.mutate({ instanceId, name: group.name })} className="rounded-md bg-red-600 px-3 py-1.5 font-medium text-white disabled:opacity-40">Delete group</button>
      {error && <p role="alert" className="w-full text-red-600">{errorInfo(error).message}</p>}
    </div>
  );
}

export default function GroupDetailPage() {
  const params = useParams<{ id: string; group: string }>();
  const name = decodeURIComponent(params.group);
  const trpc = useTRPC();
  const canOperate = useCanOperate();
  const detail = useQuery({ ...trpc.group.get.queryOptions({ instanceId: params.id, name }), refetchInterval: 3_000 });
  if (detail.isPending) return <div className="text-sm text-slate-500">Loading…</div>;
  if (detail.error) return <div className="text-sm text-red-600">{errorInfo(detail.error).message}</div>;
  const { group, stats, clients } = detail.data;
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Instances', 'Groups', name]} title={name} />
      <div className={`grid grid-cols-2 gap-4 text-sm md:grid-cols-5 ${cardClass}`}>
        <div><div className="text-xs text-slate-500">Consume type</div>{group.consumeType}</div>
        <div><div className="text-xs text-slate-500">FIFO</div>{group.fifo ? 'yes' : 'no'}</div>
        <div><div className="text-xs text-slate-500">Max attempts</div>{group.maxDeliveryAttempts}</div>
        <div><div className="text-xs text-slate-500">Retry policy</div>{group.retryPolicy.kind}</div>
        <div><div className="text-xs text-slate-500">Backlog</div><span data-testid="group-lag">{stats.lag}</span></div>
      </div>
      {stats.topics.map((t) => (
        <div key={t.topic} className={cardClass}>
          <h2 className="mb-2 text-sm font-semibold">{t.topic} — lag {t.lag}</h2>
          <table className="w-full text-sm">
            <thead className="text-left text-xs uppercase text-slate-500"><tr><th>Queue</th><th className="text-right">Broker offset</th><th className="text-right">Consumer offset</th><th className="text-right">Lag</th></tr></thead>
            <tbody>
              {t.queues.map((q) => (
                <tr key={q.queueId} className="border-t border-slate-100 dark:border-slate-800"><td>{q.queueId}</td><td className="text-right tabular-nums">{q.brokerOffset}</td><td className="text-right tabular-nums">{q.consumerOffset}</td><td className="text-right tabular-nums">{q.lag}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      <div className={cardClass}>
        <h2 className="mb-2 text-sm font-semibold">Connected clients ({clients.length})</h2>
        {clients.length === 0 ? <p className="text-sm text-slate-500">No consumer of this group is connected.</p> : (
          <ul className="space-y-1 text-sm">
            {clients.map((c) => <li key={c.clientId}><code className="text-xs">{c.clientId}</code> — {c.kind}, {c.language} {c.version}, {c.host} — {c.subscriptions.map((s) => `${s.topic} (${s.filterType} ${s.expression})`).join(', ')}</li>)}
          </ul>
        )}
      </div>
      {canOperate && <EditGroup instanceId={params.id} group={group} />}
      {canOperate && <ResetOffset instanceId={params.id} group={name} topics={stats.topics.map((t) => t.topic)} />}
    </section>
  );
}
