/** One notification on the real wire: webhook POSTs to an HTTP receiver, mails to an SMTP receiver, on loopback. */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParsedChannel } from './channel-config.ts';
import { deliver, DeliveryError, type AlertPayload } from './notify.ts';
import { closedPort, startSmtpReceiver, startWebhookReceiver, type SmtpReceiver, type WebhookReceiver } from './test-receivers.ts';

const SECRET = 'whsec-0123456789abcdef';
const FIRED: AlertPayload = {
  kind: 'fired',
  ruleName: 'backlog-high',
  severity: 'critical',
  message: 'Backlog of billing is 12000 (over 10000)',
  eventId: 'evt-1',
  instanceId: 'inst-1',
  scope: 'group billing',
  metric: 'rocketmq_consumer_lag_messages',
  value: 12000,
  threshold: 10000,
  firedAt: '2026-05-01T10:00:00.000Z',
};

const open: (WebhookReceiver | SmtpReceiver)[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
});

async function webhook(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  open.push(r);
  return r;
}

function webhookChannel(url: string, secret?: string): ParsedChannel {
  return { id: 'ch-1', name: 'ops-hook', enabled: true, kind: 'webhook', config: { url, ...(secret ? { secret } : {}) } };
}

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(e)}`);
  return e;
}

describe('webhook delivery', () => {
  it('POSTs the payload as JSON with the event kind and an HMAC-SHA256 signature of the exact body', async () => {
    const receiver = await webhook();
    await deliver(webhookChannel(receiver.url, SECRET), FIRED, { deliveryId: 'dlv-1' });
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/hooks/meridian');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['x-meridian-event']).toBe('fired');
    expect(req!.headers['x-meridian-delivery']).toBe('dlv-1');
    expect(JSON.parse(req!.body)).toEqual(FIRED);
    const expected = `sha256=${createHmac('sha256', SECRET).update(req!.body).digest('hex')}`;
    expect(req!.headers['x-meridian-signature']).toBe(expected);
  });

  it('sends no signature header when the channel has no secret', async () => {
    const receiver = await webhook();
    await deliver(webhookChannel(receiver.url), { ...FIRED, kind: 'resolved', resolvedAt: '2026-05-01T10:05:00.000Z' });
    expect(receiver.requests[0]!.headers['x-meridian-signature']).toBeUndefined();
    expect(receiver.requests[0]!.headers['x-meridian-event']).toBe('resolved');
  });

  it('fails on a non-2xx answer, naming the status and what the receiver said, without the secret', async () => {
    const receiver = await webhook();
    receiver.answer(500, `boom: signature ${SECRET} rejected`);
    const e = await failure(deliver(webhookChannel(receiver.url, SECRET), FIRED));
    expect(e.message).toMatch(/^The webhook answered HTTP 500 Internal Server Error: boom/);
    expect(e.message).not.toContain(SECRET);
  });

  it('does not follow redirects (a signed alert goes only where the channel points)', async () => {
    const receiver = await webhook();
    receiver.answer(302);
    const e = await failure(deliver(webhookChannel(receiver.url, SECRET), FIRED));
    expect(e.message).toContain('HTTP 302');
    expect(e.message).toContain('redirects are not followed');
  });

  it('says the connection was refused when nothing listens', async () => {
    const port = await closedPort();
    const e = await failure(deliver(webhookChannel(`http://127.0.0.1:${port}/x`), FIRED));
    expect(e.message).toBe(`Could not reach 127.0.0.1:${port}: connection refused`);
  });
});

function emailChannel(port: number, credentials = ''): ParsedChannel {
  return { id: 'ch-2', name: 'ops-mail', enabled: true, kind: 'email', config: { smtpUrl: `smtp://${credentials}127.0.0.1:${port}`, from: 'meridian@example.com', to: ['oncall@example.com', 'lead@example.com'] } };
}

describe('e-mail delivery', () => {
  it('mails every recipient a subject with the severity, rule and sentence, and the facts in the text', async () => {
    const smtp = await startSmtpReceiver();
    open.push(smtp);
    await deliver(emailChannel(smtp.port), FIRED);
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail!.from).toBe('meridian@example.com');
    expect(mail!.to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(mail!.headers.subject).toBe('[CRITICAL] backlog-high fired: Backlog of billing is 12000 (over 10000)');
    expect(mail!.text).toContain('Backlog of billing is 12000 (over 10000)');
    expect(mail!.text).toContain('Metric: rocketmq_consumer_lag_messages');
    expect(mail!.text).toContain('Threshold: 10000');
  });

  it('signs in with the user and password of the SMTP URL', async () => {
    const smtp = await startSmtpReceiver({ user: 'alerts', password: 'p@ss word!' });
    open.push(smtp);
    await deliver(emailChannel(smtp.port, `alerts:${encodeURIComponent('p@ss word!')}@`), { ...FIRED, kind: 'test' });
    expect(smtp.mails[0]!.user).toBe('alerts');
    expect(smtp.mails[0]!.headers.subject).toBe('[TEST] Meridian test notification on channel ops-mail');
  });

  it('fails with the server’s refusal of a wrong password, and never repeats the password', async () => {
    const smtp = await startSmtpReceiver({ user: 'alerts', password: 'right-password' });
    open.push(smtp);
    const e = await failure(deliver(emailChannel(smtp.port, 'alerts:wrong-password@'), FIRED));
    expect(e.message).toMatch(/^The mail was not sent: .*Invalid/);
    expect(e.message).not.toContain('wrong-password');
    expect(smtp.mails).toHaveLength(0);
  });

  it('fails with a sentence when no SMTP server listens', async () => {
    const port = await closedPort();
    const e = await failure(deliver(emailChannel(port), FIRED));
    expect(e.message).toMatch(/^The mail was not sent: .*ECONNREFUSED/);
  });
});
