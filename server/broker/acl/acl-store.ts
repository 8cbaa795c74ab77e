import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BrokerError } from '../errors.ts';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../json-file.ts';
import { AclSettingsSchema, PolicySchema, RateLimitsSchema, USER_STATUSES, USER_TYPES } from './rules.ts';

/**
 * Users, policies, switches and limits of one instance, in `<dataDir>/metadata/acl.json`. The HMAC needs each
 * password itself, so passwords cannot be hashed: they are encrypted with AES-256-GCM under a key from
 * MERIDIAN_ACL_KEY (64 hex digits), else from `metadata/acl.key` (made on first use, mode 0600). A copy of
 * acl.json alone (a backup, a support bundle) then reveals no password; whoever can read the key file can.
 */
const StoredUserSchema = z.object({
  username: z.string(),
  /** `v1:<iv>:<tag>:<ciphertext>`, base64 parts. */
  password: z.string(),
  userType: z.enum(USER_TYPES),
  userStatus: z.enum(USER_STATUSES),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type StoredUser = z.infer<typeof StoredUserSchema>;

export const AclFileSchema = z.object({
  settings: AclSettingsSchema.default(AclSettingsSchema.parse({})),
  users: z.array(StoredUserSchema).default([]),
  /** Policies by username. */
  acls: z.record(z.string(), z.array(PolicySchema)).default({}),
  limits: RateLimitsSchema.default(RateLimitsSchema.parse({})),
});
export type AclFile = z.infer<typeof AclFileSchema>;

const KEY_BYTES = 32;
const IV_BYTES = 12;

const KEY_HEX = /^[0-9a-fA-F]{64}$/;

export function loadAclKey(metaDir: string, fromEnv = process.env.MERIDIAN_ACL_KEY): Buffer {
  if (fromEnv) {
    if (!KEY_HEX.test(fromEnv)) throw new BrokerError('INVALID_ARGUMENT', 'MERIDIAN_ACL_KEY must be 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`');
    return Buffer.from(fromEnv, 'hex');
  }
  const file = path.join(metaDir, 'acl.key');
  fs.mkdirSync(metaDir, { recursive: true });
  if (!fs.existsSync(file)) {
    writeFileAtomic(file, randomBytes(KEY_BYTES).toString('hex'));
    fs.chmodSync(file, 0o600);
  }
  const hex = fs.readFileSync(file, 'utf8').trim();
  if (!KEY_HEX.test(hex)) throw new BrokerError('CORRUPT_DATA', `${file} is not 64 hex digits: restore it from a backup (the stored ACL passwords need it), or set MERIDIAN_ACL_KEY`);
  return Buffer.from(hex, 'hex');
}

export function encryptSecret(key: Buffer, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':');
}

export function decryptSecret(key: Buffer, sealed: string): string {
  const [version, iv, tag, data] = sealed.split(':');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new BrokerError('CORRUPT_DATA', 'A stored ACL password is not in the v1 format');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new BrokerError('CORRUPT_DATA', 'A stored ACL password does not decrypt with this key: was MERIDIAN_ACL_KEY or metadata/acl.key changed?');
  }
}

export function readAclFile(file: string): AclFile {
  const raw = readJson(file);
  const parsed = AclFileSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new BrokerError('CORRUPT_DATA', `${file} is not a valid ACL file: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
  return parsed.data;
}

export function writeAclFile(file: string, data: AclFile): void {
  writeJsonAtomic(file, data);
  fs.chmodSync(file, 0o600);
}
