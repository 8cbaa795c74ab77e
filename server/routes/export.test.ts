/** Export and downloads over HTTP: the session and role checks, the NDJSON lines, and an export that reads only as fast as it is read. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger, type Broker } from '../broker/index.ts';
import { waitUntil } from '../broker/test-support.ts';
import { testInstance } from '../console-test-env.ts';
import type { NdjsonMessage } from '../message-ndjson.ts';
import { makeDeadLetters } from '../jobs/test-dead-letters.ts';
import { EXPORT_PAGE_MESSAGES, EXPORT_PAGE_SCAN_BYTES, exportDeadLetters, exportMessages, keyPageMessages, pagedStream, type ExportPage } from './export.ts';
import { downloadBody, downloadJson } from './message-files.ts';
import { ndjsonOfResponse, startRouteTestEnv, type RouteTestEnv } from './route-test-env.ts';

const I = 'exp';
let t: RouteTestEnv;
let broker: Broker;

beforeAll(async () => {
  t = await startRouteTestEnv();
  await t.env.runtime.start(testInstance(I));
  broker = t.env.runtime.get(I)!.broker!;
  broker.createNamespace('shop');
  broker.createTopic({ namespace: 'shop', name: 'orders', messageType: 'NORMAL', queueNums: 2 });
  broker.createTopic({ name: 'bulk', messageType: 'NORMAL', queueNums: 4 });
});

afterAll(() => t.close());

async function exportOf(query: string, role: 'viewer' | null = 'viewer'): Promise<Response> {
  return exportMessages(await t.request(`/api/instances/${I}/messages/export?${query}`, role), t.deps, I);
}

describe('who may export and download', () => {
  it('answers 401 with a code and a sentence without a session, as tRPC does', async () => {
    const res = await exportOf('topic=bulk', null);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 'UNAUTHENTICATED', message: 'Sign in to continue' });
  });

  it('answers 404 for an instance that is not running and for a topic that does not exist', async () => {
    const other = await exportMessages(await t.request('/api/instances/nope/messages/export?topic=bulk', 'viewer'), t.deps, 'nope');
    expect(other.status).toBe(404);
    expect(((await other.json()) as { code: string }).code).toBe('INSTANCE_NOT_FOUND');
    const res = await exportOf('topic=missing');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('TOPIC_NOT_FOUND');
  });

  it('answers 400 naming the problem for a filter that is not JSON or not a valid search', async () => {
    const notJson = await exportOf(`topic=bulk&match=${encodeURIComponent('{tag')}`);
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toMatch(/match must be a JSON object/);
    const badPath = await exportOf(`topic=bulk&match=${encodeURIComponent(JSON.stringify({ json: { path: 'a..b', equals: '1' } }))}`);
    expect(badPath.status).toBe(400);
  });
});

describe('export', () => {
  it("a topic + time query with a filter downloads the matching messages as NDJSON, oldest first, under the user's topic name", async () => {
    const begin = Date.now();
    await broker.put({ topic: 'shop%orders', body: '{"n":1}', tag: 'created', keys: ['o-1'], properties: { region: 'eu' } });
    await broker.put({ topic: 'shop%orders', body: '{"n":2}', tag: 'paid', keys: ['o-1'], properties: { region: 'us' } });
    await broker.put({ topic: 'shop%orders', body: Buffer.from([0, 1, 2, 255]), tag: 'created', properties: { region: 'eu' } });
    const match = encodeURIComponent(JSON.stringify({ property: { name: 'region', op: 'eq', value: 'eu' } }));
    const res = await exportOf(`topic=${encodeURIComponent('shop%orders')}&begin=${begin}&end=${Date.now()}&match=${match}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="orders-.*\.ndjson"/);
    const lines = await ndjsonOfResponse<NdjsonMessage>(res);
    expect(lines.map((l) => Buffer.from(l.bodyBase64, 'base64'))).toEqual([Buffer.from('{"n":1}'), Buffer.from([0, 1, 2, 255])]);
    expect(lines[0]).toMatchObject({ topic: 'orders', namespace: 'shop', tag: 'created', keys: ['o-1'], properties: { region: 'eu' }, messageType: 'NORMAL' });
    expect(Object.keys(lines[0]!.properties).some((k) => k.startsWith('__'))).toBe(false);
  });

  it('a selection downloads the named messages in the order named, skipping ids it does not have', async () => {
    const a = await broker.put({ topic: 'bulk', body: 'a' });
    const b = await broker.put({ topic: 'bulk', body: 'b' });
    const lines = await ndjsonOfResponse<NdjsonMessage>(await exportOf(`ids=${b.messageId},no-such-id,${a.messageId}`));
    expect(lines.map((l) => l.messageId)).toEqual([b.messageId, a.messageId]);
  });

  it('reads the next page from the engine only when the client has read the previous one, so a large export never piles up in memory', async () => {
    const begin = Date.now();
    const total = EXPORT_PAGE_MESSAGES * 6;
    for (let i = 0; i < total; i += 500) await broker.putBatch(Array.from({ length: 500 }, (_, j) => ({ topic: 'bulk', body: `message ${i + j}` })));
    const browse = vi.spyOn(broker, 'browseByTime');
    try {
      const res = await exportOf(`topic=bulk&begin=${begin}&end=${Date.now()}`);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      // Nobody reads: however long the server idles, it stays at most one page ahead of the client.
      for (let i = 0; i < 50; i++) await nextTurn();
      expect(browse.mock.calls.length).toBeLessThanOrEqual(2);
      let chunks = 1;
      let bytes = first.value!.byteLength;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks++;
        bytes += value.byteLength;
        expect(browse.mock.calls.length).toBeLessThanOrEqual(chunks + 1);
      }
      expect(browse.mock.calls.length).toBe(6);
      expect(chunks).toBe(6);
      expect(bytes).toBeGreaterThan(total * 100);
    } finally {
      browse.mockRestore();
    }
  });

  it('a selection of large messages is cut into pages by their bodies, looked up one by one', async () => {
    broker.createTopic({ name: 'large', messageType: 'NORMAL', queueNums: 1 });
    const size = 3 << 20;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await broker.put({ topic: 'large', body: Buffer.alloc(size, 97 + i) })).messageId);
    const find = vi.spyOn(broker, 'describeMessage');
    try {
      const chunks = (await chunksOf((await exportOf(`ids=${ids.join(',')}`)).body!)).map((c) => c.split('\n').filter(Boolean));
      // 8 MiB per page: three 3 MiB bodies reach it, the fourth is the next page.
      const perPage = Math.ceil(EXPORT_PAGE_SCAN_BYTES / size);
      expect(chunks.map((c) => c.length)).toEqual([perPage, ids.length - perPage]);
      expect(find).toHaveBeenCalledTimes(ids.length);
      const lines = chunks.flat().map((l) => JSON.parse(l) as NdjsonMessage);
      expect(lines.map((l) => l.messageId)).toEqual(ids);
    } finally {
      find.mockRestore();
    }
  });

  it('stops reading the engine when the client goes away mid-export', async () => {
    const browse = vi.spyOn(broker, 'browseByTime');
    try {
      const res = await exportOf('topic=bulk');
      const reader = res.body!.getReader();
      await reader.read();
      await reader.cancel();
      const after = browse.mock.calls.length;
      for (let i = 0; i < 50; i++) await nextTurn();
      expect(browse.mock.calls.length).toBe(after);
    } finally {
      browse.mockRestore();
    }
  });
});

describe('key export', () => {
  const keyQuery = (key: string) => `topic=${encodeURIComponent('shop%orders')}&key=${encodeURIComponent(key)}`;

  it('downloads every message with the key, newest first as the key search lists them, over more messages than one page', async () => {
    const total = EXPORT_PAGE_MESSAGES + 100;
    const sent: string[] = [];
    for (let i = 0; i < total; i += 300) {
      const batch = await broker.putBatch(Array.from({ length: 300 }, (_, j) => ({ topic: 'shop%orders', body: `keyed ${i + j}`, keys: ['shared-key', `own-${i + j}`] })));
      sent.push(...batch.map((b) => b.messageId));
    }
    await broker.put({ topic: 'shop%orders', body: 'another key', keys: ['other-key'] });
    const lookups = vi.spyOn(broker, 'queryByKey');
    try {
      const res = await exportOf(keyQuery('shared-key'));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="orders-key-shared-key-.*\.ndjson"/);
      const lines = await ndjsonOfResponse<NdjsonMessage>(res);
      expect(lines).toHaveLength(total);
      expect(lines.map((l) => l.messageId)).toEqual([...sent].reverse());
      expect(lines[0]).toMatchObject({ topic: 'orders', namespace: 'shop', keys: ['shared-key', `own-${total - 1}`] });
      expect(Buffer.from(lines.at(-1)!.bodyBase64, 'base64').toString()).toBe('keyed 0');
      // Paged with the index's `before` cursor: the first page sized for the instance's largest message (4 MiB),
      // the next ones for the small bodies seen, each from where the last one ended.
      const asked = lookups.mock.calls.map(([, , opts]) => opts);
      expect(asked.map((o) => o?.limit)).toEqual([keyPageMessages(4 << 20), EXPORT_PAGE_MESSAGES, EXPORT_PAGE_MESSAGES]);
      expect(asked[0]?.before).toBeUndefined();
      expect(asked.slice(1).every((o) => typeof o?.before === 'number')).toBe(true);
    } finally {
      lookups.mockRestore();
    }
  });

  it('reads the next page of the index only when the client has read the previous one', async () => {
    const lookups = vi.spyOn(broker, 'queryByKey');
    try {
      const reader = (await exportOf(keyQuery('shared-key'))).body!.getReader();
      expect((await reader.read()).done).toBe(false);
      for (let i = 0; i < 50; i++) await nextTurn();
      expect(lookups.mock.calls.length).toBeLessThanOrEqual(2);
      await reader.cancel();
    } finally {
      lookups.mockRestore();
    }
  });

  it('a key nobody sent downloads an empty file, and a page holds fewer of large messages', async () => {
    expect(await ndjsonOfResponse(await exportOf(keyQuery('no-such-key')))).toEqual([]);
    expect(keyPageMessages(4 << 20)).toBe(2);
    expect(keyPageMessages(100)).toBe(EXPORT_PAGE_MESSAGES);
  });

  it('answers 401 without a session, and 400 for a key without its topic or with a time range', async () => {
    const anonymous = await exportOf(keyQuery('shared-key'), null);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ code: 'UNAUTHENTICATED', message: 'Sign in to continue' });
    const noTopic = await exportOf('key=shared-key');
    expect(noTopic.status).toBe(400);
    expect(((await noTopic.json()) as { message: string }).message).toMatch(/needs the topic/);
    const ranged = await exportOf(`${keyQuery('shared-key')}&begin=0`);
    expect(ranged.status).toBe(400);
    expect(((await ranged.json()) as { message: string }).message).toMatch(/topic and a key only, not begin/);
    expect((await exportOf(`topic=missing&key=shared-key`)).status).toBe(404);
  });
});

/** Everything a stream gives, chunk by chunk, as text. */
async function chunksOf(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const reader = stream.getReader();
  const out: string[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(Buffer.from(r.value).toString());
  return out;
}

/** A page source giving `pages` in turn. */
function pagesOf(...pages: (ExportPage | Error)[]): () => Promise<ExportPage> {
  return async () => {
    const p = pages.shift()!;
    if (p instanceof Error) throw p;
    return p;
  };
}

describe('the export stream', () => {
  const log = { instanceId: I, export: 'topic' } as const;

  it('reads on over pages without a match, sending a blank line once the keepalive time has passed without one', async () => {
    const empty = { text: '', done: false };
    expect(await chunksOf(pagedStream(pagesOf(empty, empty, { text: 'a\n', done: true }), log, 0))).toEqual(['\n', '\n', 'a\n']);
    expect(await chunksOf(pagedStream(pagesOf(empty, empty, { text: 'a\n', done: true }), log))).toEqual(['a\n']);
  });

  it('a page that fails ends the download with an error (never a clean end) and logs export.failed once', async () => {
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    try {
      const reader = pagedStream(pagesOf({ text: 'a\n', done: false }, new Error('disk gone')), log).getReader();
      expect((await reader.read()).done).toBe(false);
      await expect(reader.read()).rejects.toThrow(/failed to answer/);
      expect(error).toHaveBeenCalledTimes(1);
      expect(error.mock.calls[0]![0]).toEqual({ event: 'export.failed', instanceId: I, export: 'topic', code: 'INTERNAL_SERVER_ERROR', err: 'disk gone' });
    } finally {
      error.mockRestore();
    }
  });
});

describe('dead-letter export', () => {
  it("downloads a group's dead letters under their original topic, with why they failed, filtered like the list", async () => {
    const ids = await makeDeadLetters(broker, 'payments', 'settle', [{ body: 'p1', tag: 'card' }, { body: 'p2', tag: 'wire' }]);
    const req = await t.request(`/api/instances/${I}/groups/settle/dead-letters/export?match=${encodeURIComponent(JSON.stringify({ tag: 'card' }))}`, 'viewer');
    const res = await exportDeadLetters(req, t.deps, I, 'settle');
    expect(res.headers.get('content-disposition')).toMatch(/filename="dlq-settle-/);
    const lines = await ndjsonOfResponse<NdjsonMessage>(res);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ topic: 'payments', tag: 'card', deadLetter: { group: 'settle', originMessageId: ids[0], attempts: 1, reason: 'CLIENT_FORWARDED' } });
    expect(Buffer.from(lines[0]!.bodyBase64, 'base64').toString()).toBe('p1');
  });

  it('takes the list\'s time range: only the letters dead-lettered within it, and 400 for an end before the start', async () => {
    const before = await makeDeadLetters(broker, 'refunds', 'refund', ['r1']);
    const dlqExport = async (query: string) => exportDeadLetters(await t.request(`/api/instances/${I}/groups/refund/dead-letters/export?${query}`, 'viewer'), t.deps, I, 'refund');
    const [first] = await ndjsonOfResponse<NdjsonMessage>(await dlqExport(''));
    const at = first!.storeTimestamp;
    await waitUntil(() => Date.now() > at, { what: 'the clock to pass the first letter' });
    const later = await makeDeadLetters(broker, 'refunds', 'refund', ['r2']);
    const origins = async (query: string) => (await ndjsonOfResponse<NdjsonMessage>(await dlqExport(query))).map((l) => l.deadLetter!.originMessageId);
    expect(await origins(`end=${at}`)).toEqual(before);
    expect(await origins(`begin=${at + 1}`)).toEqual(later);
    expect(await origins(`begin=${Date.now() + 60_000}`)).toEqual([]);
    const backwards = await dlqExport(`begin=${at + 1}&end=${at}`);
    expect(backwards.status).toBe(400);
    expect(((await backwards.json()) as { message: string }).message).toBe('The end must not be before the start');
  });

  it('answers 404 for a group that does not exist', async () => {
    const res = await exportDeadLetters(await t.request(`/api/instances/${I}/groups/ghost/dead-letters/export`, 'viewer'), t.deps, I, 'ghost');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('GROUP_NOT_FOUND');
  });
});

describe('single-message downloads', () => {
  it('the body downloads as its exact bytes and the whole message as JSON in the shape of an export line', async () => {
    const body = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]);
    const sent = await broker.put({ topic: 'shop%orders', body, tag: 'bin', keys: ['k1'], properties: { p: 'v' } });
    const req = await t.request(`/api/instances/${I}/messages/${sent.messageId}/body`, 'viewer');
    const res = await downloadBody(req, t.deps, I, sent.messageId);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`${sent.messageId}.bin`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(body);

    const json = await downloadJson(await t.request(`/api/instances/${I}/messages/${sent.messageId}/json`, 'viewer'), t.deps, I, sent.messageId);
    const m = (await json.json()) as NdjsonMessage;
    expect(m).toMatchObject({ messageId: sent.messageId, topic: 'orders', namespace: 'shop', tag: 'bin', keys: ['k1'], properties: { p: 'v' }, queueOffset: sent.queueOffset });
    expect(Buffer.from(m.bodyBase64, 'base64')).toEqual(body);
  });

  it('an unknown id answers 404 MESSAGE_NOT_FOUND, and a signed-out caller 401', async () => {
    const res = await downloadBody(await t.request(`/api/instances/${I}/messages/nope/body`, 'viewer'), t.deps, I, 'nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('MESSAGE_NOT_FOUND');
    expect((await downloadJson(await t.request(`/api/instances/${I}/messages/nope/json`, null), t.deps, I, 'nope')).status).toBe(401);
  });
});
