/**
 * Sends one notification on one channel, once: a signed JSON POST to a webhook, or a plain-text mail
 * through the channel's SMTP server. Retrying is the delivery worker's job; a failure here is a
 * `DeliveryError` whose message is a sentence for the channel's page, never holding a secret.
 */
import { createHmac } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { scrubSecrets, type EmailConfig, type ParsedChannel, type WebhookConfig } from './channel-config.ts';

export const DELIVERY_KINDS = ['fired', 'resolved', 'test'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];

/** What a notification says: the body of the webhook's POST, and the facts of the mail. */
export interface AlertPayload {
  kind: DeliveryKind;
  ruleName: string;
  /** As the rule declares it ('critical', 'warning', 'info'); shown upper-cased in mail subjects. */
  severity: string;
  /** The sentence the evaluator wrote ("Backlog of billing is 12,000 (over 10,000)"). */
  message: string;
  eventId?: string | null;
  instanceId?: string | null;
  scope?: string | null;
  metric?: string | null;
  value?: number | null;
  threshold?: number | null;
  /** ISO times. */
  firedAt?: string | null;
  resolvedAt?: string | null;
}

/** A receiver that takes longer than this is down for our purpose; the worker retries later. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** SMTP's own defaults (2 min to connect, 10 min idle) would hold a worker batch for far too long. */
const SMTP_CONNECT_TIMEOUT_MS = 10_000;
const SMTP_SOCKET_TIMEOUT_MS = 20_000;
/** Enough of an error response to say what the receiver objected to; a page of HTML is cut here. */
const MAX_ERROR_BODY_CHARS = 200;
/** A mail subject stays on one line of an inbox. */
const MAX_SUBJECT_CHARS = 200;

export const SIGNATURE_HEADER = 'X-Meridian-Signature';
export const EVENT_HEADER = 'X-Meridian-Event';
export const DELIVERY_HEADER = 'X-Meridian-Delivery';

/** A notification that did not go through; `message` is safe to store and show. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes, as GitHub-style receivers verify it. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export interface DeliverOptions {
  /** Sent as X-Meridian-Delivery: the same id on every retry, so a receiver can drop duplicates. */
  deliveryId?: string;
}

/** Sends `payload` on `channel` once; resolves when the receiver took it, else throws a DeliveryError. */
export async function deliver(channel: ParsedChannel, payload: AlertPayload, options: DeliverOptions = {}): Promise<void> {
  try {
    if (channel.kind === 'webhook') await postWebhook(channel.config, payload, options);
    else await sendMail(channel.name, channel.config, payload);
  } catch (e) {
    const sentence = e instanceof DeliveryError ? e.message : describeFailure(e);
    throw new DeliveryError(scrubSecrets(sentence, channel));
  }
}

// ---------------------------------------------------------------------------
// Webhook

async function postWebhook(config: WebhookConfig, payload: AlertPayload, options: DeliverOptions): Promise<void> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Meridian-Alerts', [EVENT_HEADER]: payload.kind };
  if (config.secret) headers[SIGNATURE_HEADER] = signBody(body, config.secret);
  if (options.deliveryId) headers[DELIVERY_HEADER] = options.deliveryId;
  // Redirects are not followed: a signed alert goes only where the channel says.
  const res = await fetch(config.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel();
    return;
  }
  const detail = await responseSnippet(res);
  const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
  throw new DeliveryError(`The webhook answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${redirect}${detail ? `: ${detail}` : ''}`);
}

/** The start of an error response's body on one line, read no further than needed. */
async function responseSnippet(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < MAX_ERROR_BODY_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The body is only a hint; the status already says it failed.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_ERROR_BODY_CHARS ? `${line.slice(0, MAX_ERROR_BODY_CHARS)}…` : line;
}

interface SystemError {
  code?: string;
  address?: string;
  port?: number;
  hostname?: string;
  message?: string;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the name could not be resolved now',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate could not be verified',
};

/** fetch's "fetch failed" as a sentence that says what went wrong (its cause holds the system error). */
function describeFailure(e: unknown): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return `No answer within ${WEBHOOK_TIMEOUT_MS / 1000} s`;
  const cause = (e instanceof Error && e.cause && typeof e.cause === 'object' ? e.cause : e) as SystemError;
  const code = typeof cause.code === 'string' ? cause.code : undefined;
  const where = cause.address ? `${cause.address}${cause.port ? `:${cause.port}` : ''}` : cause.hostname;
  const what = code ? (NETWORK_CODES[code] ?? code) : undefined;
  if (what) return `Could not reach ${where ?? 'the receiver'}: ${what}`;
  const message = e instanceof Error ? e.message : String(e);
  return message || 'The notification failed for an unknown reason';
}

// ---------------------------------------------------------------------------
// E-mail

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `[CRITICAL] backlog-high fired: Backlog of billing is 12,000`, `[RESOLVED] …`, `[TEST] …`. */
export function mailSubject(channelName: string, payload: AlertPayload): string {
  if (payload.kind === 'test') return oneLine(`[TEST] Meridian test notification on channel ${channelName}`, MAX_SUBJECT_CHARS);
  const tag = payload.kind === 'resolved' ? 'RESOLVED' : payload.severity.toUpperCase();
  return oneLine(`[${tag}] ${payload.ruleName} ${payload.kind}: ${payload.message}`, MAX_SUBJECT_CHARS);
}

/** The mail's text: the sentence, then the facts one per line (what a person reads on a phone). */
export function mailText(payload: AlertPayload): string {
  const facts: [string, string | number | null | undefined][] = [
    ['Rule', payload.ruleName],
    ['Severity', payload.severity],
    ['Instance', payload.instanceId],
    ['Scope', payload.scope],
    ['Metric', payload.metric],
    ['Value', payload.value],
    ['Threshold', payload.threshold],
    ['Fired at', payload.firedAt],
    ['Resolved at', payload.resolvedAt],
  ];
  const lines = facts.flatMap(([label, value]) => (value === null || value === undefined || value === '' ? [] : [`${label}: ${value}`]));
  return `${payload.message}\n\n${lines.join('\n')}\n\n-- \nSent by Meridian.\n`;
}

async function sendMail(channelName: string, config: EmailConfig, payload: AlertPayload): Promise<void> {
  const transport = createTransport({
    url: config.smtpUrl,
    connectionTimeout: SMTP_CONNECT_TIMEOUT_MS,
    greetingTimeout: SMTP_CONNECT_TIMEOUT_MS,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ from: config.from, to: config.to, subject: mailSubject(channelName, payload), text: mailText(payload) });
  } catch (e) {
    // nodemailer's messages already name the step ("Invalid login: 535 …", "connect ECONNREFUSED …").
    const reason = e instanceof Error && e.message ? e.message : describeFailure(e);
    throw new DeliveryError(`The mail was not sent: ${oneLine(reason, MAX_ERROR_BODY_CHARS * 2)}`);
  } finally {
    transport.close();
  }
}
