/** Test support for console server tests: a real SQLite database (migrated) and a real runtime in a temp dir. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import type { SessionUser } from './auth.ts';
import { createDb, type Db } from './db.ts';
import { migrateDatabase } from './migrate/index.ts';
import { appRouter } from './routers/_app.ts';
import { Runtime, type InstanceSpec } from './runtime.ts';
import type { Role } from './schemas.ts';
import type { Scopes } from './scope.ts';
import { appCodeOf, createCallerFactory, type InnerContext } from './trpc.ts';

const createCaller = createCallerFactory(appRouter);

export interface ConsoleTestEnv {
  dir: string;
  db: Db;
  runtime: Runtime;
  /** The API as a signed-in user (or anonymous with null), without HTTP. */
  caller(user: SessionUser | null, extra?: Partial<InnerContext>): ReturnType<typeof createCaller>;
  close(): Promise<void>;
}

export async function startConsoleTestEnv(): Promise<ConsoleTestEnv> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-console-test-'));
  const url = `file:${path.join(dir, 'console.db')}`;
  await migrateDatabase(url);
  const db = createDb(url);
  const runtime = new Runtime(dir);
  return {
    dir,
    db,
    runtime,
    caller: (user, extra = {}) => createCaller({ db, runtime, ip: '127.0.0.1', user, ...extra }),
    async close() {
      await runtime.stopAll();
      await db.$disconnect();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A signed-in user of a role; `scopes` limits it to some instances and namespaces (server/scope.ts), null = all. */
export function testUser(role: Role, username: string = role, scopes: Scopes = null): SessionUser {
  return { id: `${role}-id`, username, role, sessionId: 's', sessionExpiresAt: new Date(Date.now() + 60_000), scopes };
}

/** An embedded instance on a free gRPC port. */
export function testInstance(id: string, over: Partial<InstanceSpec> = {}): InstanceSpec {
  return { id, name: 'default', grpcPort: 0, retentionHours: 72, traceRetentionHours: 72, maxMessageSize: 4 << 20, flushMode: 'async', maxTps: null, maxReceiveTps: null, tlsCertFile: null, tlsKeyFile: null, ...over };
}

/** How a call fails: the tRPC code (the HTTP status) and the stable appCode the console shows; 'OK' when it does not. */
export async function trpcError(p: Promise<unknown>): Promise<{ code: string; appCode?: string }> {
  try {
    await p;
    return { code: 'OK' };
  } catch (e) {
    if (e instanceof TRPCError) return { code: e.code, appCode: appCodeOf(e) };
    throw e;
  }
}

/** The tRPC error code a call fails with, or 'OK'. */
export async function trpcCode(p: Promise<unknown>): Promise<string> {
  return (await trpcError(p)).code;
}
