// `prisma migrate dev --create-only` without the native engine or a shadow
// database: the next migration is the diff between the schema snapshot kept
// beside the latest migration and prisma/schema.prisma, for every provider.

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PrismaLibSql } from '@prisma/adapter-libsql';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DiffTarget } from '@prisma/schema-engine-wasm';
import { NO_FILTERS, withEngine } from './engine.ts';
import { migrationsDir, schemaFor, schemaPath, type MigrateOptions } from './layout.ts';
import { listMigrations, LOCKFILE, lockfileText, MIGRATION_FILE, SNAPSHOT_FILE } from './migrations-dir.ts';
import { offlinePostgresFactory } from './pg-shim.ts';
import { PROVIDERS, type Provider } from './url.ts';

/** What the engine prints for "no changes": only comments. */
const EMPTY_MIGRATION = /^\s*(--[^\n]*\n?\s*)*$/;

export interface CreatedMigration {
  name: string | null;
  files: string[];
}

interface Plan {
  provider: Provider;
  dir: string;
  schema: string;
  sql: string;
}

/** A database the engine can connect to without touching a real one. */
function offlineFactory(provider: Provider): SqlMigrationAwareDriverAdapterFactory {
  return provider === 'sqlite' ? new PrismaLibSql({ url: ':memory:' }) : offlinePostgresFactory();
}

function datamodel(schema: string | null): DiffTarget {
  return schema === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: schema }] };
}

/** The SQL that takes a database from schema `from` (null: empty) to `to`, both for `provider`; '' when equal. */
export async function diffSchemaSql(provider: Provider, from: string | null, to: string): Promise<string> {
  return withEngine(offlineFactory(provider), async (engine) => {
    const out = await engine.diff({ from: datamodel(from), to: datamodel(to), script: true, exitCode: null, filters: NO_FILTERS });
    const sql = out.stdout ?? '';
    return EMPTY_MIGRATION.test(sql) ? '' : sql;
  });
}

async function latestSnapshot(dir: string): Promise<string | null> {
  const last = (await listMigrations(dir)).migrationDirectories.at(-1);
  if (!last) return null;
  const file = path.join(dir, last.path, SNAPSHOT_FILE);
  return readFile(file, 'utf8').catch(() => {
    throw new Error(`${file} is missing: every migration keeps the schema it was made from beside it`);
  });
}

/** What each provider's next migration would contain. */
async function plan(options: MigrateOptions): Promise<Plan[]> {
  const source = await readFile(schemaPath(options.root), 'utf8');
  const plans: Plan[] = [];
  for (const provider of PROVIDERS) {
    const dir = migrationsDir(provider, options.root);
    const schema = schemaFor(provider, source);
    plans.push({ provider, dir, schema, sql: await diffSchemaSql(provider, await latestSnapshot(dir), schema) });
  }
  return plans;
}

/** The SQL each provider still needs to match prisma/schema.prisma ('' = up to date). */
export async function pendingSchemaChanges(options: MigrateOptions = {}): Promise<Record<Provider, string>> {
  const result: Record<Provider, string> = { sqlite: '', postgresql: '' };
  for (const p of await plan(options)) result[p.provider] = p.sql;
  return result;
}

/** `20250101120000`: the UTC timestamp Prisma prefixes migration names with. */
export function migrationTimestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function slugOf(rawName: string): string {
  const slug = rawName.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 180);
  if (!slug) throw new Error('A migration needs a name (letters, digits, underscores)');
  return slug;
}

/**
 * Writes `<timestamp>_<name>/migration.sql` (+ snapshot.prisma, and
 * migration_lock.toml when new) for every provider, from the difference
 * between the latest snapshot and prisma/schema.prisma. The same name goes
 * into every provider's directory, even where its SQL is empty, so the
 * histories stay in step. Returns name null when the schema did not change.
 */
export async function createMigration(
  rawName: string,
  options: MigrateOptions & { now?: Date } = {},
): Promise<CreatedMigration> {
  const slug = slugOf(rawName);
  const plans = await plan(options);
  if (plans.every((p) => p.sql === '')) return { name: null, files: [] };
  const name = `${migrationTimestamp(options.now)}_${slug}`;
  // Check every target first: a half-written migration is worse than none.
  for (const p of plans) {
    const target = path.join(p.dir, name);
    if (existsSync(target)) throw new Error(`The migration directory already exists at ${target}`);
  }
  const files: string[] = [];
  for (const p of plans) files.push(...(await writeMigration(p, name)));
  return { name, files };
}

async function writeMigration(p: Plan, name: string): Promise<string[]> {
  const target = path.join(p.dir, name);
  await mkdir(target, { recursive: true });
  const sqlFile = path.join(target, MIGRATION_FILE);
  const snapshotFile = path.join(target, SNAPSHOT_FILE);
  await writeFile(sqlFile, p.sql === '' ? '-- This is an empty migration.' : p.sql, 'utf8');
  await writeFile(snapshotFile, p.schema, 'utf8');
  const lock = path.join(p.dir, LOCKFILE);
  if (existsSync(lock)) return [sqlFile, snapshotFile];
  await writeFile(lock, lockfileText(p.provider), 'utf8');
  return [sqlFile, snapshotFile, lock];
}
