'use client';

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { useCallback, useState } from 'react';
import { Badge, type Tone } from '../../../../../../_components/badge.tsx';
import { Bytes } from '../../../../../../_components/bytes.tsx';
import { ConfirmAction, DangerAction, DangerZone } from '../../../../../../_components/confirm.tsx';
import { DataTable, type Column } from '../../../../../../_components/data-table.tsx';
import { EmptyState } from '../../../../../../_components/empty-state.tsx';
import { useErrorToast } from '../../../../../../_components/errors.tsx';
import { DeadLetterFilters, EMPTY_DEAD_LETTER_FILTERS, storedRangeOf, type DeadLetterFilterValues } from '../../../../../../_components/group/dead-letter-filters.tsx';
import { useInstance } from '../../../../../../_components/instance-scope.tsx';
import { JobProgress } from '../../../../../../_components/job-progress.tsx';
import { KeyValues } from '../../../../../../_components/key-values.tsx';
import { CursorPager, smallButtonClass, useSelection } from '../../../../../../_components/message/message-table.tsx';
import { exportHref, matchOf, messageHref } from '../../../../../../_components/message/search-params.ts';
import { NavLink } from '../../../../../../_components/nav-link.tsx';
import { PageHeader } from '../../../../../../_components/page-header.tsx';
import { ResourceView, useRouteName } from '../../../../../../_components/resource-page.tsx';
import { useCanOperate } from '../../../../../../_components/shell.tsx';
import { Time } from '../../../../../../_components/time.tsx';
import { useToast } from '../../../../../../_components/toast.tsx';
import { useTRPC } from '../../../../../../_components/trpc.tsx';
import { buttonClass, Card, dangerLinkClass, linkButtonClass, linkClass, secondaryButtonClass } from '../../../../../../_components/ui.tsx';
import type { AppRouter } from '../../../../../../../server/routers/_app.ts';

type Letter = inferRouterOutputs<AppRouter>['deadLetter']['list']['rows'][number];
type Cursor = NonNullable<inferRouterInputs<AppRouter>['deadLetter']['list']['cursor']>;

/** Rows per page: a screenful. */
const PAGE_SIZE = 20;
/** The word typed to confirm a purge of one letter or a selection (their ids are too long to type). */
const PURGE_WORD = 'purge';

const REASON: Record<Letter['reason'], { label: string; tone: Tone }> = {
  NACK: { label: 'nacked', tone: 'red' },
  INVISIBLE_EXPIRED: { label: 'invisible time expired', tone: 'amber' },
  CLIENT_FORWARDED: { label: 'forwarded by the client', tone: 'slate' },
};

function LetterDetail({ r }: { r: Letter }) {
  return (
    <KeyValues
      entries={[
        ['failure', r.detail],
        ['keys', r.keys.join(', ') || '—'],
        ['stored in the DLQ', <Time key="t" at={r.storeTimestamp} />],
        ['body', <Bytes key="b" value={r.bodyBytes} />],
        ['dead-letter copy id', r.messageId],
        ['offset in the DLQ', r.offset.toLocaleString()],
      ]}
    />
  );
}

/** How long a finished job stays on the page after a reload: long enough to see how the last action went. */
const RECENT_JOB_MS = 15 * 60_000;

/** The group's latest job when it still runs or finished a short while ago (an older result is history). */
function recentJobOf(job: { id: string; state: string; finishedAt: number | null } | undefined): string | undefined {
  if (!job) return undefined;
  const live = job.state === 'QUEUED' || job.state === 'RUNNING';
  return live || (job.finishedAt !== null && Date.now() - job.finishedAt < RECENT_JOB_MS) ? job.id : undefined;
}

function DeadLetters({ group, count }: { group: string; count: number }) {
  const instance = useInstance();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const onError = useErrorToast();
  const canOperate = useCanOperate();
  const [filters, setFilters] = useState<DeadLetterFilterValues>(EMPTY_DEAD_LETTER_FILTERS);
  const match = matchOf(filters);
  // One filter for what is listed, exported, and what "all matching" resends or purges.
  const range = storedRangeOf(filters);
  const filter = { ...(match ? { match } : {}), ...range };
  const [cursors, setCursors] = useState<(Cursor | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  // Letters are selected by their DLQ offset: one message dead-lettered twice is two rows.
  const { selected, toggle, set: setSelected } = useSelection<number>();
  const [jobId, setJobId] = useState<string | undefined>();
  const base = { instanceId: instance.id, group };
  const page = useQuery({
    ...trpc.deadLetter.list.queryOptions({ ...base, pageSize: PAGE_SIZE, ...(cursor ? { cursor } : {}), ...filter }),
    placeholderData: keepPreviousData,
  });
  const recent = useQuery(trpc.job.list.queryOptions({ ...base, limit: 1 }));
  const shownJob = jobId ?? recentJobOf(recent.data?.[0]);

  const refresh = useCallback(() => {
    for (const queryKey of [trpc.deadLetter.list.pathKey(), trpc.deadLetter.count.pathKey(), trpc.group.get.pathKey()]) void qc.invalidateQueries({ queryKey });
  }, [qc, trpc]);
  const started = ({ jobId: id }: { jobId: string }) => {
    setJobId(id);
    setSelected(new Set());
  };
  const resendOne = useMutation(
    trpc.deadLetter.resend.mutationOptions({
      onSuccess: (r) => {
        refresh();
        toast.show('success', r.resent ? 'Sent back to the group.' : 'It had been sent back already.');
      },
      onError,
    }),
  );
  const resendMany = useMutation(trpc.deadLetter.resendMany.mutationOptions({ onSuccess: started }));
  const purge = useMutation(
    trpc.deadLetter.purge.mutationOptions({
      onSuccess: (r) => {
        refresh();
        setSelected(new Set());
        toast.show('success', `${r.purged.toLocaleString()} ${r.purged === 1 ? 'dead letter' : 'dead letters'} purged.`);
      },
    }),
  );
  const purgeMatching = useMutation(trpc.deadLetter.purgeMatching.mutationOptions({ onSuccess: started }));

  const data = page.isPlaceholderData ? undefined : page.data;
  const next = data?.nextCursor ?? undefined;
  const apply = (f: DeadLetterFilterValues) => {
    setFilters(f);
    setCursors([undefined]);
    setSelected(new Set());
  };
  const columns: Column<Letter>[] = [
    ...(canOperate
      ? [{ key: 'select', header: '', render: (r: Letter) => <input type="checkbox" aria-label={`Select ${r.originMessageId}`} checked={selected.has(r.offset)} onChange={(e) => toggle(r.offset, e.target.checked)} className="h-4 w-4 accent-indigo-600" /> }]
      : []),
    {
      key: 'message',
      header: 'Original message',
      render: (r) => (
        <span className="block space-y-0.5">
          <NavLink href={messageHref(instance.id, r.originMessageId)} className={`block font-mono text-xs ${linkClass}`}>
            {r.originMessageId}
          </NavLink>
          <span className="block text-xs text-slate-500 dark:text-slate-400">
            from{' '}
            <NavLink href={`/instances/${instance.id}/topics/${encodeURIComponent(r.originTopicRef)}`} className={linkClass}>
              {r.originTopic}
            </NavLink>
            {r.tag && <> · tag {r.tag}</>}
          </span>
        </span>
      ),
    },
    { key: 'attempts', header: 'Attempts', align: 'right', render: (r) => r.attempts },
    {
      key: 'failed',
      header: 'Last failure',
      render: (r) => (
        <span className="block space-y-0.5 text-xs">
          <Time at={r.lastFailureAt} />
          {r.firstFailureAt !== null && r.firstFailureAt !== r.lastFailureAt && (
            <span className="block text-slate-500 dark:text-slate-400">
              first <Time at={r.firstFailureAt} />
            </span>
          )}
        </span>
      ),
    },
    {
      key: 'reason',
      header: 'Why',
      render: (r) => (
        <span className="block space-y-0.5">
          <span title={r.detail}>
            <Badge tone={REASON[r.reason].tone}>{REASON[r.reason].label}</Badge>
          </span>
          {r.resentAt !== null && (
            <span data-testid="resent" className="block text-xs text-slate-500 dark:text-slate-400">
              resent <Time at={r.resentAt} />
            </span>
          )}
        </span>
      ),
    },
    ...(canOperate
      ? [
          {
            key: 'actions',
            header: 'Actions',
            render: (r: Letter) => (
              <span className="flex items-center gap-3">
                <button type="button" aria-label={`Resend ${r.originMessageId}`} disabled={resendOne.isPending} onClick={() => resendOne.mutate({ ...base, offset: r.offset })} className={linkButtonClass}>
                  Resend
                </button>
                <ConfirmAction
                  label="Purge"
                  ariaLabel={`Purge ${r.originMessageId}`}
                  buttonClassName={dangerLinkClass}
                  title="Purge this dead letter"
                  body={<>Dead letter of message <code className="font-mono text-xs">{r.originMessageId}</code> leaves the DLQ for good; it can no longer be resent.</>}
                  confirmLabel="Purge"
                  typeToConfirm={PURGE_WORD}
                  onConfirm={() => purge.mutateAsync({ ...base, target: { offsets: [r.offset] } })}
                />
              </span>
            ),
          },
        ]
      : []),
  ];
  const ranged = range.beginMs !== undefined || range.endMs !== undefined;
  const filtered = !!match || ranged;
  const matching = [ranged ? 'time range' : '', match ? 'filters' : ''].filter(Boolean).join(' and ');
  const shown = data?.rows.length ?? 0;
  const status = !data ? 'Loading…' : (
    <>
      {data.scannedMessages.toLocaleString()} scanned on this page{data.budgetReached ? ', which reached its scan budget' : ''}
      {next ? '.' : '; the whole DLQ is scanned.'}
    </>
  );
  return (
    <>
      <Card>
        <DeadLetterFilters key={JSON.stringify(filters)} initial={filters} onApply={apply} />
      </Card>
      {shownJob && <JobProgress key={shownJob} instanceId={instance.id} jobId={shownJob} canOperate={canOperate} onFinished={refresh} />}
      <Card
        title={<>Dead letters {filtered && <span className="font-normal text-slate-500 dark:text-slate-400">— filtered on the server</span>}</>}
        actions={
          <>
            {canOperate && selected.size > 0 && (
              <>
                <button type="button" disabled={resendMany.isPending} onClick={() => resendMany.mutate({ ...base, target: { offsets: [...selected] } }, { onError })} className={smallButtonClass}>
                  Resend selected ({selected.size})
                </button>
                <ConfirmAction
                  label={`Purge selected (${selected.size})`}
                  buttonClassName={smallButtonClass}
                  title={`Purge ${selected.size} dead letters`}
                  body="The selected dead letters leave the DLQ for good; they can no longer be resent."
                  confirmLabel="Purge"
                  typeToConfirm={PURGE_WORD}
                  onConfirm={() => purge.mutateAsync({ ...base, target: { offsets: [...selected] } })}
                />
              </>
            )}
            {canOperate && shown > 0 && (
              <button type="button" onClick={() => setSelected(new Set(data?.rows.map((r) => r.offset)))} className={smallButtonClass}>
                Select page
              </button>
            )}
            <a href={exportHref(instance.id, { deadLettersOf: group, match, ...range })} download className={smallButtonClass}>
              Export NDJSON
            </a>
            {canOperate && (
              <ConfirmAction
                label={filtered ? 'Resend all matching' : 'Resend all'}
                buttonClassName={buttonClass}
                tone="primary"
                disabled={count === 0}
                title={filtered ? `Resend every dead letter matching the ${matching}` : 'Resend every dead letter'}
                body={
                  <>
                    Each {filtered ? 'matching ' : ''}dead letter not resent yet goes back to <b>{group}</b> for another round, to its original topic with its attempts counted from 1.
                    It runs in the background; each letter is resent once, also if the console restarts meanwhile.
                  </>
                }
                confirmLabel="Resend"
                onConfirm={() => resendMany.mutateAsync({ ...base, target: filter })}
              />
            )}
          </>
        }
      >
        <DataTable
          label="Dead letters"
          columns={columns}
          rows={data?.rows}
          rowKey={(r) => String(r.offset)}
          loading={!data && !page.error}
          error={page.error}
          detail={(r) => <LetterDetail r={r} />}
          empty={
            next ? (
              <EmptyState title="No match in the part scanned so far." hint="The page stopped at its scan budget: continue scanning to search the rest of the DLQ." />
            ) : (
              <EmptyState title={filtered ? 'No dead letter matches the filters.' : 'No dead letters.'} hint={filtered ? undefined : 'Messages the group fails to consume after its max delivery attempts land here.'} />
            )
          }
        />
        <CursorPager
          status={status}
          onPrevious={cursors.length > 1 ? () => setCursors((c) => c.slice(0, -1)) : undefined}
          onNext={next ? () => setCursors((c) => [...c, next]) : undefined}
          nextLabel={data?.budgetReached ? 'Continue scanning' : 'Next page'}
        />
      </Card>
      {canOperate && (
        <DangerZone>
          {filtered && (
            <DangerAction
              title={`Purge every dead letter matching the ${matching}`}
              description="Runs in the background over the DLQ; the matching dead letters leave it for good."
              name={group}
              confirmLabel="Purge matching"
              onConfirm={() => purgeMatching.mutateAsync({ ...base, ...filter })}
            />
          )}
          <DangerAction
            title="Purge the whole DLQ"
            description={`All ${count.toLocaleString()} dead letters of this group leave the DLQ for good; none can be resent afterwards.`}
            name={group}
            confirmLabel="Purge all"
            disabled={count === 0}
            onConfirm={() => purge.mutateAsync({ ...base, target: { all: true } })}
          />
        </DangerZone>
      )}
    </>
  );
}

export default function DeadLettersPage() {
  const name = useRouteName('group');
  const instance = useInstance();
  const trpc = useTRPC();
  const group = useQuery({ ...trpc.group.get.queryOptions({ instanceId: instance.id, name }), refetchInterval: 5_000 });
  return (
    <ResourceView query={group} what="Group" name={name}>
      {(data) => (
        <>
          <PageHeader
            crumbs={[{ label: 'Groups', href: `/instances/${instance.id}/groups` }, { label: name, href: `/instances/${instance.id}/groups/${encodeURIComponent(name)}` }, { label: 'Dead letters' }]}
            title={<>Dead letters of {name}</>}
            description={
              <>
                <span data-testid="dlq-count">{data.deadLetters.toLocaleString()}</span> {data.deadLetters === 1 ? 'message' : 'messages'} the group gave up on after {data.group.maxDeliveryAttempts}{' '}
                {data.group.maxDeliveryAttempts === 1 ? 'attempt' : 'attempts'} (or that its consumers forwarded), kept in %DLQ%{name}.
              </>
            }
            actions={
              <NavLink href={`/instances/${instance.id}/groups/${encodeURIComponent(name)}`} className={secondaryButtonClass}>
                Back to the group
              </NavLink>
            }
          />
          <DeadLetters group={name} count={data.deadLetters} />
        </>
      )}
    </ResourceView>
  );
}
