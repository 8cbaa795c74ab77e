// A stand-in PostgreSQL driver adapter for offline schema diffs.
//
// Diffing two schema files needs no database, but the engine connects on
// start and, on PostgreSQL, first reads the server version. This adapter
// answers that one probe (as PostgreSQL 15) and refuses everything else, so
// `db:migration` and `db:check` never need a PostgreSQL server. If an engine
// upgrade changes the probe, the refusal names the query to answer here.

import {
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlResultSet,
} from '@prisma/driver-adapter-utils';

const VERSION_PROBE: SqlResultSet = {
  columnNames: ['exists', 'version', 'numeric_version'],
  columnTypes: [ColumnTypeEnum.Boolean, ColumnTypeEnum.Text, ColumnTypeEnum.Int32],
  rows: [[true, 'PostgreSQL 15.0 (offline diff)', 150000]],
};

function isVersionProbe(sql: string): boolean {
  return /^SELECT EXISTS\(SELECT 1 FROM pg_namespace/.test(sql) && sql.includes('version()');
}

function refuse(sql: string): never {
  throw new Error(`offline schema diff: unexpected query ${sql}`);
}

function offlineAdapter(): SqlDriverAdapter {
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    async queryRaw(q) {
      return isVersionProbe(q.sql) ? VERSION_PROBE : refuse(q.sql);
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
  };
}

export function offlinePostgresFactory(): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: async () => offlineAdapter(),
    connectToShadowDb: async () => offlineAdapter(),
  };
}
