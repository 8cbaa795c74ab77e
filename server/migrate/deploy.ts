// `prisma migrate deploy` without the native engine.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PrismaLibSql } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { NO_FILTERS, withEngine } from './engine.ts';
import { migrationsDir, type MigrateOptions } from './layout.ts';
import { listMigrations, LOCKFILE, lockedProvider } from './migrations-dir.ts';
import { providerOf, sqliteFilePath, type Provider } from './url.ts';

/**
 * Applies pending migrations to the database at `url` (`file:` SQLite or
 * `postgresql://`) through the engine's applyMigrations, the code path behind
 * `prisma migrate deploy`: each migration runs once and is recorded in
 * `_prisma_migrations` with its checksum. Idempotent; concurrent callers on
 * PostgreSQL are serialized by the engine's advisory lock. Fails on edited or
 * failed migrations, like Prisma.
 */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const provider = providerOf(url);
  const migrationsList = await checkedMigrations(provider, migrationsDir(provider, options.root));
  await ensureSqliteDirectory(url);
  return withEngine(adapterFactory(url), async (engine) => {
    const out = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return { applied: out.appliedMigrationNames };
  });
}

/** The directory's migrations, refusing an empty one or one made for another provider. */
async function checkedMigrations(provider: Provider, dir: string): Promise<MigrationList> {
  const list = await listMigrations(dir);
  if (list.migrationDirectories.length === 0) throw new Error(`No migrations found in ${dir}`);
  const locked = lockedProvider(list);
  if (locked !== provider) {
    throw new Error(`${path.join(dir, LOCKFILE)} is for provider "${locked ?? 'none'}", but the database is ${provider}`);
  }
  return list;
}

/** SQLite creates the database file but not its directory (a fresh ./data). */
async function ensureSqliteDirectory(url: string): Promise<void> {
  if (providerOf(url) !== 'sqlite') return;
  const file = sqliteFilePath(url);
  if (file) await mkdir(path.dirname(file), { recursive: true });
}

function adapterFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  return providerOf(url) === 'sqlite' ? new PrismaLibSql({ url }) : new PrismaPg({ connectionString: url });
}
