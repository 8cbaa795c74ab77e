import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.MERIDIAN_LOG_LEVEL ??= 'warn';
});

import { Broker } from '../server/broker/index.ts';
import { applyBootstrap, BootstrapError, readBootstrap, type Bootstrap } from './bootstrap.ts';

const tempDirs: string[] = [];
const brokers: Broker[] = [];

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-bootstrap-'));
  tempDirs.push(dir);
  return dir;
}

function writeFile(content: unknown, raw = false): string {
  const file = path.join(tempDir(), 'resources.json');
  fs.writeFileSync(file, raw ? String(content) : JSON.stringify(content));
  return file;
}

async function openBroker(dataDir = tempDir()): Promise<Broker> {
  const b = await Broker.open({ dataDir, segmentSize: 1024 * 1024, maxMessageSize: 64 * 1024, indexSlots: 4096, indexEntries: 16_384 });
  brokers.push(b);
  return b;
}

async function closeBroker(b: Broker): Promise<void> {
  brokers.splice(brokers.indexOf(b), 1);
  await b.close();
}

/** The error readBootstrap throws for this content. */
function errorFor(content: unknown, raw = false): BootstrapError {
  const file = writeFile(content, raw);
  try {
    readBootstrap(file);
  } catch (e) {
    expect(e).toBeInstanceOf(BootstrapError);
    return e as BootstrapError;
  }
  throw new Error(`readBootstrap accepted ${raw ? String(content) : JSON.stringify(content)}`);
}

describe('readBootstrap', () => {
  it('reads a valid file, defaulting absent sections to empty lists', () => {
    const full: Bootstrap = {
      namespaces: ['ns1'],
      topics: [{ name: 'orders', namespace: 'ns1', type: 'FIFO', queues: 4 }],
      groups: [{ name: 'billing', namespace: 'ns1', fifo: true, maxDeliveryAttempts: 5 }],
      users: [{ username: 'app', password: 'app-secret-1', userType: 'NORMAL', userStatus: 'ENABLE' }],
      acls: [{ subject: 'User:app', policies: [{ policyType: 'CUSTOM', entries: [{ resource: 'Topic:orders', actions: ['PUB'], sourceIps: [], decision: 'ALLOW' }] }] }],
    };
    expect(readBootstrap(writeFile(full))).toEqual(full);
    expect(readBootstrap(writeFile({}))).toEqual({ namespaces: [], topics: [], groups: [], users: [], acls: [] });
    expect(readBootstrap(writeFile({ topics: [{ name: 'a' }] }))).toEqual({ namespaces: [], topics: [{ name: 'a' }], groups: [], users: [], acls: [] });
  });

  it.each([
    ['users[0].password', { users: [{ username: 'app', password: 'short' }] }],
    ['users[0].userType', { users: [{ username: 'app', password: 'long-enough', userType: 'ROOT' }] }],
    ['acls[0].subject', { acls: [{ subject: 'app', policies: [] }] }],
    ['acls[0].policies[0].entries[0].resource', { acls: [{ subject: 'User:app', policies: [{ entries: [{ resource: 'Topic:a*b', actions: ['PUB'], decision: 'ALLOW' }] }] }] }],
    ['acls[0].policies[0].entries[0].sourceIps[0]', { acls: [{ subject: 'User:app', policies: [{ entries: [{ resource: 'Topic:a', actions: ['PUB'], sourceIps: ['10.0.0.0/33'], decision: 'ALLOW' }] }] }] }],
    ['acls[0].policies[0].entries[0].actions[0]', { acls: [{ subject: 'User:app', policies: [{ entries: [{ resource: 'Topic:a', actions: ['PUBLISH'], decision: 'ALLOW' }] }] }] }],
    ['topics[0].type', { topics: [{ name: 'a', type: 'BOGUS' }] }],
    ['topics[1].type', { topics: [{ name: 'a' }, { name: 'b', type: 'normal' }] }],
    ['topics[0].queues', { topics: [{ name: 'a', queues: 0 }] }],
    ['topics[0].queues', { topics: [{ name: 'a', queues: 1.5 }] }],
    ['topics[0].queues', { topics: [{ name: 'a', queues: 5000 }] }],
    ['topics[0].queues', { topics: [{ name: 'a', queues: '8' }] }],
    ['topics[0].name', { topics: [{ type: 'NORMAL' }] }],
    ['topics[0].namespace', { topics: [{ name: 'a', namespace: 7 }] }],
    ['groups[0].fifo', { groups: [{ name: 'g', fifo: 'yes' }] }],
    ['groups[0].maxDeliveryAttempts', { groups: [{ name: 'g', maxDeliveryAttempts: 0 }] }],
    ['groups[2].maxDeliveryAttempts', { groups: [{ name: 'a' }, { name: 'b' }, { name: 'g', maxDeliveryAttempts: 2.5 }] }],
    ['groups[0].name', { groups: [{}] }],
    ['namespaces[1]', { namespaces: ['ok', 3] }],
    ['namespaces', { namespaces: 'ns1' }],
    ['topics', { topics: { name: 'a' } }],
  ])('names the bad field %s', (field, content) => {
    const e = errorFor(content);
    expect(e.message).toContain(field);
    expect(e.message).toContain('Invalid bootstrap file');
  });

  it('names the file in its errors', () => {
    const file = writeFile({ topics: [{ name: 'a', type: 'X' }] });
    expect(() => readBootstrap(file)).toThrow(file);
  });

  it('reports every bad field, not just the first', () => {
    const e = errorFor({ topics: [{ name: 'a', type: 'X' }], groups: [{ name: 'g', fifo: 1 }] });
    expect(e.message).toContain('topics[0].type');
    expect(e.message).toContain('groups[0].fifo');
  });

  it.each([
    ['a top-level key', { topic: [] }, 'topic'],
    ['a key in a topic', { topics: [{ name: 'a', queueNums: 4 }] }, 'queueNums'],
    ['a key in a group', { groups: [{ name: 'g', retries: 3 }] }, 'retries'],
  ])('rejects unknown keys: %s', (_what, content, key) => {
    const e = errorFor(content);
    expect(e.message).toContain(key);
    expect(e.message).toMatch(/unrecognized/i);
  });

  it('rejects a root that is not an object', () => {
    for (const content of [[], null, 'x', 3]) {
      const e = errorFor(content);
      expect(e.message).toContain('(root)');
    }
  });

  it('gives a clear error for a missing file', () => {
    const file = path.join(tempDir(), 'nope.json');
    expect(() => readBootstrap(file)).toThrow(BootstrapError);
    expect(() => readBootstrap(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*(ENOENT|no such file)`));
  });

  it('gives a clear error for bad JSON', () => {
    for (const raw of ['{"topics": [', '', '{topics: []}', '{"a":1,}']) {
      const e = errorFor(raw, true);
      expect(e.message).toContain('resources.json');
      expect(e.message).toMatch(/JSON|Unexpected|position/i);
    }
  });

  it('refuses resource names the broker would refuse, naming the field, before creating anything', async () => {
    // Either readBootstrap or applyBootstrap may refuse the name, but the error must say where it is (the
    // standalone broker prints it), and a refused file must not be half applied.
    const cases = [
      ['topics[0].name', { namespaces: ['ok-ns'], topics: [{ name: 'bad name!' }] }],
      ['topics[1].name', { namespaces: ['ok-ns'], topics: [{ name: 'fine' }, { name: '' }] }],
      ['groups[0].name', { namespaces: ['ok-ns'], groups: [{ name: 'has space' }] }],
      ['namespaces[1]', { namespaces: ['ok-ns', 'bad%ns'] }],
      ['topics[0].namespace', { namespaces: ['ok-ns'], topics: [{ name: 'a', namespace: 'bad ns' }] }],
      ['topics[0].name', { namespaces: ['ok-ns'], topics: [{ name: 'rmq_sys_reserved' }] }],
    ] as const;
    const failures: string[] = [];
    for (const [field, content] of cases) {
      const broker = await openBroker();
      let message = 'accepted';
      try {
        applyBootstrap(broker, readBootstrap(writeFile(content)));
      } catch (e) {
        message = (e as Error).message;
      }
      const created = broker.listNamespaces().length + broker.listTopics().length + broker.listGroups().length;
      if (!message.includes(field) || created > 0) failures.push(`${JSON.stringify(content)} -> ${message} (created ${created})`);
    }
    expect(failures).toEqual([]);
  });
});

type BootstrapInput = Parameters<typeof applyBootstrap>[1];

describe('applyBootstrap', () => {
  const first: BootstrapInput = {
    namespaces: ['shop', 'empty-ns'],
    topics: [
      { name: 'orders', namespace: 'shop', type: 'FIFO', queues: 4 },
      { name: 'events' },
      { name: 'audit', namespace: 'implied' },
    ],
    groups: [
      { name: 'billing', namespace: 'shop', fifo: true, maxDeliveryAttempts: 5 },
      { name: 'loggers' },
    ],
  };

  it('creates namespaces (listed or implied), topics and groups', async () => {
    const broker = await openBroker();
    const r = applyBootstrap(broker, first);
    expect(r).toEqual({ created: 3 + 3 + 2, updated: 0 });
    expect(broker.listNamespaces().map((n) => n.name).sort()).toEqual(['empty-ns', 'implied', 'shop']);
    const orders = broker.getTopic('shop%orders');
    expect(orders).toMatchObject({ namespace: 'shop', messageType: 'FIFO', readQueueNums: 4, writeQueueNums: 4 });
    expect(broker.getTopic('events')).toMatchObject({ namespace: '', messageType: 'NORMAL', readQueueNums: 8 });
    expect(broker.getTopic('implied%audit').namespace).toBe('implied');
    expect(broker.getGroup('shop%billing')).toMatchObject({ fifo: true, maxDeliveryAttempts: 5 });
    expect(broker.getGroup('loggers')).toMatchObject({ fifo: false, maxDeliveryAttempts: 17 });
  });

  it('updates on a second apply (queues, type, fifo, max attempts) and never deletes', async () => {
    const dataDir = tempDir();
    let broker = await openBroker(dataDir);
    applyBootstrap(broker, first);
    await broker.put({ topic: 'events', body: 'kept' });
    const second: BootstrapInput = {
      namespaces: [],
      topics: [
        { name: 'orders', namespace: 'shop', type: 'NORMAL', queues: 2 },
        { name: 'events', queues: 16 },
        { name: 'fresh', type: 'FIFO' },
      ],
      groups: [{ name: 'billing', namespace: 'shop', fifo: false, maxDeliveryAttempts: 9 }, { name: 'loggers', fifo: true }],
    };
    const r = applyBootstrap(broker, second);
    expect(r).toEqual({ created: 1, updated: 4 });
    expect(broker.getTopic('shop%orders')).toMatchObject({ messageType: 'NORMAL', readQueueNums: 2, writeQueueNums: 2 });
    // Fields the file leaves out keep their values.
    expect(broker.getTopic('events')).toMatchObject({ messageType: 'NORMAL', readQueueNums: 16, writeQueueNums: 16 });
    expect(broker.getTopic('fresh').messageType).toBe('FIFO');
    expect(broker.getGroup('shop%billing')).toMatchObject({ fifo: false, maxDeliveryAttempts: 9 });
    expect(broker.getGroup('loggers')).toMatchObject({ fifo: true, maxDeliveryAttempts: 17 });
    // Nothing was deleted: resources missing from the second file, and their messages, are still there.
    expect(broker.getTopic('implied%audit').name).toBe('implied%audit');
    expect(broker.listNamespaces().map((n) => n.name).sort()).toEqual(['empty-ns', 'implied', 'shop']);
    expect(broker.topicStats('events').messageCount).toBe(1);

    // An empty file changes nothing.
    expect(applyBootstrap(broker, { namespaces: [], topics: [], groups: [] })).toEqual({ created: 0, updated: 0 });

    // Persisted.
    await closeBroker(broker);
    broker = await openBroker(dataDir);
    expect(broker.getTopic('shop%orders')).toMatchObject({ messageType: 'NORMAL', readQueueNums: 2 });
    expect(broker.getGroup('shop%billing').maxDeliveryAttempts).toBe(9);
    expect(broker.listTopics().map((t) => t.name).sort()).toEqual(['events', 'fresh', 'implied%audit', 'shop%orders']);
  });

  it('is idempotent: applying the same file again only updates', async () => {
    const broker = await openBroker();
    applyBootstrap(broker, first);
    const before = { topics: broker.listTopics(), groups: broker.listGroups() };
    expect(applyBootstrap(broker, first)).toEqual({ created: 0, updated: 5 });
    const strip = <T extends { updatedAt: number }>(xs: T[]) => xs.map(({ updatedAt: _u, ...rest }) => rest);
    expect(strip(broker.listTopics())).toEqual(strip(before.topics));
    expect(strip(broker.listGroups())).toEqual(strip(before.groups));
  });

  it('keeps a group where it started when re-applied (no skipped or replayed messages)', async () => {
    const broker = await openBroker();
    applyBootstrap(broker, { namespaces: [], topics: [{ name: 'orders', queues: 1 }], groups: [{ name: 'g' }] });
    await broker.put({ topic: 'orders', body: 'after-group' });
    applyBootstrap(broker, { namespaces: [], topics: [{ name: 'orders', queues: 1 }], groups: [{ name: 'g', maxDeliveryAttempts: 3 }] });
    expect(broker.consumerOffset('g', 'orders', 0)).toBe(0);
  });

  it('creates and updates ACL users and merges their policies by resource; the password is sealed on disk', async () => {
    const dataDir = tempDir();
    let broker = await openBroker(dataDir);
    const boot = readBootstrap(
      writeFile({
        users: [{ username: 'app', password: 'first-secret' }, { username: 'root', password: 'root-secret', userType: 'SUPER' }],
        acls: [{ subject: 'User:app', policies: [{ entries: [{ resource: 'Topic:orders', actions: ['Pub', 'sub'], decision: 'Allow' }] }] }],
      }),
    );
    expect(applyBootstrap(broker, boot)).toEqual({ created: 2, updated: 0 });
    expect(broker.access.listUsers().map((u) => [u.username, u.userType, u.userStatus])).toEqual([
      ['app', 'NORMAL', 'ENABLE'],
      ['root', 'SUPER', 'ENABLE'],
    ]);
    expect(broker.access.policiesOf('app')).toEqual([{ policyType: 'CUSTOM', entries: [{ resource: 'Topic:orders', actions: ['PUB', 'SUB'], sourceIps: [], decision: 'ALLOW' }] }]);
    expect(fs.readFileSync(path.join(dataDir, 'metadata', 'acl.json'), 'utf8')).not.toContain('first-secret');

    // A second file updates the password and adds an entry; the first entry stays.
    const second = readBootstrap(
      writeFile({
        users: [{ username: 'app', password: 'second-secret' }],
        acls: [{ subject: 'User:app', policies: [{ policyType: 'CUSTOM', entries: [{ resource: 'Topic:pay-*', actions: ['PUB'], sourceIps: ['10.0.0.0/8'], decision: 'DENY' }] }] }],
      }),
    );
    expect(applyBootstrap(broker, second)).toEqual({ created: 0, updated: 1 });
    await closeBroker(broker);
    broker = await openBroker(dataDir);
    expect(broker.access.policiesOf('app')[0]!.entries.map((e) => e.resource)).toEqual(['Topic:orders', 'Topic:pay-*']);
    expect(broker.access.listUsers()).toHaveLength(2);
  });

  it('refuses an ACL naming no user', async () => {
    const broker = await openBroker();
    expect(() => applyBootstrap(broker, { namespaces: [], topics: [], groups: [], users: [], acls: [{ subject: 'User:ghost', policies: [] }] })).toThrow(/User:ghost names no user/);
  });
});
