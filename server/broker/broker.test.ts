import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Broker, type BrokerOptions, type BrowseCursor, type PutMessage, type TopicStats } from './index.ts';
import { BrokerError, type BrokerErrorCode } from './errors.ts';
import {
  DEFAULT_MAX_DELIVERY_ATTEMPTS,
  DEFAULT_RETRY_DELAYS_MS,
  MESSAGE_TYPES,
  type ConsumeType,
  type MessageType,
  type Permission,
  type RetryPolicy,
} from './model.ts';
import type { PutResult, StoredMessage } from './store/message-store.ts';

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

const KiB = 1024;
const MiB = 1024 * KiB;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INDEX_URL = new URL('./index.ts', import.meta.url).href;

const tempDirs: string[] = [];
const openBrokers: Broker[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(openBrokers.splice(0).map((b) => b.close()));
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-broker-'));
  tempDirs.push(dir);
  return dir;
}

/** Small segments and index files keep every test fast. */
function options(dataDir: string, extra: Partial<BrokerOptions> = {}): BrokerOptions {
  return { dataDir, segmentSize: MiB, maxMessageSize: 256 * KiB, indexSlots: 4096, indexEntries: 16_384, ...extra };
}

async function openBroker(dataDir = tempDir(), extra: Partial<BrokerOptions> = {}): Promise<Broker> {
  const broker = await Broker.open(options(dataDir, extra));
  openBrokers.push(broker);
  return broker;
}

/** Closes a broker opened with openBroker and forgets it (so afterEach does not close it again). */
async function closeBroker(broker: Broker): Promise<void> {
  const i = openBrokers.indexOf(broker);
  if (i >= 0) openBrokers.splice(i, 1);
  await broker.close();
}

function expectCode(fn: () => unknown, code: BrokerErrorCode): BrokerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).code).toBe(code);
    return e as BrokerError;
  }
  throw new Error(`expected BrokerError ${code}, nothing was thrown`);
}

async function expectReject(p: Promise<unknown>, code: BrokerErrorCode): Promise<BrokerError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).code).toBe(code);
    return e as BrokerError;
  }
  throw new Error(`expected a rejection with BrokerError ${code}, the promise resolved`);
}

/** 'fulfilled', or the error code a promise was rejected with. */
function settledCode(r: PromiseSettledResult<unknown>): string {
  if (r.status === 'fulfilled') return 'fulfilled';
  const e: unknown = r.reason;
  return e instanceof BrokerError ? e.code : `non-BrokerError: ${String(e)}`;
}

/** Puts messages one after another (so round-robin and store times follow the order given). */
async function putAll(broker: Broker, messages: readonly PutMessage[]): Promise<PutResult[]> {
  const out: PutResult[] = [];
  for (const m of messages) out.push(await broker.put(m));
  return out;
}

function bodies(messages: readonly StoredMessage[]): string[] {
  return messages.map((m) => m.body.toString());
}

function offsets(messages: readonly StoredMessage[]): number[] {
  return messages.map((m) => m.queueOffset);
}

/** Store timestamps come from Date.now(): fake only Date so they are exact. */
function fakeClock(start: number): (ms: number) => void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(start);
  return (ms) => vi.setSystemTime(ms);
}

interface ChildResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs an ES-module snippet in a fresh Node process with tsx; argv[1] is the engine's index.ts URL. */
function runChild(script: string, args: readonly string[], timeoutMs = 15_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, INDEX_URL, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal });
    });
  });
}

function lastJsonLine(stdout: string): Record<string, unknown> {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`child printed no JSON: ${JSON.stringify(stdout)}`);
  }
}

/** A child that tries to open the data dir and prints {ok} or {code}. */
const OPEN_AND_REPORT = `
const { Broker } = await import(process.argv[1]);
const fs = await import('node:fs');
let out;
try {
  const b = await Broker.open(JSON.parse(process.argv[2]));
  await b.close();
  out = { ok: true };
} catch (e) {
  out = { ok: false, code: e && e.code, message: String(e && e.message) };
}
fs.writeSync(1, JSON.stringify(out) + '\\n');
`;

// ---------------------------------------------------------------------------------------------------------
// open / close / lock
// ---------------------------------------------------------------------------------------------------------

describe('open and close', () => {
  it('creates the data directory and releases it on close', async () => {
    const dir = path.join(tempDir(), 'nested', 'data');
    const broker = await Broker.open(options(dir));
    expect(fs.existsSync(dir)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    await broker.close();
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
  });

  it('close is idempotent, and a closed broker refuses puts with STORE_CLOSED', async () => {
    const dir = tempDir();
    const broker = await Broker.open(options(dir));
    broker.createTopic({ name: 't', queueNums: 1 });
    await broker.put({ topic: 't', body: 'x' });
    const first = broker.close();
    const second = broker.close();
    await Promise.all([first, second]);
    await broker.close();
    await expectReject(broker.put({ topic: 't', body: 'y' }), 'STORE_CLOSED');
    // And the directory can be opened again after all those closes.
    const again = await openBroker(dir);
    expect(again.maxOffset('t', 0)).toBe(1);
  });

  it('close waits for puts that are still in flight', async () => {
    const dir = tempDir();
    const broker = await Broker.open(options(dir));
    broker.createTopic({ name: 't', queueNums: 2 });
    const puts = Array.from({ length: 50 }, (_, i) => broker.put({ topic: 't', body: `m${i}` }));
    await broker.close();
    expect((await Promise.all(puts)).length).toBe(50);
    const again = await openBroker(dir);
    expect(again.topicStats('t').messageCount).toBe(50);
  });

  it('rejects a segment size that cannot hold the largest message', async () => {
    const dir = tempDir();
    const err = await expectReject(Broker.open({ dataDir: dir, segmentSize: MiB, maxMessageSize: MiB - 32 * KiB }), 'INVALID_ARGUMENT');
    expect(err.details).toMatchObject({ field: 'segmentSize' });
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    await openBroker(dir);
  });

  it('a second open of the same directory in this process fails with DATA_DIR_LOCKED and leaves the first intact', async () => {
    const dir = tempDir();
    const first = await openBroker(dir);
    first.createTopic({ name: 't', queueNums: 1 });
    const err = await expectReject(Broker.open(options(dir)), 'DATA_DIR_LOCKED');
    expect(err.details).toMatchObject({ pid: process.pid });
    expect(err.message).toContain(dir);
    // Still locked by the first: a failed open must not remove someone else's lock.
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    await expectReject(Broker.open(options(dir)), 'DATA_DIR_LOCKED');
    const r = await first.put({ topic: 't', body: 'still works' });
    expect(r.queueOffset).toBe(0);
    await closeBroker(first);
    const second = await openBroker(dir);
    expect(second.maxOffset('t', 0)).toBe(1);
  });

  it('another process gets DATA_DIR_LOCKED while this one holds the directory, and opens it once released', async () => {
    const dir = tempDir();
    const broker = await openBroker(dir);
    const blocked = await runChild(OPEN_AND_REPORT, [JSON.stringify(options(dir))]);
    expect(blocked.stderr).toBe('');
    expect(lastJsonLine(blocked.stdout)).toMatchObject({ ok: false, code: 'DATA_DIR_LOCKED' });
    // The child must not have disturbed our lock.
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    await closeBroker(broker);
    const allowed = await runChild(OPEN_AND_REPORT, [JSON.stringify(options(dir))]);
    expect(lastJsonLine(allowed.stdout)).toEqual({ ok: true });
  });

  it('takes over a stale LOCK left by a dead process', async () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', '']);
    expect(dead.pid).toBeGreaterThan(0);
    fs.writeFileSync(path.join(dir, 'LOCK'), String(dead.pid));
    const broker = await openBroker(dir);
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    broker.createTopic({ name: 't' });
    await closeBroker(broker);
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
  });

  it('takes over a LOCK file that holds no valid pid', async () => {
    for (const content of ['', 'garbage', '-5', '0']) {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'LOCK'), content);
      const broker = await openBroker(dir);
      await closeBroker(broker);
    }
  });

  it('takes over a stale LOCK holding our own pid when this process does not hold the directory (pid reuse after a container restart)', async () => {
    // After kill -9 and a container restart the new broker often gets the same pid as the dead one (pid 1, 7, ...).
    // No Broker in this process has the directory open, so the lock is stale, not "in use by this process".
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'LOCK'), String(process.pid));
    const broker = await openBroker(dir);
    expect(broker.listTopics()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// namespaces
// ---------------------------------------------------------------------------------------------------------

describe('namespaces', () => {
  it('creates, lists and deletes namespaces', async () => {
    const b = await openBroker();
    expect(b.listNamespaces()).toEqual([]);
    const shop = b.createNamespace('shop', 'the shop');
    expect(shop).toMatchObject({ name: 'shop', description: 'the shop' });
    expect(typeof shop.createdAt).toBe('number');
    b.createNamespace('billing');
    expect(b.listNamespaces().map((n) => n.name)).toEqual(['billing', 'shop']);
    expect(b.listNamespaces().find((n) => n.name === 'billing')?.description).toBe('');
    expectCode(() => b.createNamespace('shop'), 'NAMESPACE_EXISTS');
    b.deleteNamespace('billing');
    expect(b.listNamespaces().map((n) => n.name)).toEqual(['shop']);
    expectCode(() => b.deleteNamespace('billing'), 'NAMESPACE_NOT_FOUND');
  });

  it('rejects invalid namespace names with INVALID_NAME', async () => {
    const b = await openBroker();
    for (const name of ['', 'a b', 'a%b', 'a|b', 'a.b', 'n'.repeat(65)]) expectCode(() => b.createNamespace(name), 'INVALID_NAME');
    expect(b.createNamespace('n'.repeat(64)).name).toBe('n'.repeat(64));
    expect(b.listNamespaces()).toHaveLength(1);
  });

  it('stores resources of a namespace as ns%name and filters lists by namespace', async () => {
    const b = await openBroker();
    b.createNamespace('shop');
    b.createNamespace('erp');
    const t = b.createTopic({ namespace: 'shop', name: 'orders', queueNums: 2 });
    expect(t).toMatchObject({ name: 'shop%orders', namespace: 'shop' });
    b.createTopic({ namespace: 'erp', name: 'orders' });
    b.createTopic({ name: 'orders' });
    b.createTopic({ namespace: 'shop', name: 'payments' });
    expect(b.getTopic('shop%orders').namespace).toBe('shop');
    expect(b.getTopic('orders').namespace).toBe('');
    expect(
      b
        .listTopics({ namespace: 'shop' })
        .map((x) => x.name)
        .sort(),
    ).toEqual(['shop%orders', 'shop%payments']);
    expect(b.listTopics({ namespace: 'erp' }).map((x) => x.name)).toEqual(['erp%orders']);
    expect(b.listTopics({ namespace: '' }).map((x) => x.name)).toEqual(['orders']);
    expect(b.listTopics()).toHaveLength(4);

    const g = b.createGroup({ namespace: 'shop', name: 'billing' });
    expect(g).toMatchObject({ name: 'shop%billing', namespace: 'shop' });
    b.createGroup({ name: 'billing' });
    expect(b.listGroups({ namespace: 'shop' }).map((x) => x.name)).toEqual(['shop%billing']);
    expect(b.listGroups({ namespace: '' }).map((x) => x.name)).toEqual(['billing']);
    expect(b.listGroups()).toHaveLength(2);

    const sent = await b.put({ topic: 'shop%orders', body: 'hello' });
    expect(sent.topic).toBe('shop%orders');
    expect(b.getMessageById(sent.messageId).topic).toBe('shop%orders');
    expect(b.topicStats('orders').messageCount).toBe(0);
    expect(b.topicStats('erp%orders').messageCount).toBe(0);
  });

  it('refuses resources in a namespace that does not exist', async () => {
    const b = await openBroker();
    expectCode(() => b.createTopic({ namespace: 'nope', name: 'orders' }), 'NAMESPACE_NOT_FOUND');
    expectCode(() => b.createGroup({ namespace: 'nope', name: 'billing' }), 'NAMESPACE_NOT_FOUND');
    expect(b.listTopics()).toEqual([]);
    expect(b.listGroups()).toEqual([]);
  });

  it('refuses to delete a namespace that still holds topics or groups (NAMESPACE_NOT_EMPTY)', async () => {
    const b = await openBroker();
    b.createNamespace('shop');
    b.createTopic({ namespace: 'shop', name: 'orders' });
    b.createGroup({ namespace: 'shop', name: 'billing' });
    const err = expectCode(() => b.deleteNamespace('shop'), 'NAMESPACE_NOT_EMPTY');
    expect(err.details).toMatchObject({ topics: 1, groups: 1 });
    await b.deleteTopic('shop%orders');
    expect(expectCode(() => b.deleteNamespace('shop'), 'NAMESPACE_NOT_EMPTY').details).toMatchObject({ topics: 0, groups: 1 });
    b.deleteGroup('shop%billing');
    b.deleteNamespace('shop');
    expect(b.listNamespaces()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// topics
// ---------------------------------------------------------------------------------------------------------

describe('topics', () => {
  it('creates a topic with defaults', async () => {
    const b = await openBroker();
    const before = Date.now();
    const t = b.createTopic({ name: 'orders' });
    expect(t).toMatchObject({
      name: 'orders',
      namespace: '',
      messageType: 'NORMAL',
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 'READ_WRITE',
      attributes: {},
      system: false,
    });
    expect(t.createdAt).toBeGreaterThanOrEqual(before);
    expect(t.updatedAt).toBe(t.createdAt);
    expect(b.getTopic('orders')).toEqual(t);
  });

  it.each(MESSAGE_TYPES)('creates a %s topic', async (messageType) => {
    const b = await openBroker();
    const t = b.createTopic({ name: `t-${messageType}`, messageType });
    expect(t.messageType).toBe(messageType);
    expect(b.getTopic(`t-${messageType}`).messageType).toBe(messageType);
  });

  it('sets queue counts, permission and attributes', async () => {
    const b = await openBroker();
    expect(b.createTopic({ name: 'a', queueNums: 3 })).toMatchObject({ readQueueNums: 3, writeQueueNums: 3 });
    expect(b.createTopic({ name: 'b', readQueueNums: 2, writeQueueNums: 5 })).toMatchObject({ readQueueNums: 2, writeQueueNums: 5 });
    expect(b.createTopic({ name: 'c', queueNums: 4, writeQueueNums: 1 })).toMatchObject({ readQueueNums: 4, writeQueueNums: 1 });
    expect(b.createTopic({ name: 'd', queueNums: 1024 })).toMatchObject({ readQueueNums: 1024, writeQueueNums: 1024 });
    expect(b.createTopic({ name: 'e', queueNums: 1 })).toMatchObject({ readQueueNums: 1, writeQueueNums: 1 });
    for (const perm of ['READ', 'WRITE', 'NONE', 'READ_WRITE'] as const) {
      expect(b.createTopic({ name: `p-${perm}`, perm }).perm).toBe(perm);
    }
    const t = b.createTopic({ name: 'f', attributes: { description: 'Orders placed in the shop', owner: 'team-a' } });
    expect(b.getTopic(t.name).attributes).toEqual({ description: 'Orders placed in the shop', owner: 'team-a' });
  });

  it('rejects bad queue counts with INVALID_ARGUMENT and creates nothing', async () => {
    const b = await openBroker();
    for (const field of ['queueNums', 'readQueueNums', 'writeQueueNums'] as const) {
      for (const n of [0, -1, 1.5, 1025, Number.NaN, Number.POSITIVE_INFINITY]) {
        const err = expectCode(() => b.createTopic({ name: 'bad', [field]: n }), 'INVALID_ARGUMENT');
        expect(err.details).toMatchObject({ field });
      }
    }
    expectCode(() => b.getTopic('bad'), 'TOPIC_NOT_FOUND');
    expect(b.listTopics()).toEqual([]);
  });

  it('rejects invalid and reserved names with INVALID_NAME', async () => {
    const b = await openBroker();
    for (const name of ['', 'a b', 'a%b', '%RETRY%g', 'TBW102', 'SCHEDULE_TOPIC_XXXX', 'rmq_sys_x', 't'.repeat(128)]) {
      expectCode(() => b.createTopic({ name }), 'INVALID_NAME');
    }
    b.createNamespace('ns');
    expectCode(() => b.createTopic({ namespace: 'ns', name: 't'.repeat(125) }), 'INVALID_NAME');
    expect(b.createTopic({ namespace: 'ns', name: 't'.repeat(124) }).name).toHaveLength(127);
  });

  it('rejects unknown message types and permissions instead of persisting them', async () => {
    // Front-ends hand user strings to the engine; a bad enum stored in topics.json makes the next open fail
    // with CORRUPT_DATA for the whole data directory.
    const dir = tempDir();
    const b = await openBroker(dir);
    expectCode(() => b.createTopic({ name: 'x', messageType: 'BOGUS' as unknown as MessageType }), 'INVALID_ARGUMENT');
    expectCode(() => b.createTopic({ name: 'y', perm: 'ALL' as unknown as Permission }), 'INVALID_ARGUMENT');
    b.createTopic({ name: 'z' });
    expectCode(() => b.updateTopic('z', { messageType: 'fifo' as unknown as MessageType }), 'INVALID_ARGUMENT');
    await closeBroker(b);
    const reopened = await openBroker(dir);
    expect(reopened.getTopic('z').messageType).toBe('NORMAL');
  });

  it('refuses duplicates with TOPIC_EXISTS and unknown topics with TOPIC_NOT_FOUND', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'orders', queueNums: 2 });
    expectCode(() => b.createTopic({ name: 'orders', queueNums: 4 }), 'TOPIC_EXISTS');
    expect(b.getTopic('orders').readQueueNums).toBe(2);
    expectCode(() => b.getTopic('nope'), 'TOPIC_NOT_FOUND');
    expectCode(() => b.updateTopic('nope', { perm: 'READ' }), 'TOPIC_NOT_FOUND');
    await expectReject(b.deleteTopic('nope'), 'TOPIC_NOT_FOUND');
    expectCode(() => b.getMessages('nope', 0, 0, 1), 'TOPIC_NOT_FOUND');
    expectCode(() => b.topicStats('nope'), 'TOPIC_NOT_FOUND');
    expectCode(() => b.queryByKey('nope', 'k'), 'TOPIC_NOT_FOUND');
    expectCode(() => b.queryByTime('nope', 0, Date.now()), 'TOPIC_NOT_FOUND');
  });

  it('updates a topic, merging attributes and validating queue counts', async () => {
    const b = await openBroker();
    const created = b.createTopic({ name: 'orders', queueNums: 2, attributes: { description: 'v1', owner: 'a' } });
    const updated = b.updateTopic('orders', { queueNums: 4, perm: 'READ', attributes: { description: 'v2' }, messageType: 'FIFO' });
    expect(updated).toMatchObject({
      name: 'orders',
      readQueueNums: 4,
      writeQueueNums: 4,
      perm: 'READ',
      messageType: 'FIFO',
      attributes: { description: 'v2', owner: 'a' },
      createdAt: created.createdAt,
    });
    expect(updated.updatedAt).toBeGreaterThanOrEqual(created.updatedAt);
    expect(b.getTopic('orders')).toEqual(updated);
    expect(b.updateTopic('orders', { writeQueueNums: 1 })).toMatchObject({ readQueueNums: 4, writeQueueNums: 1 });
    expectCode(() => b.updateTopic('orders', { readQueueNums: 0 }), 'INVALID_ARGUMENT');
    expectCode(() => b.updateTopic('orders', { queueNums: 2000 }), 'INVALID_ARGUMENT');
    expect(b.getTopic('orders')).toMatchObject({ readQueueNums: 4, writeQueueNums: 1, perm: 'READ' });
  });

  it('lists topics', async () => {
    const b = await openBroker();
    for (const name of ['c', 'a', 'b']) b.createTopic({ name });
    expect(
      b
        .listTopics()
        .map((t) => t.name)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it('deletes a topic with its messages and offsets; re-creating the name starts at offset 0', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'orders', queueNums: 2 });
    const g = b.createGroup({ name: 'billing' });
    expect(g.name).toBe('billing');
    const old = await putAll(
      b,
      Array.from({ length: 6 }, (_, i) => ({ topic: 'orders', body: `old-${i}`, keys: ['shared-key'] })),
    );
    b.commitOffset('billing', 'orders', 0, 2);
    await b.deleteTopic('orders');
    expectCode(() => b.getTopic('orders'), 'TOPIC_NOT_FOUND');
    expect(b.listTopics()).toEqual([]);
    expectCode(() => b.getMessages('orders', 0, 0, 10), 'TOPIC_NOT_FOUND');
    expect(b.groupStats('billing').topics).toEqual([]);
    expect(b.committedOffset('billing', 'orders', 0)).toBeUndefined();

    b.createTopic({ name: 'orders', queueNums: 2 });
    expect(b.maxOffset('orders', 0)).toBe(0);
    expect(b.maxOffset('orders', 1)).toBe(0);
    expect(b.topicStats('orders').messageCount).toBe(0);
    expect(b.getMessages('orders', 0, 0, 10).messages).toEqual([]);
    expect(b.consumerOffset('billing', 'orders', 0)).toBe(0);
    const fresh = await b.put({ topic: 'orders', body: 'new', queueId: 0 });
    expect(fresh.queueOffset).toBe(0);
    expect(bodies(b.getMessages('orders', 0, 0, 10).messages)).toEqual(['new']);
    expect(b.queryByTime('orders', 0, Number.MAX_SAFE_INTEGER, { limit: 100 }).messages.map((m) => m.messageId)).toEqual([fresh.messageId]);
    expect(old.length).toBe(6);
  });

  it('a re-created topic does not return the deleted incarnation from queryByKey', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'orders', queueNums: 1 });
    await b.put({ topic: 'orders', body: 'old', keys: ['order-1'] });
    await b.deleteTopic('orders');
    b.createTopic({ name: 'orders', queueNums: 1 });
    const fresh = await b.put({ topic: 'orders', body: 'new', keys: ['order-1'] });
    expect(b.queryByKey('orders', 'order-1').map((m) => m.messageId)).toEqual([fresh.messageId]);
  });

  it('a message of a deleted topic is no longer found by id', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'orders', queueNums: 1 });
    const r = await b.put({ topic: 'orders', body: 'old' });
    await b.deleteTopic('orders');
    expectCode(() => b.getMessageById(r.messageId), 'MESSAGE_NOT_FOUND');
  });

  it('a put still in flight when its topic is deleted does not show up in the re-created topic (async flush)', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'orders', queueNums: 1 });
    await b.put({ topic: 'orders', body: 'before' });
    // The handler is attached at once: the put is rejected while deleteTopic is still running.
    const inflight = b.put({ topic: 'orders', body: 'in-flight' }).catch(() => undefined);
    await b.deleteTopic('orders');
    await inflight;
    b.createTopic({ name: 'orders', queueNums: 1 });
    expect(b.maxOffset('orders', 0)).toBe(0);
    const fresh = await b.put({ topic: 'orders', body: 'after' });
    expect(fresh.queueOffset).toBe(0);
    expect(bodies(b.getMessages('orders', 0, 0, 10).messages)).toEqual(['after']);
  });

  it('a put still in flight when its topic is deleted neither wedges the store nor leaks into the re-created topic (sync flush)', async () => {
    // Runs in a child: the failure mode is an unhandled rejection and a store that never resolves another put.
    const script = `
const { Broker } = await import(process.argv[1]);
const fs = await import('node:fs');
const out = { unhandled: null };
process.on('unhandledRejection', (e) => { out.unhandled = String((e && e.code) || e); });
const within = (p) => Promise.race([p, new Promise((r) => setTimeout(() => r('TIMEOUT'), 1000))]);
const b = await Broker.open({ ...JSON.parse(process.argv[2]), flush: 'sync' });
b.createTopic({ name: 'orders', queueNums: 1 });
await b.put({ topic: 'orders', body: 'before' });
// The outcome is taken at once: the put may settle before deleteTopic (whose checkpoint now fsyncs in the pool) resolves.
const inflight = b.put({ topic: 'orders', body: 'in-flight' }).then(() => 'stored', (e) => e.code);
// Let the group commit write the record; the delete then lands while its fdatasync is pending.
await new Promise((r) => setImmediate(r));
await b.deleteTopic('orders');
out.inflight = await within(inflight);
b.createTopic({ name: 'orders', queueNums: 1 });
out.next = await within(b.put({ topic: 'orders', body: 'after' }).then((r) => r.queueOffset, (e) => e.code));
out.bodies = b.getMessages('orders', 0, 0, 10).messages.map((m) => m.body.toString());
out.closed = await within(b.close().then(() => 'closed'));
fs.writeSync(1, JSON.stringify(out) + '\\n');
process.exit(0);
`;
    const res = await runChild(script, [JSON.stringify(options(tempDir()))]);
    const out = lastJsonLine(res.stdout);
    // One assertion so a failure shows the whole picture (unhandled error, stuck puts, stuck close).
    expect({ ...out, inflight: out.inflight === 'TIMEOUT' ? 'TIMEOUT' : 'settled' }).toEqual({
      unhandled: null,
      inflight: 'settled',
      next: 0,
      bodies: ['after'],
      closed: 'closed',
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// groups
// ---------------------------------------------------------------------------------------------------------

describe('groups', () => {
  it('creates a group with defaults', async () => {
    const b = await openBroker();
    const g = b.createGroup({ name: 'billing' });
    expect(g).toMatchObject({
      name: 'billing',
      namespace: '',
      consumeType: 'CLUSTERING',
      fifo: false,
      maxDeliveryAttempts: DEFAULT_MAX_DELIVERY_ATTEMPTS,
      retryPolicy: { kind: 'customized', delaysMs: DEFAULT_RETRY_DELAYS_MS },
      attributes: {},
    });
    expect(b.getGroup('billing')).toEqual(g);
  });

  it('creates groups with consume type, fifo, max attempts and retry policies', async () => {
    const b = await openBroker();
    const customized: RetryPolicy = { kind: 'customized', delaysMs: [1000, 5000, 0] };
    const exponential: RetryPolicy = { kind: 'exponential', initialMs: 500, maxMs: 60_000, multiplier: 2.5 };
    const a = b.createGroup({ name: 'a', consumeType: 'BROADCASTING', fifo: true, maxDeliveryAttempts: 1, retryPolicy: customized });
    expect(a).toMatchObject({ consumeType: 'BROADCASTING', fifo: true, maxDeliveryAttempts: 1, retryPolicy: customized });
    const c = b.createGroup({ name: 'c', maxDeliveryAttempts: 1000, retryPolicy: exponential, attributes: { team: 'pay' } });
    expect(c).toMatchObject({ consumeType: 'CLUSTERING', fifo: false, maxDeliveryAttempts: 1000, retryPolicy: exponential, attributes: { team: 'pay' } });
    expect(b.getGroup('c').retryPolicy).toEqual(exponential);
    expect(
      b
        .listGroups()
        .map((g) => g.name)
        .sort(),
    ).toEqual(['a', 'c']);
  });

  it('refuses duplicates, unknown groups and invalid settings', async () => {
    const b = await openBroker();
    b.createGroup({ name: 'billing', maxDeliveryAttempts: 3 });
    expectCode(() => b.createGroup({ name: 'billing' }), 'GROUP_EXISTS');
    expect(b.getGroup('billing').maxDeliveryAttempts).toBe(3);
    expectCode(() => b.getGroup('nope'), 'GROUP_NOT_FOUND');
    expectCode(() => b.updateGroup('nope', { fifo: true }), 'GROUP_NOT_FOUND');
    expectCode(() => b.deleteGroup('nope'), 'GROUP_NOT_FOUND');
    expectCode(() => b.groupStats('nope'), 'GROUP_NOT_FOUND');

    for (const n of [0, -1, 1001, 2.5, Number.NaN]) {
      expectCode(() => b.createGroup({ name: 'x', maxDeliveryAttempts: n }), 'INVALID_ARGUMENT');
    }
    const badPolicies = [
      { kind: 'customized', delaysMs: [] },
      { kind: 'customized', delaysMs: [-1] },
      { kind: 'customized', delaysMs: [1.5] },
      { kind: 'exponential', initialMs: 0, maxMs: 1000, multiplier: 2 },
      { kind: 'exponential', initialMs: 100, maxMs: 1000, multiplier: 0 },
      { kind: 'exponential', initialMs: 100, maxMs: -1, multiplier: 2 },
      { kind: 'linear', stepMs: 100 },
    ];
    for (const p of badPolicies) {
      const err = expectCode(() => b.createGroup({ name: 'x', retryPolicy: p as unknown as RetryPolicy }), 'INVALID_ARGUMENT');
      expect(err.details).toMatchObject({ field: 'retryPolicy' });
    }
    for (const name of ['', 'a%b', 'a b', 'g'.repeat(121)]) expectCode(() => b.createGroup({ name }), 'INVALID_NAME');
    expect(b.createGroup({ name: 'g'.repeat(120) }).name).toHaveLength(120);
    expectCode(() => b.getGroup('x'), 'GROUP_NOT_FOUND');
  });

  it('rejects an unknown consume type instead of persisting it', async () => {
    const dir = tempDir();
    const b = await openBroker(dir);
    expectCode(() => b.createGroup({ name: 'x', consumeType: 'PUSH' as unknown as ConsumeType }), 'INVALID_ARGUMENT');
    await closeBroker(b);
    const reopened = await openBroker(dir);
    expect(reopened.listGroups()).toEqual([]);
  });

  it('updates a group', async () => {
    const b = await openBroker();
    const g = b.createGroup({ name: 'billing', attributes: { a: '1', b: '2' } });
    const policy: RetryPolicy = { kind: 'exponential', initialMs: 1000, maxMs: 10_000, multiplier: 2 };
    const u = b.updateGroup('billing', { consumeType: 'BROADCASTING', fifo: true, maxDeliveryAttempts: 4, retryPolicy: policy, attributes: { b: '3' } });
    expect(u).toMatchObject({
      name: 'billing',
      consumeType: 'BROADCASTING',
      fifo: true,
      maxDeliveryAttempts: 4,
      retryPolicy: policy,
      attributes: { a: '1', b: '3' },
      createdAt: g.createdAt,
      startPhysicalOffset: g.startPhysicalOffset,
    });
    expect(b.getGroup('billing')).toEqual(u);
    expect(b.updateGroup('billing', { fifo: false }).fifo).toBe(false);
    expectCode(() => b.updateGroup('billing', { maxDeliveryAttempts: 0 }), 'INVALID_ARGUMENT');
    expectCode(() => b.updateGroup('billing', { retryPolicy: { kind: 'customized', delaysMs: [] } }), 'INVALID_ARGUMENT');
    expect(b.getGroup('billing')).toMatchObject({ maxDeliveryAttempts: 4, retryPolicy: policy });
  });

  it('deletes a group together with its offsets', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    b.createGroup({ name: 'billing' });
    await putAll(b, [{ topic: 't', body: '1' }, { topic: 't', body: '2' }]);
    b.commitOffset('billing', 't', 0, 1);
    b.deleteGroup('billing');
    expectCode(() => b.getGroup('billing'), 'GROUP_NOT_FOUND');
    expect(b.listGroups()).toEqual([]);
    expectCode(() => b.consumerOffset('billing', 't', 0), 'GROUP_NOT_FOUND');
    // Re-created: a new group, starting at the end, without the old commit.
    b.createGroup({ name: 'billing' });
    expect(b.committedOffset('billing', 't', 0)).toBeUndefined();
    expect(b.consumerOffset('billing', 't', 0)).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------------------------
// put
// ---------------------------------------------------------------------------------------------------------

describe('put', () => {
  it('stores a single message and returns where it went', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    const before = Date.now();
    const r = await b.put({ topic: 't', body: 'hello' });
    expect(r.messageId).toMatch(/^[0-9A-F]{34}$/);
    expect(r).toMatchObject({ topic: 't', queueId: 0, queueOffset: 0 });
    expect(r.physicalOffset).toBeGreaterThanOrEqual(0);
    expect(r.storeTimestamp).toBeGreaterThanOrEqual(before);
    const r2 = await b.put({ topic: 't', body: 'world' });
    expect(r2.queueOffset).toBe(1);
    expect(r2.physicalOffset).toBeGreaterThan(r.physicalOffset);
    expect(r2.messageId).not.toBe(r.messageId);
    const m = b.getMessageById(r.messageId);
    expect(m).toMatchObject({ topic: 't', queueId: 0, queueOffset: 0, physicalOffset: r.physicalOffset, storeTimestamp: r.storeTimestamp });
  });

  it('stores a batch in order, across topics', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'a', queueNums: 1 });
    b.createTopic({ name: 'b', queueNums: 1 });
    const rs = await b.putBatch([
      { topic: 'a', body: 'a0' },
      { topic: 'b', body: 'b0' },
      { topic: 'a', body: 'a1' },
    ]);
    expect(rs.map((r) => [r.topic, r.queueOffset])).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 1],
    ]);
    expect(rs[1]!.physicalOffset).toBeGreaterThan(rs[0]!.physicalOffset);
    expect(rs[2]!.physicalOffset).toBeGreaterThan(rs[1]!.physicalOffset);
    expect(bodies(b.getMessages('a', 0, 0, 10).messages)).toEqual(['a0', 'a1']);
    expect(bodies(b.getMessages('b', 0, 0, 10).messages)).toEqual(['b0']);
    expect(await b.putBatch([])).toEqual([]);
  });

  it('validates a whole batch before writing any of it', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'a', queueNums: 1 });
    const before = b.commitLogMaxOffset;
    await expectReject(
      b.putBatch([
        { topic: 'a', body: 'ok' },
        { topic: 'a', body: '' },
      ]),
      'MESSAGE_BODY_EMPTY',
    );
    await expectReject(
      b.putBatch([
        { topic: 'a', body: 'ok' },
        { topic: 'missing', body: 'x' },
      ]),
      'TOPIC_NOT_FOUND',
    );
    expect(b.commitLogMaxOffset).toBe(before);
    expect(b.topicStats('a').messageCount).toBe(0);
  });

  it('keeps a client-supplied messageId', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    const r = await b.put({ topic: 't', body: 'x', messageId: 'CLIENT-ID-0001' });
    expect(r.messageId).toBe('CLIENT-ID-0001');
    expect(b.getMessageById('CLIENT-ID-0001').body.toString()).toBe('x');
  });

  it('refuses an oversized client messageId or bornHost on its own, without failing other puts of the same group commit', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    // Settled together so no rejection goes unobserved.
    const [innocent, badId, badHost] = await Promise.allSettled([
      b.put({ topic: 't', body: 'innocent' }),
      b.put({ topic: 't', body: 'x', messageId: 'X'.repeat(70_000) }),
      b.put({ topic: 't', body: 'x', bornHost: 'h'.repeat(70_000) }),
    ]);
    expect(settledCode(badId)).toBe('INVALID_ARGUMENT');
    expect(settledCode(badHost)).toBe('INVALID_ARGUMENT');
    expect(settledCode(innocent)).toBe('fulfilled');
    expect(b.maxOffset('t', 0)).toBe(1);
  });

  it('spreads messages round-robin over the write queues', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'rr', queueNums: 4 });
    const rs = await putAll(
      b,
      Array.from({ length: 8 }, (_, i) => ({ topic: 'rr', body: `m${i}` })),
    );
    const perQueue = new Map<number, number[]>();
    for (const r of rs) perQueue.set(r.queueId, [...(perQueue.get(r.queueId) ?? []), r.queueOffset]);
    expect([...perQueue.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const offs of perQueue.values()) expect(offs).toEqual([0, 1]);
    // Concurrent puts spread the same way.
    const concurrent = await Promise.all(Array.from({ length: 8 }, (_, i) => b.put({ topic: 'rr', body: `c${i}` })));
    for (let q = 0; q < 4; q++) expect(concurrent.filter((r) => r.queueId === q)).toHaveLength(2);

    // Only write queues are used when there are fewer of them than read queues.
    b.createTopic({ name: 'narrow', readQueueNums: 4, writeQueueNums: 2 });
    const narrow = await putAll(
      b,
      Array.from({ length: 6 }, () => ({ topic: 'narrow', body: 'x' })),
    );
    expect(new Set(narrow.map((r) => r.queueId))).toEqual(new Set([0, 1]));
  });

  it('sends every message of a message group to one stable queue', async () => {
    const dir = tempDir();
    let b = await openBroker(dir);
    b.createTopic({ name: 'fifo', messageType: 'FIFO', queueNums: 8 });
    const rs = await putAll(
      b,
      Array.from({ length: 10 }, (_, i) => ({ topic: 'fifo', body: `m${i}`, messageGroup: 'order-42' })),
    );
    const queue = rs[0]!.queueId;
    expect(rs.every((r) => r.queueId === queue)).toBe(true);
    expect(rs.map((r) => r.queueOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(b.getMessageById(rs[0]!.messageId).properties.__MESSAGE_GROUP).toBe('order-42');
    // Many groups use more than one queue.
    const spread = await Promise.all(Array.from({ length: 32 }, (_, i) => b.put({ topic: 'fifo', body: 'x', messageGroup: `g-${i}` })));
    expect(new Set(spread.map((r) => r.queueId)).size).toBeGreaterThan(1);
    // Same queue after a restart.
    await closeBroker(b);
    b = await openBroker(dir);
    expect((await b.put({ topic: 'fifo', body: 'later', messageGroup: 'order-42' })).queueId).toBe(queue);
  });

  it('honours an explicit queueId and refuses one out of range with QUEUE_NOT_FOUND', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', readQueueNums: 4, writeQueueNums: 2 });
    expect((await b.put({ topic: 't', body: 'x', queueId: 1 })).queueId).toBe(1);
    for (const queueId of [2, 3, 4, -1, 0.5, Number.NaN]) {
      await expectReject(b.put({ topic: 't', body: 'x', queueId }), 'QUEUE_NOT_FOUND');
    }
    expect(b.topicStats('t').messageCount).toBe(1);
  });

  it('refuses an empty body with MESSAGE_BODY_EMPTY', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    await expectReject(b.put({ topic: 't', body: '' }), 'MESSAGE_BODY_EMPTY');
    await expectReject(b.put({ topic: 't', body: Buffer.alloc(0) }), 'MESSAGE_BODY_EMPTY');
    await expectReject(b.put({ topic: 't', body: new Uint8Array(0) }), 'MESSAGE_BODY_EMPTY');
    expect(b.maxOffset('t', 0)).toBe(0);
  });

  it('refuses a body over maxMessageSize with MESSAGE_TOO_LARGE and stores nothing; accepts exactly the limit', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    const before = b.commitLogMaxOffset;
    const err = await expectReject(b.put({ topic: 't', body: Buffer.alloc(256 * KiB + 1, 1) }), 'MESSAGE_TOO_LARGE');
    expect(err.details).toMatchObject({ size: 256 * KiB + 1, limit: 256 * KiB });
    await expectReject(b.put({ topic: 't', body: 'é'.repeat(128 * KiB + 1) }), 'MESSAGE_TOO_LARGE'); // bytes, not chars
    expect(b.commitLogMaxOffset).toBe(before);
    expect(b.topicStats('t')).toMatchObject({ messageCount: 0, bytes: 0 });
    const ok = await b.put({ topic: 't', body: Buffer.alloc(256 * KiB, 7) });
    expect(b.getMessageById(ok.messageId).body.length).toBe(256 * KiB);
  });

  it('refuses invalid tags, keys and reserved property keys with INVALID_ARGUMENT', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    for (const tag of ['a|b', '|', '', '   ', 'a\nb', 'a\u0000']) {
      const err = await expectReject(b.put({ topic: 't', body: 'x', tag }), 'INVALID_ARGUMENT');
      expect(err.details).toMatchObject({ field: 'tag' });
    }
    for (const key of ['', ' ', 'a\tb']) {
      const err = await expectReject(b.put({ topic: 't', body: 'x', keys: ['ok', key] }), 'INVALID_ARGUMENT');
      expect(err.details).toMatchObject({ field: 'keys' });
    }
    for (const key of ['__custom', '__MESSAGE_GROUP', '__MESSAGE_TYPE', '', 'a\nb']) {
      const err = await expectReject(b.put({ topic: 't', body: 'x', properties: { [key]: 'v' } }), 'INVALID_ARGUMENT');
      expect(err.details).toMatchObject({ field: 'properties' });
    }
    expect(b.maxOffset('t', 0)).toBe(0);
    // Single underscores and ordinary keys are fine.
    await b.put({ topic: 't', body: 'x', properties: { _a: '1', a__b: '2' } });
    expect(b.maxOffset('t', 0)).toBe(1);
  });

  it('refuses a message type that does not match the topic with MESSAGE_TYPE_MISMATCH', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'fifo', messageType: 'FIFO', queueNums: 1 });
    b.createTopic({ name: 'normal', queueNums: 1 });
    const err = await expectReject(b.put({ topic: 'fifo', body: 'x', messageType: 'NORMAL' }), 'MESSAGE_TYPE_MISMATCH');
    expect(err.details).toMatchObject({ topicType: 'FIFO', messageType: 'NORMAL' });
    for (const messageType of ['FIFO', 'DELAY', 'TRANSACTION'] as const) {
      await expectReject(b.put({ topic: 'normal', body: 'x', messageType }), 'MESSAGE_TYPE_MISMATCH');
    }
    const ok = await b.put({ topic: 'fifo', body: 'x', messageType: 'FIFO', messageGroup: 'g' });
    const implicit = await b.put({ topic: 'fifo', body: 'y', messageGroup: 'g' });
    expect(b.getMessageById(ok.messageId).properties.__MESSAGE_TYPE).toBe('FIFO');
    expect(b.getMessageById(implicit.messageId).properties.__MESSAGE_TYPE).toBe('FIFO');
    expect(b.maxOffset('normal', 0)).toBe(0);
  });

  it('enforces topic permissions with PERMISSION_DENIED', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'ro', queueNums: 1, perm: 'READ' });
    b.createTopic({ name: 'wo', queueNums: 1, perm: 'WRITE' });
    b.createTopic({ name: 'none', queueNums: 1, perm: 'NONE' });
    await expectReject(b.put({ topic: 'ro', body: 'x' }), 'PERMISSION_DENIED');
    await expectReject(b.put({ topic: 'none', body: 'x' }), 'PERMISSION_DENIED');
    expect(b.getMessages('ro', 0, 0, 1).status).toBe('NO_NEW_MESSAGE');
    await b.put({ topic: 'wo', body: 'x' });
    expectCode(() => b.getMessages('wo', 0, 0, 1), 'PERMISSION_DENIED');
    expectCode(() => b.getMessages('none', 0, 0, 1), 'PERMISSION_DENIED');
    b.updateTopic('ro', { perm: 'READ_WRITE' });
    await b.put({ topic: 'ro', body: 'x' });
    expect(b.maxOffset('ro', 0)).toBe(1);
  });

  it('refuses an unknown topic with TOPIC_NOT_FOUND', async () => {
    const b = await openBroker();
    const err = await expectReject(b.put({ topic: 'nope', body: 'x' }), 'TOPIC_NOT_FOUND');
    expect(err.details).toMatchObject({ topic: 'nope' });
  });

  it('rolls over commit-log segments and reads every message back', async () => {
    const dir = tempDir();
    let b = await openBroker(dir);
    b.createTopic({ name: 'big', queueNums: 1 });
    const payload = (i: number) => Buffer.alloc(200 * KiB, i);
    const rs = await putAll(
      b,
      Array.from({ length: 12 }, (_, i) => ({ topic: 'big', body: payload(i) })),
    );
    const segments = new Set(rs.map((r) => Math.floor(r.physicalOffset / MiB)));
    expect(segments.size).toBeGreaterThanOrEqual(3);
    const check = (broker: Broker) => {
      const got = broker.getMessages('big', 0, 0, 32).messages;
      expect(offsets(got)).toEqual(rs.map((_, i) => i));
      got.forEach((m, i) => expect(m.body.equals(payload(i))).toBe(true));
      for (const r of rs) expect(broker.getMessageById(r.messageId).physicalOffset).toBe(r.physicalOffset);
    };
    check(b);
    await closeBroker(b);
    b = await openBroker(dir);
    check(b);
    expect((await b.put({ topic: 'big', body: 'more' })).queueOffset).toBe(12);
  });
});

// ---------------------------------------------------------------------------------------------------------
// reads
// ---------------------------------------------------------------------------------------------------------

describe('reads', () => {
  const TAGS = ['TagA', 'TagB', 'TagC'];

  async function tenTagged(): Promise<{ b: Broker; sent: PutResult[] }> {
    const b = await openBroker();
    b.createTopic({ name: 'reads', queueNums: 1 });
    const sent = await putAll(
      b,
      Array.from({ length: 10 }, (_, i) => ({ topic: 'reads', body: `body-${i}`, tag: TAGS[i % 3], keys: [`key-${i}`] })),
    );
    return { b, sent };
  }

  it('reads by offset in batches', async () => {
    const { b } = await tenTagged();
    const first = b.getMessages('reads', 0, 0, 4);
    expect(first).toMatchObject({ status: 'FOUND', nextOffset: 4, minOffset: 0, maxOffset: 10 });
    expect(offsets(first.messages)).toEqual([0, 1, 2, 3]);
    expect(bodies(first.messages)).toEqual(['body-0', 'body-1', 'body-2', 'body-3']);
    const second = b.getMessages('reads', 0, first.nextOffset, 4);
    expect(offsets(second.messages)).toEqual([4, 5, 6, 7]);
    const third = b.getMessages('reads', 0, second.nextOffset, 4);
    expect(offsets(third.messages)).toEqual([8, 9]);
    expect(third.nextOffset).toBe(10);
    expect(b.getMessages('reads', 0, 3, 1).messages.map((m) => m.tag)).toEqual(['TagA']);
  });

  it('reports NO_NEW_MESSAGE at the end and OFFSET_OVERFLOW past it', async () => {
    const { b } = await tenTagged();
    expect(b.getMessages('reads', 0, 10, 4)).toMatchObject({ status: 'NO_NEW_MESSAGE', nextOffset: 10, messages: [] });
    expect(b.getMessages('reads', 0, 11, 4)).toMatchObject({ status: 'OFFSET_OVERFLOW', nextOffset: 10, messages: [] });
    expect(b.getMessages('reads', 0, 1000, 4)).toMatchObject({ status: 'OFFSET_OVERFLOW', nextOffset: 10 });
  });

  it('on an empty queue reports NO_NEW_MESSAGE and never hands out a nextOffset past maxOffset', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'empty', queueNums: 2 });
    expect(b.getMessages('empty', 0, 0, 4)).toMatchObject({ status: 'NO_NEW_MESSAGE', nextOffset: 0, minOffset: 0, maxOffset: 0 });
    // A consumer that trusts nextOffset=3 here would skip the first three messages written later.
    const res = b.getMessages('empty', 1, 3, 4);
    expect(['NO_NEW_MESSAGE', 'OFFSET_OVERFLOW']).toContain(res.status);
    expect(res.nextOffset).toBe(0);
  });

  it('filters by tag and moves nextOffset past filtered-out messages', async () => {
    const { b } = await tenTagged();
    const a = b.getMessages('reads', 0, 0, 32, ['TagA']);
    expect(a.status).toBe('FOUND');
    expect(offsets(a.messages)).toEqual([0, 3, 6, 9]);
    expect(a.messages.every((m) => m.tag === 'TagA')).toBe(true);
    expect(a.nextOffset).toBe(10);

    const page1 = b.getMessages('reads', 0, 0, 2, ['TagA']);
    expect(offsets(page1.messages)).toEqual([0, 3]);
    expect(page1.nextOffset).toBe(4);
    const page2 = b.getMessages('reads', 0, page1.nextOffset, 2, ['TagA']);
    expect(offsets(page2.messages)).toEqual([6, 9]);
    expect(page2.nextOffset).toBe(10);

    expect(offsets(b.getMessages('reads', 0, 7, 32, ['TagA']).messages)).toEqual([9]);
    expect(offsets(b.getMessages('reads', 0, 0, 32, ['TagA', 'TagB']).messages)).toEqual([0, 1, 3, 4, 6, 7, 9]);
    expect(offsets(b.getMessages('reads', 0, 0, 32, ['*']).messages)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(offsets(b.getMessages('reads', 0, 0, 32, []).messages)).toHaveLength(10);
    expect(b.getMessages('reads', 0, 0, 32, ['TagZ'])).toMatchObject({ status: 'NO_MATCHED_MESSAGE', messages: [], nextOffset: 10 });
  });

  it('does not match untagged messages with a tag filter', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    await putAll(b, [
      { topic: 't', body: 'none' },
      { topic: 't', body: 'a', tag: 'TagA' },
    ]);
    expect(bodies(b.getMessages('t', 0, 0, 10, ['TagA']).messages)).toEqual(['a']);
    expect(b.getMessages('t', 0, 0, 10).messages[0]!.tag).toBe('');
  });

  it('reports min and max offsets', async () => {
    const { b } = await tenTagged();
    expect(b.minOffset('reads', 0)).toBe(0);
    expect(b.maxOffset('reads', 0)).toBe(10);
    b.createTopic({ name: 'other', queueNums: 2 });
    expect(b.minOffset('other', 1)).toBe(0);
    expect(b.maxOffset('other', 1)).toBe(0);
  });

  it('finds a message by id', async () => {
    const { b, sent } = await tenTagged();
    const m = b.getMessageById(sent[5]!.messageId);
    expect(m).toMatchObject({ topic: 'reads', queueId: 0, queueOffset: 5, tag: 'TagC', keys: ['key-5'], messageId: sent[5]!.messageId });
    expect(m.body.toString()).toBe('body-5');
    const err = expectCode(() => b.getMessageById('0123456789ABCDEF0123456789ABCDEF01'), 'MESSAGE_NOT_FOUND');
    expect(err.details).toMatchObject({ messageId: '0123456789ABCDEF0123456789ABCDEF01' });
  });

  it('queries by key within one topic, with a limit', async () => {
    const b = await openBroker();
    b.createTopic({ name: 'a', queueNums: 2 });
    b.createTopic({ name: 'b', queueNums: 2 });
    const inA = await putAll(
      b,
      Array.from({ length: 5 }, (_, i) => ({ topic: 'a', body: `a${i}`, keys: ['dup', `only-a-${i}`] })),
    );
    const inB = await b.put({ topic: 'b', body: 'b0', keys: ['dup'] });
    const foundA = b.queryByKey('a', 'dup', { limit: 100 });
    expect(foundA.map((m) => m.messageId).sort()).toEqual(inA.map((r) => r.messageId).sort());
    expect(foundA.every((m) => m.topic === 'a')).toBe(true);
    expect(b.queryByKey('b', 'dup').map((m) => m.messageId)).toEqual([inB.messageId]);
    expect(b.queryByKey('a', 'dup', { limit: 2 })).toHaveLength(2);
    expect(b.queryByKey('a', 'only-a-3').map((m) => m.body.toString())).toEqual(['a3']);
    expect(b.queryByKey('b', 'only-a-3')).toEqual([]);
    expect(b.queryByKey('a', 'unknown')).toEqual([]);
  });

  it('queries by time, paging with nextCursor across queues and returning every message exactly once', async () => {
    const base = Date.UTC(2024, 0, 1);
    const at = fakeClock(base);
    const b = await openBroker();
    b.createTopic({ name: 'timeline', queueNums: 3 });
    const sent: PutResult[] = [];
    for (let i = 0; i < 30; i++) {
      at(base + i * 1000);
      sent.push(await b.put({ topic: 'timeline', body: `m${i}` }));
    }
    expect(sent.map((r) => r.storeTimestamp)).toEqual(sent.map((_, i) => base + i * 1000));

    const all = b.queryByTime('timeline', base, base + 29_000, { limit: 1000 });
    expect(all.nextCursor).toBeUndefined();
    expect(all.messages.map((m) => m.messageId).sort()).toEqual(sent.map((r) => r.messageId).sort());

    // Window [5s, 24s] holds messages 5..24.
    const expected = sent.slice(5, 25).map((r) => r.messageId);
    const seen: string[] = [];
    let cursor: BrowseCursor | undefined;
    let pages = 0;
    do {
      const page = b.queryByTime('timeline', base + 5000, base + 24_000, { limit: 3, cursor });
      expect(page.messages.length).toBeLessThanOrEqual(3);
      for (const m of page.messages) {
        expect(m.storeTimestamp).toBeGreaterThanOrEqual(base + 5000);
        expect(m.storeTimestamp).toBeLessThanOrEqual(base + 24_000);
      }
      seen.push(...page.messages.map((m) => m.messageId));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(cursor).toBeUndefined();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(expected.sort());
    expect(pages).toBeGreaterThanOrEqual(7);

    expect(b.queryByTime('timeline', base + 100_000, base + 200_000).messages).toEqual([]);
    expect(b.queryByTime('timeline', base - 10_000, base - 1).messages).toEqual([]);
  });

  it('round-trips body, keys, properties, tag, bornHost and bornTimestamp', async () => {
    const dir = tempDir();
    let b = await openBroker(dir);
    b.createTopic({ name: 't', queueNums: 1 });
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const r = await b.put({
      topic: 't',
      body: binary,
      tag: 'TagA',
      keys: ['k1', 'ключ'],
      properties: { a: '1', unicode: 'ü€😀', empty: '', long: 'v'.repeat(5000) },
      bornHost: '10.0.0.7:52311',
      bornTimestamp: 1_700_000_000_123,
    });
    const sliced = new Uint8Array([9, 8, 7, 6, 5, 4]).subarray(2, 5);
    const r2 = await b.put({ topic: 't', body: sliced });
    const r3 = await b.put({ topic: 't', body: 'héllo wörld' });

    const check = (broker: Broker) => {
      for (const m of [broker.getMessageById(r.messageId), broker.getMessages('t', 0, 0, 1).messages[0]!]) {
        expect(m.body.equals(binary)).toBe(true);
        expect(m.tag).toBe('TagA');
        expect(m.keys).toEqual(['k1', 'ключ']);
        expect(m.properties).toMatchObject({ a: '1', unicode: 'ü€😀', empty: '', long: 'v'.repeat(5000), __MESSAGE_TYPE: 'NORMAL' });
        expect(m.bornHost).toBe('10.0.0.7:52311');
        expect(m.bornTimestamp).toBe(1_700_000_000_123);
        expect(m.reconsumeTimes).toBe(0);
        expect(m.messageId).toBe(r.messageId);
      }
      expect([...broker.getMessageById(r2.messageId).body]).toEqual([7, 6, 5]);
      expect(broker.getMessageById(r3.messageId).body.toString()).toBe('héllo wörld');
    };
    check(b);
    await closeBroker(b);
    b = await openBroker(dir);
    check(b);
  });

  it('fills in bornTimestamp and bornHost when not given', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    const before = Date.now();
    const r = await b.put({ topic: 't', body: 'x' });
    const m = b.getMessageById(r.messageId);
    expect(m.bornTimestamp).toBeGreaterThanOrEqual(before);
    expect(m.bornTimestamp).toBeLessThanOrEqual(m.storeTimestamp);
    expect(m.bornHost).toBe(os.hostname());
  });
});

// ---------------------------------------------------------------------------------------------------------
// consumer offsets
// ---------------------------------------------------------------------------------------------------------

describe('consumer offsets', () => {
  it('commits and reads offsets; rejects invalid ones', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 2 });
    b.createGroup({ name: 'g' });
    await putAll(
      b,
      Array.from({ length: 5 }, () => ({ topic: 't', body: 'x', queueId: 0 })),
    );
    expect(b.consumerOffset('g', 't', 0)).toBe(0);
    b.commitOffset('g', 't', 0, 3);
    expect(b.consumerOffset('g', 't', 0)).toBe(3);
    b.commitOffset('g', 't', 0, 5);
    expect(b.consumerOffset('g', 't', 0)).toBe(5);
    b.commitOffset('g', 't', 0, 1); // moving back is allowed (replay)
    expect(b.consumerOffset('g', 't', 0)).toBe(1);
    b.commitOffset('g', 't', 1, 0);

    for (const offset of [-1, 6, 1.5, Number.NaN]) {
      const err = expectCode(() => b.commitOffset('g', 't', 0, offset), 'INVALID_ARGUMENT');
      expect(err.details).toMatchObject({ field: 'offset' });
    }
    expectCode(() => b.commitOffset('g', 't', 1, 1), 'INVALID_ARGUMENT');
    for (const q of [2, -1, 0.5]) expectCode(() => b.commitOffset('g', 't', q, 0), 'QUEUE_NOT_FOUND');
    expectCode(() => b.commitOffset('nope', 't', 0, 0), 'GROUP_NOT_FOUND');
    expectCode(() => b.commitOffset('g', 'nope', 0, 0), 'TOPIC_NOT_FOUND');
    expect(b.consumerOffset('g', 't', 0)).toBe(1);
  });

  it('a group created after some messages starts at the end, sees all later ones, also on topics created later', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 2 });
    const early = b.createGroup({ name: 'early' });
    expect(early.startPhysicalOffset).toBe(0);
    await putAll(b, [
      { topic: 't', body: 'old-0', queueId: 0 },
      { topic: 't', body: 'old-1', queueId: 0 },
      { topic: 't', body: 'old-2', queueId: 0 },
    ]);
    b.createGroup({ name: 'late' });
    expect(b.consumerOffset('early', 't', 0)).toBe(0);
    expect(b.consumerOffset('late', 't', 0)).toBe(3);
    expect(b.consumerOffset('late', 't', 1)).toBe(0);

    await putAll(b, [
      { topic: 't', body: 'new-0', queueId: 0 },
      { topic: 't', body: 'new-1', queueId: 0 },
      { topic: 't', body: 'new-q1', queueId: 1 },
    ]);
    expect(b.consumerOffset('late', 't', 0)).toBe(3);
    expect(bodies(b.getMessages('t', 0, b.consumerOffset('late', 't', 0), 32).messages)).toEqual(['new-0', 'new-1']);
    expect(b.consumerOffset('late', 't', 1)).toBe(0);
    expect(bodies(b.getMessages('t', 1, b.consumerOffset('late', 't', 1), 32).messages)).toEqual(['new-q1']);

    b.createTopic({ name: 'later', queueNums: 1 });
    await b.put({ topic: 'later', body: 'first' });
    expect(b.consumerOffset('late', 'later', 0)).toBe(0);

    const stats = b.groupStats('late', ['t', 'later']);
    expect(stats.topics.find((x) => x.topic === 't')?.queues.map((q) => q.lag)).toEqual([2, 1]);
    expect(stats.topics.find((x) => x.topic === 'later')?.lag).toBe(1);
    expect(stats.lag).toBe(4);
    expect(b.groupStats('early', ['t']).lag).toBe(6);
  });

  it('resets offsets to a timestamp, earliest or latest, with a dry-run preview', async () => {
    const base = Date.UTC(2024, 5, 1);
    const at = fakeClock(base);
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 2 });
    b.createGroup({ name: 'g' });
    for (let i = 0; i < 10; i++) {
      at(base + i * 1000);
      await b.put({ topic: 't', body: `m${i}`, queueId: i % 2 });
    }
    b.commitOffset('g', 't', 0, 5);
    b.commitOffset('g', 't', 1, 5);

    // From 6s: queue 0 holds 6s and 8s (offsets 3, 4), queue 1 holds 7s and 9s (offsets 3, 4).
    const preview = b.resetOffset('g', 't', { timestamp: base + 6000 }, true);
    expect(preview).toEqual({
      queues: [
        { queueId: 0, from: 5, to: 3 },
        { queueId: 1, from: 5, to: 3 },
      ],
      delta: 4,
    });
    expect(b.consumerOffset('g', 't', 0)).toBe(5);
    expect(b.consumerOffset('g', 't', 1)).toBe(5);

    const done = b.resetOffset('g', 't', { timestamp: base + 6000 });
    expect(done).toEqual(preview);
    expect(b.consumerOffset('g', 't', 0)).toBe(3);
    expect(b.consumerOffset('g', 't', 1)).toBe(3);
    expect(bodies(b.getMessages('t', 0, 3, 10).messages)).toEqual(['m6', 'm8']);

    // Between two messages: the next one on each queue.
    expect(b.resetOffset('g', 't', { timestamp: base + 6500 }, true).queues.map((q) => q.to)).toEqual([4, 3]);
    // Before everything / after everything.
    expect(b.resetOffset('g', 't', { timestamp: base - 1 }, true).queues.map((q) => q.to)).toEqual([0, 0]);
    expect(b.resetOffset('g', 't', { timestamp: base + 60_000 }, true).queues.map((q) => q.to)).toEqual([5, 5]);

    const latest = b.resetOffset('g', 't', { position: 'latest' }, true);
    expect(latest.delta).toBe(-4);
    expect(b.consumerOffset('g', 't', 0)).toBe(3);

    const earliest = b.resetOffset('g', 't', { position: 'earliest' });
    expect(earliest).toEqual({
      queues: [
        { queueId: 0, from: 3, to: 0 },
        { queueId: 1, from: 3, to: 0 },
      ],
      delta: 6,
    });
    expect(b.consumerOffset('g', 't', 0)).toBe(0);

    const skip = b.resetOffset('g', 't', { position: 'latest' });
    expect(skip.delta).toBe(-10);
    expect(b.consumerOffset('g', 't', 0)).toBe(5);
    expect(b.consumerOffset('g', 't', 1)).toBe(5);
    expect(b.groupStats('g').lag).toBe(0);
  });

  it('resets a group that never committed, from where it started', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    await putAll(b, [
      { topic: 't', body: '0' },
      { topic: 't', body: '1' },
    ]);
    b.createGroup({ name: 'late' });
    await b.put({ topic: 't', body: '2' });
    expect(b.resetOffset('late', 't', { position: 'earliest' }, true)).toEqual({ queues: [{ queueId: 0, from: 2, to: 0 }], delta: 2 });
  });

  it('rejects invalid reset targets and unknown groups or topics', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 1 });
    b.createGroup({ name: 'g' });
    await b.put({ topic: 't', body: 'x' });
    expectCode(() => b.resetOffset('nope', 't', { position: 'latest' }), 'GROUP_NOT_FOUND');
    expectCode(() => b.resetOffset('g', 'nope', { position: 'latest' }), 'TOPIC_NOT_FOUND');
    // A timestamp that failed to parse must not silently skip every message.
    expectCode(() => b.resetOffset('g', 't', { timestamp: Number.NaN }), 'INVALID_ARGUMENT');
    expectCode(() => b.resetOffset('g', 't', { position: 'newest' as unknown as 'latest' }), 'INVALID_ARGUMENT');
    expect(b.consumerOffset('g', 't', 0)).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------
// stats
// ---------------------------------------------------------------------------------------------------------

describe('stats', () => {
  it('reports topic message count, bytes and store time range', async () => {
    const base = Date.UTC(2024, 2, 3);
    const at = fakeClock(base);
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 2 });
    expect(b.topicStats('t')).toMatchObject({ topic: 't', messageCount: 0, bytes: 0, minStoreTimestamp: null, maxStoreTimestamp: null });
    const sent: PutResult[] = [];
    for (let i = 0; i < 5; i++) {
      at(base + (i + 1) * 1000);
      sent.push(await b.put({ topic: 't', body: 'x'.repeat(100 * (i + 1)), queueId: i < 3 ? 0 : 1 }));
    }
    const stats = b.topicStats('t');
    const sizes = sent.map((r) => b.getMessageById(r.messageId).size);
    expect(stats).toMatchObject({
      topic: 't',
      messageCount: 5,
      bytes: sizes.reduce((n, s) => n + s, 0),
      minStoreTimestamp: base + 1000,
      maxStoreTimestamp: base + 5000,
    });
    expect(stats.queues).toEqual([
      {
        queueId: 0,
        minOffset: 0,
        maxOffset: 3,
        messageCount: 3,
        bytes: sizes[0]! + sizes[1]! + sizes[2]!,
        minStoreTimestamp: base + 1000,
        maxStoreTimestamp: base + 3000,
      },
      { queueId: 1, minOffset: 0, maxOffset: 2, messageCount: 2, bytes: sizes[3]! + sizes[4]!, minStoreTimestamp: base + 4000, maxStoreTimestamp: base + 5000 },
    ]);
    expect(stats.bytes).toBeGreaterThan(100 + 200 + 300 + 400 + 500);
  });

  it('reports group lag per queue and in total', async () => {
    const b = await openBroker();
    b.createTopic({ name: 't', queueNums: 3 });
    b.createTopic({ name: 'u', queueNums: 1 });
    b.createGroup({ name: 'g' });
    expect(b.groupStats('g')).toEqual({ group: 'g', topics: [], lag: 0 });
    await putAll(
      b,
      Array.from({ length: 6 }, (_, i) => ({ topic: 't', body: `m${i}`, queueId: i % 3 })),
    );
    await putAll(b, [
      { topic: 'u', body: 'u0' },
      { topic: 'u', body: 'u1' },
    ]);
    b.commitOffset('g', 't', 0, 2);
    b.commitOffset('g', 't', 1, 1);

    const stats = b.groupStats('g');
    expect(stats.group).toBe('g');
    expect(stats.topics).toEqual([
      {
        topic: 't',
        queues: [
          { queueId: 0, brokerOffset: 2, consumerOffset: 2, lag: 0 },
          { queueId: 1, brokerOffset: 2, consumerOffset: 1, lag: 1 },
          { queueId: 2, brokerOffset: 2, consumerOffset: 0, lag: 2 },
        ],
        lag: 3,
      },
    ]);
    expect(stats.lag).toBe(3);

    const both = b.groupStats('g', ['u']);
    expect(both.topics.map((x) => x.topic).sort()).toEqual(['t', 'u']);
    expect(both.topics.find((x) => x.topic === 'u')?.lag).toBe(2);
    expect(both.lag).toBe(5);
    expect(b.groupStats('g', ['does-not-exist']).topics.map((x) => x.topic)).toEqual(['t']);
  });
});

// ---------------------------------------------------------------------------------------------------------
// persistence
// ---------------------------------------------------------------------------------------------------------

describe('persistence', () => {
  const exponential: RetryPolicy = { kind: 'exponential', initialMs: 200, maxMs: 30_000, multiplier: 3 };

  it('keeps namespaces, topics, groups, offsets and messages across close and reopen', async () => {
    const dir = tempDir();
    let b = await openBroker(dir);
    b.createNamespace('shop', 'the shop');
    b.createNamespace('spare');
    const orders = b.createTopic({
      namespace: 'shop',
      name: 'orders',
      messageType: 'FIFO',
      readQueueNums: 3,
      writeQueueNums: 2,
      perm: 'READ_WRITE',
      attributes: { description: 'orders' },
    });
    const plain = b.createTopic({ name: 'plain', queueNums: 1, perm: 'WRITE' });
    const delayed = b.createTopic({ name: 'delayed', messageType: 'DELAY', queueNums: 1 });
    const billing = b.createGroup({ namespace: 'shop', name: 'billing', fifo: true, maxDeliveryAttempts: 5, retryPolicy: exponential });
    const sent = await putAll(
      b,
      Array.from({ length: 9 }, (_, i) => ({ topic: 'shop%orders', body: `o${i}`, tag: 'created', keys: [`order-${i}`], messageGroup: `c${i % 3}` })),
    );
    b.commitOffset('shop%billing', 'shop%orders', sent[0]!.queueId, 2);
    const late = b.createGroup({ name: 'late', consumeType: 'BROADCASTING' });
    await b.put({ topic: 'plain', body: 'p0' });
    await b.put({ topic: 'plain', body: 'p1' });
    b.updateTopic('delayed', { attributes: { description: 'later' } });
    b.deleteNamespace('spare');

    const snapshot = {
      namespaces: b.listNamespaces(),
      topics: b.listTopics(),
      groups: b.listGroups(),
      stats: b.topicStats('shop%orders'),
      sizes: sent.map((r) => b.getMessageById(r.messageId).size),
    };
    await closeBroker(b);

    b = await openBroker(dir);
    expect(b.listNamespaces()).toEqual(snapshot.namespaces);
    expect(b.listNamespaces().map((n) => [n.name, n.description])).toEqual([['shop', 'the shop']]);
    expect(b.listTopics()).toEqual(snapshot.topics);
    expect(b.getTopic('shop%orders')).toEqual(orders);
    expect(b.getTopic('plain')).toEqual(plain);
    expect(b.getTopic('delayed')).toEqual({ ...delayed, attributes: { description: 'later' }, updatedAt: b.getTopic('delayed').updatedAt });
    expect(b.listGroups()).toEqual(snapshot.groups);
    expect(b.getGroup('shop%billing')).toEqual(billing);
    expect(b.getGroup('late')).toEqual(late);
    // (bytes is compared with the records' sizes: topicStats has its own test for it.)
    const withoutBytes = (st: TopicStats) => ({ ...st, bytes: 0, queues: st.queues.map((q) => ({ ...q, bytes: 0 })) });
    const stats = b.topicStats('shop%orders');
    expect(withoutBytes(stats)).toEqual(withoutBytes(snapshot.stats));
    expect(stats.bytes).toBe(snapshot.sizes.reduce((n, x) => n + x, 0));

    // Offsets: committed ones, and the start position of a group that never committed.
    expect(b.consumerOffset('shop%billing', 'shop%orders', sent[0]!.queueId)).toBe(2);
    expect(b.consumerOffset('late', 'plain', 0)).toBe(0);
    expect(b.consumerOffset('late', 'shop%orders', sent[0]!.queueId)).toBe(b.maxOffset('shop%orders', sent[0]!.queueId));

    // Messages: by offset, id, key and time.
    for (const r of sent) {
      const m = b.getMessageById(r.messageId);
      expect(m).toMatchObject({ topic: 'shop%orders', queueId: r.queueId, queueOffset: r.queueOffset, tag: 'created' });
    }
    expect(b.queryByKey('shop%orders', 'order-4').map((m) => m.messageId)).toEqual([sent[4]!.messageId]);
    expect(b.queryByTime('shop%orders', 0, Number.MAX_SAFE_INTEGER, { limit: 100 }).messages).toHaveLength(9);
    const q = sent[0]!.queueId;
    expect(offsets(b.getMessages('shop%orders', q, 0, 32).messages)).toEqual(
      sent.filter((r) => r.queueId === q).map((r) => r.queueOffset),
    );

    // Writing goes on where it stopped.
    const next = await b.put({ topic: 'plain', body: 'p2' });
    expect(next.queueOffset).toBe(2);
    expect(next.physicalOffset).toBeGreaterThan(Math.max(...sent.map((r) => r.physicalOffset)));
    expect(b.consumerOffset('late', 'plain', 0)).toBe(0);
  });

  it('keeps a deleted topic deleted, and a re-created one starting at 0, across reopen', async () => {
    const dir = tempDir();
    let b = await openBroker(dir);
    b.createTopic({ name: 'orders', queueNums: 1 });
    b.createGroup({ name: 'g' });
    await putAll(
      b,
      Array.from({ length: 4 }, (_, i) => ({ topic: 'orders', body: `old-${i}` })),
    );
    b.commitOffset('g', 'orders', 0, 3);
    await b.deleteTopic('orders');
    b.createTopic({ name: 'orders', queueNums: 1 });
    await b.put({ topic: 'orders', body: 'new-0' });
    await closeBroker(b);

    b = await openBroker(dir);
    expect(b.maxOffset('orders', 0)).toBe(1);
    expect(bodies(b.getMessages('orders', 0, 0, 10).messages)).toEqual(['new-0']);
    expect(b.committedOffset('g', 'orders', 0)).toBeUndefined();
    expect((await b.put({ topic: 'orders', body: 'new-1' })).queueOffset).toBe(1);
  });

  it('keeps metadata written while open in a copy taken without close (atomic metadata writes)', async () => {
    const dir = tempDir();
    const b = await openBroker(dir);
    b.createNamespace('shop');
    b.createTopic({ namespace: 'shop', name: 'orders', queueNums: 2, attributes: { description: 'v1' } });
    b.createGroup({ namespace: 'shop', name: 'billing', retryPolicy: exponential });
    b.updateTopic('shop%orders', { attributes: { description: 'v2' } });
    b.createTopic({ name: 'gone' });
    await b.deleteTopic('gone');
    const r = await b.put({ topic: 'shop%orders', body: 'x', keys: ['k'] });
    const expected = { namespaces: b.listNamespaces(), topics: b.listTopics(), groups: b.listGroups() };

    // A "crash" snapshot: the directory as it is right now, with the broker still running.
    const copy = path.join(tempDir(), 'copy');
    fs.cpSync(dir, copy, { recursive: true, filter: (src) => path.basename(src) !== 'LOCK' });
    const metaFiles = fs.readdirSync(path.join(copy, 'metadata'));
    // Offsets are written in the background, so their temp file may be caught mid-write (harmless, as below).
    expect(metaFiles.filter((f) => f.endsWith('.tmp') && f !== 'offsets.json.tmp')).toEqual([]);
    // A torn temp file from an interrupted write must not matter.
    fs.writeFileSync(path.join(copy, 'metadata', 'topics.json.tmp'), '[{"name":"half');
    fs.writeFileSync(path.join(copy, 'metadata', 'groups.json.tmp'), '');

    const reopened = await openBroker(copy);
    expect(reopened.listNamespaces()).toEqual(expected.namespaces);
    expect(reopened.listTopics()).toEqual(expected.topics);
    expect(reopened.getTopic('shop%orders').attributes).toEqual({ description: 'v2' });
    expect(reopened.listGroups()).toEqual(expected.groups);
    expect(reopened.getMessageById(r.messageId).body.toString()).toBe('x');
  });

  it('recovers everything after the owning process is killed with SIGKILL', async () => {
    const dir = tempDir();
    const script = `
const { Broker } = await import(process.argv[1]);
const fs = await import('node:fs');
const b = await Broker.open(JSON.parse(process.argv[2]));
b.createNamespace('shop', 'the shop');
b.createTopic({ namespace: 'shop', name: 'orders', messageType: 'FIFO', queueNums: 2, attributes: { description: 'orders' } });
b.createGroup({ namespace: 'shop', name: 'billing', fifo: true, maxDeliveryAttempts: 5, retryPolicy: ${JSON.stringify(exponential)} });
const sent = [];
for (let i = 0; i < 20; i++) sent.push(await b.put({ topic: 'shop%orders', body: 'm' + i, keys: ['k' + i], messageGroup: 'g' + (i % 3) }));
b.commitOffset('shop%billing', 'shop%orders', sent[0].queueId, 1);
b.updateTopic('shop%orders', { attributes: { description: 'updated' } });
fs.writeSync(1, JSON.stringify({ pid: process.pid, sent }) + '\\n');
process.kill(process.pid, 'SIGKILL');
`;
    const res = await runChild(script, [JSON.stringify(options(dir))]);
    expect(res.signal).toBe('SIGKILL');
    const out = lastJsonLine(res.stdout) as { pid: number; sent: PutResult[] };
    expect(out.sent).toHaveLength(20);
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(out.pid));

    const b = await openBroker(dir);
    expect(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    expect(b.listNamespaces().map((n) => [n.name, n.description])).toEqual([['shop', 'the shop']]);
    expect(b.getTopic('shop%orders')).toMatchObject({ messageType: 'FIFO', readQueueNums: 2, writeQueueNums: 2, attributes: { description: 'updated' } });
    expect(b.getGroup('shop%billing')).toMatchObject({ fifo: true, maxDeliveryAttempts: 5, retryPolicy: exponential });
    expect(b.topicStats('shop%orders').messageCount).toBe(20);
    for (const r of out.sent) {
      const m = b.getMessageById(r.messageId);
      expect(m).toMatchObject({ queueId: r.queueId, queueOffset: r.queueOffset, physicalOffset: r.physicalOffset });
    }
    expect(b.queryByKey('shop%orders', 'k7').map((m) => m.body.toString())).toEqual(['m7']);
    // Offsets are persisted on a timer: after a crash they may go back (re-delivery), never forward.
    expect(b.consumerOffset('shop%billing', 'shop%orders', out.sent[0]!.queueId)).toBeLessThanOrEqual(1);
    // And the store takes new writes after the last recovered offset.
    const next = await b.put({ topic: 'shop%orders', body: 'after', queueId: 0 });
    expect(next.queueOffset).toBe(b.topicStats('shop%orders').queues[0]!.maxOffset - 1);
    expect(next.queueOffset).toBe(out.sent.filter((r) => r.queueId === 0).length);
  });
});
