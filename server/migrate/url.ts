// What a DATABASE_URL names. Pure string work, so the server can import it
// (server/db.ts) without loading the migration engine.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Provider = 'sqlite' | 'postgresql';
export const PROVIDERS: readonly Provider[] = ['sqlite', 'postgresql'];

/** Where a fresh install keeps its control-plane database. */
export const DEFAULT_DATABASE_URL = 'file:./data/meridian.db';

export function providerOf(url: string): Provider {
  if (url.startsWith('file:')) return 'sqlite';
  if (url.startsWith('postgresql://') || url.startsWith('postgres://')) return 'postgresql';
  throw new Error(`Unsupported DATABASE_URL "${redactUrl(url)}": use file:<path> (SQLite) or postgresql://… (PostgreSQL)`);
}

/** The URL with any password hidden: URLs end up in logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

/** The file path of a `file:` SQLite URL, or null for in-memory databases. */
export function sqliteFilePath(url: string): string | null {
  const rest = url.slice('file:'.length).split('?')[0] ?? '';
  if (rest === '' || rest === ':memory:') return null;
  if (rest.startsWith('//')) return fileURLToPath(`file:${rest}`);
  // The database file is opened at run time, not shipped with the build: without the comment Turbopack's
  // output tracing takes this for a file it must trace and traces the whole project (a ~35-line warning).
  return path.resolve(/* turbopackIgnore: true */ rest);
}
