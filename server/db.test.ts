// The Prisma client on a migrated database, for both providers. How the
// migrations themselves are applied is tested in server/migrate/migrate.test.ts.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, createDb, db, type Db } from './db.ts';
import { migrateDatabase } from './migrate/index.ts';
import { scratchPostgresDatabase, TEST_POSTGRES_URL, type ScratchDatabase } from './migrate/postgres-test-db.ts';

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
    await migrateDatabase(url);
    client = createDb(url);
  });
  afterAll(async () => {
    await client?.$disconnect();
    await rm(dir, { recursive: true, force: true });
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

  it('refuses unsupported URLs', () => {
    expect(() => createDb('mysql://localhost/x')).toThrow(/Unsupported DATABASE_URL/);
  });
});

// Runs where MERIDIAN_TEST_POSTGRES_URL is set (npm test starts a throwaway server).
describe.skipIf(!TEST_POSTGRES_URL)('PostgreSQL control-plane database', () => {
  let scratch: ScratchDatabase;
  let client: Db;

  beforeAll(async () => {
    scratch = await scratchPostgresDatabase(TEST_POSTGRES_URL ?? '', 'db');
    await migrateDatabase(scratch.url);
    client = createDb(scratch.url);
  });
  afterAll(async () => {
    await client?.$disconnect();
    await scratch?.drop();
  });

  it('supports CRUD on every model', async () => {
    await crud(client);
  });
});
