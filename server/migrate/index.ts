// Database migrations without Prisma's native schema engine.
//
// Every Prisma CLI migrate command first downloads a native schema engine,
// which cannot work on air-gapped machines. Prisma also publishes the same
// engine compiled to WebAssembly (@prisma/schema-engine-wasm), which talks to
// the database through a driver adapter; this folder drives it directly, with
// the SQL files and `_prisma_migrations` exactly as Prisma writes them.
//
//   url.ts            what a DATABASE_URL names (no engine: safe for the server)
//   layout.ts         where the schema and each provider's migrations live
//   migrations-dir.ts reading a migrations directory as the Prisma CLI does
//   wasm-engine.ts    loading the .wasm (the only file on wasm-bindgen internals)
//   engine.ts         one engine session on a driver adapter, cleaned up after
//   errors.ts         readable errors out of the engine
//   pg-shim.ts        a fake PostgreSQL adapter for offline diffs
//   deploy.ts         migrateDatabase: `prisma migrate deploy`
//   create.ts         createMigration / pendingSchemaChanges: the next migration

export { DEFAULT_DATABASE_URL, PROVIDERS, providerOf, redactUrl, sqliteFilePath, type Provider } from './url.ts';
export { migrationsDir, schemaFor, schemaPath, type MigrateOptions } from './layout.ts';
export { listMigrations, migrationChecksum } from './migrations-dir.ts';
export { migrateDatabase } from './deploy.ts';
export { createMigration, diffSchemaSql, migrationTimestamp, pendingSchemaChanges, type CreatedMigration } from './create.ts';
