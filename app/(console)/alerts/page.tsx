'use client';

import { useQuery } from '@tanstack/react-query';
import { ruleColumns, eventColumns } from '../../_components/alerts/alert-views.tsx';
import { RuleForm } from '../../_components/alerts/rule-form.tsx';
import { useTableState } from '../../_components/data-table.tsx';
import { EmptyState } from '../../_components/empty-state.tsx';
import { NavLink } from '../../_components/nav-link.tsx';
import { DrawerButton } from '../../_components/overlay.tsx';
import { PageHeader } from '../../_components/page-header.tsx';
import { PagedList } from '../../_components/paged-list.tsx';
import { useCanOperate } from '../../_components/shell.tsx';
import { useTRPC } from '../../_components/trpc.tsx';
import { Card, secondaryButtonClass } from '../../_components/ui.tsx';

/** Firing alerts, the rules that raise them, and what fired before: refreshed as the evaluator runs. */
export default function AlertsPage() {
  const trpc = useTRPC();
  const canOperate = useCanOperate();
  const rulesTable = useTableState('name');
  const historyTable = useTableState('firedAt', 'desc');
  const rules = useQuery({ ...trpc.alert.rules.queryOptions(rulesTable[0]), refetchInterval: 15_000 });
  const active = useQuery({ ...trpc.alert.events.queryOptions({ active: true, pageSize: 100 }), refetchInterval: 15_000 });
  const history = useQuery({ ...trpc.alert.events.queryOptions({ page: historyTable[0].page, pageSize: historyTable[0].pageSize }), refetchInterval: 30_000 });
  const actions = (
    <>
      <NavLink href="/alerts/channels" className={secondaryButtonClass}>
        Channels
      </NavLink>
      {canOperate && <DrawerButton label="New rule" title="New alert rule">{(close) => <RuleForm onDone={close} />}</DrawerButton>}
    </>
  );
  return (
    <>
      <PageHeader crumbs={[{ label: 'Alerts' }]} title="Alerts" description="Rules are evaluated every 15 seconds on the console's own metric history; a rule fires once its condition held for its duration, and resolves after a minute of being fine." actions={actions} />
      <Card title={`Firing now${active.data ? ` (${active.data.total})` : ''}`}>
        <PagedList
          label="Firing alerts"
          query={active}
          table={[{ page: 1, pageSize: 100, sort: 'firedAt', dir: 'desc', search: '' }, () => undefined]}
          columns={eventColumns}
          rowKey={(e) => e.id}
          empty={<EmptyState title="Nothing is firing." hint="When a rule's condition holds for its duration, its alert shows here and in the header." />}
        />
      </Card>
      <Card title="Rules">
        <PagedList label="Alert rules" query={rules} table={rulesTable} search="Search rules" columns={ruleColumns(canOperate)} rowKey={(r) => r.id} empty={<EmptyState title="No alert rule yet." hint="A rule watches a metric of an instance, topic or group, e.g. a group's backlog over 10,000 for 5 minutes." />} />
      </Card>
      <Card title="History">
        <PagedList label="Alert history" query={history} table={historyTable} columns={eventColumns} rowKey={(e) => e.id} empty={<EmptyState title="No alert has fired yet." />} />
      </Card>
    </>
  );
}
