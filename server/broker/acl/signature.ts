import { createHmac, timingSafeEqual } from 'node:crypto';

/** What the SDKs put in `authorization`: `MQv2-HMAC-SHA1 Credential=<user>[/…], SignedHeaders=x-mq-date-time, Signature=<hex>`. */
export interface Credential {
  username: string;
  /** The HMAC, decoded from hex (either case). */
  signature: Buffer;
}

export type SignatureProblem = 'MISSING' | 'MALFORMED' | 'NO_DATE_TIME' | 'BAD_DATE_TIME';

const HEX = /^[0-9a-fA-F]+$/;
/** yyyyMMdd'T'HHmmss'Z' (every SDK's x-mq-date-time). */
const DATE_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The header's user and signature, or why it has none (split as Apache splits it: one space, commas, first '='). */
export function parseAuthorization(header: string): Credential | SignatureProblem {
  if (!header) return 'MISSING';
  const space = header.indexOf(' ');
  if (space < 0) return 'MALFORMED';
  const fields = new Map<string, string>();
  for (const part of header.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  // Go's SDK sends Credential=<user>//Rocketmq: the user is what precedes the first '/'.
  const username = (fields.get('Credential') ?? '').split('/')[0] ?? '';
  const hex = fields.get('Signature') ?? '';
  if (!username || !hex || hex.length % 2 !== 0 || !HEX.test(hex)) return 'MALFORMED';
  return { username, signature: Buffer.from(hex, 'hex') };
}

/** HMAC-SHA1 of the date-time with the password as key, as the SDKs sign. */
export function sign(dateTime: string, password: string): Buffer {
  return createHmac('sha1', password).update(dateTime, 'utf8').digest();
}

/** Constant-time: the signature is the date-time's HMAC under the password. */
export function signatureMatches(credential: Credential, dateTime: string, password: string): boolean {
  const expected = sign(dateTime, password);
  return expected.length === credential.signature.length && timingSafeEqual(expected, credential.signature);
}

/** The date-time as epoch ms read as UTC, or undefined when it is not the SDKs' format or no real instant. */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls over (month 13 is next January, 30 February is March): a value that does not read back is no date.
  const t = new Date(ms);
  const same = t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s;
  return same ? ms : undefined;
}

const HOUR_MS = 3_600_000;
/** Time zones run from UTC−12 to UTC+14. */
const ZONE_MIN_MS = -12 * HOUR_MS;
const ZONE_MAX_MS = 14 * HOUR_MS;
/**
 * The UTC offsets in use (IANA tz, standard and summer time): every whole hour from −12 to +14, and the
 * half- and three-quarter-hour zones (Newfoundland, Marquesas, Iran, Afghanistan, India, Nepal, Myanmar,
 * Eucla, central Australia, Lord Howe, Chatham).
 */
const ZONE_OFFSETS_MS: readonly number[] = [
  ...Array.from({ length: (ZONE_MAX_MS - ZONE_MIN_MS) / HOUR_MS + 1 }, (_, i) => ZONE_MIN_MS + i * HOUR_MS),
  ...[-9.5, -3.5, -2.5, 3.5, 4.5, 5.5, 5.75, 6.5, 8.75, 9.5, 10.5, 12.75, 13.75].map((h) => h * HOUR_MS),
];

/**
 * How far the signed date-time is from the broker's clock, in ms (0 when within the skew). Java, Go, Python
 * and C# format local time and still append 'Z', so a value off by a real time zone's offset is as good as
 * UTC: the distance is measured to the nearest instant the string could mean in some zone.
 */
export function clockSkewMs(signedAt: number, now: number, maxSkewMs: number): number {
  const offset = signedAt - now;
  const rest = Math.min(...ZONE_OFFSETS_MS.map((zone) => Math.abs(offset - zone)));
  if (rest <= maxSkewMs) return 0;
  // Past every zone, the honest distance is the whole offset; within them, the drift from the nearest zone.
  return offset < ZONE_MIN_MS || offset > ZONE_MAX_MS ? Math.abs(offset) : rest;
}
