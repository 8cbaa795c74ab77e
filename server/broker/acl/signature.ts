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

/** The date-time as epoch ms read as UTC, or undefined when it is not the SDKs' format. */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Time zones run from UTC−12 to UTC+14. */
const ZONE_MIN_MS = -12 * 3_600_000;
const ZONE_MAX_MS = 14 * 3_600_000;

/**
 * How far the signed date-time is from the broker's clock, in ms (0 when within the skew). Java, Go, Python
 * and C# format local time and still append 'Z', so a value off by a whole time zone is as good as UTC: the
 * distance is measured to the nearest instant the string could mean in any zone (quarter-hour offsets).
 */
export function clockSkewMs(signedAt: number, now: number, maxSkewMs: number): number {
  const offset = signedAt - now;
  if (Math.abs(offset) <= maxSkewMs) return 0;
  if (offset < ZONE_MIN_MS - maxSkewMs || offset > ZONE_MAX_MS + maxSkewMs) return Math.abs(offset);
  const quarter = 15 * 60_000;
  const nearestZone = Math.round(offset / quarter) * quarter;
  const rest = Math.abs(offset - nearestZone);
  return rest <= maxSkewMs ? 0 : rest;
}
