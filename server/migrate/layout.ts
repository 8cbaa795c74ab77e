// Where the schema and each provider's migrations live.
//
// One schema, two providers: a migration's SQL is provider specific, and the
// engine refuses a migrations directory locked to another provider, so each
// provider has its own directory (prisma/migrations for SQLite,
// prisma/postgresql/migrations for PostgreSQL). prisma/schema.prisma is
// written for SQLite; the PostgreSQL schema is derived from it, never copied.

import path from 'node:path';
import type { Provider } from './url.ts';

export interface MigrateOptions {
  /** Project root holding prisma/ (default: the current directory); tests point it at a copy. */
  root?: string;
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
 * The schema for a provider: the PostgreSQL variant only swaps the datasource
 * provider (and, when asked, the generated client's output folder, since
 * Prisma 7 clients are provider specific).
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
