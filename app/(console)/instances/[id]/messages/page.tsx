'use client';

import { useQuery } from '@tanstack/react-query';
import { useParams } from 'next/navigation.js';
import { useState, type FormEvent } from 'react';
import { errorInfo, useTRPC } from '../../../../_components/trpc.tsx';
import { buttonClass, cardClass, inputClass, PageHeader } from '../../../../_components/ui.tsx';

const STEP_COLOR: Record<string, string> = {
  ACKED: 'bg-emerald-500',
  COMMITTED: 'bg-emerald-500',
  FIRED: 'bg-emerald-500',
  DEAD_LETTERED: 'bg-red-500',
  ROLLED_BACK: 'bg-red-500',
  NACKED: 'bg-amber-500',
  EXPIRED: 'bg-amber-500',
};

export default function MessagesPage() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const [input, setInput] = useState('');
  const [messageId, setMessageId] = useState('');
  const found = useQuery({ ...trpc.message.get.queryOptions({ instanceId: id, messageId: messageId || 'none' }), enabled: !!messageId });
  function submit(e: FormEvent): void {
    e.preventDefault();
    setMessageId(input.trim());
  }
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Instances', 'Messages']} title="Find a message" />
      <form onSubmit={submit} className="flex gap-2">
        <input aria-label="Message id" placeholder="message id" value={input} onChange={(e) => setInput(e.target.value)} className={`w-96 font-mono ${inputClass}`} />
        <button type="submit" disabled={!input.trim()} className={buttonClass}>Look up</button>
      </form>
      {found.isFetching && <p className="text-sm text-slate-500">Looking…</p>}
      {found.error && <p className="text-sm text-red-600">{errorInfo(found.error).message}</p>}
      {found.data && !found.data.message && found.data.trace.length === 0 && <p className="text-sm text-slate-500">No message has this id on this instance.</p>}
      {found.data?.message && (
        <div className={`grid grid-cols-2 gap-3 text-sm md:grid-cols-4 ${cardClass}`}>
          <div><div className="text-xs text-slate-500">Topic</div>{found.data.message.topic}</div>
          <div><div className="text-xs text-slate-500">Queue / offset</div>{found.data.message.queueId} / {found.data.message.queueOffset}</div>
          <div><div className="text-xs text-slate-500">Tag</div>{found.data.message.tag || '—'}</div>
          <div><div className="text-xs text-slate-500">Keys</div>{found.data.message.keys.join(', ') || '—'}</div>
          <div><div className="text-xs text-slate-500">Born</div>{new Date(found.data.message.bornTimestamp).toLocaleString()} on {found.data.message.bornHost}</div>
          <div><div className="text-xs text-slate-500">Stored</div>{new Date(found.data.message.storeTimestamp).toLocaleString()}</div>
          {found.data.message.deliverAt && <div><div className="text-xs text-slate-500">Scheduled for</div>{new Date(found.data.message.deliverAt).toLocaleString()}</div>}
          <div className="md:col-span-2"><div className="text-xs text-slate-500">Properties</div><code className="text-xs">{JSON.stringify(found.data.message.properties)}</code></div>
          <pre className="overflow-auto rounded bg-slate-100 p-2 text-xs md:col-span-4 dark:bg-slate-800">{found.data.message.body}</pre>
        </div>
      )}
      {found.data && found.data.trace.length > 0 && (
        <ol data-testid="trace" className={`relative space-y-3 border-l border-slate-200 pl-6 text-sm dark:border-slate-700 ${cardClass}`}>
          {found.data.trace.map((e, i) => (
            <li key={i} className="relative">
              <span className={`absolute -left-[31px] top-1 h-3 w-3 rounded-full ${STEP_COLOR[e.step] ?? 'bg-indigo-500'}`} />
              <span className="font-medium">{e.step}</span> <span className="text-xs text-slate-500">{new Date(e.at).toLocaleString()}</span>
              <div className="text-xs text-slate-500">
                {[e.topic && `topic ${e.topic}`, e.queueId !== undefined && `queue ${e.queueId}`, e.offset !== undefined && `offset ${e.offset}`, e.group && `group ${e.group}`, e.clientId && `client ${e.clientId}`, e.attempt && `attempt ${e.attempt}`, e.detail].filter(Boolean).join(' · ')}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
