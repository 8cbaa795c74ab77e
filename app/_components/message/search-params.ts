/**
 * The Messages page's search as it lives in the URL (linkable, the back button returns to it): which way in
 * (topic + time, key, id), the namespace and topic, the range and the filters. Parsing is lenient (a link
 * with a bad number falls back to the default); the forms and the server validate what is searched.
 */
import type { MessageMatchInput } from '../../../server/schemas.ts';

export const SEARCH_MODES = ['id', 'key', 'time'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
export type BrowseOrder = 'newest' | 'oldest';
export type PropertyOp = 'eq' | 'contains';

/** A time search with no range in its link looks at the last hour, the time most investigations start from. */
export const DEFAULT_RANGE_MS = 3_600_000;

/** The filters as the form holds them: text, empty meaning "not filtered". */
export interface FilterValues {
  tag: string;
  key: string;
  propName: string;
  propOp: PropertyOp;
  propValue: string;
  body: string;
  jsonPath: string;
  jsonEquals: string;
}

export interface MessageSearch extends FilterValues {
  mode: SearchMode;
  namespace: string;
  /** The stored topic name (`ns%name` in a namespace); '' until one is chosen. */
  topic: string;
  beginMs: number | undefined;
  endMs: number | undefined;
  order: BrowseOrder;
}

export const EMPTY_FILTERS: FilterValues = { tag: '', key: '', propName: '', propOp: 'eq', propValue: '', body: '', jsonPath: '', jsonEquals: '' };

/** URL parameter of each field, short enough that a link with every filter stays readable. */
const PARAM = { namespace: 'ns', topic: 'topic', beginMs: 'begin', endMs: 'end', order: 'order', tag: 'tag', key: 'key', propName: 'prop', propOp: 'op', propValue: 'pv', body: 'body', jsonPath: 'jpath', jsonEquals: 'jeq' } as const;

function numberParam(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** A link without a way in opens on the message id, the quickest way to a message (and where the page began). */
export function parseSearch(params: URLSearchParams): MessageSearch {
  const by = params.get('by');
  const text = (k: keyof typeof PARAM) => params.get(PARAM[k]) ?? '';
  return {
    mode: (SEARCH_MODES as readonly string[]).includes(by ?? '') ? (by as SearchMode) : params.has(PARAM.topic) ? 'time' : 'id',
    namespace: text('namespace'),
    topic: text('topic'),
    beginMs: numberParam(params.get(PARAM.beginMs)),
    endMs: numberParam(params.get(PARAM.endMs)),
    order: params.get(PARAM.order) === 'oldest' ? 'oldest' : 'newest',
    tag: text('tag'),
    key: text('key'),
    propName: text('propName'),
    propOp: params.get(PARAM.propOp) === 'contains' ? 'contains' : 'eq',
    propValue: text('propValue'),
    body: text('body'),
    jsonPath: text('jsonPath'),
    jsonEquals: text('jsonEquals'),
  };
}

/** The query string of a search: only what is set, so links stay short. */
export function searchQuery(s: MessageSearch): string {
  const q = new URLSearchParams({ by: s.mode });
  const put = (k: keyof typeof PARAM, v: string | number | undefined) => {
    if (v !== undefined && v !== '') q.set(PARAM[k], String(v));
  };
  put('namespace', s.namespace);
  put('topic', s.topic);
  if (s.mode === 'time') {
    put('beginMs', s.beginMs);
    put('endMs', s.endMs);
    if (s.order !== 'newest') put('order', s.order);
    for (const k of ['tag', 'key', 'body'] as const) put(k, s[k]);
    if (s.propName) {
      put('propName', s.propName);
      if (s.propOp !== 'eq') put('propOp', s.propOp);
      put('propValue', s.propValue);
    }
    if (s.jsonPath) {
      put('jsonPath', s.jsonPath);
      put('jsonEquals', s.jsonEquals);
    }
  }
  if (s.mode === 'key') put('key', s.key);
  return q.toString();
}

/** The filters as the engine's search (MessageMatch); undefined when nothing filters. */
export function matchOf(f: FilterValues): MessageMatchInput | undefined {
  const match: MessageMatchInput = {
    ...(f.tag.trim() ? { tag: f.tag.trim() } : {}),
    ...(f.key.trim() ? { key: f.key.trim() } : {}),
    ...(f.propName.trim() ? { property: { name: f.propName.trim(), op: f.propOp, value: f.propValue } } : {}),
    ...(f.body ? { bodyContains: f.body } : {}),
    ...(f.jsonPath.trim() ? { json: { path: f.jsonPath.trim(), equals: f.jsonEquals } } : {}),
  };
  return Object.keys(match).length > 0 ? match : undefined;
}

/** The range searched: the link's, else the last hour up to now. */
export function rangeOf(s: MessageSearch, now: number): { beginMs: number; endMs: number } {
  const endMs = s.endMs ?? now;
  return { beginMs: s.beginMs ?? endMs - DEFAULT_RANGE_MS, endMs };
}

/** The bare topic name inside its namespace (`shop%orders` → `orders`). */
export function bareTopic(stored: string, namespace: string): string {
  return namespace && stored.startsWith(`${namespace}%`) ? stored.slice(namespace.length + 1) : stored;
}

/**
 * D's NDJSON export as a download link: of a query (with its filters), of every message with a key, of chosen
 * messages, or of a group's dead letters (with the range and filters, oldest first).
 */
export function exportHref(
  instanceId: string,
  what:
    | { topic: string; beginMs: number; endMs: number; order: BrowseOrder; match: MessageMatchInput | undefined }
    | { topic: string; key: string }
    | { ids: readonly string[] }
    | { deadLettersOf: string; beginMs?: number | undefined; endMs?: number | undefined; match: MessageMatchInput | undefined },
): string {
  const q = new URLSearchParams();
  const base = `/api/instances/${encodeURIComponent(instanceId)}`;
  if ('deadLettersOf' in what) {
    if (what.beginMs !== undefined) q.set('begin', String(what.beginMs));
    if (what.endMs !== undefined) q.set('end', String(what.endMs));
    q.set('order', 'oldest');
    if (what.match) q.set('match', JSON.stringify(what.match));
    return `${base}/groups/${encodeURIComponent(what.deadLettersOf)}/dead-letters/export?${q.toString()}`;
  }
  if ('ids' in what) q.set('ids', what.ids.join(','));
  else if ('key' in what) {
    q.set('topic', what.topic);
    q.set('key', what.key);
  } else {
    q.set('topic', what.topic);
    q.set('begin', String(what.beginMs));
    q.set('end', String(what.endMs));
    q.set('order', what.order);
    if (what.match) q.set('match', JSON.stringify(what.match));
  }
  return `${base}/messages/export?${q.toString()}`;
}

/** The detail page of a message. */
export function messageHref(instanceId: string, messageId: string): string {
  return `/instances/${instanceId}/messages/${encodeURIComponent(messageId)}`;
}
