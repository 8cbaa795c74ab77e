import { ensureAdmin } from './auth.ts';
import { logger } from './broker/index.ts';
import type { Db } from './db.ts';
import { specOf, type Runtime } from './runtime.ts';

/**
 * Server start: the first admin (its generated password printed once), a default instance on a first start,
 * then one engine + gRPC endpoint per embedded instance.
 */
export async function boot(db: Db, runtime: Runtime, env: Record<string, string | undefined> = process.env): Promise<void> {
  const admin = await ensureAdmin(db, env);
  if (admin.created && admin.generatedPassword) {
    // Printed, never logged: it is shown once on the console of whoever started the server.
    process.stdout.write(
      `\n  Meridian first start: sign in as "${admin.username}" with password ${admin.generatedPassword}\n  (set MERIDIAN_ADMIN_PASSWORD to choose it instead)\n\n`,
    );
  }
  if ((await db.instance.count()) === 0) {
    await db.instance.create({
      data: { name: 'default', region: env.MERIDIAN_REGION ?? 'local', grpcPort: Number(env.MERIDIAN_GRPC_PORT ?? 8081), kind: 'embedded' },
    });
  }
  for (const i of await db.instance.findMany({ where: { kind: 'embedded' } })) {
    const entry = await runtime.start(specOf(i));
    if (entry.endpoint) logger.info({ event: 'console.instance', instance: i.name, grpc: `localhost:${entry.endpoint.port}` }, 'instance ready');
  }
}
