// Prisma migrations without the native schema engine (see server/migrate/index.ts).
//
//   tsx scripts/db-migrate.ts deploy [url]   apply pending migrations to
//                                            url, else $DATABASE_URL, else
//                                            file:./data/meridian.db
//   tsx scripts/db-migrate.ts create <name>  after editing prisma/schema.prisma:
//                                            write the next migration for
//                                            SQLite and PostgreSQL
//   tsx scripts/db-migrate.ts check          exit 1 when schema.prisma has
//                                            changes no migration covers
//
// The process exits explicitly when done: the WASM engine would otherwise
// keep it alive for about a minute.

import { pathToFileURL } from 'node:url';
import {
  createMigration,
  DEFAULT_DATABASE_URL,
  migrateDatabase,
  pendingSchemaChanges,
  redactUrl,
} from '../server/migrate/index.ts';

export { createMigration, migrateDatabase } from '../server/migrate/index.ts';

const USAGE = 'usage: tsx scripts/db-migrate.ts deploy [url] | create <name> | check';

export async function main(argv: string[]): Promise<number> {
  const [command, arg] = argv;
  switch (command) {
    case 'deploy': {
      const url = arg ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
      const { applied } = await migrateDatabase(url);
      if (applied.length === 0) console.log(`Database ${redactUrl(url)} is up to date.`);
      for (const name of applied) console.log(`Applied migration ${name} to ${redactUrl(url)}`);
      return 0;
    }
    case 'create': {
      if (!arg) {
        console.error(USAGE);
        return 2;
      }
      const { name, files } = await createMigration(arg);
      if (name === null) {
        console.log('prisma/schema.prisma has no changes since the last migration: nothing created.');
        return 0;
      }
      console.log(`Created migration ${name}:`);
      for (const f of files) console.log(`  ${f}`);
      console.log('Review the SQL, then run `npm run db:generate` (client) and `npm run db:migrate` (apply).');
      return 0;
    }
    case 'check': {
      const pending = await pendingSchemaChanges();
      let stale = false;
      for (const [provider, sql] of Object.entries(pending)) {
        if (sql === '') continue;
        stale = true;
        console.error(`${provider}: prisma/schema.prisma has changes no migration covers:\n${sql}`);
      }
      if (stale) console.error('Run `npm run db:migration -- <name>`.');
      else console.log('Migrations match prisma/schema.prisma.');
      return stale ? 1 : 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
