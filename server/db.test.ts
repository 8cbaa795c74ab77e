import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, db, type Db } from './db.ts';
import {
  createMigration,
  listMigrations,
  migrateDatabase,
  migrationChecksum,
  migrationsDir,
  pendingSchemaChanges,
} from './db-migrate.ts';

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  applied_steps_count: number | bigint;
}

async function expectedMigrations(provider: 'sqlite' | 'postgresql'): Promise<{ name: string; checksum: string }[]> {
  const list = await listMigrations(migrationsDir(provider));
  return list.migrationDirectories.map((m) => {
    if (m.migrationFile.content.tag !== 'ok') throw new Error(`unreadable ${m.path}`);
    return { name: m.path, checksum: migrationChecksum(m.migrationFile.content.value) };
  });
}

/** Exercises every model against a migrated database. */
async function crud(client: Db): Promise<void> {
  const inst = await client.instance.create({
    data: { name: 'default', region: 'local', grpcPort: 8081, flushMode: 'sync', maxTps: 1000 },
  });
  expect(inst).toMatchObject({ kind: 'embedded', retentionHours: 72, maxMessageSize: 4194304, description: '' });
  expect(inst.createdAt).toBeInstanceOf(Date);
  await expect(client.instance.create({ data: { name: 'default', region: 'x', grpcPort: 1 } })).rejects.toMatchObject({
    code: 'P2002',
  });
  const updated = await client.instance.update({ where: { id: inst.id }, data: { retentionHours: 24 } });
  expect(updated.retentionHours).toBe(24);
  expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(inst.updatedAt.getTime());

  const user = await client.consoleUser.create({ data: { username: 'alice', passwordHash: 'x', role: 'operator' } });
  await client.session.create({
    data: { userId: user.id, tokenHash: 'h1', expiresAt: new Date(Date.now() + 60_000), ip: '127.0.0.1' },
  });
  expect(await client.session.count({ where: { userId: user.id } })).toBe(1);
  const ev = await client.auditEvent.create({
    data: { actor: 'alice', actorId: user.id, action: 'instance.update', target: 'default', result: 'ok', instanceId: inst.id },
  });
  // Deleting a user removes its sessions (cascade) but keeps its audit trail.
  await client.consoleUser.delete({ where: { id: user.id } });
  expect(await client.session.count()).toBe(0);
  expect(await client.auditEvent.findUnique({ where: { id: ev.id } })).toMatchObject({ actor: 'alice', input: '{}' });

  const page = await client.instance.findMany({ where: { region: 'local' }, orderBy: { name: 'asc' }, take: 10 });
  expect(page.map((i) => i.name)).toEqual(['default']);
  await client.instance.delete({ where: { id: inst.id } });
  expect(await client.instance.count()).toBe(0);
}

describe('SQLite control-plane database', () => {
  let dir: string;
  let url: string;
  let client: Db;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'meridian-db-'));
    url = `file:${path.join(dir, 'nested', 'meridian.db')}`;
  });
  afterAll(async () => {
    await client?.$disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates a fresh database (creating its directory) and records the migrations as Prisma does', async () => {
    const expected = await expectedMigrations('sqlite');
    expect(expected.length).toBeGreaterThan(0);
    const { applied } = await migrateDatabase(url);
    expect(applied).toEqual(expected.map((m) => m.name));

    client = createDb(url);
    const rows = await client.$queryRawUnsafe<MigrationRow[]>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => ({ name: r.migration_name, checksum: r.checksum }))).toEqual(expected);
    for (const r of rows) {
      expect(r.finished_at).not.toBeNull();
      expect(r.rolled_back_at).toBeNull();
      expect(Number(r.applied_steps_count)).toBe(1);
    }
  });

  it('migrating again is a no-op', async () => {
    expect(await migrateDatabase(url)).toEqual({ applied: [] });
    const rows = await client.$queryRawUnsafe<MigrationRow[]>('SELECT migration_name FROM _prisma_migrations');
    expect(rows).toHaveLength((await expectedMigrations('sqlite')).length);
  });

  it('supports CRUD on every model', async () => {
    await crud(client);
  });

  it('db() is a singleton per DATABASE_URL', async () => {
    const before = process.env.DATABASE_URL;
    process.env.DATABASE_URL = url;
    try {
      const a = db();
      expect(db()).toBe(a);
      expect(await a.instance.count()).toBe(0);
      await closeDb();
      expect(db()).not.toBe(a);
    } finally {
      await closeDb();
      if (before === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = before;
    }
  });

  it('refuses unsupported URLs', async () => {
    await expect(migrateDatabase('mysql://localhost/x')).rejects.toThrow(/Unsupported DATABASE_URL/);
  });
});

describe('migrations', () => {
  it('cover prisma/schema.prisma for both providers (else: npm run db:migration -- <name>)', async () => {
    expect(await pendingSchemaChanges()).toEqual({ sqlite: '', postgresql: '' });
  });

  it('have the same names for SQLite and PostgreSQL', async () => {
    const names = async (p: 'sqlite' | 'postgresql') => (await expectedMigrations(p)).map((m) => m.name);
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
    const client = createDb(url);
    try {
      const rows = await client.$queryRawUnsafe<{ name: string }[]>('SELECT name FROM pragma_table_info(\'Instance\')');
      expect(rows.map((r) => r.name)).toContain('owner');
    } finally {
      await client.$disconnect();
    }
  });

  it('refuses a migrations directory locked to another provider', async () => {
    const lock = path.join(migrationsDir('sqlite', root), 'migration_lock.toml');
    await writeFile(lock, (await readFile(lock, 'utf8')).replace('"sqlite"', '"postgresql"'));
    await expect(migrateDatabase(`file:${path.join(root, 'other.db')}`, { root })).rejects.toThrow(/provider "postgresql"/);
  });
});

// Runs when a PostgreSQL database is provided, e.g.
// MERIDIAN_TEST_POSTGRES_URL=postgresql://user:pw@127.0.0.1:5432/empty_db
const pgUrl = process.env.MERIDIAN_TEST_POSTGRES_URL;
describe.skipIf(!pgUrl)('PostgreSQL control-plane database', () => {
  it('migrates, is idempotent, and supports CRUD', async () => {
    const url = pgUrl ?? '';
    const expected = await expectedMigrations('postgresql');
    await migrateDatabase(url);
    expect(await migrateDatabase(url)).toEqual({ applied: [] });
    const client = createDb(url);
    try {
      const rows = await client.$queryRawUnsafe<MigrationRow[]>(
        'SELECT migration_name, checksum FROM _prisma_migrations WHERE rolled_back_at IS NULL ORDER BY migration_name',
      );
      expect(rows.map((r) => ({ name: r.migration_name, checksum: r.checksum }))).toEqual(expected);
      await client.session.deleteMany();
      await client.consoleUser.deleteMany();
      await client.instance.deleteMany();
      await crud(client);
    } finally {
      await client.$disconnect();
    }
  });
});
