// Database migrations without Prisma's native schema engine.
//
// The Prisma CLI downloads a native schema engine before any migrate command,
// which cannot work on air-gapped machines. Prisma also publishes the same
// engine compiled to WebAssembly (@prisma/schema-engine-wasm) that talks to
// the database through a driver adapter; this module drives it directly.
// `applyMigrations` is the exact code path behind `prisma migrate deploy`:
// same `_prisma_migrations` table, same checksums, same advisory locking.
//
// One schema, two providers: a migration's SQL is provider specific, and the
// engine refuses a migrations directory locked to another provider, so each
// provider has its own directory (prisma/migrations for SQLite,
// prisma/postgresql/migrations for PostgreSQL). `createMigration` writes the
// same migration name into both, diffing the previous schema snapshot kept
// beside each migration (snapshot.prisma) against the current schema — no
// shadow database needed.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PrismaLibSql } from '@prisma/adapter-libsql';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm';

export type Provider = 'sqlite' | 'postgresql';
export const PROVIDERS: readonly Provider[] = ['sqlite', 'postgresql'];

export const DEFAULT_DATABASE_URL = 'file:./data/meridian.db';

export interface MigrateOptions {
  /** Project root holding prisma/ (default: the current directory). */
  root?: string;
}

const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };
const SNAPSHOT_FILE = 'snapshot.prisma';
const LOCKFILE = 'migration_lock.toml';

export function providerOf(url: string): Provider {
  if (url.startsWith('file:')) return 'sqlite';
  if (url.startsWith('postgresql://') || url.startsWith('postgres://')) return 'postgresql';
  throw new Error(`Unsupported DATABASE_URL "${redactUrl(url)}": use file:<path> (SQLite) or postgresql://… (PostgreSQL)`);
}

/** The URL with any password hidden, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}

/** The file path of a `file:` SQLite URL, or null for in-memory databases. */
export function sqliteFilePath(url: string): string | null {
  const rest = url.slice('file:'.length).split('?')[0] ?? '';
  if (rest === '' || rest === ':memory:') return null;
  if (rest.startsWith('//')) return fileURLToPath(`file:${rest}`);
  return path.resolve(rest);
}

export function migrationsDir(provider: Provider, root = process.cwd()): string {
  return provider === 'sqlite'
    ? path.join(root, 'prisma', 'migrations')
    : path.join(root, 'prisma', 'postgresql', 'migrations');
}

export function schemaPath(root = process.cwd()): string {
  return path.join(root, 'prisma', 'schema.prisma');
}

/**
 * The schema for a provider. prisma/schema.prisma is written for SQLite; the
 * PostgreSQL variant only swaps the datasource provider (and, when asked, the
 * generated client's output folder).
 */
export function schemaFor(provider: Provider, sqliteSchema: string, clientOutput?: string): string {
  let out = sqliteSchema;
  if (provider === 'postgresql') {
    const re = /(datasource\s+\w+\s*\{[^}]*?provider\s*=\s*)"sqlite"/;
    if (!re.test(out)) throw new Error('prisma/schema.prisma: expected a datasource with provider = "sqlite"');
    out = out.replace(re, '$1"postgresql"');
  }
  if (clientOutput !== undefined) {
    const gen = /(generator\s+client\s*\{[^}]*?output\s*=\s*)"[^"]*"/;
    if (!gen.test(out)) throw new Error('prisma/schema.prisma: expected a generator "client" with an output');
    out = out.replace(gen, `$1${JSON.stringify(clientOutput)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The WASM engine

let wasmReady: Promise<typeof import('@prisma/schema-engine-wasm')> | undefined;

/** Loads @prisma/schema-engine-wasm once (Node cannot `import` a .wasm file). */
function loadWasm(): Promise<typeof import('@prisma/schema-engine-wasm')> {
  wasmReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const glue = (await import(pathToFileURL(gluePath).href)) as typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    // The engine arms timers it never clears (e.g. the 10 s PostgreSQL
    // advisory-lock timeout), which would keep a finished process alive.
    // Its timers are unref'd: they still fire while the process has other
    // work (pending database I/O always keeps it alive), but never hold it.
    const imports: Record<string, unknown> = { ...glue };
    for (const [name, fn] of Object.entries(glue)) {
      if (name.startsWith('__wbg_setTimeout_') && typeof fn === 'function') {
        imports[name] = (...args: unknown[]): unknown => {
          const timer: unknown = (fn as (...a: unknown[]) => unknown)(...args);
          if (typeof timer === 'object' && timer !== null && 'unref' in timer && typeof timer.unref === 'function') {
            timer.unref();
          }
          return timer;
        };
      }
    }
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': imports as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    const start = instance.exports.__wbindgen_start;
    if (typeof start === 'function') start();
    // The glue module re-exports the same API as the package entry point.
    return glue;
  })();
  return wasmReady;
}

function adapterFactory(url: string): SqlMigrationAwareDriverAdapterFactory {
  return providerOf(url) === 'sqlite' ? new PrismaLibSql({ url }) : new PrismaPg({ connectionString: url });
}

interface EngineHandle {
  engine: SchemaEngine;
  close(): Promise<void>;
}

/**
 * Starts a schema engine on a driver adapter. The connections the engine opens
 * are tracked and disposed on close, so nothing keeps the process alive.
 */
async function openEngine(factory: SqlMigrationAwareDriverAdapterFactory): Promise<EngineHandle> {
  const wasm = await loadWasm();
  const opened: SqlDriverAdapter[] = [];
  const tracking: SqlMigrationAwareDriverAdapterFactory = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const a = await factory.connect();
      opened.push(a);
      return a;
    },
    connectToShadowDb: async () => {
      const a = await factory.connectToShadowDb();
      opened.push(a);
      return a;
    },
  };
  const bound = bindMigrationAwareSqlAdapterFactory(tracking);
  const log = (line: string): void => {
    if (process.env.DEBUG_SCHEMA_ENGINE) process.stderr.write(`[schema-engine] ${line}\n`);
  };
  let engine: SchemaEngine;
  try {
    engine = await wasm.SchemaEngine.new({ datamodels: undefined }, log, bound);
  } catch (e) {
    throw engineError(e, bound.errorRegistry);
  }
  let closed = false;
  const run = engine;
  return {
    engine: new Proxy(run, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          try {
            return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (e) {
            throw engineError(e, bound.errorRegistry);
          }
        };
      },
    }),
    async close() {
      if (closed) return;
      closed = true;
      run.free();
      await Promise.allSettled(opened.map((a) => a.dispose()));
    },
  };
}

/** Turns what the engine throws into an Error with a readable message. */
function engineError(e: unknown, registry: { consumeError(id: number): { error: unknown } | undefined }): Error {
  if (e instanceof Error) {
    const id = (e as Error & { id?: unknown }).id;
    if (typeof id === 'number') {
      const rec = registry.consumeError(id);
      if (rec) {
        const inner = rec.error;
        if (inner instanceof Error) return inner;
        return new Error(`database error: ${JSON.stringify(inner)}`);
      }
    }
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string') return new Error(`${code}: ${e.message}`, { cause: e });
    return e;
  }
  return new Error(`schema engine error: ${String(e)}`);
}

// ---------------------------------------------------------------------------
// Migrations directory

/** Reads a migrations directory the way the Prisma CLI does (listMigrations). */
export async function listMigrations(dir: string): Promise<MigrationList> {
  const lockfileContent = await readFile(path.join(dir, LOCKFILE), 'utf8').catch(() => null);
  const entries = existsSync(dir) ? await readdir(dir, { withFileTypes: true }) : [];
  const migrationDirectories: MigrationList['migrationDirectories'] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const content = await readFile(path.join(dir, entry.name, 'migration.sql'), 'utf8')
      .then((value) => ({ tag: 'ok' as const, value }))
      .catch((err: unknown) => ({ tag: 'error' as const, value: String(err) }));
    migrationDirectories.push({ path: entry.name, migrationFile: { path: 'migration.sql', content } });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir: dir,
    lockfile: { path: LOCKFILE, content: lockfileContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

function lockfileText(provider: Provider): string {
  // Byte for byte what `prisma migrate dev` writes.
  return `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`;
}

function lockedProvider(list: MigrationList): string | null {
  const m = list.lockfile.content?.match(/^\s*provider\s*=\s*"([^"]+)"/m);
  return m?.[1] ?? null;
}

// ---------------------------------------------------------------------------
// Deploy

/**
 * Applies pending migrations to the database at `url` (`file:` SQLite or
 * `postgresql://`), exactly as `prisma migrate deploy` would: each migration
 * runs once and is recorded in `_prisma_migrations` with its checksum.
 * Idempotent; concurrent callers on PostgreSQL are serialized by the engine's
 * advisory lock. Fails on edited or failed migrations, like Prisma.
 */
export async function migrateDatabase(url: string, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const provider = providerOf(url);
  const dir = migrationsDir(provider, options.root);
  const migrationsList = await listMigrations(dir);
  if (migrationsList.migrationDirectories.length === 0) {
    throw new Error(`No migrations found in ${dir}`);
  }
  const locked = lockedProvider(migrationsList);
  if (locked !== provider) {
    throw new Error(`${path.join(dir, LOCKFILE)} is for provider "${locked ?? 'none'}", but the database is ${provider}`);
  }
  if (provider === 'sqlite') {
    const file = sqliteFilePath(url);
    if (file) await mkdir(path.dirname(file), { recursive: true });
  }
  const handle = await openEngine(adapterFactory(url));
  try {
    const out = await handle.engine.applyMigrations({ migrationsList, filters: NO_FILTERS });
    return { applied: out.appliedMigrationNames };
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------
// Create

/**
 * An adapter factory for offline diffs between two schema files. Diffing needs
 * no database, but the engine connects on start and, on PostgreSQL, reads the
 * server version first: this adapter answers that probe (as PostgreSQL 15)
 * and refuses everything else, so `create` never needs a PostgreSQL server.
 */
function offlineFactory(provider: Provider): SqlMigrationAwareDriverAdapterFactory {
  if (provider === 'sqlite') return new PrismaLibSql({ url: ':memory:' });
  const refuse = (sql: string): never => {
    throw new Error(`offline schema diff: unexpected query ${sql}`);
  };
  const adapter = (): SqlDriverAdapter => ({
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    async queryRaw(q) {
      if (/^SELECT EXISTS\(SELECT 1 FROM pg_namespace/.test(q.sql) && q.sql.includes('version()')) {
        return {
          columnNames: ['exists', 'version', 'numeric_version'],
          columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
          rows: [[true, 'PostgreSQL 15.0 (offline diff)', 150000]],
        };
      }
      return refuse(q.sql);
    },
    async executeRaw(q) {
      return refuse(q.sql);
    },
    async executeScript(script) {
      refuse(script);
    },
    async startTransaction() {
      return refuse('BEGIN');
    },
    async dispose() {},
  });
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: async () => adapter(),
    connectToShadowDb: async () => adapter(),
  };
}

async function latestSnapshot(dir: string): Promise<{ name: string; schema: string } | null> {
  const list = await listMigrations(dir);
  const last = list.migrationDirectories.at(-1);
  if (!last) return null;
  const file = path.join(dir, last.path, SNAPSHOT_FILE);
  const schema = await readFile(file, 'utf8').catch(() => {
    throw new Error(`${file} is missing: every migration keeps the schema it was made from beside it`);
  });
  return { name: last.path, schema };
}

const EMPTY_MIGRATION = /^\s*(--[^\n]*\n?\s*)*$/;

/**
 * The SQL that takes a database from the latest migration's schema snapshot
 * to `schema` (both written for `provider`); '' when nothing changed.
 */
export async function diffSchemaSql(provider: Provider, from: string | null, to: string): Promise<string> {
  const handle = await openEngine(offlineFactory(provider));
  try {
    const out = await handle.engine.diff({
      from: from === null ? { tag: 'empty' } : { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: from }] },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: to }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    const sql = out.stdout ?? '';
    return EMPTY_MIGRATION.test(sql) ? '' : sql;
  } finally {
    await handle.close();
  }
}

/** The SQL each provider still needs to match prisma/schema.prisma ('' = up to date). */
export async function pendingSchemaChanges(options: MigrateOptions = {}): Promise<Record<Provider, string>> {
  const source = await readFile(schemaPath(options.root), 'utf8');
  const result: Record<Provider, string> = { sqlite: '', postgresql: '' };
  for (const provider of PROVIDERS) {
    const prev = await latestSnapshot(migrationsDir(provider, options.root));
    result[provider] = await diffSchemaSql(provider, prev?.schema ?? null, schemaFor(provider, source));
  }
  return result;
}

/** `20250101120000`: the UTC timestamp Prisma prefixes migration names with. */
export function migrationTimestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export interface CreatedMigration {
  name: string | null;
  files: string[];
}

/**
 * Writes `<timestamp>_<name>/migration.sql` (+ snapshot.prisma, and
 * migration_lock.toml when new) for every provider, from the difference
 * between the latest snapshot and prisma/schema.prisma. Returns name null
 * when the schema did not change.
 */
export async function createMigration(
  rawName: string,
  options: MigrateOptions & { now?: Date } = {},
): Promise<CreatedMigration> {
  const slug = rawName.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 180);
  if (!slug) throw new Error('A migration needs a name (letters, digits, underscores)');
  const source = await readFile(schemaPath(options.root), 'utf8');
  const plans: { provider: Provider; dir: string; schema: string; sql: string }[] = [];
  for (const provider of PROVIDERS) {
    const dir = migrationsDir(provider, options.root);
    const schema = schemaFor(provider, source);
    const prev = await latestSnapshot(dir);
    plans.push({ provider, dir, schema, sql: await diffSchemaSql(provider, prev?.schema ?? null, schema) });
  }
  if (plans.every((p) => p.sql === '')) return { name: null, files: [] };

  const name = `${migrationTimestamp(options.now)}_${slug}`;
  const files: string[] = [];
  for (const p of plans) {
    const target = path.join(p.dir, name);
    if (existsSync(target)) throw new Error(`The migration directory already exists at ${target}`);
  }
  for (const p of plans) {
    const target = path.join(p.dir, name);
    await mkdir(target, { recursive: true });
    const sql = p.sql === '' ? '-- This is an empty migration.' : p.sql;
    await writeFile(path.join(target, 'migration.sql'), sql, 'utf8');
    await writeFile(path.join(target, SNAPSHOT_FILE), p.schema, 'utf8');
    files.push(path.join(target, 'migration.sql'), path.join(target, SNAPSHOT_FILE));
    const lock = path.join(p.dir, LOCKFILE);
    if (!existsSync(lock)) {
      await writeFile(lock, lockfileText(p.provider), 'utf8');
      files.push(lock);
    }
  }
  return { name, files };
}

/** SHA-256 hex of a migration script: the checksum Prisma stores. */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}
