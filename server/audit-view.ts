// The audit log as the console shows it: targets named by instance name, inputs as key/value pairs.

import { ACTOR_SCOPE_KEY } from './audit.ts';
import { unwrapName } from './broker/index.ts';
import type { AuditEvent, Db } from './db.ts';
import { parseStoredScopes, scopeSummary, type Scopes } from './scope.ts';

export interface AuditDetail {
  key: string;
  value: string;
}

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  /** As recorded: the target's input fields joined with '/' (the instance by its id). */
  target: string;
  /** For people: the instance by its name, namespaced names split ("eu-1 / shop / orders"). */
  targetLabel: string;
  result: string;
  errorCode: string | null;
  instanceId: string | null;
  /** The recorded input (secrets were redacted before it was stored), then the error code of a failure. */
  detail: AuditDetail[];
}

function parsedInput(e: Pick<AuditEvent, 'input'>): unknown {
  return JSON.parse(e.input);
}

/** The actor's scope recorded with the event (server/audit.ts), or null for an unscoped actor. */
export function actorScopesOf(input: unknown): Scopes {
  const recorded = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[ACTOR_SCOPE_KEY] : undefined;
  // A recorded scope that no longer reads as one still says the actor was scoped: never shown as "all".
  return recorded === undefined ? null : (parseStoredScopes(JSON.stringify(recorded)) ?? []);
}

/** Names of the instances the events act on and their actors' scopes name, in one query however many events there are. */
async function instanceNames(db: Db, events: readonly AuditEvent[]): Promise<Map<string, string>> {
  const scoped = events.flatMap((e) => actorScopesOf(parsedInput(e)) ?? []).map((s) => s.instanceId);
  const ids = [...new Set([...events.flatMap((e) => e.instanceId ?? []), ...scoped])];
  if (ids.length === 0) return new Map();
  const rows = await db.instance.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The target for people; an instance deleted since keeps its id, the only name the event still has. */
export function targetLabel(target: string, instanceId: string | null, names: ReadonlyMap<string, string>): string {
  if (!instanceId || (target !== instanceId && !target.startsWith(`${instanceId}/`))) return target;
  const rest = target.slice(instanceId.length).split('/').filter(Boolean);
  const parts = rest.flatMap((part) => {
    const { namespace, name } = unwrapName(part);
    return namespace ? [namespace, name] : [name];
  });
  return [names.get(instanceId) ?? instanceId, ...parts].join(' / ');
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A scoped actor's scope in words, then the stored input as pairs (the instance is left out, the label names it), then a failure's code and sentence. */
export function auditDetail(e: Pick<AuditEvent, 'input' | 'errorCode' | 'errorMessage'>, names: ReadonlyMap<string, string> = new Map()): AuditDetail[] {
  const input = parsedInput(e);
  const scopes = actorScopesOf(input);
  const entries = typeof input === 'object' && input !== null && !Array.isArray(input) ? Object.entries(input) : [['input', input] as const];
  const pairs = entries.filter(([key]) => key !== 'instanceId' && key !== ACTOR_SCOPE_KEY).map(([key, value]) => ({ key, value: text(value) }));
  // A scoped actor's scope first: what the role they acted with applied to.
  if (scopes !== null) pairs.unshift({ key: 'actor scope', value: scopeSummary(scopes, (id) => names.get(id) ?? id) });
  if (e.errorCode) pairs.push({ key: 'error', value: e.errorCode });
  if (e.errorMessage) pairs.push({ key: 'message', value: e.errorMessage });
  return pairs;
}

/** One page of audit events as the console shows them. */
export async function auditRows(db: Db, events: readonly AuditEvent[]): Promise<AuditRow[]> {
  const names = await instanceNames(db, events);
  return events.map((e) => ({
    id: e.id,
    at: e.at,
    actor: e.actor,
    action: e.action,
    target: e.target,
    targetLabel: targetLabel(e.target, e.instanceId, names),
    result: e.result,
    errorCode: e.errorCode,
    instanceId: e.instanceId,
    detail: auditDetail(e, names),
  }));
}
