// Console scopes: which instances and namespaces a console user's role applies to. A scoped viewer or
// operator is that role inside the scope and FORBIDDEN outside it; admins are never scoped.
//
// The stored value (ConsoleUser.scopes, JSON) and the API's:
//   null                                          every instance and namespace (unscoped)
//   [{ instanceId, namespaces: [] }]              every namespace of that instance
//   [{ instanceId, namespaces: ['', 'shop'] }]    only those namespaces; '' is the default namespace
//                                                 (stored names without a '%')
// An instance not listed is out of scope.
//
// Pure (zod and the engine's pure rules module only), so the users page validates with the same schema.

import { z } from 'zod';
import { MAX_NAMESPACE_LENGTH, NAMESPACE_NAME_HINT, NAMESPACE_NAME_PATTERN } from './broker/rules.ts';

/** Bounds on one user's scope: a handful of instances, each with the namespaces of a team or two. */
export const MAX_SCOPE_INSTANCES = 50;
export const MAX_SCOPE_NAMESPACES = 100;

/** The default namespace as a scope names it. */
export const DEFAULT_NAMESPACE = '';

const scopeNamespaceSchema = z
  .string()
  .trim()
  .max(MAX_NAMESPACE_LENGTH)
  .refine((ns) => ns === DEFAULT_NAMESPACE || NAMESPACE_NAME_PATTERN.test(ns), { message: `A namespace is ${NAMESPACE_NAME_HINT}, or empty for the default namespace` });

export const ScopeEntrySchema = z.object({
  instanceId: z.string().trim().min(1, 'Choose an instance').max(100),
  /** Empty: every namespace of the instance. */
  namespaces: z.array(scopeNamespaceSchema).max(MAX_SCOPE_NAMESPACES, `At most ${MAX_SCOPE_NAMESPACES} namespaces per instance`).transform((list) => [...new Set(list)]),
});
export type ScopeEntry = z.infer<typeof ScopeEntrySchema>;

/** A scope an admin sets: null (unscoped) or at least one instance, each listed once. */
export const ScopesSchema = z
  .array(ScopeEntrySchema)
  .min(1, 'Choose at least one instance, or give the user every instance')
  .max(MAX_SCOPE_INSTANCES, `At most ${MAX_SCOPE_INSTANCES} instances`)
  .refine((list) => new Set(list.map((e) => e.instanceId)).size === list.length, { message: 'Each instance is listed once' })
  .nullable();
export type Scopes = z.infer<typeof ScopesSchema>;

/**
 * The scope stored for a user, or undefined when it no longer parses (edited by hand); the caller then
 * gives no access at all rather than everything: a broken fence must not open.
 */
export function parseStoredScopes(stored: string | null): Scopes | undefined {
  if (stored === null) return null;
  try {
    const parsed = z.array(ScopeEntrySchema).safeParse(JSON.parse(stored));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The stored form of a scope. */
export function storedScopes(scopes: Scopes): string | null {
  return scopes === null ? null : JSON.stringify(scopes);
}

/**
 * The prefixes of a group's retry and dead-letter topics and the namespace separator, as the engine's
 * unwrapName reads them (server/broker/names.ts is the engine's internals, which a page may not import;
 * scope.test.ts checks the two agree).
 */
const GROUP_TOPIC_PREFIXES = ['%RETRY%', '%DLQ%'] as const;
const NAMESPACE_SEPARATOR = '%';

/** The namespace a stored topic or group name belongs to ('' for the default one); retry and DLQ names count as their group's. */
export function namespaceOf(fullName: string): string {
  let rest = fullName;
  for (const prefix of GROUP_TOPIC_PREFIXES) if (rest.startsWith(prefix)) rest = rest.slice(prefix.length);
  const i = rest.indexOf(NAMESPACE_SEPARATOR);
  return i < 0 ? '' : rest.slice(0, i);
}

/** A request outside the caller's scope; the API answers FORBIDDEN with its message (server/trpc.ts maps it). */
export class ScopeError extends Error {
  override readonly name = 'ScopeError';
  readonly code = 'FORBIDDEN';
}

function forbidden(message: string): ScopeError {
  return new ScopeError(message);
}

function namespaceLabel(ns: string): string {
  return ns === DEFAULT_NAMESPACE ? 'the default namespace' : `namespace "${ns}"`;
}

/** A user's scope on one instance already known to be in it: the namespace checks every named resource passes. */
export class InstanceScope {
  /** `namespaces` null: all of them. */
  constructor(
    readonly instanceName: string,
    private readonly namespaces: ReadonlySet<string> | null,
  ) {}

  /** Whether the scope covers every namespace of the instance (instance-wide settings and lists need it). */
  get whole(): boolean {
    return this.namespaces === null;
  }

  allowsNamespace(ns: string): boolean {
    return this.namespaces === null || this.namespaces.has(ns);
  }

  /** Whether a stored topic or group name (`ns%name`, `%RETRY%…`, `%DLQ%…`) lies in the scope. */
  allowsName(fullName: string): boolean {
    return this.allowsNamespace(namespaceOf(fullName));
  }

  requireNamespace(ns: string): void {
    if (!this.allowsNamespace(ns)) throw forbidden(`Your console scope does not include ${namespaceLabel(ns)} on instance "${this.instanceName}"`);
  }

  requireName(fullName: string): void {
    const ns = namespaceOf(fullName);
    if (!this.allowsNamespace(ns)) throw forbidden(`Your console scope does not include "${fullName}": it is in ${namespaceLabel(ns)} on instance "${this.instanceName}"`);
  }

  /** For instance-wide actions (the prober, instance-level alert rules): the scope must cover every namespace. */
  requireWhole(): void {
    if (!this.whole) throw forbidden(`This acts on all of instance "${this.instanceName}"; your console scope covers only some of its namespaces`);
  }
}

/** A signed-in user's scope across instances. */
export class ConsoleScope {
  private readonly byInstance: ReadonlyMap<string, ReadonlySet<string> | null> | null;

  constructor(readonly scopes: Scopes) {
    this.byInstance = scopes === null ? null : new Map(scopes.map((e) => [e.instanceId, e.namespaces.length === 0 ? null : new Set(e.namespaces)]));
  }

  static readonly ALL = new ConsoleScope(null);

  get unscoped(): boolean {
    return this.byInstance === null;
  }

  /** The instances in scope, or null for all of them (for database filters: `instanceId in …`). */
  instanceIds(): string[] | null {
    return this.byInstance === null ? null : [...this.byInstance.keys()];
  }

  /** A database filter on the instance column `field` keeping the instances in scope (nothing for an unscoped user). */
  where<K extends string>(field: K): Partial<Record<K, { in: string[] }>> {
    const ids = this.instanceIds();
    return ids === null ? {} : ({ [field]: { in: ids } } as Partial<Record<K, { in: string[] }>>);
  }

  allowsInstance(instanceId: string): boolean {
    return this.byInstance === null || this.byInstance.has(instanceId);
  }

  /** The scope on one instance, or FORBIDDEN naming it (by its name when known, else its id). */
  on(instanceId: string, instanceName: string = instanceId): InstanceScope {
    if (this.byInstance === null) return new InstanceScope(instanceName, null);
    if (!this.byInstance.has(instanceId)) throw forbidden(`Your console scope does not include instance "${instanceName}"`);
    return new InstanceScope(instanceName, this.byInstance.get(instanceId) ?? null);
  }
}

/** A scope in words, for tables and the audit log: instances by name when known ("eu-1: shop, default; us-1"). */
export function scopeSummary(scopes: Scopes, instanceName: (id: string) => string = (id) => id): string {
  if (scopes === null) return 'All instances';
  if (scopes.length === 0) return 'No access';
  return scopes
    .map((e) => (e.namespaces.length === 0 ? `${instanceName(e.instanceId)} (all namespaces)` : `${instanceName(e.instanceId)}: ${e.namespaces.map((ns) => ns || 'default').join(', ')}`))
    .join('; ');
}
