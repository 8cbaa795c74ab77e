// Audit trail: every console mutation records who did what to which target,
// with a summary of the input that never contains secrets.

import type { AuditEvent } from './generated/prisma/client.ts';
import type { Db } from './db.ts';
import type { Scopes } from './scope.ts';

export type AuditResult = 'ok' | 'error';

export interface AuditEntry {
  /** Username of the caller ('system' for the server itself). */
  actor: string;
  actorId?: string | null;
  /** Stable action name, e.g. 'topic.create'. */
  action: string;
  /** What was acted on, e.g. 'default/orders'. */
  target: string;
  /** The procedure's input; summarized and stripped of secrets. */
  input?: unknown;
  result: AuditResult;
  errorCode?: string | null;
  /** The sentence the caller was shown for a failure. */
  errorMessage?: string | null;
  instanceId?: string | null;
  /** The actor's console scope (server/scope.ts); null or left out = unscoped. */
  actorScopes?: Scopes | undefined;
}

/**
 * The stored input's key for a scoped actor's scope: no migration needed, and the audit page reads it back
 * (server/audit-view.ts). Unscoped actors have none, so events keep their input as sent.
 */
export const ACTOR_SCOPE_KEY = 'actorScope';

/** Error sentences are short; a longer one (a stack pasted into a message) is cut, not stored whole. */
const MAX_ERROR_MESSAGE_CHARS = 500;

export const REDACTED = '[redacted]';

// Keys whose values are never stored: passwords, secrets, tokens, keys,
// credentials, signatures (matched case-insensitively, ignoring - and _).
const SECRET_KEY =
  /pass(word|wd|phrase)?$|^pwd$|secret|token|accesskey|secretkey|apikey|privatekey|credential|authorization|signature|cookie|^sk$/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key.toLowerCase().replace(/[-_\s]/g, ''));
}

const MAX_DEPTH = 6;
const MAX_STRING = 500;
const MAX_ITEMS = 50;
const MAX_KEYS = 50;
const MAX_JSON = 8_000;

/** user:password@ in any URL-looking string (an SMTP URL typed with its password), whatever the field's name. */
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]{0,31}:\/\/[^\s/:@]{0,256}):[^\s/@]{0,1024}@/gi;

/**
 * A JSON-safe copy of `value` with secret-looking fields replaced by
 * '[redacted]', long strings cut, big arrays/objects and deep nesting
 * summarized, and binary data reduced to its length.
 */
export function sanitizeAuditInput(value: unknown): unknown {
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
    if (typeof v === 'string') {
      // Cut first: the pattern then scans at most MAX_STRING characters, whatever was sent (a 4 MiB body).
      const cut = v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}… (${v.length} chars)` : v;
      return cut.includes('://') ? cut.replace(URL_CREDENTIALS, `$1:${REDACTED}@`) : cut;
    }
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'undefined' || typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
    if (v instanceof Uint8Array) return `[${v.byteLength} bytes]`;
    if (v instanceof ArrayBuffer) return `[${v.byteLength} bytes]`;
    if (seen.has(v)) return '[circular]';
    if (depth >= MAX_DEPTH) return Array.isArray(v) ? `[${v.length} items]` : '[object]';
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        const items = v.slice(0, MAX_ITEMS).map((x) => walk(x, depth + 1) ?? null);
        if (v.length > MAX_ITEMS) items.push(`… ${v.length - MAX_ITEMS} more`);
        return items;
      }
      const entries = v instanceof Map ? [...v.entries()].map(([k, x]) => [String(k), x] as const) : Object.entries(v);
      const out: Record<string, unknown> = {};
      for (const [k, x] of entries.slice(0, MAX_KEYS)) {
        if (isSecretKey(k)) {
          if (x !== undefined) out[k] = REDACTED;
          continue;
        }
        const w = walk(x, depth + 1);
        if (w !== undefined) out[k] = w;
      }
      if (entries.length > MAX_KEYS) out['…'] = `${entries.length - MAX_KEYS} more keys`;
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0) ?? null;
}

/** The stored input summary: sanitized JSON, at most ~8 KB, with a scoped actor's scope whatever the input's size. */
export function auditInputJson(input: unknown, actorScopes: Scopes = null): string {
  const sanitized = sanitizeAuditInput(input);
  const scope = actorScopes === null ? {} : { [ACTOR_SCOPE_KEY]: sanitizeAuditInput(actorScopes) };
  const json = JSON.stringify(sanitized);
  if (json.length > MAX_JSON) return JSON.stringify({ truncated: true, preview: json.slice(0, MAX_JSON - 100), ...scope });
  if (actorScopes === null) return json;
  const fields = typeof sanitized === 'object' && sanitized !== null && !Array.isArray(sanitized) ? sanitized : { input: sanitized };
  return JSON.stringify({ ...fields, ...scope });
}

/** Writes one audit event. */
export function recordAudit(db: Db, entry: AuditEntry): Promise<AuditEvent> {
  return db.auditEvent.create({
    data: {
      actor: entry.actor,
      actorId: entry.actorId ?? null,
      action: entry.action,
      target: entry.target,
      input: auditInputJson(entry.input ?? {}, entry.actorScopes ?? null),
      result: entry.result,
      errorCode: entry.errorCode ?? null,
      errorMessage: entry.errorMessage ? entry.errorMessage.slice(0, MAX_ERROR_MESSAGE_CHARS) : null,
      instanceId: entry.instanceId ?? null,
    },
  });
}
