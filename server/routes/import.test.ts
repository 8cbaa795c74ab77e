/** Import over HTTP: operators only and audited, every line validated with its number, batches stored whole or not at all. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Broker } from '../broker/index.ts';
import { waitUntil } from '../broker/test-support.ts';
import { testInstance } from '../console-test-env.ts';
import type { ImportEvent, NdjsonMessage } from '../message-ndjson.ts';
import type { Role } from '../schemas.ts';
import { exportMessages } from './export.ts';
import { IMPORT_BATCH_MESSAGES, importClientId, importMessages, MAX_REPORTED_LINES } from './import.ts';
import { ndjsonOfResponse, startRouteTestEnv, type RouteTestEnv } from './route-test-env.ts';

const I = 'imp';
let t: RouteTestEnv;
let broker: Broker;

beforeAll(async () => {
  t = await startRouteTestEnv();
  await t.env.runtime.start(testInstance(I));
  broker = t.env.runtime.get(I)!.broker!;
});

afterAll(() => t.close());

let topics = 0;
function newTopic(messageType: 'NORMAL' | 'FIFO' | 'TRANSACTION' = 'NORMAL'): string {
  const name = `t${++topics}`;
  broker.createTopic({ name, messageType, queueNums: 2 });
  return name;
}

async function importInto(topic: string, file: string, role: Role | null = 'operator'): Promise<Response> {
  const req = await t.request(`/api/instances/${I}/messages/import?topic=${encodeURIComponent(topic)}`, role, { method: 'POST', body: file, headers: { 'content-type': 'application/x-ndjson' } });
  return importMessages(req, t.deps, I);
}

function stored(topic: string) {
  return broker.browseByTime(topic, { beginMs: 0, endMs: Date.now(), order: 'oldest', limit: 1000 }).messages;
}

async function auditOf(target: string) {
  return waitUntil(() => t.env.db.auditEvent.findFirst({ where: { action: 'message.import', target }, orderBy: { at: 'desc' } }), { what: `the audit event of the import into ${target}` });
}

const line = (n: number, extra: Record<string, unknown> = {}) => JSON.stringify({ body: `message ${n}`, keys: [`k${n}`], ...extra });

describe('who may import', () => {
  it('a viewer is refused with 403, and the refusal is audited like a tRPC mutation', async () => {
    const topic = newTopic();
    const res = await importInto(topic, line(1), 'viewer');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ code: 'FORBIDDEN', message: 'This action needs the operator role; you are viewer' });
    expect(await auditOf(`${I}/${topic}`)).toMatchObject({ actor: 'route-viewer', result: 'error', errorCode: 'FORBIDDEN', instanceId: I });
    expect(stored(topic)).toHaveLength(0);
  });

  it('a TRANSACTION topic is refused before anything is read', async () => {
    const res = await importInto(newTopic('TRANSACTION'), line(1));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('UNSUPPORTED_FROM_CONSOLE');
  });
});

describe('import', () => {
  it('an exported topic imports into another topic with the same bodies, tags, keys, properties and born times', async () => {
    const from = newTopic();
    await broker.put({ topic: from, body: '{"id":1}', tag: 'created', keys: ['a', 'b'], properties: { region: 'eu' }, bornTimestamp: 1_700_000_000_000 });
    await broker.put({ topic: from, body: Buffer.from([0, 255, 1]), tag: 'raw' });
    const file = await (await exportMessages(await t.request(`/api/instances/${I}/messages/export?topic=${from}`, 'viewer'), t.deps, I)).text();
    const to = newTopic();
    const res = await importInto(to, file);
    expect(res.status).toBe(200);
    const events = await ndjsonOfResponse<ImportEvent>(res);
    expect(events.at(-1)).toEqual({ type: 'done', imported: 2, lines: 2, complete: true, errors: 0 });
    const fields = (topic: string) => stored(topic).map((m) => ({ body: m.body.toString('hex'), tag: m.tag, keys: m.keys, born: m.bornTimestamp, region: m.properties.region })).sort((a, b) => a.tag.localeCompare(b.tag));
    expect(fields(to)).toEqual(fields(from));
    expect(fields(to)[0]).toMatchObject({ tag: 'created', region: 'eu', born: 1_700_000_000_000 });
    const originalIds = stored(from).map((m) => m.messageId);
    expect(stored(to).filter((m) => originalIds.includes(m.messageId))).toEqual([]);
    expect(await auditOf(`${I}/${to}`)).toMatchObject({ actor: 'route-operator', result: 'ok' });
  });

  it('a file a script wrote with only bodies imports, and reports its progress batch by batch', async () => {
    const to = newTopic();
    const n = IMPORT_BATCH_MESSAGES * 2 + 10;
    const file = Array.from({ length: n }, (_, i) => JSON.stringify({ body: `b${i}` })).join('\n');
    const events = await ndjsonOfResponse<ImportEvent>(await importInto(to, file));
    expect(events.filter((e) => e.type === 'progress')).toEqual([
      { type: 'progress', lines: IMPORT_BATCH_MESSAGES, imported: IMPORT_BATCH_MESSAGES },
      { type: 'progress', lines: IMPORT_BATCH_MESSAGES * 2, imported: IMPORT_BATCH_MESSAGES * 2 },
      { type: 'progress', lines: n, imported: n },
    ]);
    expect(stored(to)).toHaveLength(n);
  });

  it("an imported message's trace names the console import and the operator as its producer", async () => {
    const to = newTopic();
    const events = await ndjsonOfResponse<ImportEvent>(await importInto(to, line(1)));
    expect(events.at(-1)).toMatchObject({ type: 'done', imported: 1 });
    const [m] = stored(to);
    const produced = (await broker.traceOf(m!.messageId)).find((e) => e.step === 'PRODUCED');
    expect(produced).toMatchObject({ clientId: importClientId('route-operator'), status: 'OK' });
    expect(importClientId('route-operator')).toBe('console import by route-operator');
  });

  it('a bad line is reported with its number; its batch and everything after it are not stored, and every later bad line is still named', async () => {
    const to = newTopic();
    const bad1 = IMPORT_BATCH_MESSAGES + 40;
    const bad2 = IMPORT_BATCH_MESSAGES * 2 + 5;
    const lines = Array.from({ length: IMPORT_BATCH_MESSAGES * 3 }, (_, i) => {
      const n = i + 1;
      if (n === bad1) return '{"body": "unterminated';
      if (n === bad2) return line(n, { tag: 'a|b' });
      return line(n);
    });
    const res = await importInto(to, lines.join('\n'));
    expect(res.status).toBe(200);
    const events = await ndjsonOfResponse<ImportEvent>(res);
    expect(events.filter((e) => e.type === 'invalid').map((e) => e.type === 'invalid' && e.line)).toEqual([bad1, bad2]);
    expect(events.find((e) => e.type === 'invalid')).toMatchObject({ error: expect.stringMatching(/^Not JSON/) });
    expect(events.filter((e) => e.type === 'refused')).toEqual([{ type: 'refused', fromLine: IMPORT_BATCH_MESSAGES + 1, toLine: IMPORT_BATCH_MESSAGES * 2 }]);
    expect(events.at(-1)).toEqual({ type: 'done', imported: IMPORT_BATCH_MESSAGES, lines: IMPORT_BATCH_MESSAGES * 3, complete: false, errors: 2 });
    // Exactly the first batch, whole: nothing of the refused batch, nothing after it.
    expect(stored(to).map((m) => m.keys[0]).sort()).toEqual(Array.from({ length: IMPORT_BATCH_MESSAGES }, (_, i) => `k${i + 1}`).sort());
    expect(await auditOf(`${I}/${to}`)).toMatchObject({ result: 'error', errorCode: 'INVALID_LINES', errorMessage: expect.stringContaining(`the first at line ${bad1}`) });
  });

  it("lines the topic or the engine's rules refuse are named too: a message of another type, a body over the instance's limit", async () => {
    const to = newTopic('FIFO');
    const big = Buffer.alloc((4 << 20) + 1).toString('base64');
    const file = [line(1, { messageType: 'NORMAL' }), JSON.stringify({ bodyBase64: big }), line(3, { messageGroup: 'g' })].join('\n');
    const events = await ndjsonOfResponse<ImportEvent>(await importInto(to, file));
    expect(events.filter((e) => e.type === 'invalid')).toEqual([
      { type: 'invalid', line: 1, error: 'messageType: a NORMAL message does not go into a FIFO topic' },
      { type: 'invalid', line: 2, error: `body: ${(4 << 20) + 1} bytes; the limit of this instance is ${4 << 20} bytes` },
    ]);
    expect(stored(to)).toHaveLength(0);
  });

  it('names the first bad lines one by one and counts the rest', async () => {
    const to = newTopic();
    const events = await ndjsonOfResponse<ImportEvent>(await importInto(to, Array.from({ length: MAX_REPORTED_LINES + 20 }, () => '{}').join('\n')));
    expect(events.filter((e) => e.type === 'invalid')).toHaveLength(MAX_REPORTED_LINES);
    expect(events.at(-1)).toMatchObject({ type: 'done', imported: 0, errors: MAX_REPORTED_LINES + 20 });
  });

  it('round-trips the format: every exported field a re-send needs is read back', async () => {
    const from = newTopic('FIFO');
    await broker.put({ topic: from, body: 'x', messageGroup: 'order-7', tag: 't', bornHost: '10.1.1.1:9' });
    const [exported] = await ndjsonOfResponse<NdjsonMessage>(await exportMessages(await t.request(`/api/instances/${I}/messages/export?topic=${from}`, 'viewer'), t.deps, I));
    expect(exported).toMatchObject({ messageType: 'FIFO', messageGroup: 'order-7', bornHost: '10.1.1.1:9' });
    const to = newTopic('FIFO');
    await ndjsonOfResponse(await importInto(to, JSON.stringify(exported)));
    const [copy] = stored(to);
    expect(copy).toMatchObject({ tag: 't', bornHost: '10.1.1.1:9', properties: expect.objectContaining({ __MESSAGE_GROUP: 'order-7', __MESSAGE_TYPE: 'FIFO' }) });
  });
});
