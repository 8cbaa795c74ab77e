/**
 * The console's own rules (control-plane names, accounts, instance specs, message searches) as zod
 * schemas. Pure (zod and the engine's pure rules.ts only), so the forms in app/ validate as you type with
 * exactly what the routers enforce. The engine's rules (topic, group and namespace names, queues, message
 * size) live in server/broker/rules.ts.
 */
import { z } from 'zod';
import { MAX_QUEUES, messageKeySchema, tagProblem } from './broker/rules.ts';

/** From least to most privilege (the order forms list them). */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

// ---- instances ----

/** An instance name is a data directory and a DNS label (RFC 1123: 1-63, lower case, no leading '-'). */
export const instanceNameSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Use 1-63 lower-case letters, digits or "-", starting with a letter or digit');
export const regionSchema = z.string().trim().min(1, 'Enter a region').max(64, 'At most 64 characters');
/** 0 lets the OS pick a free port (tests, several instances on one machine). */
export const grpcPortSchema = z.number().int('Whole number').min(0, 'A port from 0 to 65535').max(65535, 'A port from 0 to 65535');
/** RocketMQ's fileReservedTime (72 h); prisma/schema.prisma gives new instances the same. */
export const DEFAULT_RETENTION_HOURS = 72;
/** A year at most: the commit log is a buffer for consumers, not an archive. */
export const MAX_RETENTION_HOURS = 24 * 365;
export const retentionHoursSchema = z
  .number()
  .int('Whole number')
  .min(1, 'At least 1 hour')
  .max(MAX_RETENTION_HOURS, `At most ${MAX_RETENTION_HOURS} hours (a year)`);
export const FLUSH_MODES = ['sync', 'async'] as const;

/** Descriptions of instances, namespaces, topics and groups: a line or two for people, not a document. */
export const descriptionSchema = z.string().max(500, 'At most 500 characters');

// ---- console users ----

export const usernameSchema = z
  .string()
  .trim()
  .regex(/^[a-zA-Z0-9._-]{2,64}$/, 'Use 2-64 letters, digits, ".", "_" or "-"');
/** NIST SP 800-63B's minimum for user-chosen passwords. */
export const MIN_PASSWORD_LENGTH = 8;
/** argon2 hashes any length; the cap only bounds the work one request can ask for. */
export const MAX_PASSWORD_LENGTH = 500;
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `At most ${MAX_PASSWORD_LENGTH} characters`);

// ---- message search (the Messages page's filters: the engine's MessageMatch) ----

/** A filter value is a search term, not a document: 1 KiB is longer than any key, tag or JSON value people type. */
export const MAX_FILTER_TEXT = 1024;
/** A JSON path is a few names deep; this bounds what one search parses (the engine also caps its steps). */
export const MAX_JSON_PATH_LENGTH = 256;
/** `a.b[0].c`: names and [index] steps, as the engine's JSON-path filter reads them. */
const JSON_PATH_PATTERN = /^[^.[\]]+(?:\.[^.[\]]+|\[\d+\])*$/;

/** Text the body must contain. */
export const bodySearchSchema = z.string().min(1, 'Enter the text to look for').max(MAX_FILTER_TEXT, `At most ${MAX_FILTER_TEXT} characters`);

/** `TagA || TagB` or `*`: each tag non-blank, without '|' or control characters. */
export const tagExpressionSchema = z
  .string()
  .trim()
  .min(1, 'Enter a tag, or TagA || TagB')
  .max(MAX_FILTER_TEXT, `At most ${MAX_FILTER_TEXT} characters`)
  .superRefine((expression, ctx) => {
    for (const tag of expression.split('||').map((t) => t.trim())) {
      const problem = tag === '*' ? undefined : tagProblem(tag);
      if (problem) return ctx.addIssue({ code: 'custom', message: tag ? problem : 'Write tags as TagA || TagB' });
    }
  });
export const searchKeySchema = z.string().trim().min(1, 'Enter a key').max(MAX_FILTER_TEXT, `At most ${MAX_FILTER_TEXT} characters`).pipe(messageKeySchema);
export const propertyNameSchema = z.string().trim().min(1, 'Enter a property name').max(128, 'At most 128 characters');
export const jsonPathSchema = z
  .string()
  .trim()
  .min(1, 'Enter a path, e.g. order.items[0].sku')
  .max(MAX_JSON_PATH_LENGTH, `At most ${MAX_JSON_PATH_LENGTH} characters`)
  .regex(JSON_PATH_PATTERN, 'Use names and [index], e.g. order.items[0].sku');

/** What an operator searches a topic's messages for; every part given must match (the engine's MessageMatch). */
export const messageMatchSchema = z.object({
  tag: tagExpressionSchema.optional(),
  key: searchKeySchema.optional(),
  property: z.object({ name: propertyNameSchema, op: z.enum(['eq', 'contains']), value: z.string().max(MAX_FILTER_TEXT, `At most ${MAX_FILTER_TEXT} characters`) }).optional(),
  bodyContains: bodySearchSchema.optional(),
  json: z.object({ path: jsonPathSchema, equals: z.string().max(MAX_FILTER_TEXT, `At most ${MAX_FILTER_TEXT} characters`) }).optional(),
});
export type MessageMatchInput = z.infer<typeof messageMatchSchema>;

/** What a time range whose end comes before its start is told, by the forms as you type and by the server. */
export const END_BEFORE_START = 'The end must not be before the start';

/** Whether a range is in order: true while either bound is open. */
export function rangeInOrder(r: { beginMs?: number | undefined; endMs?: number | undefined }): boolean {
  return r.beginMs === undefined || r.endMs === undefined || r.beginMs <= r.endMs;
}

/**
 * A range's end: as given, else now, or the start when that is later (nothing is stored in the future: a
 * start there with no end is an empty range, not one that ends first).
 */
export function rangeEndOf(beginMs: number, endMs: number | undefined): number {
  return endMs ?? Math.max(beginMs, Date.now());
}

/** The engine's browse cursor as a page (or a job) hands it back: per readable queue, where the scan stopped. */
export const browseCursorSchema = z.object({ order: z.enum(['oldest', 'newest']), positions: z.array(z.number().int().nonnegative()).max(MAX_QUEUES) });

/** Ids one selection export names at most: a URL stays well under the 16 KiB most proxies accept. */
export const MAX_EXPORT_IDS = 200;

// ---- notification channels (alerts) ----
// Appended for the alert channels (server/alerts/, server/routers/alert-channel.ts, /alerts/channels).
// The router's input and the channel form share these. Secrets travel only in fields whose names the
// audit log redacts (`secret`, `smtpPassword`), so an audit row never holds one.

export const CHANNEL_KINDS = ['webhook', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** A channel name is a label people pick from a rule's list: short, printable, unique. */
export const channelNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'Use 1-64 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit');

/** Longer than any real endpoint; bounds what one row stores and one request sends. */
export const MAX_CHANNEL_URL_LENGTH = 2048;
/** 16 characters is 96+ bits from a generator: the least an HMAC key should carry. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;
export const MAX_WEBHOOK_SECRET_LENGTH = 256;
/** One alert mails a team, not a mailing list: past 20 people, point the channel at a list address. */
export const MAX_EMAIL_RECIPIENTS = 20;

function urlWithProtocol(value: string, protocols: readonly string[]): URL | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  return protocols.includes(url.protocol) && url.hostname !== '' ? url : undefined;
}

export const webhookUrlSchema = z
  .string()
  .trim()
  .max(MAX_CHANNEL_URL_LENGTH, `At most ${MAX_CHANNEL_URL_LENGTH} characters`)
  .refine((v) => urlWithProtocol(v, ['http:', 'https:']) !== undefined, 'Enter an http:// or https:// URL');

export const webhookSecretSchema = z
  .string()
  .min(MIN_WEBHOOK_SECRET_LENGTH, `At least ${MIN_WEBHOOK_SECRET_LENGTH} characters`)
  .max(MAX_WEBHOOK_SECRET_LENGTH, `At most ${MAX_WEBHOOK_SECRET_LENGTH} characters`);

/** The SMTP server as a URL, user name included (smtps:// is TLS from the start, smtp:// upgrades with STARTTLS when offered). */
export const smtpUrlSchema = z
  .string()
  .trim()
  .max(MAX_CHANNEL_URL_LENGTH, `At most ${MAX_CHANNEL_URL_LENGTH} characters`)
  .refine((v) => urlWithProtocol(v, ['smtp:', 'smtps:']) !== undefined, 'Enter an smtp:// or smtps:// URL, e.g. smtps://alerts@mail.example.com:465')
  // A password inside the URL would be stored in the audit log with the input; it has its own field.
  .refine((v) => urlWithProtocol(v, ['smtp:', 'smtps:'])?.password === '', 'Put the password in the password field, not in the URL');

export const smtpPasswordSchema = z.string().min(1, 'Enter the password').max(512, 'At most 512 characters');
export const emailAddressSchema = z.email('Enter an e-mail address');
export const recipientsSchema = z
  .array(emailAddressSchema)
  .min(1, 'Enter at least one recipient')
  .max(MAX_EMAIL_RECIPIENTS, `At most ${MAX_EMAIL_RECIPIENTS} recipients`);

/** "a@x.org, b@x.org" as the form's recipients field holds them → the addresses. */
export function splitRecipients(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Where a channel sends. On update, a secret or password left out keeps the stored one (the browser never
 * sees it, so it cannot send it back); `removeSecret` drops the webhook's signature.
 */
export const channelTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('webhook'), url: webhookUrlSchema, secret: webhookSecretSchema.optional(), removeSecret: z.boolean().optional() }),
  z.object({ kind: z.literal('email'), smtpUrl: smtpUrlSchema, smtpPassword: smtpPasswordSchema.optional(), from: emailAddressSchema, to: recipientsSchema }),
]);
export type ChannelTargetInput = z.infer<typeof channelTargetSchema>;
// ---- end of notification channels ----

/** Messages per second, as the instance form takes it: 0 means unlimited. */
export const tpsLimitSchema = z.number().int('Whole number').min(0, '0 (unlimited) or more').max(10_000_000, 'At most 10,000,000 per second');
/** A PEM file on the console's host, or '' for none. */
export const tlsFileSchema = z.string().trim().max(1024, 'At most 1,024 characters');
/** TLS needs both files or neither: the problem, if one is given without the other. */
export function tlsPairError(certFile: string | null | undefined, keyFile: string | null | undefined): string | undefined {
  return !certFile === !keyFile ? undefined : 'Give both the certificate and the key file, or neither';
}
