import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../schemas.ts';
import { startConsoleTestEnv, testInstance, testUser, trpcCode as codeOf, trpcError as errorOf, type ConsoleTestEnv } from '../console-test-env.ts';

let env: ConsoleTestEnv;

function as(role: Role | null) {
  return env.caller(role ? testUser(role) : null);
}

beforeAll(async () => {
  env = await startConsoleTestEnv();
  await env.runtime.start(testInstance('inst-1'));
});

afterAll(() => env.close());

describe('topic router (real SQLite + real embedded engine)', () => {
  it('operators create topics; everyone signed in lists them with server-side paging, sort and search', async () => {
    await as('operator').topic.create({ instanceId: 'inst-1', name: 'orders', messageType: 'FIFO', queueNums: 4, description: 'order events' });
    await as('admin').topic.create({ instanceId: 'inst-1', name: 'payments' });
    const broker = env.runtime.get('inst-1')!.broker!;
    await broker.put({ topic: 'payments', body: 'p1' });

    const page = await as('viewer').topic.list({ instanceId: 'inst-1', sort: 'messageCount', dir: 'desc', pageSize: 1 });
    expect(page.total).toBe(2);
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]).toMatchObject({ name: 'payments', messageCount: 1, messageType: 'NORMAL' });
    const found = await as('viewer').topic.list({ instanceId: 'inst-1', search: 'ORDER' });
    expect(found.rows.map((r) => [r.name, r.messageType, r.readQueueNums, r.description])).toEqual([['orders', 'FIFO', 4, 'order events']]);
  });

  it('refuses viewers and anonymous callers, and reports engine errors with their code', async () => {
    expect(await codeOf(as('viewer').topic.create({ instanceId: 'inst-1', name: 'nope' }))).toBe('FORBIDDEN');
    expect(await codeOf(as(null).topic.list({ instanceId: 'inst-1' }))).toBe('UNAUTHORIZED');
    expect(await codeOf(as('operator').topic.create({ instanceId: 'inst-1', name: 'bad name!' }))).toBe('BAD_REQUEST');
    expect(await codeOf(as('operator').topic.create({ instanceId: 'inst-1', name: 'orders' }))).toBe('CONFLICT');
    expect(await codeOf(as('viewer').topic.get({ instanceId: 'inst-1', name: 'missing' }))).toBe('NOT_FOUND');
    expect(await codeOf(as('viewer').topic.list({ instanceId: 'no-such-instance' }))).toBe('NOT_FOUND');
  });

  it('operators change queues and description; viewers cannot', async () => {
    const t = await as('operator').topic.update({ instanceId: 'inst-1', name: 'orders', queueNums: 6, description: 'renamed' });
    expect([t.readQueueNums, t.writeQueueNums, t.attributes.description]).toEqual([6, 6, 'renamed']);
    expect(await codeOf(as('viewer').topic.update({ instanceId: 'inst-1', name: 'orders', queueNums: 2 }))).toBe('FORBIDDEN');
  });

  it('sends a message from the console, validated against the topic type', async () => {
    await as('operator').topic.create({ instanceId: 'inst-1', name: 'fifo-t', messageType: 'FIFO', queueNums: 2 });
    await as('operator').topic.create({ instanceId: 'inst-1', name: 'tx-t', messageType: 'TRANSACTION' });
    await as('operator').topic.create({ instanceId: 'inst-1', name: 'later', messageType: 'DELAY' });
    expect(await codeOf(as('operator').topic.send({ instanceId: 'inst-1', name: 'fifo-t', body: 'x' }))).toBe('BAD_REQUEST');
    expect(await codeOf(as('operator').topic.send({ instanceId: 'inst-1', name: 'tx-t', body: 'x' }))).toBe('BAD_REQUEST');
    expect(await codeOf(as('viewer').topic.send({ instanceId: 'inst-1', name: 'fifo-t', body: 'x', messageGroup: 'g' }))).toBe('FORBIDDEN');
    const sent = await as('operator').topic.send({ instanceId: 'inst-1', name: 'fifo-t', body: 'hello', messageGroup: 'g1', tag: 'T', properties: { a: '1' } });
    expect(sent).toMatchObject({ queueOffset: 0, scheduled: false });
    const stored = env.runtime.get('inst-1')!.broker!.getMessageById(sent.messageId);
    expect([stored.body.toString(), stored.tag, stored.properties.a]).toEqual(['hello', 'T', '1']);
    const later = await as('operator').topic.send({ instanceId: 'inst-1', name: 'later', body: 'soon', deliverAt: Date.now() + 3_600_000 });
    expect(later.scheduled).toBe(true);
    const pending = await as('viewer').topic.pending({ instanceId: 'inst-1', name: 'later' });
    expect(pending.scheduled.reduce((n, b) => n + b.count, 0)).toBe(1);
  });

  it('answers each engine error with the HTTP class its code implies, the engine code as appCode and in the audit', async () => {
    await env.runtime.start(testInstance('small', { name: 'small', maxMessageSize: 1024 }));
    await as('operator').topic.create({ instanceId: 'small', name: 'big', queueNums: 2 });
    expect(await errorOf(as('operator').topic.send({ instanceId: 'small', name: 'big', body: 'x'.repeat(1025) }))).toEqual({ code: 'PAYLOAD_TOO_LARGE', appCode: 'MESSAGE_TOO_LARGE' });
    expect(await errorOf(as('operator').topic.create({ instanceId: 'small', name: 'big' }))).toEqual({ code: 'CONFLICT', appCode: 'TOPIC_EXISTS' });
    expect(await errorOf(as('operator').topic.send({ instanceId: 'small', name: 'big', body: 'x', queueId: 2 }))).toEqual({ code: 'NOT_FOUND', appCode: 'QUEUE_NOT_FOUND' });
    expect(await errorOf(as('viewer').topic.get({ instanceId: 'small', name: 'missing' }))).toEqual({ code: 'NOT_FOUND', appCode: 'TOPIC_NOT_FOUND' });
    const audit = await env.db.auditEvent.findMany({ where: { instanceId: 'small', result: 'error' }, orderBy: { at: 'asc' } });
    expect(audit.map((e) => [e.action, e.target, e.errorCode])).toEqual([
      ['topic.send', 'small/big', 'MESSAGE_TOO_LARGE'],
      ['topic.create', 'small/big', 'TOPIC_EXISTS'],
      ['topic.send', 'small/big', 'QUEUE_NOT_FOUND'],
    ]);
  });

  it('accepts a body up to the instance limit (4 MiB by default), not a fixed 1 MiB', async () => {
    const sent = await as('operator').topic.send({ instanceId: 'inst-1', name: 'orders', body: 'y'.repeat(3 * 1024 * 1024), messageGroup: 'g' });
    expect(env.runtime.get('inst-1')!.broker!.getMessageById(sent.messageId).body.length).toBe(3 * 1024 * 1024);
  });

  it('names the instance problem: unknown, or not running', async () => {
    expect(await errorOf(as('viewer').topic.list({ instanceId: 'no-such-instance' }))).toEqual({ code: 'NOT_FOUND', appCode: 'INSTANCE_NOT_FOUND' });
    const port = env.runtime.get('inst-1')!.endpoint!.port;
    const blocked = await env.runtime.start(testInstance('blocked', { name: 'blocked', grpcPort: port }));
    expect(blocked.status).toBe('error');
    expect(await errorOf(as('viewer').topic.list({ instanceId: 'blocked' }))).toEqual({ code: 'PRECONDITION_FAILED', appCode: 'INSTANCE_NOT_RUNNING' });
  });

  it('deletes a topic', async () => {
    await as('operator').topic.delete({ instanceId: 'inst-1', name: 'payments' });
    const names = (await as('viewer').topic.list({ instanceId: 'inst-1' })).rows.map((r) => r.name);
    expect(names).toContain('orders');
    expect(names).not.toContain('payments');
  });
});
