'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { inferRouterInputs } from '@trpc/server';
import { useRouter, useSearchParams } from 'next/navigation.js';
import { Suspense, useEffect, useState } from 'react';
import { formatBytes } from '../../../../_components/bytes.tsx';
import { EmptyState } from '../../../../_components/empty-state.tsx';
import { useInstance } from '../../../../_components/instance-scope.tsx';
import { CursorPager, MessageTable, smallButtonClass, useSelection } from '../../../../_components/message/message-table.tsx';
import { IdSearchForm, KeySearchForm, TimeSearchForm } from '../../../../_components/message/search-forms.tsx';
import { bareTopic, exportHref, matchOf, messageHref, parseSearch, rangeOf, searchQuery, type MessageSearch, type SearchMode } from '../../../../_components/message/search-params.ts';
import { VolumeChart } from '../../../../_components/message/volume-chart.tsx';
import { PageHeader } from '../../../../_components/page-header.tsx';
import { Time } from '../../../../_components/time.tsx';
import { useTRPC } from '../../../../_components/trpc.tsx';
import { Card, Skeleton } from '../../../../_components/ui.tsx';
import type { AppRouter } from '../../../../../server/routers/_app.ts';
import { MAX_EXPORT_IDS } from '../../../../../server/schemas.ts';

type BrowseCursor = NonNullable<inferRouterInputs<AppRouter>['message']['browse']['cursor']>;

/** Rows per results page: a screenful. */
const PAGE_SIZE = 20;

/** From the most precise way in to the broadest. */
const TABS: { mode: SearchMode; label: string }[] = [
  { mode: 'id', label: 'Message id' },
  { mode: 'key', label: 'Message key' },
  { mode: 'time', label: 'Topic and time' },
];

/** The rows chosen for an export, kept while paging through one search, and the export of all results. */
function ExportLinks({ all, allLabel = 'Export results (NDJSON)', selected, onClear }: { all?: string; allLabel?: string; selected: { href: string; count: number }; onClear(): void }) {
  return (
    <span className="flex items-center gap-2">
      {selected.count > MAX_EXPORT_IDS && <span className="text-xs text-amber-700 dark:text-amber-300">Select at most {MAX_EXPORT_IDS} to export them</span>}
      {selected.count > 0 && (
        <>
          {selected.count <= MAX_EXPORT_IDS && (
            <a href={selected.href} download className={smallButtonClass}>
              Export selected ({selected.count})
            </a>
          )}
          <button type="button" onClick={onClear} className={smallButtonClass}>
            Clear selection
          </button>
        </>
      )}
      {all && (
        <a href={all} download className={smallButtonClass}>
          {allLabel}
        </a>
      )}
    </span>
  );
}

/** One page of a scan and how much was scanned before it: totals stay right going back and on. */
interface ScanPage {
  cursor?: BrowseCursor;
  scannedBefore: { messages: number; bytes: number };
}

function TimeResults({ search, onRange }: { search: MessageSearch; onRange(beginMs: number, endMs: number): void }) {
  const instance = useInstance();
  const trpc = useTRPC();
  const [now] = useState(Date.now);
  const { beginMs, endMs } = rangeOf(search, now);
  const match = matchOf(search);
  const [pages, setPages] = useState<ScanPage[]>([{ scannedBefore: { messages: 0, bytes: 0 } }]);
  const current = pages.at(-1)!;
  const { selected, toggle, clear } = useSelection();
  const input = { instanceId: instance.id, topic: search.topic, beginMs, endMs, order: search.order, pageSize: PAGE_SIZE, ...(current.cursor ? { cursor: current.cursor } : {}), ...(match ? { match } : {}) };
  const page = useQuery({ ...trpc.message.browse.queryOptions(input), placeholderData: keepPreviousData, staleTime: Infinity });
  const data = page.isPlaceholderData ? undefined : page.data;
  const scanned = data ? { messages: current.scannedBefore.messages + data.scannedMessages, bytes: current.scannedBefore.bytes + data.scannedBytes } : undefined;
  const next = data?.nextCursor;
  const status = !data || !scanned ? (
    'Scanning…'
  ) : (
    <>
      {data.reachedMs !== null ? <>Scanned up to <Time at={data.reachedMs} /></> : 'Scanned'} — {scanned.messages.toLocaleString()} {scanned.messages === 1 ? 'message' : 'messages'}, {formatBytes(scanned.bytes)}
      {next ? (data.budgetReached ? '; this page reached its scan budget.' : '.') : '; the whole range is scanned.'}
    </>
  );
  const filtered = !!match;
  return (
    <>
      <Card>
        <VolumeChart instanceId={instance.id} topic={search.topic} beginMs={beginMs} endMs={endMs} onRange={onRange} />
      </Card>
      <Card
        title={<>Messages of {bareTopic(search.topic, search.namespace)}{filtered && <span className="font-normal text-slate-500 dark:text-slate-400"> — filtered on the server</span>}</>}
        actions={<ExportLinks all={exportHref(instance.id, { topic: search.topic, beginMs, endMs, order: search.order, match })} selected={{ href: exportHref(instance.id, { ids: [...selected] }), count: selected.size }} onClear={clear} />}
      >
        <MessageTable
          instanceId={instance.id}
          label="Messages found"
          rows={data?.rows}
          loading={!data && !page.error}
          error={page.error}
          selected={selected}
          onToggle={toggle}
          empty={
            next ? (
              <EmptyState title="No match in the part scanned so far." hint="The page stopped at its scan budget: continue scanning to search the rest of the range." />
            ) : (
              <EmptyState title={filtered ? 'No message in this range matches the filters.' : 'No message was stored in this range.'} hint="Widen the range, or drag across the timeline where the bars are." />
            )
          }
          footer={
            <CursorPager
              status={status}
              onPrevious={pages.length > 1 ? () => setPages((p) => p.slice(0, -1)) : undefined}
              onNext={next && scanned ? () => setPages((p) => [...p, { cursor: next, scannedBefore: scanned }]) : undefined}
              nextLabel={data?.budgetReached ? 'Continue scanning' : 'Next page'}
            />
          }
        />
      </Card>
    </>
  );
}

function KeyResults({ search }: { search: MessageSearch }) {
  const instance = useInstance();
  const trpc = useTRPC();
  const [befores, setBefores] = useState<(number | undefined)[]>([undefined]);
  const before = befores.at(-1);
  const { selected, toggle, clear } = useSelection();
  const page = useQuery({ ...trpc.message.byKey.queryOptions({ instanceId: instance.id, topic: search.topic, key: search.key, pageSize: PAGE_SIZE, ...(before !== undefined ? { before } : {}) }), placeholderData: keepPreviousData });
  const data = page.isPlaceholderData ? undefined : page.data;
  const first = (befores.length - 1) * PAGE_SIZE;
  return (
    <Card
      title={<>Messages of {bareTopic(search.topic, search.namespace)} with key <code className="font-mono">{search.key}</code></>}
      actions={
        <ExportLinks
          all={exportHref(instance.id, { topic: search.topic, key: search.key })}
          allLabel="Export all results (NDJSON)"
          selected={{ href: exportHref(instance.id, { ids: [...selected] }), count: selected.size }}
          onClear={clear}
        />
      }
    >
      <MessageTable
        instanceId={instance.id}
        label="Messages found"
        rows={data?.rows}
        loading={!data && !page.error}
        error={page.error}
        selected={selected}
        onToggle={toggle}
        empty={<EmptyState title="No message of this topic has this key." hint="Keys are matched exactly; the index keeps them as long as the messages are retained." />}
        footer={
          <CursorPager
            status={data ? (data.rows.length ? `Messages ${first + 1}–${first + data.rows.length}, newest first${data.nextBefore === null ? ', all shown' : ''}.` : 'None.') : 'Looking up…'}
            onPrevious={befores.length > 1 ? () => setBefores((b) => b.slice(0, -1)) : undefined}
            onNext={data?.nextBefore != null ? () => setBefores((b) => [...b, data.nextBefore ?? undefined]) : undefined}
          />
        }
      />
    </Card>
  );
}

function MessagesView() {
  const instance = useInstance();
  const router = useRouter();
  const params = useSearchParams();
  const search = parseSearch(params);
  const legacyId = params.get('id');
  const query = params.toString();
  const base = `/instances/${instance.id}/messages`;

  // Older links (the topic pages, bookmarks) name a message as ?id=: its page is the answer.
  useEffect(() => {
    if (legacyId) router.replace(messageHref(instance.id, legacyId));
  }, [legacyId, instance.id, router]);
  if (legacyId) return <Skeleton />;

  const go = (s: MessageSearch) => router.push(`${base}?${searchQuery(s)}`);
  const ready = search.mode === 'time' ? !!search.topic : search.mode === 'key' ? !!search.topic && !!search.key : false;
  return (
    <>
      <PageHeader crumbs={[{ label: 'Messages' }]} title="Messages" description="Find messages by topic and store time (with filters), by key, or by id — then open one for its properties, body, deliveries and trace." />
      <div role="tablist" aria-label="Search by" className="flex gap-1 border-b border-slate-200 dark:border-slate-800">
        {TABS.map((t) => (
          <button
            key={t.mode}
            type="button"
            role="tab"
            aria-selected={search.mode === t.mode}
            onClick={() => go({ ...search, mode: t.mode })}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${search.mode === t.mode ? 'border-indigo-600 text-indigo-700 dark:border-indigo-400 dark:text-indigo-300' : 'border-transparent text-slate-500 hover:text-slate-800 dark:text-slate-400 dark:hover:text-slate-200'}`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <Card>
        {/* Keyed by the URL: the back button brings the form back to what that search was. */}
        {search.mode === 'time' && <TimeSearchForm key={query} instanceId={instance.id} initial={{ ...search, ...rangeOf(search, Date.now()) }} onSearch={go} />}
        {search.mode === 'key' && <KeySearchForm key={query} instanceId={instance.id} initial={search} onSearch={go} />}
        {search.mode === 'id' && <IdSearchForm onLookup={(id) => router.push(messageHref(instance.id, id))} />}
      </Card>
      {search.mode === 'time' && ready && <TimeResults key={query} search={search} onRange={(beginMs, endMs) => go({ ...search, beginMs, endMs })} />}
      {search.mode === 'key' && ready && <KeyResults key={query} search={search} />}
      {!ready && search.mode !== 'id' && (
        <Card>
          <EmptyState title={search.mode === 'time' ? 'Choose a topic and a time range.' : 'Choose a topic and enter a key.'} hint="Searches stay in the page address: copy it to share the search, and the back button returns to the one before." />
        </Card>
      )}
    </>
  );
}

export default function MessagesPage() {
  return (
    <Suspense fallback={<Skeleton />}>
      <MessagesView />
    </Suspense>
  );
}
