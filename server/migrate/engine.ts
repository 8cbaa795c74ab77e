// One schema-engine session on a driver adapter, from start to cleanup.

import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm';
import { engineError } from './errors.ts';
import { loadSchemaEngine } from './wasm-engine.ts';

/** Every table and enum in the database is Meridian's: none is managed elsewhere. */
export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

/**
 * Runs `use` with an engine connected through `factory`, then frees the engine
 * and disposes every connection it opened (the engine never closes them
 * itself, and an open pool keeps the process alive). Errors come out readable.
 */
export async function withEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  use: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  const { SchemaEngine } = await loadSchemaEngine();
  const opened: SqlDriverAdapter[] = [];
  const bound = bindMigrationAwareSqlAdapterFactory(tracking(factory, opened));
  let engine: SchemaEngine | undefined;
  try {
    engine = await SchemaEngine.new({ datamodels: undefined }, logLine, bound);
    return await use(engine);
  } catch (e) {
    throw engineError(e, bound.errorRegistry);
  } finally {
    engine?.free();
    await Promise.allSettled(opened.map((a) => a.dispose()));
  }
}

/** `factory`, recording each connection it hands out into `opened`. */
function tracking(
  factory: SqlMigrationAwareDriverAdapterFactory,
  opened: SqlDriverAdapter[],
): SqlMigrationAwareDriverAdapterFactory {
  const keep = (a: SqlDriverAdapter): SqlDriverAdapter => {
    opened.push(a);
    return a;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => keep(await factory.connect()),
    connectToShadowDb: async () => keep(await factory.connectToShadowDb()),
  };
}

/** The engine's own log, shown only when asked for (it is chatty). */
function logLine(line: string): void {
  if (process.env.DEBUG_SCHEMA_ENGINE) process.stderr.write(`[schema-engine] ${line}\n`);
}
