'use client';

import { Badge } from '../badge.tsx';
import { EmptyState } from '../empty-state.tsx';
import { Time } from '../time.tsx';
import { Card } from '../ui.tsx';
import { ProberSwitch } from './prober-switch.tsx';
import { StatusStrip, StripLegend } from './status-strip.tsx';
import type { CheckHealth, InstanceHealth } from './types.ts';

const STATUS_TONE = { running: 'green', error: 'red', starting: 'amber' } as const;

function LastResult({ check }: { check: CheckHealth }) {
  if (!check.last) return <Badge title="No run in the last 24 hours">waiting</Badge>;
  return check.last.ok ? <Badge tone="green">OK</Badge> : <Badge tone="red" title={check.last.error ?? undefined}>{check.last.code ?? 'FAILED'}</Badge>;
}

function CheckRow({ check }: { check: CheckHealth }) {
  const last = check.last;
  return (
    <tr data-testid={`check-${check.check}`} data-ok={last ? String(last.ok) : 'none'} className="border-t border-slate-100 align-top dark:border-slate-800">
      <th scope="row" className="py-2 pr-4 text-left font-normal">
        <div className="font-medium whitespace-nowrap">{check.title}</div>
        <div className="text-xs text-slate-500 dark:text-slate-400">{check.what}</div>
      </th>
      <td className="py-2 pr-4">
        <LastResult check={check} />
        {last && (
          <div className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">
            <Time at={last.at} />
          </div>
        )}
      </td>
      <td className="py-2 pr-4 text-right whitespace-nowrap tabular-nums">{last ? `${Math.round(last.latencyMs).toLocaleString()} ms` : '—'}</td>
      <td className="max-w-56 min-w-24 py-2 pr-4 text-xs break-words text-red-700 dark:text-red-300">{last?.error ? <span title={last.error} className="line-clamp-2">{last.error}</span> : <span className="text-slate-400">—</span>}</td>
      <td className="w-[40%] min-w-48 py-2">
        <StatusStrip cells={check.strip} label={`${check.title}, last 24 hours`} />
      </td>
    </tr>
  );
}

/** An instance's prober: the switch, and when it is on a row per check with its last result and its day. */
export function InstanceHealthCard({ instance, canEdit }: { instance: InstanceHealth; canEdit: boolean }) {
  const failing = instance.checks.filter((c) => c.last && !c.last.ok).length;
  const title = (
    <span className="flex items-center gap-2">
      {instance.name}
      <span className="text-xs font-normal text-slate-500 dark:text-slate-400">{instance.region}</span>
      <Badge tone={STATUS_TONE[instance.status as keyof typeof STATUS_TONE] ?? 'slate'}>{instance.status}</Badge>
      {instance.proberEnabled && failing > 0 && <Badge tone="red">{failing} failing</Badge>}
    </span>
  );
  return (
    <Card title={title} actions={<ProberSwitch instanceId={instance.id} name={instance.name} enabled={instance.proberEnabled} intervalSec={instance.proberIntervalSec} canEdit={canEdit} />}>
      <div data-testid={`health-${instance.name}`}>
        {instance.proberEnabled ? (
          <div className="overflow-x-auto">
            <table aria-label={`Prober checks of ${instance.name}`} className="w-full text-sm">
              <thead className="text-left text-xs whitespace-nowrap text-slate-500 dark:text-slate-400">
                <tr>
                  <th className="pr-4 pb-1 font-medium">Check</th>
                  <th className="pr-4 pb-1 font-medium">Last result</th>
                  <th className="pr-4 pb-1 text-right font-medium">Latency</th>
                  <th className="pr-4 pb-1 font-medium">Last error</th>
                  <th className="pb-1 font-medium">
                    <span className="flex items-center justify-between gap-3">
                      Last 24 hours
                      <StripLegend />
                    </span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {instance.checks.map((c) => (
                  <CheckRow key={c.check} check={c} />
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <EmptyState
            title={`Turn on the prober to check ${instance.name}`}
            hint="Every interval it sends and receives through this instance's gRPC endpoint with the official SDK — normal, FIFO order, delay, transaction, tag and SQL filters, ack, nack and redelivery — on its own reserved topics, and raises the 'prober failed' alert when a check fails."
          />
        )}
      </div>
    </Card>
  );
}
