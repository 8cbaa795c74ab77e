import { z } from 'zod';
import type { Db } from '../db.ts';
import type { AlertRule } from '../generated/prisma/client.ts';
import { alertRuleSchema, channelIdsOf, MAX_RULES, type AlertRuleValues } from '../alerts/rules.ts';
import type { ConsoleScope } from '../scope.ts';
import { AppError, audits, operatorProcedure, router, viewerProcedure } from '../trpc.ts';
import { PageInput, paginate } from './paging.ts';

const RuleId = z.object({ id: z.string().min(1) });

async function ruleOf(db: Db, id: string): Promise<AlertRule> {
  const rule = await db.alertRule.findUnique({ where: { id } });
  if (!rule) throw new AppError('RULE_NOT_FOUND', 'NOT_FOUND', `No alert rule ${id}`);
  return rule;
}

/** The rule's instance and channels must exist: a rule on nothing would never fire. */
async function checkRefs(db: Db, v: AlertRuleValues): Promise<void> {
  if (!(await db.instance.findUnique({ where: { id: v.instanceId }, select: { id: true } }))) {
    throw new AppError('INSTANCE_NOT_FOUND', 'NOT_FOUND', `Instance ${v.instanceId} is not known`, 'instanceId');
  }
  const found = await db.notificationChannel.count({ where: { id: { in: v.channelIds } } });
  if (found !== new Set(v.channelIds).size) throw new AppError('CHANNEL_NOT_FOUND', 'NOT_FOUND', 'A chosen notification channel no longer exists', 'channelIds');
}

type RuleTarget = Pick<AlertRule, 'instanceId' | 'scopeKind' | 'scopeName'>;

/** A rule watches an instance, or one topic or group of it: the caller sees it when their scope covers that. */
function ruleInScope(scope: ConsoleScope, r: RuleTarget): boolean {
  if (!scope.allowsInstance(r.instanceId)) return false;
  const on = scope.on(r.instanceId);
  return r.scopeKind === 'instance' ? on.whole : on.allowsName(r.scopeName);
}

/** Creating, changing or deleting a rule: FORBIDDEN unless the caller's scope covers what it watches. */
function requireRule(scope: ConsoleScope, r: RuleTarget): void {
  const on = scope.on(r.instanceId);
  if (r.scopeKind === 'instance') on.requireWhole();
  else on.requireName(r.scopeName);
}

/** The alert events a scoped caller sees: those of the rules in their scope (an unscoped caller: every event). */
async function eventFilter(db: Db, scope: ConsoleScope) {
  if (scope.unscoped) return {};
  const rules = await db.alertRule.findMany({ where: scope.where('instanceId'), select: { id: true, instanceId: true, scopeKind: true, scopeName: true } });
  return { ruleId: { in: rules.filter((r) => ruleInScope(scope, r)).map((r) => r.id) } };
}

function dataOf(v: AlertRuleValues) {
  return { ...v, scopeName: v.scopeKind === 'instance' ? '' : v.scopeName, channelIds: JSON.stringify([...new Set(v.channelIds)]) };
}

/** A rule as the console lists it: its condition, channels, and where it stands (ok, pending, firing). */
async function ruleRows(db: Db, rules: AlertRule[]) {
  const [instances, channels] = await Promise.all([db.instance.findMany({ select: { id: true, name: true } }), db.notificationChannel.findMany({ select: { id: true, name: true } })]);
  const instanceName = new Map(instances.map((i) => [i.id, i.name]));
  const channelName = new Map(channels.map((c) => [c.id, c.name]));
  return rules.map((r) => {
    const channelIds = channelIdsOf(r.channelIds);
    return {
      id: r.id,
      name: r.name,
      instanceId: r.instanceId,
      instanceName: instanceName.get(r.instanceId) ?? r.instanceId,
      scopeKind: r.scopeKind,
      scopeName: r.scopeName,
      metric: r.metric,
      comparison: r.comparison,
      threshold: r.threshold,
      forMinutes: r.forMinutes,
      windowMinutes: r.windowMinutes,
      severity: r.severity,
      enabled: r.enabled,
      builtIn: r.builtIn,
      channelIds,
      channels: channelIds.map((id) => channelName.get(id) ?? '(deleted channel)'),
      state: r.firingId ? 'firing' : r.pendingSince ? 'pending' : 'ok',
      createdBy: r.createdBy,
    };
  });
}

export const alertRouter = router({
  /** Alert rules, server-side paged, sorted and filtered. */
  rules: viewerProcedure.input(PageInput).query(async ({ ctx, input }) => {
    const rules = (await ctx.db.alertRule.findMany({ where: ctx.scope.where('instanceId'), orderBy: { name: 'asc' } })).filter((r) => ruleInScope(ctx.scope, r));
    const rows = await ruleRows(ctx.db, rules);
    return paginate(rows, input, (r) => [r.name, r.instanceName, r.scopeName, r.metric, r.severity, r.state].join(' '));
  }),

  createRule: operatorProcedure
    .meta(audits('name'))
    .input(alertRuleSchema)
    .mutation(async ({ ctx, input }) => {
      requireRule(ctx.scope, input);
      await checkRefs(ctx.db, input);
      if ((await ctx.db.alertRule.count()) >= MAX_RULES) throw new AppError('RULE_LIMIT', 'PRECONDITION_FAILED', `At most ${MAX_RULES} alert rules; delete one you no longer use`);
      const rule = await ctx.db.alertRule.create({ data: { ...dataOf(input), createdBy: ctx.user.username } });
      return { id: rule.id };
    }),

  updateRule: operatorProcedure
    .meta(audits('id'))
    .input(z.object({ id: z.string().min(1), rule: alertRuleSchema }))
    .mutation(async ({ ctx, input }) => {
      const existing = await ruleOf(ctx.db, input.id);
      requireRule(ctx.scope, existing);
      requireRule(ctx.scope, input.rule);
      if (existing.builtIn && (input.rule.metric !== existing.metric || input.rule.instanceId !== existing.instanceId)) {
        throw new AppError('RULE_BUILT_IN', 'PRECONDITION_FAILED', 'A built-in rule keeps its metric and instance; change its channels, severity or switch it off');
      }
      await checkRefs(ctx.db, input.rule);
      // A changed condition starts over: its state belonged to the old one (a firing alert stays open until resolved).
      await ctx.db.alertRule.update({ where: { id: input.id }, data: { ...dataOf(input.rule), pendingSince: null } });
      return { id: input.id };
    }),

  setEnabled: operatorProcedure
    .meta(audits('id'))
    .input(RuleId.extend({ enabled: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const rule = await ruleOf(ctx.db, input.id);
      requireRule(ctx.scope, rule);
      // A switched-off rule's open alert is closed: nobody would otherwise ever resolve it.
      if (!input.enabled && rule.firingId) await ctx.db.alertEvent.update({ where: { id: rule.firingId }, data: { resolvedAt: new Date() } });
      await ctx.db.alertRule.update({ where: { id: input.id }, data: { enabled: input.enabled, pendingSince: null, ...(input.enabled ? {} : { firingId: null }) } });
      return { id: input.id, enabled: input.enabled };
    }),

  deleteRule: operatorProcedure
    .meta(audits('id'))
    .input(RuleId)
    .mutation(async ({ ctx, input }) => {
      const rule = await ruleOf(ctx.db, input.id);
      requireRule(ctx.scope, rule);
      if (rule.builtIn) throw new AppError('RULE_BUILT_IN', 'PRECONDITION_FAILED', 'A built-in rule cannot be deleted; switch it off instead');
      if (rule.firingId) await ctx.db.alertEvent.update({ where: { id: rule.firingId }, data: { resolvedAt: new Date() } });
      await ctx.db.alertRule.delete({ where: { id: input.id } });
      return { id: input.id };
    }),

  /** Alerts, newest first: the open ones, or the history (resolved too). */
  events: viewerProcedure
    .input(z.object({ active: z.boolean().default(false), page: z.number().int().min(1).default(1), pageSize: z.number().int().min(1).max(200).default(20) }))
    .query(async ({ ctx, input }) => {
      const where = { ...(input.active ? { resolvedAt: null } : {}), ...(await eventFilter(ctx.db, ctx.scope)) };
      const [rows, total] = await Promise.all([
        ctx.db.alertEvent.findMany({ where, orderBy: [{ firedAt: 'desc' }, { id: 'desc' }], skip: (input.page - 1) * input.pageSize, take: input.pageSize }),
        ctx.db.alertEvent.count({ where }),
      ]);
      return {
        rows: rows.map((e) => ({ id: e.id, ruleId: e.ruleId, ruleName: e.ruleName, instanceId: e.instanceId, scope: e.scope, metric: e.metric, severity: e.severity, value: e.value, threshold: e.threshold, message: e.message, firedAt: e.firedAt.getTime(), resolvedAt: e.resolvedAt?.getTime() ?? null })),
        total,
        page: input.page,
        pageSize: input.pageSize,
      };
    }),

  /** Open alerts by severity, for the header. */
  active: viewerProcedure.query(async ({ ctx }) => {
    const open = await ctx.db.alertEvent.groupBy({ by: ['severity'], where: { resolvedAt: null, ...(await eventFilter(ctx.db, ctx.scope)) }, _count: { _all: true } });
    const bySeverity = Object.fromEntries(open.map((o) => [o.severity, o._count._all]));
    return { total: open.reduce((n, o) => n + o._count._all, 0), critical: bySeverity.critical ?? 0, warning: bySeverity.warning ?? 0, info: bySeverity.info ?? 0 };
  }),
});
