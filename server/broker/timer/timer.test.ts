import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Broker } from '../broker.ts';
import { isBrokerError } from '../errors.ts';
import { waitUntil } from '../test-support.ts';

const dirs: string[] = [];
const open: Broker[] = [];

async function openBroker(dir?: string): Promise<{ broker: Broker; dir: string }> {
  const d = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-timer-'));
  if (!dir) dirs.push(d);
  const broker = await Broker.open({ dataDir: d, segmentSize: 1 << 20, maxMessageSize: 64 << 10 });
  open.push(broker);
  return { broker, dir: d };
}

afterEach(async () => {
  vi.useRealTimers();
  for (const b of open.splice(0)) await b.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (e) {
    return isBrokerError(e) ? e.code : 'OTHER';
  }
}

/** The error a recall answers with (it must be refused). */
function recallError(broker: Broker, handle: string): { code: string; message: string } {
  try {
    broker.recall(handle);
  } catch (e) {
    if (isBrokerError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('the recall was accepted');
}

async function reopen(broker: Broker, dir: string): Promise<Broker> {
  await broker.close();
  open.splice(open.indexOf(broker), 1);
  return (await openBroker(dir)).broker;
}

async function drain(broker: Broker, group: string, topic: string, waitMs: number): Promise<string[]> {
  const got = await broker.receive({ group, topic, maxMessages: 32, invisibleMs: 30_000, waitMs });
  for (const r of got) broker.ack(group, topic, r.receiptHandle);
  return got.map((r) => r.message.body.toString());
}

describe('scheduled messages', () => {
  it('become visible at their time, in due order, and not before', async () => {
    const { broker } = await openBroker();
    broker.createTopic({ name: 'reminders', messageType: 'DELAY', queueNums: 2 });
    broker.createGroup({ name: 'g' });
    const t0 = Date.now();
    await broker.put({ topic: 'reminders', body: 'third', deliverAt: t0 + 1200, messageType: 'DELAY' });
    await broker.put({ topic: 'reminders', body: 'first', deliverAt: t0 + 400, messageType: 'DELAY' });
    await broker.put({ topic: 'reminders', body: 'second', deliverAt: t0 + 800, messageType: 'DELAY' });
    expect(await drain(broker, 'g', 'reminders', 0)).toEqual([]);
    const seen: { body: string; at: number }[] = [];
    while (seen.length < 3 && Date.now() - t0 < 5000) {
      for (const body of await drain(broker, 'g', 'reminders', 500)) seen.push({ body, at: Date.now() - t0 });
    }
    expect(seen.map((s) => s.body)).toEqual(['first', 'second', 'third']);
    expect(seen[0]!.at).toBeGreaterThanOrEqual(400);
    expect(seen[2]!.at).toBeGreaterThanOrEqual(1200);
  });

  it('recall cancels a message that has not fired; clear errors afterwards', async () => {
    const { broker } = await openBroker();
    broker.createTopic({ name: 'd', messageType: 'DELAY' });
    broker.createGroup({ name: 'g' });
    const kept = await broker.put({ topic: 'd', body: 'kept', deliverAt: Date.now() + 300 });
    const cancelled = await broker.put({ topic: 'd', body: 'cancelled', deliverAt: Date.now() + 300 });
    expect(broker.recall(cancelled.recallHandle!)).toBe(cancelled.messageId);
    expect(codeOf(() => broker.recall(cancelled.recallHandle!))).toBe('MESSAGE_NOT_FOUND');
    expect(codeOf(() => broker.recall('garbage'))).toBe('MESSAGE_NOT_FOUND');
    // Due after both: once it has arrived, the timer has dealt with their time (it fires in due order).
    await broker.put({ topic: 'd', body: 'marker', deliverAt: Date.now() + 400 });
    const got: string[] = [];
    await waitUntil(
      async () => {
        got.push(...(await drain(broker, 'g', 'd', 400)));
        return got.includes('marker');
      },
      { what: 'the marker to fire' },
    );
    expect([...got].sort()).toEqual(['kept', 'marker']);
    expect(codeOf(() => broker.recall(kept.recallHandle!))).toBe('MESSAGE_NOT_FOUND');
  });

  it('refuses delivery times past the instance limit and on non-DELAY topics', async () => {
    const { broker } = await openBroker();
    broker.createTopic({ name: 'd', messageType: 'DELAY' });
    broker.createTopic({ name: 'n' });
    await expect(broker.put({ topic: 'd', body: 'x', deliverAt: Date.now() + 41 * 86_400_000 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(broker.put({ topic: 'n', body: 'x', deliverAt: Date.now() + 1000 })).rejects.toMatchObject({ code: 'MESSAGE_TYPE_MISMATCH' });
    // Forty days ahead is accepted.
    const far = await broker.put({ topic: 'd', body: 'far', deliverAt: Date.now() + 40 * 86_400_000 - 60_000 });
    expect(far.recallHandle).toBeTruthy();
  });

  it('messages due while the broker was down fire at once on start, exactly once', async () => {
    const first = await openBroker();
    first.broker.createTopic({ name: 'd', messageType: 'DELAY' });
    first.broker.createGroup({ name: 'g' });
    const dueAt = Date.now() + 500;
    await first.broker.put({ topic: 'd', body: 'during-downtime', deliverAt: dueAt });
    await first.broker.close();
    open.splice(0);
    await waitUntil(() => Date.now() > dueAt, { what: 'the message to fall due while the broker is down' });
    const again = await openBroker(first.dir);
    const got = await drain(again.broker, 'g', 'd', 2000);
    expect(got).toEqual(['during-downtime']);
    await again.broker.close();
    open.splice(0);
    const third = await openBroker(first.dir);
    expect(await drain(third.broker, 'g', 'd', 500)).toEqual([]);
    expect(third.broker.topicStats('d').messageCount).toBe(1);
  });
});

/**
 * Recall answers stay clear whenever they come. Only Date is faked, so the timer's 100 ms tick keeps running
 * on real timers while the clock jumps past a due minute (the timer then finishes that minute's bucket). Each message is
 * scheduled at 5 s into a minute M; a marker due in minute M+1 fires in the same tick that finishes minute M,
 * after it, so once the marker is readable minute M is behind the timer.
 */
describe('recall answers', () => {
  const readable = (broker: Broker) => broker.getMessages('d', 0, 0, 10).messages.map((m) => m.body.toString());

  async function scheduled(body: string) {
    const minuteM = Math.floor(Date.now() / 60_000) + 1;
    const t0 = minuteM * 60_000 + 5_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(t0);
    const { broker, dir } = await openBroker();
    broker.createTopic({ name: 'd', messageType: 'DELAY', queueNums: 1 });
    const message = await broker.put({ topic: 'd', body, deliverAt: t0 + 1000 });
    await broker.put({ topic: 'd', body: 'marker', deliverAt: t0 + 60_000 });
    return { broker, dir, message, t0 };
  }

  it('a recalled message stays recalled after its due minute', async () => {
    const { dir, message, t0, ...rest } = await scheduled('cancelled');
    let broker = rest.broker;
    const handle = message.recallHandle!;
    expect(broker.recall(handle)).toBe(message.messageId);
    const recalled = { code: 'MESSAGE_NOT_FOUND', message: expect.stringMatching(/already recalled/) };
    expect(recallError(broker, handle)).toMatchObject(recalled);
    broker = await reopen(broker, dir);
    expect(recallError(broker, handle)).toMatchObject(recalled);

    // Past the due minute: the marker of minute M+1 fires, after minute M was finished.
    vi.setSystemTime(t0 + 61_000);
    await waitUntil(() => readable(broker).includes('marker'), { what: 'the marker of the next minute to fire' });
    expect(readable(broker)).toEqual(['marker']);
    expect(recallError(broker, handle)).toMatchObject(recalled);
    broker = await reopen(broker, dir);
    expect(recallError(broker, handle)).toMatchObject(recalled);
    expect(readable(broker)).toEqual(['marker']);
  });

  it('a delivered message answers already delivered after its due minute', async () => {
    const { dir, message, t0, ...rest } = await scheduled('fired');
    let broker = rest.broker;
    const handle = message.recallHandle!;
    const delivered = { code: 'MESSAGE_NOT_FOUND', message: expect.stringMatching(/already delivered/) };

    // Due, still within minute M.
    vi.setSystemTime(t0 + 1_100);
    await waitUntil(() => readable(broker).includes('fired'), { what: 'the message to fire' });
    expect(recallError(broker, handle)).toMatchObject(delivered);
    broker = await reopen(broker, dir);
    expect(recallError(broker, handle)).toMatchObject(delivered);

    // Past the due minute.
    vi.setSystemTime(t0 + 61_000);
    await waitUntil(() => readable(broker).includes('marker'), { what: 'the marker of the next minute to fire' });
    expect(recallError(broker, handle)).toMatchObject(delivered);
    broker = await reopen(broker, dir);
    expect(recallError(broker, handle)).toMatchObject(delivered);
    expect(readable(broker)).toEqual(['fired', 'marker']);
  });
});
