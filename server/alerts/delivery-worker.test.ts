/** The notification outbox: retries with back-off, a visible failure on the channel, one send per row across nodes. */
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../broker/test-support.ts';
import { startConsoleTestEnv, type ConsoleTestEnv } from '../console-test-env.ts';
import { createDb } from '../db.ts';
import { BACKOFF_MS, DELIVERY_RETENTION_MS, enqueueNotifications, MAX_DELIVERY_ATTEMPTS, pruneDeliveries, runDeliveries, sendTestNotification, startDeliveryWorker } from './delivery-worker.ts';
import type { AlertPayload } from './notify.ts';
import { closedPort, startWebhookReceiver, type WebhookReceiver } from './test-receivers.ts';

const SECRET = 'worker-secret-0123456789';
const PAYLOAD: AlertPayload = { kind: 'fired', ruleName: 'lag', severity: 'warning', message: 'Lag of billing is 500', eventId: null };

let env: ConsoleTestEnv;
let receiver: WebhookReceiver;

beforeAll(async () => {
  env = await startConsoleTestEnv();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await env.close();
});
beforeEach(async () => {
  await env.db.notificationChannel.deleteMany();
  receiver.requests.length = 0;
  receiver.answer(204);
});

async function channel(name: string, url: string, enabled = true): Promise<string> {
  const row = await env.db.notificationChannel.create({ data: { name, kind: 'webhook', config: JSON.stringify({ url, secret: SECRET }), enabled, createdBy: 'test' } });
  return row.id;
}

const at = (base: Date, ms: number) => new Date(base.getTime() + ms);

describe('enqueueNotifications', () => {
  it('queues one pending delivery per enabled channel, due now, and skips disabled ones', async () => {
    const on = await channel('on', receiver.url);
    const off = await channel('off', receiver.url, false);
    const ids = await enqueueNotifications(env.db, { kind: 'fired', payload: PAYLOAD, channelIds: [on, off, 'no-such-channel'] });
    expect(ids).toHaveLength(1);
    const row = await env.db.alertDelivery.findUniqueOrThrow({ where: { id: ids[0]! } });
    expect(row).toMatchObject({ channelId: on, state: 'pending', attempts: 0, kind: 'fired' });
    expect(row.nextAt.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

describe('runDeliveries', () => {
  it('retries a failed delivery after its back-off and marks the channel ok once it goes through', async () => {
    const id = await channel('flaky', receiver.url);
    const [deliveryId] = await enqueueNotifications(env.db, { kind: 'fired', payload: PAYLOAD, channelIds: [id] });
    receiver.answer(503, 'maintenance');
    const t0 = new Date();
    expect((await runDeliveries(env.db, t0)).map((o) => o.state)).toEqual(['pending']);

    const failed = await env.db.alertDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
    expect(failed).toMatchObject({ attempts: 1, state: 'pending', lastError: 'The webhook answered HTTP 503 Service Unavailable: maintenance' });
    expect(failed.nextAt.getTime()).toBe(t0.getTime() + BACKOFF_MS[0]);
    expect(await env.db.notificationChannel.findUniqueOrThrow({ where: { id } })).toMatchObject({ lastStatus: 'failed', lastError: failed.lastError });

    // Not due before its back-off is over.
    expect(await runDeliveries(env.db, at(t0, BACKOFF_MS[0] - 1))).toEqual([]);
    receiver.answer(204);
    expect((await runDeliveries(env.db, at(t0, BACKOFF_MS[0]))).map((o) => o.state)).toEqual(['sent']);

    expect(await env.db.alertDelivery.findUniqueOrThrow({ where: { id: deliveryId! } })).toMatchObject({ state: 'sent', attempts: 2, lastError: null });
    const ok = await env.db.notificationChannel.findUniqueOrThrow({ where: { id } });
    expect(ok).toMatchObject({ lastStatus: 'ok', lastError: null });
    expect(ok.lastSentAt).not.toBeNull();
    // Both attempts carried the same delivery id, so the receiver can drop a duplicate.
    expect(receiver.requests.map((r) => r.headers['x-meridian-delivery'])).toEqual([deliveryId, deliveryId]);
  });

  it('backs off 10 s, 30 s, 1 m, 5 m, 15 m, 30 m, 30 m and gives up after 8 attempts, the failure shown on the channel', async () => {
    const port = await closedPort();
    const id = await channel('dead', `http://127.0.0.1:${port}/hook`);
    const [deliveryId] = await enqueueNotifications(env.db, { kind: 'fired', payload: PAYLOAD, channelIds: [id] });
    let now = new Date();
    const waits: number[] = [];
    for (let attempt = 1; attempt <= MAX_DELIVERY_ATTEMPTS; attempt++) {
      await runDeliveries(env.db, now);
      const row = await env.db.alertDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
      expect(row.attempts).toBe(attempt);
      if (row.state === 'failed') break;
      waits.push(row.nextAt.getTime() - now.getTime());
      now = row.nextAt;
    }
    expect(waits).toEqual([10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 1_800_000]);
    const row = await env.db.alertDelivery.findUniqueOrThrow({ where: { id: deliveryId! } });
    expect(row).toMatchObject({ state: 'failed', attempts: 8, lastError: `Could not reach 127.0.0.1:${port}: connection refused` });
    expect(await env.db.notificationChannel.findUniqueOrThrow({ where: { id } })).toMatchObject({
      lastStatus: 'failed',
      lastError: `Gave up after 8 attempts: Could not reach 127.0.0.1:${port}: connection refused`,
    });
    // Given up means never tried again.
    expect(await runDeliveries(env.db, at(now, 24 * 3_600_000))).toEqual([]);
  });

  it('sends each delivery once when two console nodes poll the same database at the same moment', async () => {
    const id = await channel('shared', receiver.url);
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => enqueueNotifications(env.db, { kind: 'fired', payload: { ...PAYLOAD, message: `alert ${i}` }, channelIds: [id] })));
    const other = createDb(`file:${path.join(env.dir, 'console.db')}`);
    try {
      const now = new Date();
      const [a, b] = await Promise.all([runDeliveries(env.db, now), runDeliveries(other, now)]);
      const sent = [...a, ...b].filter((o) => o.state === 'sent').map((o) => o.deliveryId);
      expect(sent.sort()).toEqual(ids.flat().sort());
    } finally {
      await other.$disconnect();
    }
    const received = receiver.requests.map((r) => r.headers['x-meridian-delivery']);
    expect(received).toHaveLength(6);
    expect(new Set(received).size).toBe(6);
  });

  it('does not send an alert queued for a channel disabled since', async () => {
    const id = await channel('muted', receiver.url);
    const [deliveryId] = await enqueueNotifications(env.db, { kind: 'fired', payload: PAYLOAD, channelIds: [id] });
    await env.db.notificationChannel.update({ where: { id }, data: { enabled: false } });
    await runDeliveries(env.db, new Date());
    expect(await env.db.alertDelivery.findUniqueOrThrow({ where: { id: deliveryId! } })).toMatchObject({ state: 'failed', lastError: 'Not sent: the channel was disabled' });
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('sendTestNotification', () => {
  it('answers at once and is not retried: a failed test is failed on the channel', async () => {
    const port = await closedPort();
    const id = await channel('test-dead', `http://127.0.0.1:${port}/`);
    const outcome = await sendTestNotification(env.db, id, { ...PAYLOAD, kind: 'test' });
    expect(outcome).toMatchObject({ state: 'failed', error: `Could not reach 127.0.0.1:${port}: connection refused` });
    expect(await env.db.notificationChannel.findUniqueOrThrow({ where: { id } })).toMatchObject({ lastStatus: 'failed' });
    expect(await runDeliveries(env.db, at(new Date(), 3_600_000))).toEqual([]);
  });
});

describe('startDeliveryWorker', () => {
  it('sends what is queued within a poll, and its stop function ends the polling', async () => {
    const id = await channel('polled', receiver.url);
    const stop = startDeliveryWorker(env.db, 20);
    try {
      await enqueueNotifications(env.db, { kind: 'resolved', payload: { ...PAYLOAD, kind: 'resolved' }, channelIds: [id] });
      await waitUntil(() => receiver.requests.length === 1, { what: 'the worker to send the queued notification' });
      expect(receiver.requests[0]!.headers['x-meridian-event']).toBe('resolved');
      // One worker per process: a second start hands back the running one.
      expect(startDeliveryWorker(env.db, 20)).toBe(stop);
    } finally {
      await stop();
    }
  });
});

describe('pruneDeliveries', () => {
  it('deletes finished deliveries past the retention and keeps recent and pending ones', async () => {
    const id = await channel('pruned', receiver.url);
    const old = new Date(Date.now() - DELIVERY_RETENTION_MS - 60_000);
    const row = (state: string, createdAt: Date) => ({ channelId: id, kind: 'fired', state, payload: '{}', createdAt });
    await env.db.alertDelivery.createMany({ data: [row('sent', old), row('failed', old), row('pending', old), row('sent', new Date())] });
    expect(await pruneDeliveries(env.db, Date.now())).toBe(2);
    expect((await env.db.alertDelivery.findMany({ where: { channelId: id } })).map((d) => d.state).sort()).toEqual(['pending', 'sent']);
  });
});
