/**
 * Notification channels as stored (the JSON in NotificationChannel.config) and as shown: the stored
 * config holds the webhook secret and the SMTP password; `redactChannel` is the only shape that leaves
 * the server, and it carries neither.
 */
import { z } from 'zod';
import type { NotificationChannel } from '../generated/prisma/client.ts';
import { emailAddressSchema, recipientsSchema, webhookSecretSchema, webhookUrlSchema, type ChannelKind, type ChannelTargetInput } from '../schemas.ts';

/** A webhook: where to POST, and the HMAC key that signs each body, if any. */
export const webhookConfigSchema = z.object({ url: webhookUrlSchema, secret: webhookSecretSchema.optional() });

/** The stored SMTP URL may carry user:password (the input takes the password in its own field). */
const storedSmtpUrlSchema = z
  .string()
  .refine((v) => URL.canParse(v) && ['smtp:', 'smtps:'].includes(new URL(v).protocol), 'Not an smtp:// or smtps:// URL');

/** An e-mail channel: the SMTP server (credentials in the URL), the sender and the recipients. */
export const emailConfigSchema = z.object({ smtpUrl: storedSmtpUrlSchema, from: emailAddressSchema, to: recipientsSchema });

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
export type EmailConfig = z.infer<typeof emailConfigSchema>;

/** A channel row with its config parsed: what delivery needs. Server only — it holds the secrets. */
export type ParsedChannel = { id: string; name: string; enabled: boolean } & ({ kind: 'webhook'; config: WebhookConfig } | { kind: 'email'; config: EmailConfig });

export function parseChannel(row: NotificationChannel): ParsedChannel {
  const json: unknown = JSON.parse(row.config);
  const base = { id: row.id, name: row.name, enabled: row.enabled };
  if (row.kind === 'webhook') return { ...base, kind: 'webhook', config: webhookConfigSchema.parse(json) };
  if (row.kind === 'email') return { ...base, kind: 'email', config: emailConfigSchema.parse(json) };
  throw new Error(`Channel "${row.name}" has an unknown kind "${row.kind}"`);
}

/** What stands in for a password in a URL the browser sees. */
export const MASK = '***';

/** The SMTP URL with its password replaced by *** (user, host and port stay: they say where mail goes). */
export function redactSmtpUrl(smtpUrl: string): string {
  if (!URL.canParse(smtpUrl)) return smtpUrl.replace(/\/\/[^@/]*@/, '//');
  const url = new URL(smtpUrl);
  if (url.password) url.password = MASK;
  return url.toString();
}

function passwordOf(smtpUrl: string): string {
  return URL.canParse(smtpUrl) ? decodeURIComponent(new URL(smtpUrl).password) : '';
}

function userOf(smtpUrl: string): string {
  return URL.canParse(smtpUrl) ? decodeURIComponent(new URL(smtpUrl).username) : '';
}

/** `smtpUrl` with `password` as its credential (percent-encoded by URL). */
function withPassword(smtpUrl: string, password: string): string {
  const url = new URL(smtpUrl);
  url.password = password;
  return url.toString();
}

/**
 * The stored config for a form's input. On update a secret or password the input leaves out is kept
 * from `previous` (the browser never had it); an SMTP password is kept only for the same user.
 */
export function configFromInput(target: ChannelTargetInput, previous?: ParsedChannel): { kind: ChannelKind; config: string } {
  if (target.kind === 'webhook') {
    const kept = previous?.kind === 'webhook' && !target.removeSecret ? previous.config.secret : undefined;
    const secret = target.secret ?? kept;
    return { kind: 'webhook', config: JSON.stringify({ url: target.url, ...(secret ? { secret } : {}) }) };
  }
  const sameUser = previous?.kind === 'email' && userOf(previous.config.smtpUrl) === userOf(target.smtpUrl);
  const password = target.smtpPassword ?? (sameUser ? passwordOf(previous.config.smtpUrl) : '');
  const smtpUrl = password && userOf(target.smtpUrl) ? withPassword(target.smtpUrl, password) : target.smtpUrl;
  return { kind: 'email', config: JSON.stringify({ smtpUrl, from: target.from, to: target.to }) };
}

/** Shorter "secrets" would blank out ordinary letters of the sentence; they are too weak to matter anyway. */
const MIN_SCRUBBED_CHARS = 4;

/** The secrets a channel holds, to scrub from any sentence about it (a server may echo what it was sent). */
export function secretsOf(channel: ParsedChannel): string[] {
  if (channel.kind === 'webhook') return channel.config.secret ? [channel.config.secret] : [];
  const { smtpUrl } = channel.config;
  // Both spellings: as typed, and percent-encoded as it stands in the URL.
  const raw = URL.canParse(smtpUrl) ? new URL(smtpUrl).password : '';
  return [...new Set([passwordOf(smtpUrl), raw])].filter((s) => s.length >= MIN_SCRUBBED_CHARS);
}


/** `text` with every secret of the channel replaced by ***. */
export function scrubSecrets(text: string, channel: ParsedChannel): string {
  return secretsOf(channel).reduce((t, secret) => t.split(secret).join(MASK), text);
}

export type ChannelTargetView =
  | { kind: 'webhook'; url: string; hasSecret: boolean }
  | { kind: 'email'; smtpUrl: string; hasPassword: boolean; from: string; to: string[] };

/** A channel as the browser gets it: where it sends, never a secret. */
export interface ChannelView {
  id: string;
  name: string;
  kind: ChannelKind;
  enabled: boolean;
  target: ChannelTargetView;
  /** One line for tables: the URL, or "from → to" over the redacted SMTP server. */
  summary: string;
  lastStatus: 'ok' | 'failed' | null;
  lastError: string | null;
  lastSentAt: number | null;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

function targetView(channel: ParsedChannel): ChannelTargetView {
  if (channel.kind === 'webhook') return { kind: 'webhook', url: channel.config.url, hasSecret: !!channel.config.secret };
  const { smtpUrl, from, to } = channel.config;
  return { kind: 'email', smtpUrl: redactSmtpUrl(smtpUrl), hasPassword: passwordOf(smtpUrl) !== '', from, to };
}

function summaryOf(target: ChannelTargetView): string {
  if (target.kind === 'webhook') return `POST ${target.url}${target.hasSecret ? ' (signed)' : ''}`;
  const host = URL.canParse(target.smtpUrl) ? new URL(target.smtpUrl).host : target.smtpUrl;
  return `${target.to.join(', ')} via ${host}`;
}

/** Everything the browser is sent about a channel goes through here. */
export function redactChannel(row: NotificationChannel): ChannelView {
  const target = targetView(parseChannel(row));
  return {
    id: row.id,
    name: row.name,
    kind: target.kind,
    enabled: row.enabled,
    target,
    summary: summaryOf(target),
    lastStatus: row.lastStatus === 'ok' || row.lastStatus === 'failed' ? row.lastStatus : null,
    lastError: row.lastError,
    lastSentAt: row.lastSentAt?.getTime() ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime(),
  };
}
