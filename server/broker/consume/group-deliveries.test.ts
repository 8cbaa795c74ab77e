/** Per-group delivery: the retry path, delivery states, dead letters (list, purge, resend) and consume verification. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Broker, VERIFY_DEADLINE_MS, type BrokerOptions, type ReceivedMessage } from '../index.ts';
import { closeTestBrokers, openTestBroker, waitUntil } from '../test-support.ts';

afterEach(closeTestBrokers);

const INDEX_URL = pathToFileURL(path.join(import.meta.dirname, '..', 'index.ts')).href;
const ROOT = path.join(import.meta.dirname, '..', '..', '..');

/** A receive of one message that answers at once, or within `waitMs` when nothing is deliverable yet. */
function receive(b: Broker, group: string, topic: string, opts: { invisibleMs?: number; waitMs?: number; clientId?: string } = {}): Promise<ReceivedMessage[]> {
  return b.receive({ group, topic, maxMessages: 8, invisibleMs: opts.invisibleMs ?? 10_000, waitMs: opts.waitMs ?? 0, ...(opts.clientId ? { clientId: opts.clientId } : {}) });
}

/** Until something is delivered (long polls of 2 s, a deadline of 10 s). */
async function receiveSome(b: Broker, group: string, topic: string, opts: { invisibleMs?: number; clientId?: string } = {}): Promise<ReceivedMessage[]> {
  let got: ReceivedMessage[] = [];
  await waitUntil(async () => (got = await receive(b, group, topic, { ...opts, waitMs: 2000 })).length > 0, { what: `a delivery to ${group}` });
  return got;
}

/** A broker with topic `t` (one queue), group `g` (2 attempts, 50 ms back-off) and group `other`, both subscribed. */
async function setup(options: Omit<BrokerOptions, 'dataDir'> = {}): Promise<Broker> {
  const b = await openTestBroker(options);
  b.createTopic({ name: 't', queueNums: 1 });
  b.createGroup({ name: 'g', maxDeliveryAttempts: 2, retryPolicy: { kind: 'customized', delaysMs: [50] } });
  b.createGroup({ name: 'other' });
  return b;
}

/** Sends a message and nacks it on both of g's attempts until it is dead-lettered; returns its id. */
async function deadLetter(b: Broker, body = 'poison', extra: { tag?: string; properties?: Record<string, string> } = {}): Promise<string> {
  const before = b.deadLetterCount('g');
  const sent = await b.put({ topic: 't', body, ...extra });
  for (let attempt = 1; attempt <= 2; attempt++) {
    const [r] = await receiveSome(b, 'g', 't');
    expect(r!.message.messageId).toBe(sent.messageId);
    expect(r!.deliveryAttempt).toBe(attempt);
    b.changeInvisibleDuration('g', 't', r!.receiptHandle, 0);
  }
  // The next receive after the back-off moves it to the DLQ instead of delivering a third attempt.
  await waitUntil(async () => (await receive(b, 'g', 't', { waitMs: 200 })).length === 0 && b.deadLetterCount('g') === before + 1, {
    what: 'the message to be dead-lettered',
  });
  return sent.messageId;
}

const ALL_TIME = { beginMs: 0, endMs: Number.MAX_SAFE_INTEGER, order: 'oldest' as const, limit: 100 };

/** The DLQ offset of g's newest letter of a message (letters are addressed by offset). */
function letterOffset(b: Broker, id: string): number {
  const letter = b.deadLetters('g', ALL_TIME).letters.findLast((l) => l.originMessageId === id);
  expect(letter, `a dead letter of ${id}`).toBeDefined();
  return letter!.offset;
}

/** Puts a marker and receives until it arrives: what the group got on the way (nothing else due means just the marker). */
async function receiveThroughMarker(b: Broker, group: string, topic = 't'): Promise<string[]> {
  const marker = (await b.put({ topic, body: 'marker' })).messageId;
  const got: ReceivedMessage[] = [];
  await waitUntil(async () => (got.push(...(await receive(b, group, topic, { waitMs: 2000 }))), got.some((r) => r.message.messageId === marker)), {
    what: `the marker to reach ${group}`,
  });
  for (const r of got) b.ack(group, topic, r.receiptHandle);
  return got.map((r) => (r.message.messageId === marker ? 'marker' : r.message.messageId));
}

describe('dead letters', () => {
  it('are listed with origin, attempts, failure times and reason; nack, expiry and client forwarding each say so', async () => {
    const b = await setup();
    const t0 = Date.now();
    const nacked = await deadLetter(b, 'nacked');

    const expired = (await b.put({ topic: 't', body: 'expired' })).messageId;
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [r] = await receiveSome(b, 'g', 't', { invisibleMs: 100 });
      expect(r!.message.messageId).toBe(expired);
    }
    await waitUntil(async () => (await receive(b, 'g', 't', { waitMs: 200 })).length === 0 && b.deadLetterCount('g') === 2, { what: 'the expired one to be dead-lettered' });

    const forwarded = (await b.put({ topic: 't', body: 'forwarded' })).messageId;
    const [f] = await receiveSome(b, 'g', 't');
    await b.forwardToDeadLetter('g', 't', f!.receiptHandle, 'client gave up after 1 of 1 attempts');

    const page = b.deadLetters('g', ALL_TIME);
    expect(page.letters.map((l) => [l.originMessageId, l.originTopic, l.attempts, l.reason])).toEqual([
      [nacked, 't', 2, 'NACK'],
      [expired, 't', 2, 'INVISIBLE_EXPIRED'],
      [forwarded, 't', 1, 'CLIENT_FORWARDED'],
    ]);
    const [n, e, c] = page.letters;
    expect(n!.firstFailureAt).toBeGreaterThanOrEqual(t0);
    expect(n!.lastFailureAt).toBeGreaterThan(n!.firstFailureAt!); // two nacks, the back-off apart
    expect(n!.detail).toMatch(/negatively acknowledged/);
    expect(e!.lastFailureAt).toBeGreaterThan(e!.firstFailureAt!);
    expect(e!.detail).toMatch(/invisible time ran out/);
    expect(c!.detail).toBe('client gave up after 1 of 1 attempts');
    expect(c!.firstFailureAt).toBe(c!.lastFailureAt);
    expect(n!.message.topic).toBe('%DLQ%g');
    expect(page.reachedMs).toBe(c!.message.storeTimestamp);
    expect(b.deadLetterCount('g')).toBe(3);
    expect(b.deadLetterCount('other')).toBe(0);
    expect(b.deadLetters('other', ALL_TIME).letters).toEqual([]);
  });

  it('filters like a topic browse and pages with a cursor', async () => {
    const b = await setup();
    await deadLetter(b, '{"order":{"id":1}}', { tag: 'a', properties: { region: 'eu' } });
    const second = await deadLetter(b, '{"order":{"id":2}}', { tag: 'b', properties: { region: 'us' } });
    expect(b.deadLetters('g', { ...ALL_TIME, match: { tag: 'b' } }).letters.map((l) => l.originMessageId)).toEqual([second]);
    expect(b.deadLetters('g', { ...ALL_TIME, match: { property: { name: 'region', op: 'eq', value: 'us' } } }).letters.map((l) => l.originMessageId)).toEqual([second]);
    expect(b.deadLetters('g', { ...ALL_TIME, match: { json: { path: 'order.id', equals: '2' } } }).letters.map((l) => l.originMessageId)).toEqual([second]);
    const first = b.deadLetters('g', { ...ALL_TIME, order: 'newest', limit: 1 });
    expect(first.letters.map((l) => l.originMessageId)).toEqual([second]);
    const next = b.deadLetters('g', { ...ALL_TIME, order: 'newest', limit: 1, cursor: first.nextCursor! });
    expect(next.letters).toHaveLength(1);
    expect(next.letters[0]!.originMessageId).not.toBe(second);
  });

  it('purges one, a selection or all: purged letters leave the listing and the count, also after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-dlq-'));
    try {
      const opts = { dataDir: dir, segmentSize: 1 << 22, maxMessageSize: 64 << 10 };
      let b = await Broker.open(opts);
      b.createTopic({ name: 't', queueNums: 1 });
      b.createGroup({ name: 'g', maxDeliveryAttempts: 2, retryPolicy: { kind: 'customized', delaysMs: [50] } });
      const ids = [await deadLetter(b, 'a'), await deadLetter(b, 'b'), await deadLetter(b, 'c')];
      const first = letterOffset(b, ids[0]!);
      expect(b.purgeDeadLetters('g', { offsets: [first] })).toBe(1);
      expect(b.purgeDeadLetters('g', { offsets: [first, 99] })).toBe(0); // already purged; no such letter
      expect(b.deadLetterCount('g')).toBe(2);
      expect(b.deadLetters('g', ALL_TIME).letters.map((l) => l.originMessageId)).toEqual(ids.slice(1));
      await expect(b.resendDeadLetter('g', first, { by: 'op' })).rejects.toMatchObject({ code: 'DEAD_LETTER_NOT_FOUND' });

      await b.close();
      b = await Broker.open(opts);
      expect(b.deadLetterCount('g')).toBe(2);
      expect(b.deadLetters('g', ALL_TIME).letters.map((l) => l.originMessageId)).toEqual(ids.slice(1));

      expect(b.purgeDeadLetters('g', { all: true })).toBe(2);
      expect(b.deadLetterCount('g')).toBe(0);
      // A letter arriving after a purge of all is kept.
      const later = await deadLetter(b, 'd');
      expect(b.deadLetters('g', ALL_TIME).letters.map((l) => l.originMessageId)).toEqual([later]);
      await b.close();
      b = await Broker.open(opts);
      expect(b.deadLetterCount('g')).toBe(1);
      expect(b.deadLetters('g', ALL_TIME).letters.map((l) => l.originMessageId)).toEqual([later]);
      expect(() => b.purgeDeadLetters('g', { offsets: Array.from({ length: 1001 }, (_, i) => i) })).toThrow(/at most 1000/);
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resend to the group', () => {
  it('delivers the letter again to its group only, as the original topic message with attempts from 1, without moving offsets', async () => {
    const b = await setup();
    b.createGroup({ name: 'bystander' });
    // Both groups subscribe; the bystander consumes the message normally.
    const id = await deadLetter(b, 'poison');
    const [seen] = await receiveSome(b, 'bystander', 't');
    expect(seen!.message.messageId).toBe(id);
    b.ack('bystander', 't', seen!.receiptHandle);
    const offsetBefore = b.committedOffset('g', 't', 0);

    // A long poll already waiting is woken by the resend.
    const polling = receive(b, 'g', 't', { waitMs: 5000 });
    expect(await b.resendDeadLetter('g', letterOffset(b, id), { by: 'operator alice' })).toEqual({ resent: true });
    const [r] = await polling;
    expect(r!.message.messageId).toBe(id);
    expect(r!.message.topic).toBe('t');
    expect(r!.message.body.toString()).toBe('poison');
    expect(r!.deliveryAttempt).toBe(1);
    expect(await receiveThroughMarker(b, 'bystander')).toEqual(['marker']);
    expect(b.inflightCount('g', 't')).toBe(1);
    b.ack('g', 't', r!.receiptHandle);
    expect(() => b.ack('g', 't', r!.receiptHandle)).toThrow(/stale/);
    expect(b.committedOffset('g', 't', 0)).toBe(offsetBefore);
    expect(b.groupStats('g', ['t']).lag).toBe(1); // the marker
    expect(b.deadLetters('g', ALL_TIME).letters[0]!.resentAt).toBeGreaterThan(0);
    // Lookups by id show the message in its topic, never the group's retry copy or (while the record is there) a dead letter.
    expect(b.describeMessage(id)).toMatchObject({ topic: 't', message: { topic: 't', queueId: 0, queueOffset: 0 } });
    // A nacked delivery's retry is no expiry.
    const steps = (await b.traceOf(id)).filter((e) => e.group === 'g').map((e) => e.step);
    expect(steps).toEqual(['DELIVERED', 'NACKED', 'DELIVERED', 'NACKED', 'DEAD_LETTERED', 'RESENT', 'DELIVERED', 'ACKED']);
  });

  it('a resent letter that fails again is retried with the group back-off and dead-lettered again; each letter is its own', async () => {
    const b = await setup();
    const id = await deadLetter(b);
    const first = letterOffset(b, id);
    await b.resendDeadLetter('g', first, { by: 'op' });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const [r] = await receiveSome(b, 'g', 't');
      expect([r!.message.messageId, r!.deliveryAttempt]).toEqual([id, attempt]);
      b.changeInvisibleDuration('g', 't', r!.receiptHandle, 0);
    }
    await waitUntil(async () => (await receive(b, 'g', 't', { waitMs: 200 })).length === 0 && b.deadLetterCount('g') === 2, { what: 'the second dead-lettering' });
    const letters = b.deadLetters('g', ALL_TIME).letters;
    expect(letters.map((l) => [l.originMessageId, l.originTopic, l.reason])).toEqual([
      [id, 't', 'NACK'],
      [id, 't', 'NACK'],
    ]);
    expect((await b.deliveryStates(id)).find((d) => d.group === 'g')).toMatchObject({ state: 'DEAD_LETTERED', attempt: 2 });
    // Addressed by offset: the resend and the purge name one letter of the two.
    const second = letterOffset(b, id);
    expect(second).not.toBe(first);
    expect(letters.map((l) => [l.offset, l.resentAt !== undefined])).toEqual([
      [first, true],
      [second, false],
    ]);
    expect(b.purgeDeadLetters('g', { offsets: [second] })).toBe(1);
    expect(b.deadLetters('g', ALL_TIME).letters.map((l) => l.offset)).toEqual([first]);
    await expect(b.resendDeadLetter('g', second, { by: 'op' })).rejects.toMatchObject({ code: 'DEAD_LETTER_NOT_FOUND' });
  });

  it('with a dedupe key at most once per key, also after a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-resend-'));
    try {
      const opts = { dataDir: dir, segmentSize: 1 << 22, maxMessageSize: 64 << 10 };
      let b = await Broker.open(opts);
      b.createTopic({ name: 't', queueNums: 1 });
      b.createGroup({ name: 'g', maxDeliveryAttempts: 2, retryPolicy: { kind: 'customized', delaysMs: [50] } });
      const id = await deadLetter(b);
      const offset = letterOffset(b, id);
      expect(await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'job-1:1' })).toEqual({ resent: true });
      expect(await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'job-1:1' })).toEqual({ resent: false });
      await b.close();
      b = await Broker.open(opts);
      expect(await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'job-1:1' })).toEqual({ resent: false });
      expect(await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'job-2:1' })).toEqual({ resent: true });
      const got = await receiveSome(b, 'g', 't');
      await waitUntil(async () => got.push(...(await receive(b, 'g', 't', { waitMs: 200 }))) >= 2, { what: 'both resent copies' });
      expect(got.map((r) => r.message.messageId)).toEqual([id, id]);
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a key whose resend the process did not finish counts only if its copy was stored, even with its journal lines lost', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-resend-'));
    try {
      const opts = { dataDir: dir, segmentSize: 1 << 22, maxMessageSize: 64 << 10 };
      let b = await Broker.open(opts);
      b.createTopic({ name: 't', queueNums: 1 });
      b.createGroup({ name: 'g', maxDeliveryAttempts: 2, retryPolicy: { kind: 'customized', delaysMs: [50] } });
      const id = await deadLetter(b);
      const offset = letterOffset(b, id);
      await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'stored' });
      await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'unjournaled' });
      await b.close();
      // As if the process died after storing the copy, before confirming the key; as if a machine crash lost
      // a key's lines (its copy made it); and, for a third key, after writing it ahead, before storing the copy.
      const journal = path.join(dir, 'metadata', 'dead-letters.log');
      const lines = fs
        .readFileSync(journal, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('["R"') && !l.includes('"unjournaled"'));
      lines.push(JSON.stringify(['r', 'g', offset, Date.now(), id, 'lost', 0]));
      fs.writeFileSync(journal, lines.join('\n') + '\n');

      b = await Broker.open(opts);
      expect(await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'stored' })).toEqual({ resent: false });
      expect(await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'unjournaled' })).toEqual({ resent: false });
      expect(await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'lost' })).toEqual({ resent: true });
      expect(await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'lost' })).toEqual({ resent: false });
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a process killed right after a keyed resend neither loses it nor resends it again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-resend-kill-'));
    try {
      const opts = { dataDir: dir, segmentSize: 1 << 22, maxMessageSize: 64 << 10 };
      let b = await Broker.open(opts);
      b.createTopic({ name: 't', queueNums: 1 });
      b.createGroup({ name: 'g', maxDeliveryAttempts: 2, retryPolicy: { kind: 'customized', delaysMs: [50] } });
      const id = await deadLetter(b);
      const offset = letterOffset(b, id);
      await b.close();
      const child = await runChild(RESEND_AND_DIE, [JSON.stringify(opts), String(offset)]);
      expect(child.signal).toBe('SIGKILL');
      expect(child.stdout).toContain('{"resent":true}');

      b = await Broker.open(opts);
      expect(await b.resendDeadLetter('g', offset, { by: 'job', dedupeKey: 'k' })).toEqual({ resent: false });
      const [r] = await receiveSome(b, 'g', 't');
      expect([r!.message.messageId, r!.deliveryAttempt]).toEqual([id, 1]);
      b.ack('g', 't', r!.receiptHandle);
      expect(await receiveThroughMarker(b, 'g')).toEqual(['marker']);
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Resends with key "k", prints the answer, and kills itself before anything else can run (no close). */
const RESEND_AND_DIE = `
const { Broker } = await import(process.argv[1]);
const fs = await import('node:fs');
const b = await Broker.open(JSON.parse(process.argv[2]));
const r = await b.resendDeadLetter('g', Number(process.argv[3]), { by: 'job', dedupeKey: 'k' });
fs.writeSync(1, JSON.stringify(r) + '\\n');
process.kill(process.pid, 'SIGKILL');
`;

function runChild(script: string, args: readonly string[]): Promise<{ stdout: string; stderr: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, INDEX_URL, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, signal });
    });
  });
}

describe('delivery states', () => {
  it('follow a message per group: not delivered, in flight, retrying, dead-lettered, resent, acked', async () => {
    const b = await setup();
    const id = (await b.put({ topic: 't', body: 'x' })).messageId;
    const stateOf = async (group: string) => (await b.deliveryStates(id)).find((d) => d.group === group);
    // Neither group has received from the topic yet: no offsets, no subscription.
    expect(await b.deliveryStates(id)).toEqual([]);
    await receive(b, 'other', 't', { invisibleMs: 60_000 });
    expect(await stateOf('g')).toBeUndefined();
    expect(await stateOf('other')).toMatchObject({ state: 'IN_FLIGHT', attempt: 1 });

    const [r1] = await receiveSome(b, 'g', 't', { invisibleMs: 60_000 });
    const inflight = await stateOf('g');
    expect(inflight).toMatchObject({ state: 'IN_FLIGHT', attempt: 1 });
    expect(inflight!.invisibleUntil).toBeGreaterThan(Date.now() + 50_000);

    b.changeInvisibleDuration('g', 't', r1!.receiptHandle, 0);
    const retrying = await stateOf('g');
    expect(retrying).toMatchObject({ state: 'RETRYING', attempt: 1 });
    expect(retrying!.nextAttemptAt).toBeGreaterThan(0);

    const [r2] = await receiveSome(b, 'g', 't');
    b.changeInvisibleDuration('g', 't', r2!.receiptHandle, 0);
    await waitUntil(async () => (await receive(b, 'g', 't', { waitMs: 200 })).length === 0 && b.deadLetterCount('g') === 1, { what: 'the dead-lettering' });
    const dead = await stateOf('g');
    expect(dead).toMatchObject({ state: 'DEAD_LETTERED', attempt: 2 });
    expect(dead!.at).toBeGreaterThan(0);

    await b.resendDeadLetter('g', letterOffset(b, id), { by: 'op' });
    expect(await stateOf('g')).toMatchObject({ state: 'RETRYING' });
    const [r3] = await receiveSome(b, 'g', 't');
    expect(await stateOf('g')).toMatchObject({ state: 'IN_FLIGHT', attempt: 1 });
    b.ack('g', 't', r3!.receiptHandle);
    const acked = await stateOf('g');
    expect(acked).toMatchObject({ state: 'ACKED' });
    expect(acked!.at).toBeGreaterThan(0);

    // The other group's delivery is its own.
    expect(await stateOf('other')).toMatchObject({ state: 'IN_FLIGHT', attempt: 1 });
    await expect(b.deliveryStates('nope')).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
  });

  it("say FILTERED when the group's subscription rejects the message, with the expression; its trace derives the step once the group read past it", async () => {
    const b = await setup();
    b.createGroup({ name: 'sql' });
    const sub = { type: 'SQL' as const, expression: "region = 'eu'" };
    const sqlReceive = (waitMs = 0) =>
      b.receive({ group: 'sql', topic: 't', maxMessages: 8, invisibleMs: 10_000, waitMs, subscription: sub, filter: { accept: (m) => m.properties.region === 'eu' } });
    const sqlSteps = async (id: string) => (await b.traceOf(id)).filter((e) => e.group === 'sql');
    await sqlReceive();
    const us = (await b.put({ topic: 't', body: 'us', properties: { region: 'us' } })).messageId;
    const eu = (await b.put({ topic: 't', body: 'eu', properties: { region: 'eu' } })).messageId;
    // Before any receive reads them: FILTERED from the subscription alone, and no step yet (nothing happened).
    expect((await b.deliveryStates(us)).find((d) => d.group === 'sql')).toEqual({ group: 'sql', state: 'FILTERED', filterExpression: "SQL:region = 'eu'" });
    expect((await b.deliveryStates(eu)).find((d) => d.group === 'sql')).toMatchObject({ state: 'NOT_DELIVERED' });
    expect(await sqlSteps(us)).toEqual([]);
    const got = await sqlReceive(2000);
    expect(got.map((r) => r.message.messageId)).toEqual([eu]);
    b.ack('sql', 't', got[0]!.receiptHandle);
    expect((await b.deliveryStates(us)).find((d) => d.group === 'sql')).toMatchObject({ state: 'FILTERED' });
    // The read that turned us away delivered eu, whose step is in the trace; us's FILTERED is derived from the
    // remembered subscription and the group's position when the trace is read, at the store time.
    expect((await b.traceOf(eu)).some((e) => e.group === 'sql' && e.step === 'DELIVERED')).toBe(true);
    const stored = b.getMessageById(us);
    const derived = { messageId: us, step: 'FILTERED', at: stored.storeTimestamp, topic: 't', queueId: 0, offset: stored.queueOffset, group: 'sql', detail: "filtered out by the group's subscription SQL:region = 'eu'" };
    expect(await sqlSteps(us)).toEqual([derived]);
    // Nothing was written per filtered message: back before it (an offset reset), the group has no step for
    // it until its receive reads past it again.
    b.resetOffset('sql', 't', { position: 'earliest' });
    expect(await sqlSteps(us)).toEqual([]);
    expect((await sqlReceive(2000)).map((r) => r.message.messageId)).toEqual([eu]);
    expect(await sqlSteps(us)).toEqual([derived]);

    // A receive with a bare filter (no subscription to remember) leaves the trace to say it.
    b.createGroup({ name: 'bare' });
    const bareReceive = (waitMs = 0, subscription?: typeof sub) =>
      b.receive({ group: 'bare', topic: 't', maxMessages: 8, invisibleMs: 10_000, waitMs, filter: { accept: (m) => m.properties.region === 'eu' }, ...(subscription ? { subscription } : {}) });
    await bareReceive();
    const us2 = (await b.put({ topic: 't', body: 'us', properties: { region: 'us' } })).messageId;
    await b.put({ topic: 't', body: 'eu', properties: { region: 'eu' } });
    expect(await bareReceive(2000)).toHaveLength(1);
    const bareSteps = async () => (await b.traceOf(us2)).filter((e) => e.group === 'bare' && e.step === 'FILTERED');
    await waitUntil(async () => (await bareSteps()).length > 0, { what: "bare's FILTERED step" });
    expect((await b.deliveryStates(us2)).find((d) => d.group === 'bare')).toMatchObject({ state: 'FILTERED' });
    // Its consumers then receive with a subscription that rejects the message too: the recorded step stays the only one.
    await bareReceive(0, sub);
    expect((await bareSteps()).map((e) => e.detail)).toEqual(["filtered out by the receive's filter"]);
  });

  it('keep a message the group consumed ACKED after its subscription changed to one that rejects it', async () => {
    const b = await setup();
    b.createGroup({ name: 'sub' });
    const receive = (expression: string, waitMs = 0) =>
      b.receive({ group: 'sub', topic: 't', maxMessages: 8, invisibleMs: 10_000, waitMs, subscription: { type: 'TAG', expression }, filter: { accept: (m) => expression === '*' || m.tag === expression } });
    await receive('*');
    const id = (await b.put({ topic: 't', body: 'x', tag: 'b' })).messageId;
    const got = await receive('*', 2000);
    b.ack('sub', 't', got[0]!.receiptHandle);
    await waitUntil(async () => (await b.traceOf(id)).some((e) => e.group === 'sub' && e.step === 'ACKED'), { what: 'the ack step' });
    // The group now subscribes to tag a only: what it consumed before stays consumed, with no FILTERED step.
    await receive('a');
    expect((await b.deliveryStates(id)).find((d) => d.group === 'sub')).toMatchObject({ state: 'ACKED' });
    expect((await b.traceOf(id)).filter((e) => e.group === 'sub').map((e) => e.step)).toEqual(['DELIVERED', 'ACKED']);
  });

  it("leave out a group created after the message, though its subscription would reject it, and so does the message's trace", async () => {
    const b = await setup();
    const us = (await b.put({ topic: 't', body: 'us', properties: { region: 'us' } })).messageId;
    b.createGroup({ name: 'late' });
    // The group starts at the end of the queue, past the message that was stored before it existed.
    await b.receive({ group: 'late', topic: 't', maxMessages: 8, invisibleMs: 10_000, waitMs: 0, subscription: { type: 'SQL', expression: "region = 'eu'" }, filter: { accept: (m) => m.properties.region === 'eu' } });
    expect((await b.deliveryStates(us)).map((d) => d.group)).not.toContain('late');
    expect((await b.traceOf(us)).filter((e) => e.group === 'late')).toEqual([]);
  });

  it('a broadcasting group is IN_FLIGHT while any client has it, ACKED only once every known client is past it', async () => {
    const b = await setup();
    b.createGroup({ name: 'bc', consumeType: 'BROADCASTING' });
    const stateOf = async (id: string) => (await b.deliveryStates(id)).find((d) => d.group === 'bc');
    // Two clients join (each starts at the end of the queue), and the group is remembered as subscribing.
    for (const clientId of ['c1', 'c2']) await b.receive({ group: 'bc', topic: 't', maxMessages: 8, invisibleMs: 60_000, waitMs: 0, clientId, subscription: { type: 'TAG', expression: '*' } });
    const id = (await b.put({ topic: 't', body: 'x' })).messageId;
    expect(await stateOf(id)).toMatchObject({ state: 'NOT_DELIVERED' });
    const [r1] = await receiveSome(b, 'bc', 't', { clientId: 'c1', invisibleMs: 60_000 });
    expect(await stateOf(id)).toMatchObject({ state: 'IN_FLIGHT', attempt: 1 });
    b.ack('bc', 't', r1!.receiptHandle);
    // c1 acked, c2 has not got to it.
    expect(await stateOf(id)).toMatchObject({ state: 'NOT_DELIVERED' });
    const [r2] = await receiveSome(b, 'bc', 't', { clientId: 'c2', invisibleMs: 60_000 });
    expect(await stateOf(id)).toMatchObject({ state: 'IN_FLIGHT' });
    b.ack('bc', 't', r2!.receiptHandle);
    const acked = await stateOf(id);
    expect(acked).toMatchObject({ state: 'ACKED' });
    expect(acked!.at).toBeGreaterThan(0);
  });

  it("a broadcasting group's trace shows FILTERED once one of its clients read past the message its subscription rejects", async () => {
    const b = await setup();
    b.createGroup({ name: 'bc', consumeType: 'BROADCASTING' });
    const tagA = { type: 'TAG' as const, expression: 'a' };
    const bcReceive = (clientId: string, waitMs = 0) => b.receive({ group: 'bc', topic: 't', maxMessages: 8, invisibleMs: 60_000, waitMs, clientId, subscription: tagA, filter: { accept: (m) => m.tag === 'a' } });
    for (const clientId of ['c1', 'c2']) await bcReceive(clientId);
    const other = (await b.put({ topic: 't', body: 'x', tag: 'b' })).messageId;
    const a = (await b.put({ topic: 't', body: 'y', tag: 'a' })).messageId;
    const bcSteps = async () => (await b.traceOf(other)).filter((e) => e.group === 'bc').map((e) => [e.step, e.detail]);
    expect(await bcSteps()).toEqual([]);
    expect((await bcReceive('c1', 2000)).map((r) => r.message.messageId)).toEqual([a]);
    expect(await bcSteps()).toEqual([['FILTERED', "filtered out by the group's subscription TAG:a"]]);
    expect((await b.deliveryStates(other)).find((d) => d.group === 'bc')).toMatchObject({ state: 'FILTERED' });
  });

  it('list groups with offsets on the topic (the queue model) as ACKED once their offset passed it', async () => {
    const b = await setup();
    const id = (await b.put({ topic: 't', body: 'x' })).messageId;
    b.commitOffset('other', 't', 0, 0);
    expect((await b.deliveryStates(id)).find((d) => d.group === 'other')).toMatchObject({ state: 'NOT_DELIVERED' });
    b.commitOffset('other', 't', 0, 1);
    expect((await b.deliveryStates(id)).find((d) => d.group === 'other')).toEqual({ group: 'other', state: 'ACKED' });
  });
});

describe('consume verification', () => {
  /** A broker where g has received from t (so it subscribes) and a stored message its offsets are past. */
  async function consumed(): Promise<{ b: Broker; id: string }> {
    const b = await setup();
    const id = (await b.put({ topic: 't', body: 'v' })).messageId;
    const [r] = await receiveSome(b, 'g', 't');
    b.ack('g', 't', r!.receiptHandle);
    await receive(b, 'other', 't'); // other subscribes too, and has the message in flight
    return { b, id };
  }

  it('ack → ACKED: one delivery to that group alone, offsets and delivery state untouched, traced as VERIFIED', async () => {
    const { b, id } = await consumed();
    const offset = b.committedOffset('g', 't', 0);
    const { verificationId } = await b.verifyConsumption(id, 'g', 'operator alice');
    expect(b.verification(verificationId)).toEqual({ state: 'PENDING', messageId: id, group: 'g' });
    const [r] = await receiveSome(b, 'g', 't', { clientId: 'client-1' });
    expect([r!.message.messageId, r!.message.topic, r!.deliveryAttempt]).toEqual([id, 't', 1]);
    expect(b.verification(verificationId)).toMatchObject({ state: 'PENDING', clientId: 'client-1' });
    b.ack('g', 't', r!.receiptHandle);
    const v = b.verification(verificationId);
    expect(v).toMatchObject({ state: 'ACKED', clientId: 'client-1', messageId: id, group: 'g' });
    expect(v!.at).toBeGreaterThan(0);
    expect(b.committedOffset('g', 't', 0)).toBe(offset);
    // Other's own delivery is untouched: still its one in flight, nothing new for it.
    expect(b.inflightCount('other', 't')).toBe(1);
    expect(await receive(b, 'other', 't')).toEqual([]);
    expect((await b.deliveryStates(id)).map((d) => [d.group, d.state])).toEqual([
      ['g', 'ACKED'],
      ['other', 'IN_FLIGHT'],
    ]);
    const verified = (await b.traceOf(id)).filter((e) => e.step === 'VERIFIED');
    expect(verified.map((e) => [e.group, e.outcome, e.clientId])).toEqual([['g', 'ACKED', 'client-1']]);
  });

  it('nack → FAILED with no retry; forwarding → FAILED; nothing reaches the DLQ', async () => {
    const { b, id } = await consumed();
    const nacked = await b.verifyConsumption(id, 'g', 'op');
    const [r] = await receiveSome(b, 'g', 't');
    b.changeInvisibleDuration('g', 't', r!.receiptHandle, 0);
    expect(b.verification(nacked.verificationId)).toMatchObject({ state: 'FAILED' });
    // No retry waits: the copy's delivery is over, and the next thing g gets is what comes after.
    expect(b.inflightCount('g', 't')).toBe(0);
    expect(await receiveThroughMarker(b, 'g')).toEqual(['marker']);

    const forwarded = await b.verifyConsumption(id, 'g', 'op');
    const [f] = await receiveSome(b, 'g', 't');
    await b.forwardToDeadLetter('g', 't', f!.receiptHandle, 'client gave up');
    expect(b.verification(forwarded.verificationId)).toMatchObject({ state: 'FAILED' });
    expect(b.deadLetterCount('g')).toBe(0);
  });

  it("invisible time running out → TIMED_OUT with no redelivery, noticed by a receive or by the broker's timer", async () => {
    const { b, id } = await consumed();
    const first = await b.verifyConsumption(id, 'g', 'op');
    await receiveSome(b, 'g', 't', { invisibleMs: 100 });
    await waitUntil(() => b.verification(first.verificationId)?.state === 'TIMED_OUT', { what: 'the verification to time out' });
    const second = await b.verifyConsumption(id, 'g', 'op');
    await receiveSome(b, 'g', 't', { invisibleMs: 100 });
    // A receive notices too, and hands nothing out again.
    await waitUntil(async () => (await receive(b, 'g', 't', { waitMs: 100 })).length === 0 && b.verification(second.verificationId)?.state === 'TIMED_OUT', {
      what: 'the second verification to time out',
    });
    expect(b.deadLetterCount('g')).toBe(0);
  });

  it('is refused for a group that does not subscribe to the topic or whose filter rejects the message', async () => {
    const b = await setup();
    b.createGroup({ name: 'tags' });
    const id = (await b.put({ topic: 't', body: 'x', tag: 'red' })).messageId;
    await expect(b.verifyConsumption(id, 'g', 'op')).rejects.toMatchObject({ code: 'GROUP_NOT_SUBSCRIBED', message: expect.stringMatching(/does not subscribe to topic "t"/) });
    await b.receive({ group: 'tags', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 0, subscription: { type: 'TAG', expression: 'blue' } });
    await expect(b.verifyConsumption(id, 'tags', 'op')).rejects.toMatchObject({ code: 'GROUP_NOT_SUBSCRIBED', message: expect.stringMatching(/TAG:blue/) });
    await expect(b.verifyConsumption(id, 'nope', 'op')).rejects.toMatchObject({ code: 'GROUP_NOT_FOUND' });
    await expect(b.verifyConsumption('nope', 'g', 'op')).rejects.toMatchObject({ code: 'MESSAGE_NOT_FOUND' });
    expect(b.verification('nope')).toBeUndefined();
  });

  it('is refused while no consumer of the group is connected, when the front end tracks connections', async () => {
    const { b, id } = await consumed();
    const live = new Set<string>();
    b.setLiveConsumerCheck((group) => live.has(group));
    await expect(b.verifyConsumption(id, 'g', 'op')).rejects.toMatchObject({
      code: 'NO_LIVE_CONSUMER',
      message: 'No consumer of group g is connected; start one and verify again',
    });
    live.add('g');
    await expect(b.verifyConsumption(id, 'g', 'op')).resolves.toMatchObject({ verificationId: expect.any(String) });
    // An embedded engine with no front end: no check.
    b.setLiveConsumerCheck(undefined);
    await expect(b.verifyConsumption(id, 'other', 'op')).resolves.toMatchObject({ verificationId: expect.any(String) });
  });

  it(`a copy no consumer received within ${VERIFY_DEADLINE_MS / 1000} s → TIMED_OUT, and the copy is skipped`, async () => {
    const { b, id } = await consumed();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { verificationId } = await b.verifyConsumption(id, 'g', 'op');
      vi.setSystemTime(Date.now() + VERIFY_DEADLINE_MS);
      await waitUntil(() => b.verification(verificationId)?.state === 'TIMED_OUT', { what: 'the broker timer to time the verification out' });
      // The copy is never handed out: the next thing g gets is what was stored after it.
      expect(await receiveThroughMarker(b, 'g')).toEqual(['marker']);
      const steps = (await b.traceOf(id)).filter((e) => e.group === 'g').map((e) => [e.step, e.outcome]);
      expect(steps.at(-1)).toEqual(['VERIFIED', 'TIMED_OUT']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps its state and still delivers across a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-verify-'));
    try {
      const opts = { dataDir: dir, segmentSize: 1 << 22, maxMessageSize: 64 << 10 };
      let b = await Broker.open(opts);
      b.createTopic({ name: 't', queueNums: 1 });
      b.createGroup({ name: 'g' });
      await receive(b, 'g', 't');
      const id = (await b.put({ topic: 't', body: 'v' })).messageId;
      const done = await b.verifyConsumption(id, 'g', 'op');
      // The verification copy first, then the message itself.
      const got = await receiveSome(b, 'g', 't');
      await waitUntil(async () => got.push(...(await receive(b, 'g', 't', { waitMs: 200 }))) >= 2, { what: 'the copy and the message' });
      expect(got.map((x) => x.message.messageId)).toEqual([id, id]);
      for (const r of got) b.ack('g', 't', r.receiptHandle);
      const pending = await b.verifyConsumption(id, 'g', 'op');
      await b.close();

      b = await Broker.open(opts);
      expect(b.verification(done.verificationId)).toMatchObject({ state: 'ACKED' });
      expect(b.verification(pending.verificationId)).toMatchObject({ state: 'PENDING' });
      const [again] = await receiveSome(b, 'g', 't');
      b.ack('g', 't', again!.receiptHandle);
      expect(b.verification(pending.verificationId)).toMatchObject({ state: 'ACKED' });
      // Its offsets on the topic make g a subscriber after the restart too.
      expect((await b.deliveryStates(id)).map((d) => d.group)).toEqual(['g']);
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('remembered subscriptions', () => {
  it('are written off the receive path and kept across a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-subs-'));
    try {
      const opts = { dataDir: dir, segmentSize: 1 << 22, maxMessageSize: 64 << 10 };
      let b = await Broker.open(opts);
      b.createTopic({ name: 't', queueNums: 1 });
      b.createGroup({ name: 'g' });
      const file = path.join(dir, 'metadata', 'subscriptions.json');
      await b.receive({ group: 'g', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 0, subscription: { type: 'TAG', expression: 'a' } });
      // The receive answered before the file was written; it follows shortly.
      expect(fs.existsSync(file)).toBe(false);
      await waitUntil(() => fs.existsSync(file), { what: 'the subscriptions file to be written' });
      // A change just before close is written at close.
      await b.receive({ group: 'g', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 0, subscription: { type: 'TAG', expression: 'b' } });
      await b.close();
      b = await Broker.open(opts);
      const id = (await b.put({ topic: 't', body: 'x', tag: 'b' })).messageId;
      expect(await b.deliveryStates(id)).toEqual([{ group: 'g', state: 'NOT_DELIVERED', filterExpression: 'TAG:b' }]);
      await b.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
