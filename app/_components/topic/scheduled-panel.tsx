'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useAfterSave } from '../after-save.ts';
import { Chart, type ChartOption } from '../chart.tsx';
import { ConfirmAction } from '../confirm.tsx';
import { DataTable, type Column } from '../data-table.tsx';
import { EmptyState } from '../empty-state.tsx';
import { NavLink } from '../nav-link.tsx';
import { formatShortTime, localZone, Time } from '../time.tsx';
import { useTRPC } from '../trpc.tsx';
import { Card, dangerLinkClass, linkClass } from '../ui.tsx';

/** Due minutes the histogram shows at most (the next hour of a busy topic). */
const MAX_CHART_MINUTES = 60;

interface Waiting {
  messageId: string;
  dueAt: number;
  recallHandle: string;
}

function histogram(minutes: { minute: number; count: number }[]): ChartOption {
  const shown = minutes.slice(0, MAX_CHART_MINUTES);
  return {
    grid: { left: 56, right: 16, top: 36, bottom: 56 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', name: `Due minute (${localZone()})`, nameLocation: 'middle', nameGap: 36, data: shown.map((m) => formatShortTime(m.minute * 60_000)), axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value', name: 'Messages', minInterval: 1 },
    series: [{ type: 'bar', name: 'Scheduled messages', data: shown.map((m) => m.count), barMaxWidth: 32, label: { show: true, position: 'top' } }],
  };
}

/** Recalls one scheduled message, after a confirmation (audited as topic.recall). */
export function RecallButton({ instanceId, topic, message }: { instanceId: string; topic: string; message: Waiting }) {
  const trpc = useTRPC();
  const recall = useMutation(
    trpc.topic.recall.mutationOptions({ onSuccess: useAfterSave({ refresh: [trpc.topic.pathKey(), trpc.message.pathKey()], message: (r) => `Recalled ${r.messageId}: it will not be delivered.` }) }),
  );
  return (
    <ConfirmAction
      label="Recall"
      ariaLabel={`Recall ${message.messageId}`}
      buttonClassName={dangerLinkClass}
      title="Recall a scheduled message"
      body={
        <>
          Message <code className="font-mono">{message.messageId}</code>, due <Time at={message.dueAt} relative="beside" />, will never be delivered. This cannot be undone.
        </>
      }
      confirmLabel="Recall message"
      onConfirm={() => recall.mutateAsync({ instanceId, topic, recallHandle: message.recallHandle })}
    />
  );
}

/** A DELAY topic's waiting messages: how many fall due each minute, and each one, which operators can recall. */
export function ScheduledPanel({ instanceId, topic, minutes, canOperate }: { instanceId: string; topic: string; minutes: { minute: number; count: number }[]; canOperate: boolean }) {
  const trpc = useTRPC();
  const waiting = useQuery({ ...trpc.topic.scheduled.queryOptions({ instanceId, topic }), refetchInterval: 5_000 });
  const option = useMemo(() => histogram(minutes), [minutes]);
  const total = minutes.reduce((n, m) => n + m.count, 0);
  const columns: Column<Waiting>[] = [
    { key: 'messageId', header: 'Message id', render: (m) => <NavLink href={`/instances/${instanceId}/messages?id=${encodeURIComponent(m.messageId)}`} className={`font-mono text-xs ${linkClass}`}>{m.messageId}</NavLink> },
    { key: 'dueAt', header: 'Due', render: (m) => <Time at={m.dueAt} relative="beside" /> },
    ...(canOperate ? [{ key: 'actions', header: 'Actions', render: (m: Waiting) => <RecallButton instanceId={instanceId} topic={topic} message={m} /> }] : []),
  ];
  return (
    <Card title={`Scheduled messages (${total.toLocaleString()})`}>
      <Chart
        label="Scheduled messages by due minute"
        option={option}
        empty={total === 0 ? <EmptyState title="No scheduled message is waiting." hint="Messages sent with a future delivery time wait here until they fall due." /> : undefined}
      />
      {total > 0 && (
        <div className="mt-4">
          <DataTable label="Waiting scheduled messages" columns={columns} rows={waiting.data?.messages} rowKey={(m) => m.messageId} loading={waiting.isPending} error={waiting.error} empty={<EmptyState title="No scheduled message is waiting." />} />
        </div>
      )}
    </Card>
  );
}
