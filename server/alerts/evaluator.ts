import { logger } from '../broker/index.ts';
import type { Db } from '../db.ts';
import type { AlertRule } from '../generated/prisma/client.ts';
import type { Runtime } from '../runtime.ts';
import { currentValue } from './alert-values.ts';
import { enqueueNotifications } from './delivery-worker.ts';
import type { AlertPayload } from './notify.ts';
import { ALERT_METRICS, channelIdsOf, compare, COMPARISONS, type AlertMetric, type Comparison, type ScopeKind } from './rules.ts';

/** How often rules are evaluated: a little more than the sampler's 10 s, so each look sees a new point. */
export const EVALUATE_INTERVAL_MS = 15_000;
/**
 * A firing alert resolves once its condition has been false this long: one good sample between two bad ones
 * must not resolve and re-fire it (one notification on fire, one on resolve, no flapping storm).
 */
export const RESOLVE_AFTER_MS = 60_000;

export interface EvaluatorOptions {
  resolveAfterMs?: number;
}

/**
 * The alert evaluator of a console process: each round, every enabled rule's metric is read; a condition that
 * held for the rule's duration fires an AlertEvent (and one notification per channel), and one that stayed
 * false for RESOLVE_AFTER_MS resolves it (one more notification). The state lives in the rule's row
 * (`pendingSince`, `firingId`), so a restart resumes where it was, and a conditional update makes sure two
 * console nodes on one database fire an alert once.
 */
export class AlertEvaluator {
  private readonly resolveAfterMs: number;

  constructor(
    private readonly db: Db,
    private readonly runtime: Runtime,
    opts: EvaluatorOptions = {},
  ) {
    this.resolveAfterMs = opts.resolveAfterMs ?? RESOLVE_AFTER_MS;
  }

  /** One round at `now` (tests call it directly). */
  async evaluate(now = Date.now()): Promise<void> {
    await this.ensureProberRules();
    const rules = await this.db.alertRule.findMany({ where: { enabled: true } });
    for (const rule of rules) {
      try {
        await this.evaluateRule(rule, now);
      } catch (e) {
        logger.warn({ event: 'alert.evaluate_failed', rule: rule.id, err: (e as Error).message }, 'alert rule evaluation failed');
      }
    }
  }

  private async evaluateRule(rule: AlertRule, now: number): Promise<void> {
    const metric = rule.metric as AlertMetric;
    const value = await currentValue(this.db, this.runtime, { instanceId: rule.instanceId, scopeKind: rule.scopeKind as ScopeKind, scopeName: rule.scopeName, metric, windowMinutes: rule.windowMinutes }, now);
    const holds = value !== undefined && compare(value, rule.comparison as Comparison, rule.threshold);
    const since = rule.pendingSince?.getTime();
    if (!rule.firingId) {
      if (!holds) {
        if (since !== undefined) await this.db.alertRule.update({ where: { id: rule.id }, data: { pendingSince: null } });
        return;
      }
      if (since === undefined) await this.db.alertRule.update({ where: { id: rule.id }, data: { pendingSince: new Date(now) } });
      if (now - (since ?? now) >= rule.forMinutes * 60_000) await this.fire(rule, value, now);
      return;
    }
    // Firing: pendingSince now means "false since".
    if (holds) {
      await this.db.$transaction([
        this.db.alertRule.update({ where: { id: rule.id }, data: { pendingSince: null } }),
        this.db.alertEvent.update({ where: { id: rule.firingId }, data: { value } }),
      ]);
      return;
    }
    if (since === undefined) {
      await this.db.alertRule.update({ where: { id: rule.id }, data: { pendingSince: new Date(now) } });
      if (this.resolveAfterMs > 0) return;
    }
    if (now - (since ?? now) >= this.resolveAfterMs) await this.resolve(rule, value, now);
  }

  private async fire(rule: AlertRule, value: number, now: number): Promise<void> {
    const event = await this.db.alertEvent.create({
      data: { ruleId: rule.id, ruleName: rule.name, instanceId: rule.instanceId, scope: await this.scopeOf(rule), metric: rule.metric, severity: rule.severity, value, threshold: rule.threshold, firedAt: new Date(now), message: '' },
    });
    // Another console node may have fired it meanwhile: only the one that sets firingId keeps its event.
    const claimed = await this.db.alertRule.updateMany({ where: { id: rule.id, firingId: null }, data: { firingId: event.id, pendingSince: null } });
    if (claimed.count === 0) {
      await this.db.alertEvent.delete({ where: { id: event.id } });
      return;
    }
    const message = sentence(rule, event.scope, value, 'fired');
    await this.db.alertEvent.update({ where: { id: event.id }, data: { message } });
    logger.warn({ event: 'alert.fired', rule: rule.name, scope: event.scope, metric: rule.metric, value }, message);
    await this.notify(rule, { kind: 'fired', eventId: event.id, message, scope: event.scope, value, firedAt: new Date(now).toISOString() });
  }

  private async resolve(rule: AlertRule, value: number | undefined, now: number): Promise<void> {
    const eventId = rule.firingId!;
    const claimed = await this.db.alertRule.updateMany({ where: { id: rule.id, firingId: eventId }, data: { firingId: null, pendingSince: null } });
    if (claimed.count === 0) return;
    const event = await this.db.alertEvent.update({ where: { id: eventId }, data: { resolvedAt: new Date(now) } });
    const message = sentence(rule, event.scope, value, 'resolved');
    logger.info({ event: 'alert.resolved', rule: rule.name, scope: event.scope, metric: rule.metric }, message);
    await this.notify(rule, { kind: 'resolved', eventId, message, scope: event.scope, value: value ?? null, firedAt: event.firedAt.toISOString(), resolvedAt: new Date(now).toISOString() });
  }

  private async notify(rule: AlertRule, p: Omit<AlertPayload, 'ruleName' | 'severity' | 'instanceId' | 'metric' | 'threshold'>): Promise<void> {
    const channelIds = channelIdsOf(rule.channelIds);
    await enqueueNotifications(this.db, { eventId: p.eventId ?? null, kind: p.kind, channelIds, payload: { ...p, ruleName: rule.name, severity: rule.severity, instanceId: rule.instanceId, metric: rule.metric, threshold: rule.threshold } });
  }

  private async scopeOf(rule: AlertRule): Promise<string> {
    const instance = await this.db.instance.findUnique({ where: { id: rule.instanceId }, select: { name: true } });
    const name = instance?.name ?? rule.instanceId;
    return rule.scopeKind === 'instance' ? `instance ${name}` : `${rule.scopeKind} ${rule.scopeName} on ${name}`;
  }

  /** Every instance with the prober on has the built-in "prober failed" rule (disable it, not delete it). */
  private async ensureProberRules(): Promise<void> {
    const probed = await this.db.instance.findMany({ where: { proberEnabled: true }, select: { id: true, name: true } });
    if (probed.length === 0) return;
    const existing = new Set((await this.db.alertRule.findMany({ where: { builtIn: true, metric: 'prober_failed' }, select: { instanceId: true } })).map((r) => r.instanceId));
    for (const i of probed.filter((p) => !existing.has(p.id))) {
      await this.db.alertRule.create({
        data: { name: `Prober failed on ${i.name}`, scopeKind: 'instance', instanceId: i.id, metric: 'prober_failed', comparison: 'gt', threshold: 0, severity: 'critical', builtIn: true, createdBy: 'system' },
      });
    }
  }
}

/** "Backlog of group billing on default is 12,000 (> 10,000 for 5 min)". */
function sentence(rule: AlertRule, scope: string, value: number | undefined, what: 'fired' | 'resolved'): string {
  const m = ALERT_METRICS[rule.metric as AlertMetric];
  const shown = value === undefined ? 'unknown' : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  const unit = m.unit ? ` ${m.unit}` : '';
  const condition = `${COMPARISONS[rule.comparison as Comparison]} ${rule.threshold.toLocaleString('en-US')}${unit}${rule.forMinutes ? ` for ${rule.forMinutes} min` : ''}`;
  if (rule.metric === 'instance_down') return what === 'fired' ? `${capitalize(scope)} is down` : `${capitalize(scope)} is running again`;
  if (rule.metric === 'prober_failed') return what === 'fired' ? `${shown} prober check${value === 1 ? '' : 's'} failing on ${scope}` : `Every prober check passes again on ${scope}`;
  return what === 'fired' ? `${m.label} of ${scope} is ${shown}${unit} (${condition})` : `${m.label} of ${scope} is back to ${shown}${unit} (alert was ${condition})`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Starts evaluating every EVALUATE_INTERVAL_MS; the returned stop waits for a round in flight. */
export function startAlertEvaluator(db: Db, runtime: Runtime): () => Promise<void> {
  const evaluator = new AlertEvaluator(db, runtime);
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= evaluator.evaluate().finally(() => (running = undefined));
  }, EVALUATE_INTERVAL_MS).unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
