// Smoke test of the migration path: a fresh SQLite file and, where
// MERIDIAN_TEST_POSTGRES_URL is set (npm test sets it), a fresh PostgreSQL
// database are migrated from nothing, must end up with every model's table
// and Prisma's history, and a second deploy must change nothing.

import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMigration,
  listMigrations,
  migrateDatabase,
  migrationChecksum,
  migrationsDir,
  pendingSchemaChanges,
  providerOf,
  redactUrl,
  schemaPath,
  sqliteFilePath,
  type Provider,
} from './index.ts';
import { pgQuery, scratchPostgresDatabase, TEST_POSTGRES_URL, type ScratchDatabase } from './postgres-test-db.ts';

type HistoryRow = {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  applied_steps_count: number | bigint | string;
};

const HISTORY_SQL =
  'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name';

async function expectedMigrations(provider: Provider): Promise<{ name: string; checksum: string }[]> {
  const list = await listMigrations(migrationsDir(provider));
  return list.migrationDirectories.map((m) => {
    if (m.migrationFile.content.tag !== 'ok') throw new Error(`unreadable ${m.path}`);
    return { name: m.path, checksum: migrationChecksum(m.migrationFile.content.value) };
  });
}

/** Every model's table, plus Prisma's history table, sorted. */
async function expectedTables(): Promise<string[]> {
  const schema = await readFile(schemaPath(), 'utf8');
  const models = [...schema.matchAll(/^model\s+(\w+)\s*\{/gm)].map((m) => m[1] ?? '');
  return [...models, '_prisma_migrations'].sort();
}

/** Each migration recorded once, finished, never rolled back, with the checksum of its file. */
async function expectHistory(rows: HistoryRow[], provider: Provider): Promise<void> {
  expect(rows.map((r) => ({ name: r.migration_name, checksum: r.checksum }))).toEqual(await expectedMigrations(provider));
  for (const r of rows) {
    expect(r.finished_at).not.toBeNull();
    expect(r.rolled_back_at).toBeNull();
    expect(Number(r.applied_steps_count)).toBe(1);
  }
}

async function sqliteHistory(url: string): Promise<HistoryRow[]> {
  const client = createClient({ url });
  try {
    const { rows } = await client.execute(HISTORY_SQL);
    return rows.map((r) => ({
      migration_name: String(r.migration_name),
      checksum: String(r.checksum),
      finished_at: r.finished_at,
      rolled_back_at: r.rolled_back_at,
      applied_steps_count: Number(r.applied_steps_count),
    }));
  } finally {
    client.close();
  }
}

async function sqliteTables(url: string): Promise<string[]> {
  const client = createClient({ url });
  try {
    const { rows } = await client.execute(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    return rows.map((r) => String(r.name));
  } finally {
    client.close();
  }
}

describe('database URLs', () => {
  it('name their provider, and refuse others', () => {
    expect(providerOf('file:./data/meridian.db')).toBe('sqlite');
    expect(providerOf('postgres://h/db')).toBe('postgresql');
    expect(providerOf('postgresql://h/db')).toBe('postgresql');
    expect(() => providerOf('mysql://u:secret@h/db')).toThrow(/Unsupported DATABASE_URL "mysql:\/\/u:\*\*\*@h\/db"/);
  });

  it('hide passwords and resolve SQLite paths', () => {
    expect(redactUrl('postgresql://meridian:s3cr:et@127.0.0.1:5432/db')).toBe('postgresql://meridian:***@127.0.0.1:5432/db');
    expect(redactUrl('postgresql://127.0.0.1/db')).toBe('postgresql://127.0.0.1/db');
    expect(sqliteFilePath('file:./data/x.db?mode=rwc')).toBe(path.resolve('data/x.db'));
    expect(sqliteFilePath('file:///tmp/x.db')).toBe('/tmp/x.db');
    expect(sqliteFilePath('file::memory:')).toBeNull();
  });
});

describe('deploy on a fresh SQLite database', () => {
  let dir: string;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-migrate-'));
    url = `file:${path.join(dir, 'nested', 'meridian.db')}`;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory, every table, and the history as Prisma records it', async () => {
    const { applied } = await migrateDatabase(url);
    expect(applied).toEqual((await expectedMigrations('sqlite')).map((m) => m.name));
    expect(await sqliteTables(url)).toEqual(await expectedTables());
    await expectHistory(await sqliteHistory(url), 'sqlite');
  });

  it('a second deploy is a no-op', async () => {
    expect(await migrateDatabase(url)).toEqual({ applied: [] });
    await expectHistory(await sqliteHistory(url), 'sqlite');
  });

  it('refuses unsupported URLs', async () => {
    await expect(migrateDatabase('mysql://localhost/x')).rejects.toThrow(/Unsupported DATABASE_URL/);
  });
});

describe.skipIf(!TEST_POSTGRES_URL)('deploy on a fresh PostgreSQL database', () => {
  const scratch: ScratchDatabase[] = [];
  const fresh = async (label: string): Promise<string> => {
    const db = await scratchPostgresDatabase(TEST_POSTGRES_URL ?? '', label);
    scratch.push(db);
    return db.url;
  };
  let url: string;

  beforeAll(async () => {
    url = await fresh('migrate');
  });
  afterAll(async () => {
    await Promise.all(scratch.map((db) => db.drop()));
  });

  it('creates every table and the history as Prisma records it', async () => {
    const { applied } = await migrateDatabase(url);
    expect(applied).toEqual((await expectedMigrations('postgresql')).map((m) => m.name));
    const tables = await pgQuery<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((r) => r.table_name).sort()).toEqual(await expectedTables());
    await expectHistory(await pgQuery<HistoryRow>(url, HISTORY_SQL), 'postgresql');
  });

  it('a second deploy is a no-op', async () => {
    expect(await migrateDatabase(url)).toEqual({ applied: [] });
    await expectHistory(await pgQuery<HistoryRow>(url, HISTORY_SQL), 'postgresql');
  });

  it('concurrent deploys (several console nodes starting) apply each migration once', async () => {
    const target = await fresh('concurrent');
    const results = await Promise.all([migrateDatabase(target), migrateDatabase(target)]);
    const applied = results.flatMap((r) => r.applied).sort();
    expect(applied).toEqual((await expectedMigrations('postgresql')).map((m) => m.name));
    await expectHistory(await pgQuery<HistoryRow>(target, HISTORY_SQL), 'postgresql');
  });
});

describe('migrations', () => {
  it('cover prisma/schema.prisma for both providers (else: npm run db:migration -- <name>)', async () => {
    expect(await pendingSchemaChanges()).toEqual({ sqlite: '', postgresql: '' });
  });

  it('have the same names for SQLite and PostgreSQL', async () => {
    const names = async (p: Provider) => (await expectedMigrations(p)).map((m) => m.name);
    expect(await names('postgresql')).toEqual(await names('sqlite'));
  });
});

describe('creating a migration (developer workflow)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'meridian-mig-'));
    await cp(path.join(process.cwd(), 'prisma'), path.join(root, 'prisma'), { recursive: true });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes nothing when the schema did not change', async () => {
    expect(await createMigration('nothing', { root })).toEqual({ name: null, files: [] });
  });

  it('refuses a nameless migration', async () => {
    await expect(createMigration(' !! ', { root })).rejects.toThrow(/needs a name/);
  });

  it('diffs the last snapshot for both providers, and the result deploys on top of the history', async () => {
    const url = `file:${path.join(root, 'dev.db')}`;
    await migrateDatabase(url, { root });
    const schemaFile = path.join(root, 'prisma', 'schema.prisma');
    const schema = await readFile(schemaFile, 'utf8');
    await writeFile(
      schemaFile,
      schema
        .replace('  grpcHost       String?', '  grpcHost       String?\n  owner          String   @default("ops")')
        .replace(/model AuditEvent \{/, 'model SavedQuery {\n  id   String @id\n  text String\n}\n\nmodel AuditEvent {'),
    );
    const made = await createMigration('Add owner & saved queries!', { root, now: new Date('2099-01-02T03:04:05Z') });
    expect(made.name).toBe('20990102030405_add_owner_saved_queries');
    for (const provider of ['sqlite', 'postgresql'] as const) {
      const dir = path.join(migrationsDir(provider, root), made.name ?? '');
      expect((await readdir(dir)).sort()).toEqual(['migration.sql', 'snapshot.prisma']);
      const sql = await readFile(path.join(dir, 'migration.sql'), 'utf8');
      expect(sql).toContain('CREATE TABLE "SavedQuery"');
      expect(sql).toContain('owner');
      expect(sql).not.toContain('CREATE TABLE "ConsoleUser"');
    }
    expect(await pendingSchemaChanges({ root })).toEqual({ sqlite: '', postgresql: '' });
    expect((await migrateDatabase(url, { root })).applied).toEqual([made.name]);
    const client = createClient({ url });
    try {
      const rows = await client.execute("SELECT name FROM pragma_table_info('Instance')");
      expect(rows.rows.map((r) => r.name)).toContain('owner');
    } finally {
      client.close();
    }
  });

  it('refuses a migrations directory locked to another provider', async () => {
    const lock = path.join(migrationsDir('sqlite', root), 'migration_lock.toml');
    await writeFile(lock, (await readFile(lock, 'utf8')).replace('"sqlite"', '"postgresql"'));
    await expect(migrateDatabase(`file:${path.join(root, 'other.db')}`, { root })).rejects.toThrow(/provider "postgresql"/);
  });
});
