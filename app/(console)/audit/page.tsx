'use client';

import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { errorInfo, useTRPC } from '../../_components/trpc.tsx';
import { cardClass, inputClass, PageHeader } from '../../_components/ui.tsx';

export default function AuditPage() {
  const trpc = useTRPC();
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const [result, setResult] = useState<'' | 'ok' | 'error'>('');
  const [page, setPage] = useState(1);
  const list = useQuery(trpc.audit.list.queryOptions({ page, pageSize: 50, ...(actor ? { actor } : {}), ...(action ? { action } : {}), ...(result ? { result } : {}) }));
  const pages = Math.max(1, Math.ceil((list.data?.total ?? 0) / 50));
  return (
    <section className="space-y-4">
      <PageHeader crumbs={['Audit']} title="Audit log" />
      <div className="flex flex-wrap gap-2">
        <input aria-label="Filter by user" placeholder="user" value={actor} onChange={(e) => { setActor(e.target.value); setPage(1); }} className={inputClass} />
        <input aria-label="Filter by action" placeholder="action prefix, e.g. topic." value={action} onChange={(e) => { setAction(e.target.value); setPage(1); }} className={inputClass} />
        <select aria-label="Filter by result" value={result} onChange={(e) => { setResult(e.target.value as '' | 'ok' | 'error'); setPage(1); }} className={inputClass}>
          <option value="">any result</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
        </select>
      </div>
      <div className={cardClass}>
        {list.isPending && <p className="text-sm text-slate-500">Loading…</p>}
        {list.error && <p className="text-sm text-red-600">{errorInfo(list.error).message}</p>}
        {list.data?.rows.length === 0 && <p className="text-sm text-slate-500">No matching events.</p>}
        <table className="w-full text-sm">
          <tbody>
            {list.data?.rows.map((e) => (
              <tr key={e.id} className="border-t border-slate-100 align-top dark:border-slate-800">
                <td className="py-1 pr-3 text-xs text-slate-500">{new Date(e.at).toLocaleString()}</td>
                <td className="pr-3">{e.actor}</td>
                <td className="pr-3 font-medium">{e.action}</td>
                <td className="pr-3">{e.target}</td>
                <td className={e.result === 'ok' ? 'text-emerald-600' : 'text-red-600'}>{e.result}{e.errorCode ? ` (${e.errorCode})` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="mt-2 flex justify-end gap-2 text-xs text-slate-500">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
          <span>Page {page} of {pages}</span>
          <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>Next</button>
        </div>
      </div>
    </section>
  );
}
