// The control-plane database (see docs/architecture.md, "2. Who owns which fact").
//
// SQLite under ./data by default, through @prisma/adapter-libsql; PostgreSQL
// when DATABASE_URL is postgresql://… (several console nodes can share it),
// through @prisma/adapter-pg. Prisma 7 clients are provider specific, so
// scripts/prisma-generate.ts generates one per provider from the same schema;
// both expose the same models, and `Db` is typed by the SQLite one — use only
// what both providers support (e.g. no `mode: 'insensitive'` filters).
// Schema changes go through migrations: server/migrate/ (npm run db:migration).

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaLibSql } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';
import { PrismaClient as PgPrismaClient } from './generated/prisma-pg/client.ts';
import { DEFAULT_DATABASE_URL, providerOf, sqliteFilePath } from './migrate/url.ts';

export type Db = PrismaClient;
export type { ConsoleUser, Instance, Session, AuditEvent } from './generated/prisma/client.ts';

/** The database URL the server uses: $DATABASE_URL, else SQLite under ./data. */
export function databaseUrl(): string {
  return process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

/** A new Prisma client for `url` (`file:` SQLite or `postgresql://`). */
export function createDb(url: string = databaseUrl()): Db {
  if (providerOf(url) === 'postgresql') {
    const pg = new PgPrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    // Same models, fields and methods, generated from the same schema; the
    // types differ only where PostgreSQL offers more (isolation levels, query
    // modes), which TypeScript cannot prove through Prisma's generic types.
    return pg as unknown as Db;
  }
  const file = sqliteFilePath(url);
  if (file) mkdirSync(path.dirname(file), { recursive: true });
  return new PrismaClient({ adapter: new PrismaLibSql({ url }) });
}

const holder = globalThis as typeof globalThis & { __meridianDb?: { url: string; client: Db } };

/**
 * The process-wide client, created on first use and kept on globalThis so
 * Next's dev hot reload does not open a new pool per reload.
 */
export function db(): Db {
  const url = databaseUrl();
  if (!holder.__meridianDb || holder.__meridianDb.url !== url) {
    holder.__meridianDb = { url, client: createDb(url) };
  }
  return holder.__meridianDb.client;
}

/** Closes the process-wide client (server shutdown, tests). */
export async function closeDb(): Promise<void> {
  const current = holder.__meridianDb;
  holder.__meridianDb = undefined;
  await current?.client.$disconnect();
}
