import { defineConfig } from 'prisma/config';

// Prisma 7 configuration. The Prisma CLI's migrate/db commands download a
// native schema engine and cannot run offline; this project migrates through
// Prisma's WASM schema engine instead (scripts/db-migrate.ts) and generates
// the client with scripts/prisma-generate.ts. This file still tells the CLI
// (and editors) where the schema and the migrations are.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/meridian.db' },
});
