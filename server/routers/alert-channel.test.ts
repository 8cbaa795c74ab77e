/** Notification channels through the console API: who may do what, and no secret in any answer or audit row. */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startWebhookReceiver, type WebhookReceiver } from '../alerts/test-receivers.ts';
import { startConsoleTestEnv, testUser, trpcError, type ConsoleTestEnv } from '../console-test-env.ts';
import type { Role } from '../schemas.ts';

const SECRET = 'hook-secret-0123456789abcdef';
const SMTP_PASSWORD = 'smtp-pass-Zq81!x';
const INLINE_PASSWORD = 'inline-pass-7Hq2';

let env: ConsoleTestEnv;
let receiver: WebhookReceiver;

function as(role: Role) {
  return env.caller(testUser(role, `${role}-ana`));
}

beforeAll(async () => {
  env = await startConsoleTestEnv();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await env.close();
});

/** A webhook target; `null` leaves the secret out. */
const webhookTarget = (url: string, secret: string | null = SECRET) => ({ kind: 'webhook' as const, url, ...(secret ? { secret } : {}) });
const emailTarget = { kind: 'email' as const, smtpUrl: 'smtps://alerts@mail.example.com:465', smtpPassword: SMTP_PASSWORD, from: 'meridian@example.com', to: ['oncall@example.com'] };

async function everythingStored(): Promise<string> {
  const [channels, audits] = await Promise.all([as('viewer').alertChannel.list(), env.db.auditEvent.findMany()]);
  return JSON.stringify({ channels, audits });
}

describe('alertChannel', () => {
  it('lets admins create channels, and shows them to viewers without the secret or the SMTP password', async () => {
    const hook = await as('admin').alertChannel.create({ name: 'ops-hook', target: webhookTarget(receiver.url) });
    expect(hook).toMatchObject({ name: 'ops-hook', kind: 'webhook', enabled: true, createdBy: 'admin-ana', target: { kind: 'webhook', url: receiver.url, hasSecret: true } });
    const mail = await as('admin').alertChannel.create({ name: 'ops-mail', target: emailTarget });
    expect(mail.target).toEqual({ kind: 'email', smtpUrl: 'smtps://alerts:***@mail.example.com:465', hasPassword: true, from: 'meridian@example.com', to: ['oncall@example.com'] });

    const list = await as('viewer').alertChannel.list();
    expect(list.map((c) => c.name)).toEqual(['ops-hook', 'ops-mail']);
    const stored = await everythingStored();
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain(SMTP_PASSWORD);
    // The audit rows say what was done, with the secrets replaced.
    const created = await env.db.auditEvent.findMany({ where: { action: 'alertChannel.create' } });
    expect(created.map((a) => [a.target, a.result])).toEqual([
      ['ops-hook', 'ok'],
      ['ops-mail', 'ok'],
    ]);
    expect(created[0]!.input).toContain('[redacted]');
  });

  it('refuses a name already taken, with a stable code on the name field', async () => {
    const err = await as('admin')
      .alertChannel.create({ name: 'ops-hook', target: webhookTarget(receiver.url) })
      .catch((e: unknown) => e as { appCode?: string; field?: string });
    expect(err).toMatchObject({ appCode: 'CHANNEL_NAME_TAKEN', field: 'name' });
  });

  it('refuses bad targets with the rule that was broken', async () => {
    expect(await trpcError(as('admin').alertChannel.create({ name: 'bad', target: webhookTarget('ftp://x.example.com/') }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await trpcError(as('admin').alertChannel.create({ name: 'bad', target: webhookTarget(receiver.url, 'short') }))).toMatchObject({ code: 'BAD_REQUEST' });
    // A password inside the URL would be logged with the input; it has its own (redacted) field.
    const inline = { ...emailTarget, smtpUrl: `smtp://alerts:${INLINE_PASSWORD}@mail.example.com` };
    expect(await trpcError(as('admin').alertChannel.create({ name: 'bad', target: inline }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await trpcError(as('admin').alertChannel.create({ name: 'bad', target: { ...emailTarget, to: [] } }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await everythingStored()).not.toContain(SMTP_PASSWORD);
  });

  // The audit middleware stores the raw input even of a refused call: audit.ts masks user:password@ in
  // any string value, whatever its field is called.
  it('keeps a password typed into the SMTP URL out of the audit log, although the call is refused', async () => {
    expect(await everythingStored()).not.toContain(INLINE_PASSWORD);
  });

  it('lets only admins change channels, and operators send tests', async () => {
    const target = webhookTarget(receiver.url);
    expect(await trpcError(as('operator').alertChannel.create({ name: 'x', target }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    expect(await trpcError(as('operator').alertChannel.delete({ name: 'ops-hook' }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    expect(await trpcError(as('viewer').alertChannel.sendTest({ name: 'ops-hook' }))).toEqual({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    expect(await trpcError(env.caller(null).alertChannel.list())).toEqual({ code: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' });
  });

  it('sends a signed test at once and shows it among the channel’s deliveries', async () => {
    const result = await as('operator').alertChannel.sendTest({ name: 'ops-hook' });
    expect(result).toMatchObject({ delivered: true, error: null });
    const req = receiver.requests.at(-1)!;
    expect(req.headers['x-meridian-event']).toBe('test');
    expect(req.headers['x-meridian-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`);
    const hook = (await as('viewer').alertChannel.list()).find((c) => c.name === 'ops-hook')!;
    expect(hook).toMatchObject({ lastStatus: 'ok', lastError: null });
    expect(hook.deliveries[0]).toMatchObject({ kind: 'test', state: 'sent', attempts: 1 });
  });

  it('keeps the secret when an update leaves it out, and a failing test shows on the channel', async () => {
    const hook = (await as('viewer').alertChannel.list()).find((c) => c.name === 'ops-hook')!;
    const port = await closedPort();
    const updated = await as('admin').alertChannel.update({ id: hook.id, name: 'ops-hook-2', enabled: false, target: webhookTarget(`http://127.0.0.1:${port}/hook`, null) });
    expect(updated).toMatchObject({ name: 'ops-hook-2', enabled: false, target: { hasSecret: true } });

    const result = await as('operator').alertChannel.sendTest({ name: 'ops-hook-2' });
    expect(result).toMatchObject({ delivered: false, error: `Could not reach 127.0.0.1:${port}: connection refused` });
    const listed = (await as('viewer').alertChannel.list()).find((c) => c.name === 'ops-hook-2')!;
    expect(listed).toMatchObject({ lastStatus: 'failed', lastError: result.error });
    expect(listed.deliveries[0]).toMatchObject({ kind: 'test', state: 'failed', lastError: result.error });

    const removed = await as('admin').alertChannel.update({ id: hook.id, name: 'ops-hook-2', enabled: true, target: { ...webhookTarget(receiver.url, null), removeSecret: true } });
    expect(removed.target).toMatchObject({ hasSecret: false });
    expect(await everythingStored()).not.toContain(SECRET);
  });

  it('keeps the SMTP password for the same user, and drops it for another', async () => {
    const mail = (await as('viewer').alertChannel.list()).find((c) => c.name === 'ops-mail')!;
    const same = { kind: 'email' as const, smtpUrl: 'smtps://alerts@mail2.example.com:465', from: 'meridian@example.com', to: ['oncall@example.com', 'b@example.com'] };
    expect((await as('admin').alertChannel.update({ id: mail.id, name: 'ops-mail', enabled: true, target: same })).target).toMatchObject({ smtpUrl: 'smtps://alerts:***@mail2.example.com:465', hasPassword: true });
    const other = { ...same, smtpUrl: 'smtps://someone@mail2.example.com:465' };
    expect((await as('admin').alertChannel.update({ id: mail.id, name: 'ops-mail', enabled: true, target: other })).target).toMatchObject({ hasPassword: false });
  });

  it('deletes a channel with its deliveries', async () => {
    expect(await as('admin').alertChannel.delete({ name: 'ops-hook-2' })).toEqual({ deleted: 'ops-hook-2' });
    expect(await trpcError(as('operator').alertChannel.sendTest({ name: 'ops-hook-2' }))).toEqual({ code: 'NOT_FOUND', appCode: 'CHANNEL_NOT_FOUND' });
    expect(await env.db.alertDelivery.count()).toBe(0);
  });
});
