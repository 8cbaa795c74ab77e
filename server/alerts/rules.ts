/**
 * Alert rules as operators write them: which metric, on what scope, compared how. Pure zod, shared by the
 * alert router and the rule form (which validates as you type with the same schema).
 */
import { z } from 'zod';

export const ALERT_METRICS = {
  backlog: { label: 'Backlog (messages)', unit: 'messages', scopes: ['instance', 'topic', 'group'] },
  lag_seconds: { label: 'Lag (seconds)', unit: 's', scopes: ['group'] },
  dlq_messages: { label: 'Dead letters in the last N minutes', unit: 'messages', scopes: ['instance', 'topic', 'group'] },
  send_error_rate: { label: 'Send error rate (%)', unit: '%', scopes: ['instance'] },
  send_p99_ms: { label: 'Send latency p99 (ms)', unit: 'ms', scopes: ['instance'] },
  instance_down: { label: 'Instance down', unit: '', scopes: ['instance'] },
  disk_free_bytes: { label: 'Disk free (bytes)', unit: 'bytes', scopes: ['instance'] },
  prober_failed: { label: 'Prober checks failing', unit: 'checks', scopes: ['instance'] },
} as const;

export type AlertMetric = keyof typeof ALERT_METRICS;
export const ALERT_METRIC_NAMES = Object.keys(ALERT_METRICS) as [AlertMetric, ...AlertMetric[]];
export const SCOPE_KINDS = ['instance', 'topic', 'group'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
export const COMPARISONS = { gt: '>', gte: '≥', lt: '<', lte: '≤' } as const;
export type Comparison = keyof typeof COMPARISONS;
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
/** A condition held this long at most before firing (a day). */
export const MAX_FOR_MINUTES = 24 * 60;
export const MAX_RULES = 500;

export const alertRuleSchema = z
  .object({
    name: z.string().trim().min(1, 'Name the rule').max(100, 'At most 100 characters'),
    instanceId: z.string().min(1, 'Pick an instance'),
    scopeKind: z.enum(SCOPE_KINDS),
    scopeName: z.string().trim().max(255).default(''),
    metric: z.enum(ALERT_METRIC_NAMES),
    comparison: z.enum(Object.keys(COMPARISONS) as [Comparison, ...Comparison[]]).default('gt'),
    threshold: z.number({ error: 'Enter a number' }).finite('Enter a number').min(0, 'At least 0'),
    forMinutes: z.number().int('Whole minutes').min(0, 'At least 0').max(MAX_FOR_MINUTES, `At most ${MAX_FOR_MINUTES}`).default(0),
    windowMinutes: z.number().int('Whole minutes').min(1, 'At least 1').max(MAX_FOR_MINUTES, `At most ${MAX_FOR_MINUTES}`).default(5),
    severity: z.enum(SEVERITIES).default('warning'),
    enabled: z.boolean().default(true),
    channelIds: z.array(z.string().min(1)).max(20, 'At most 20 channels').default([]),
  })
  .superRefine((r, ctx) => {
    const scopes: readonly string[] = ALERT_METRICS[r.metric].scopes;
    if (!scopes.includes(r.scopeKind)) {
      ctx.addIssue({ code: 'custom', path: ['scopeKind'], message: `${ALERT_METRICS[r.metric].label} is measured per ${scopes.join(' or ')}` });
    }
    if (r.scopeKind !== 'instance' && !r.scopeName) ctx.addIssue({ code: 'custom', path: ['scopeName'], message: `Name the ${r.scopeKind}` });
  });

export type AlertRuleInput = z.input<typeof alertRuleSchema>;
export type AlertRuleValues = z.output<typeof alertRuleSchema>;

/** A rule row's `channelIds` column (a JSON array) as ids; anything else reads as none. */
export function channelIdsOf(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function compare(value: number, comparison: Comparison, threshold: number): boolean {
  switch (comparison) {
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
  }
}
