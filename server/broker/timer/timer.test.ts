import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../broker.ts';
import { isBrokerError } from '../errors.ts';

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
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(...(await drain(broker, 'g', 'd', 400)));
    expect(got).toEqual(['kept']);
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
    await first.broker.put({ topic: 'd', body: 'during-downtime', deliverAt: Date.now() + 500 });
    await first.broker.close();
    open.splice(0);
    await new Promise((r) => setTimeout(r, 900));
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
