// Readable errors out of the schema engine.
//
// A failure inside a driver adapter crosses into the WASM engine as a numeric
// id (the JS error itself stays in the adapter's error registry), and the
// engine's own failures carry a Prisma code (e.g. P3009) apart from the
// message. Unwrapped, users would see "GenericJs id 3" or a message without
// its code; this puts the original error or "P3009: …" back.

import type { ErrorRegistry } from '@prisma/driver-adapter-utils';

export function engineError(e: unknown, registry: ErrorRegistry): Error {
  if (!(e instanceof Error)) return new Error(`schema engine error: ${String(e)}`);
  const fromAdapter = adapterError(e, registry);
  if (fromAdapter) return fromAdapter;
  const code = (e as Error & { code?: unknown }).code;
  if (typeof code === 'string') return new Error(`${code}: ${e.message}`, { cause: e });
  return e;
}

/** The driver error an engine error refers to by id, if any. */
function adapterError(e: Error, registry: ErrorRegistry): Error | null {
  const id = (e as Error & { id?: unknown }).id;
  if (typeof id !== 'number') return null;
  const record = registry.consumeError(id);
  if (!record) return null;
  return record.error instanceof Error ? record.error : new Error(`database error: ${JSON.stringify(record.error)}`);
}
