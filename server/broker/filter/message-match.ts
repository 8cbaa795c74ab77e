import { BrokerError } from '../errors.ts';
import type { StoredMessage } from '../store/message-store.ts';
import { parseTagExpression } from './tag.ts';

/** What an operator searches a topic for (all given parts must match). */
export interface MessageMatch {
  /** A tag expression (`A || B`, `*`). */
  tag?: string;
  key?: string;
  property?: { name: string; op: 'eq' | 'contains'; value: string };
  /** Substring of the body (as UTF-8 text). */
  bodyContains?: string;
  /** For JSON bodies: the value at a dotted path (`order.items[0].sku`) equals this text. */
  json?: { path: string; equals: string };
}

/** Longest JSON path accepted: deeper paths are almost surely a mistake, and each segment costs a step. */
const MAX_JSON_PATH_SEGMENTS = 32;

type PathSegment = string | number;

/** `a.b[0].c` → ['a', 'b', 0, 'c']; refused with INVALID_ARGUMENT when malformed. */
export function parseJsonPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]/g;
  let consumed = 0;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    const gap = path.slice(consumed, m.index);
    if (gap !== '' && gap !== '.') throw badPath(path);
    segments.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
    consumed = m.index + m[0].length;
  }
  if (segments.length === 0 || consumed !== path.length || segments.length > MAX_JSON_PATH_SEGMENTS) throw badPath(path);
  return segments;
}

function badPath(path: string): BrokerError {
  return new BrokerError('INVALID_ARGUMENT', `JSON path "${path}" is invalid: use names and [index], e.g. order.items[0].sku`, { field: 'json.path' });
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

/** The text a JSON value compares as: strings as they are, everything else as JSON. */
function asText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Compiles a search into one predicate, checking the cheap parts (tag, key, properties) before the body. */
export function compileMatch(match: MessageMatch): (m: StoredMessage) => boolean {
  const checks: ((m: StoredMessage) => boolean)[] = [];
  const tags = match.tag === undefined ? undefined : parseTagExpression(match.tag);
  if (tags) checks.push((m) => tags.includes(m.tag));
  const key = match.key;
  if (key) checks.push((m) => m.keys.includes(key));
  const p = match.property;
  if (p) checks.push((m) => (p.op === 'eq' ? m.properties[p.name] === p.value : (m.properties[p.name] ?? '').includes(p.value)));
  const needle = match.bodyContains ? Buffer.from(match.bodyContains) : undefined;
  if (needle) checks.push((m) => m.body.includes(needle));
  const json = match.json;
  if (json) {
    const path = parseJsonPath(json.path);
    checks.push((m) => {
      try {
        const v = valueAt(JSON.parse(m.body.toString('utf8')), path);
        return v !== undefined && asText(v) === json.equals;
      } catch {
        return false; // not a JSON body
      }
    });
  }
  return (m) => checks.every((c) => c(m));
}
