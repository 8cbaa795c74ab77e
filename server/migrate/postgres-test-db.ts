// Test support: a fresh PostgreSQL database per test file and run, on the
// server MERIDIAN_TEST_POSTGRES_URL points at (`npm test` starts a throwaway
// one: scripts/with-postgres.sh). A database of its own per run makes reruns
// and parallel test files independent of what an earlier run left behind; the
// URL's role therefore needs the CREATEDB privilege.

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** e.g. postgresql://user:pw@127.0.0.1:5432/postgres; unset: PostgreSQL tests skip. */
export const TEST_POSTGRES_URL = process.env.MERIDIAN_TEST_POSTGRES_URL;

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database named after `label`, on the server of `baseUrl`. */
export async function scratchPostgresDatabase(baseUrl: string, label: string): Promise<ScratchDatabase> {
  const name = `meridian_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await pgQuery(baseUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE: a pool the test forgot to close must not keep the database around.
    drop: async () => {
      await pgQuery(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Runs one statement on its own connection and returns the rows. */
export async function pgQuery<Row extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
