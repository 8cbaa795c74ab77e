'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'next/navigation.js';
import { useState } from 'react';
import { SendMessage } from '../../../../../_components/send-message.tsx';
import { useCanOperate } from '../../../../../_components/shell.tsx';
import { errorInfo, useTRPC } from '../../../../../_components/trpc.tsx';
import { buttonClass, cardClass, inputClass, PageHeader } from '../../../../../_components/ui.tsx';
import { fieldError, MAX_QUEUES, queueCountSchema } from '../../../../../../server/broker/rules.ts';

const TYPE_ALLOWS: Record<string, string> = {
  NORMAL: 'accepts normal messages (no message group, no delivery time, no transaction)',
  FIFO: 'accepts messages with a message group; each group is consumed in order',
  DELAY: 'accepts messages with a delivery time',
  TRANSACTION: 'accepts transactional half messages',
};

export default function TopicDetailPage() {
  const params = useParams<{ id: string; topic: string }>();
  const name = decodeURIComponent(params.topic);
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canOperate = useCanOperate();
  const detail = useQuery({ ...trpc.topic.get.queryOptions({ instanceId: params.id, name }), refetchInterval: 5_000 });
  const [queues, setQueues] = useState<number | undefined>(undefined);
  const [description, setDescription] = useState<string | undefined>(undefined);
  const pending = useQuery({ ...trpc.topic.pending.queryOptions({ instanceId: params.id, name }), refetchInterval: 5_000 });
  const update = useMutation(trpc.topic.update.mutationOptions({ onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.topic.pathKey() }) }));
  if (detail.isPending) return <div className="text-sm text-slate-500">Loading…</div>;
  if (detail.error) return <div className="text-sm text-red-600">{errorInfo(detail.error).message}</div>;
  const { topic, stats, limits } = detail.data;
  const queuesError = queues === undefined ? '' : fieldError(queueCountSchema, queues);
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Instances', 'Topics', name]} title={name} />
      <div className={`grid grid-cols-2 gap-4 text-sm md:grid-cols-5 ${cardClass}`}>
        <div><div className="text-xs text-slate-500">Type</div>{topic.messageType}</div>
        <div><div className="text-xs text-slate-500">Queues (read / write)</div>{topic.readQueueNums} / {topic.writeQueueNums}</div>
        <div><div className="text-xs text-slate-500">Permission</div>{topic.perm}</div>
        <div><div className="text-xs text-slate-500">Messages</div>{stats.messageCount.toLocaleString()}</div>
        <div><div className="text-xs text-slate-500">Size</div>{(stats.bytes / 1024).toFixed(1)} KiB</div>
      </div>
      <p className="text-sm text-slate-500">This {topic.messageType} topic {TYPE_ALLOWS[topic.messageType]}.</p>
      <div className={cardClass}>
        <h2 className="mb-2 text-sm font-semibold">Queues</h2>
        <table className="w-full text-sm">
          <thead className="text-left text-xs uppercase text-slate-500"><tr><th>Queue</th><th className="text-right">Min offset</th><th className="text-right">Max offset</th><th className="text-right">Messages</th><th className="pl-4">Last message</th></tr></thead>
          <tbody>
            {stats.queues.map((q) => (
              <tr key={q.queueId} className="border-t border-slate-100 dark:border-slate-800">
                <td>{q.queueId}</td><td className="text-right tabular-nums">{q.minOffset}</td><td className="text-right tabular-nums">{q.maxOffset}</td><td className="text-right tabular-nums">{q.messageCount}</td>
                <td className="pl-4 text-xs text-slate-500">{q.maxStoreTimestamp ? new Date(q.maxStoreTimestamp).toLocaleString() : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pending.data && pending.data.scheduled.length > 0 && (
        <div className={cardClass}>
          <h2 className="mb-2 text-sm font-semibold">Scheduled messages ({pending.data.scheduled.reduce((n, b) => n + b.count, 0)}), by due minute</h2>
          <div className="flex h-24 items-end gap-1">
            {pending.data.scheduled.slice(0, 60).map((b) => {
              const max = Math.max(...pending.data.scheduled.map((x) => x.count));
              return <div key={b.minute} title={`${new Date(b.minute * 60_000).toLocaleString()}: ${b.count}`} className="w-3 bg-indigo-500" style={{ height: `${Math.max(4, (b.count / max) * 100)}%` }} />;
            })}
          </div>
          <p className="mt-1 text-xs text-slate-500">Next due {pending.data.scheduled[0]?.nextDueAt ? new Date(pending.data.scheduled[0].nextDueAt).toLocaleString() : '—'}</p>
        </div>
      )}
      {pending.data && pending.data.halfMessages.length > 0 && (
        <div className={cardClass}>
          <h2 className="mb-2 text-sm font-semibold">Pending half messages ({pending.data.halfMessages.length})</h2>
          <table className="w-full text-sm">
            <thead className="text-left text-xs uppercase text-slate-500"><tr><th>Message</th><th>Age</th><th className="text-right">Checks</th></tr></thead>
            <tbody>
              {pending.data.halfMessages.map((h) => (
                <tr key={h.transactionId} className="border-t border-slate-100 dark:border-slate-800"><td><code className="text-xs">{h.messageId}</code></td><td>{Math.round((Date.now() - h.createdAt) / 1000)} s</td><td className="text-right">{h.checks}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canOperate && <SendMessage instanceId={params.id} topic={name} messageType={topic.messageType} maxBodyBytes={limits.maxMessageSize} />}
      {canOperate && (
        <form
          onSubmit={(e) => { e.preventDefault(); if (!queuesError) update.mutate({ instanceId: params.id, name, ...(queues ? { queueNums: queues } : {}), ...(description !== undefined ? { description } : {}) }); }}
          className={`flex flex-wrap items-end gap-3 text-sm ${cardClass}`}
        >
          <label><span className="block text-xs">Queues</span><input aria-label="Queues" type="number" min={1} max={MAX_QUEUES} value={queues ?? topic.readQueueNums} onChange={(e) => setQueues(Number(e.target.value))} className={inputClass} />{queuesError && <span className="block text-xs text-red-600">{queuesError}</span>}</label>
          <label className="flex-1"><span className="block text-xs">Description</span><input aria-label="Description" value={description ?? topic.attributes.description ?? ''} onChange={(e) => setDescription(e.target.value)} className={`w-full ${inputClass}`} /></label>
          <button type="submit" disabled={update.isPending || !!queuesError} className={buttonClass}>Save</button>
          {update.error && <p role="alert" className="w-full text-red-600">{errorInfo(update.error).message}</p>}
        </form>
      )}
    </section>
  );
}
