import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from './json-file.ts';

/** 256 bits: the receipt-handle HMAC key, as strong as the hash. */
const SECRET_BYTES = 32;

/** The broker's secret for receipt handles, created once per data directory. */
export function loadSecret(metaDir: string): Buffer {
  const file = path.join(metaDir, 'secret');
  fs.mkdirSync(metaDir, { recursive: true });
  if (!fs.existsSync(file)) writeFileAtomic(file, randomBytes(SECRET_BYTES).toString('hex'));
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
}
