/** The audit log names targets by instance name and shows what each action was given. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleTestEnv, testUser, type ConsoleTestEnv } from '../console-test-env.ts';
import type { Role } from '../schemas.ts';

let env: ConsoleTestEnv;
let eu1: string;
let eu2: string;
let startedAt: number;

function as(role: Role) {
  return env.caller(testUser(role, `${role}-olga`));
}

beforeAll(async () => {
  env = await startConsoleTestEnv();
  startedAt = Date.now();
  eu1 = (await as('admin').instance.create({ name: 'eu-1', region: 'eu', grpcPort: 0 })).id;
  eu2 = (await as('admin').instance.create({ name: 'eu-2', region: 'eu', grpcPort: 0 })).id;
  await as('operator').namespace.create({ instanceId: eu1, name: 'shop' });
  await as('operator').topic.create({ instanceId: eu1, namespace: 'shop', name: 'orders', description: 'order events' });
  await as('operator').topic.create({ instanceId: eu1, namespace: 'shop', name: 'orders' }).catch(() => undefined);
  await as('operator').topic.update({ instanceId: eu1, name: 'shop%orders', queueNums: 4 });
  await as('operator').topic.create({ instanceId: eu2, name: 'gone' });
  await as('admin').instance.delete({ instanceId: eu2, confirmName: 'eu-2' });
});

afterAll(() => env.close());

describe('audit.list', () => {
  it('names the instance by its name and a namespaced resource by its parts', async () => {
    const { rows } = await as('operator').audit.list({ instanceId: eu1, action: 'topic.' });
    expect(rows.map((r) => [r.action, r.targetLabel, r.result])).toEqual([
      ['topic.update', 'eu-1 / shop / orders', 'ok'],
      ['topic.create', 'eu-1 / shop / orders', 'error'],
      ['topic.create', 'eu-1 / shop / orders', 'ok'],
    ]);
    expect(rows.every((r) => !r.targetLabel.includes(eu1))).toBe(true);
  });

  it("shows each event's input as pairs, without the instance id, and a failure's code", async () => {
    const { rows } = await as('operator').audit.list({ instanceId: eu1, action: 'topic.create' });
    expect(rows[1]!.detail).toEqual([
      { key: 'namespace', value: 'shop' },
      { key: 'name', value: 'orders' },
      { key: 'description', value: 'order events' },
    ]);
    expect(rows[0]!.detail).toEqual([
      { key: 'namespace', value: 'shop' },
      { key: 'name', value: 'orders' },
      { key: 'error', value: 'TOPIC_EXISTS' },
      { key: 'message', value: 'Topic "shop%orders" already exists' },
    ]);
    const update = (await as('operator').audit.list({ action: 'topic.update' })).rows[0]!;
    expect(update.detail).toEqual([
      { key: 'name', value: 'shop%orders' },
      { key: 'queueNums', value: '4' },
    ]);
  });

  it('keeps the id of an instance deleted since, the only name its events still have', async () => {
    const { rows } = await as('operator').audit.list({ instanceId: eu2 });
    expect(rows.map((r) => [r.action, r.targetLabel])).toEqual([
      ['instance.delete', eu2],
      ['topic.create', `${eu2} / gone`],
    ]);
    const created = await as('operator').audit.list({ action: 'instance.create' });
    expect(created.rows.map((r) => r.targetLabel)).toEqual(['eu-2', 'eu-1']);
  });

  it('filters by actor, result and time range on the server, and pages', async () => {
    expect((await as('operator').audit.list({ actor: 'admin-olga' })).total).toBe(3);
    expect((await as('operator').audit.list({ result: 'error' })).rows.map((r) => r.errorCode)).toEqual(['TOPIC_EXISTS']);
    expect((await as('operator').audit.list({ until: startedAt - 1 })).total).toBe(0);
    const all = await as('operator').audit.list({ since: startedAt, until: Date.now() });
    expect(all.total).toBe(8);
    const second = await as('operator').audit.list({ since: startedAt, page: 2, pageSize: 3 });
    expect(second.rows.map((r) => r.id)).toEqual(all.rows.slice(3, 6).map((r) => r.id));
  });
});
