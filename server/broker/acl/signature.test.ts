import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clockSkewMs, parseAuthorization, parseDateTime, sign, signatureMatches, type Credential } from './signature.ts';

const DATE_TIME = '20261202T101530Z';
const SECRET = 'a-secret-of-12';
/** Computed here, independently of sign(): HMAC-SHA1 of the date-time under the secret. */
const HMAC_HEX = createHmac('sha1', Buffer.from(SECRET, 'utf8')).update(Buffer.from(DATE_TIME, 'utf8')).digest('hex');

/** The header as the Java and Node SDKs write it (upper-case hex). */
const javaHeader = (ak: string, hex: string) => `MQv2-HMAC-SHA1 Credential=${ak}, SignedHeaders=x-mq-date-time, Signature=${hex}`;

function credential(header: string): Credential {
  const c = parseAuthorization(header);
  if (typeof c === 'string') throw new Error(`expected a credential, got ${c}`);
  return c;
}

describe('parseAuthorization', () => {
  it('reads the user and signature of the Java/Node form', () => {
    const c = credential(javaHeader('orders-app', HMAC_HEX.toUpperCase()));
    expect(c.username).toBe('orders-app');
    expect(c.signature.toString('hex')).toBe(HMAC_HEX);
  });

  it("reads the user of Go's Credential=AK//Rocketmq", () => {
    const c = credential(`MQv2-HMAC-SHA1 Credential=orders-app//Rocketmq, SignedHeaders=x-mq-date-time, Signature=${HMAC_HEX}`);
    expect(c.username).toBe('orders-app');
    expect(c.signature.toString('hex')).toBe(HMAC_HEX);
  });

  it('decodes lower-case and upper-case hex to the same bytes', () => {
    expect(credential(javaHeader('u', HMAC_HEX.toLowerCase())).signature).toEqual(credential(javaHeader('u', HMAC_HEX.toUpperCase())).signature);
  });

  it("reads the transport doc's example header", () => {
    const c = credential('MQv2-HMAC-SHA1 Credential=J8gkX9OS3T6AdMHs, SignedHeaders=x-mq-date-time, Signature=B727846CAFB5B19E189D2C172CE2E1E7CDC0E7B7');
    expect(c.username).toBe('J8gkX9OS3T6AdMHs');
    expect(c.signature.toString('hex')).toBe('b727846cafb5b19e189d2c172ce2e1e7cdc0e7b7');
    expect(c.signature.length).toBe(20);
  });

  it('says MISSING for an empty header', () => {
    expect(parseAuthorization('')).toBe('MISSING');
  });

  it.each([
    ['no space after the scheme', `MQv2-HMAC-SHA1,Credential=u,Signature=${HMAC_HEX}`],
    ['no Signature', 'MQv2-HMAC-SHA1 Credential=u, SignedHeaders=x-mq-date-time'],
    ['an empty Signature', 'MQv2-HMAC-SHA1 Credential=u, SignedHeaders=x-mq-date-time, Signature='],
    ['no Credential', `MQv2-HMAC-SHA1 SignedHeaders=x-mq-date-time, Signature=${HMAC_HEX}`],
    ['a Credential with no user before the /', `MQv2-HMAC-SHA1 Credential=//Rocketmq, Signature=${HMAC_HEX}`],
    ['odd-length hex', `MQv2-HMAC-SHA1 Credential=u, Signature=${HMAC_HEX}a`],
    ['non-hex characters', `MQv2-HMAC-SHA1 Credential=u, Signature=${HMAC_HEX.slice(0, -2)}zz`],
    ['a base64 signature', 'MQv2-HMAC-SHA1 Credential=u, Signature=tyeEbK+1sZ4YnSwXLOLh5+fA57c='],
  ])('says MALFORMED for %s', (_what, header) => {
    expect(parseAuthorization(header)).toBe('MALFORMED');
  });
});

describe('sign and signatureMatches', () => {
  it('signs as HMAC-SHA1 of the date-time under the password', () => {
    expect(sign(DATE_TIME, SECRET).toString('hex')).toBe(HMAC_HEX);
  });

  it('signs a non-ASCII password as UTF-8', () => {
    const password = 'pässwörd-秘密';
    expect(sign(DATE_TIME, password)).toEqual(createHmac('sha1', Buffer.from(password, 'utf8')).update(DATE_TIME).digest());
  });

  it('accepts the signature of an SDK in either hex case', () => {
    expect(signatureMatches(credential(javaHeader('u', HMAC_HEX.toUpperCase())), DATE_TIME, SECRET)).toBe(true);
    expect(signatureMatches(credential(`MQv2-HMAC-SHA1 Credential=u//Rocketmq, Signature=${HMAC_HEX}`), DATE_TIME, SECRET)).toBe(true);
  });

  it('refuses another password, another date-time, and a truncated signature', () => {
    const c = credential(javaHeader('u', HMAC_HEX));
    expect(signatureMatches(c, DATE_TIME, `${SECRET}x`)).toBe(false);
    expect(signatureMatches(c, '20261202T101531Z', SECRET)).toBe(false);
    expect(signatureMatches(credential(javaHeader('u', HMAC_HEX.slice(0, 38))), DATE_TIME, SECRET)).toBe(false);
  });
});

describe('parseDateTime', () => {
  it('reads yyyyMMddTHHmmssZ as UTC', () => {
    expect(parseDateTime(DATE_TIME)).toBe(Date.UTC(2026, 11, 2, 10, 15, 30));
    expect(parseDateTime('20240229T235959Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
  });

  it.each([
    ['month 13', '20261302T101530Z'],
    ['month 0', '20260002T101530Z'],
    ['30 February', '20260230T101530Z'],
    ['29 February of a common year', '20250229T101530Z'],
    ['hour 24', '20261202T241530Z'],
    ['minute 60', '20261202T106030Z'],
    ['too short', '20261202T10153Z'],
    ['too long', '20261202T1015300Z'],
    ['no Z', '20261202T101530'],
    ['ISO punctuation', '2026-12-02T10:15:30Z'],
    ['empty', ''],
  ])('refuses %s', (_what, text) => {
    expect(parseDateTime(text)).toBeUndefined();
  });
});

describe('clockSkewMs', () => {
  const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
  const SKEW = 15 * 60_000;
  const MIN = 60_000;
  const H = 60 * MIN;
  const skewOf = (offsetMs: number, maxSkewMs = SKEW) => clockSkewMs(NOW + offsetMs, NOW, maxSkewMs);

  it.each([
    ['on time', 0],
    ['5 minutes ahead', 5 * MIN],
    ['14 minutes behind', -14 * MIN],
    ['exactly the allowed skew', SKEW],
  ])('accepts a date-time %s', (_what, offset) => {
    expect(skewOf(offset)).toBe(0);
  });

  it.each([
    ['UTC+8', 8 * H],
    ['UTC−5', -5 * H],
    ['UTC+5:30', 5.5 * H],
    ['UTC+5:45', 5.75 * H],
    ['UTC+14', 14 * H],
    ['UTC−12', -12 * H],
    ['UTC−3:30', -3.5 * H],
    ['UTC+8 with a clock 10 minutes fast', 8 * H + 10 * MIN],
  ])('accepts local time with a literal Z from %s', (_what, offset) => {
    expect(skewOf(offset)).toBe(0);
  });

  it.each([
    ['20 minutes ahead', 20 * MIN, 20 * MIN],
    ['20 minutes behind', -20 * MIN, 20 * MIN],
    ['UTC+8 with a clock 20 minutes slow', 8 * H - 20 * MIN, 20 * MIN],
    ['15 hours ahead (no zone is)', 15 * H, 15 * H],
    ['13 hours behind (no zone is)', -13 * H, 13 * H],
    ['2 days behind', -48 * H, 48 * H],
  ])('refuses a date-time %s, saying by how much', (_what, offset, expected) => {
    expect(skewOf(offset)).toBe(expected);
  });

  it('refuses a quarter-hour that is no time zone once the skew is tight', () => {
    // UTC+1:15 is no zone: with 1 minute allowed, the nearest zone (+1 h) is 15 minutes away.
    expect(skewOf(75 * MIN, MIN)).toBe(15 * MIN);
  });
});
