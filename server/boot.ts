import { ensureAdmin } from './auth.ts';
import type { Db } from './db.ts';
import { jobRunner } from './jobs/runner.ts';
import { specOf, type RunningInstance, type Runtime } from './runtime.ts';

type Env = Record<string, string | undefined>;

/** The console's address: Next sets PORT to the port it listens on before instrumentation runs. */
function consoleUrl(env: Env): string {
  return `http://localhost:${env.PORT ?? '3000'}`;
}

/** Each embedded instance's gRPC endpoint, or why it is not running; named when there are several. */
function endpoints(instances: readonly RunningInstance[]): string {
  if (instances.length === 0) return 'no embedded instance';
  const one = instances.length === 1;
  return instances
    .map((i) => {
      if (!i.endpoint) return `${i.spec.name} not running${i.error ? ` (${i.error})` : ''}`;
      return one ? `localhost:${i.endpoint.port}` : `localhost:${i.endpoint.port} (${i.spec.name})`;
    })
    .join(', ');
}

/** The last line of start-up: where the console and the brokers answer, and who signs in. */
export function startupLine(env: Env, instances: readonly RunningInstance[], admin: string | undefined): string {
  const signIn = admin ? `sign in as ${admin}` : 'no admin account left';
  return `Meridian console on ${consoleUrl(env)} · gRPC ${endpoints(instances)} · ${signIn}`;
}

/** The admin to sign in as: the one created now, else the oldest. */
async function adminName(db: Db, created: string | undefined): Promise<string | undefined> {
  if (created) return created;
  const first = await db.consoleUser.findFirst({ where: { role: 'admin' }, orderBy: { createdAt: 'asc' }, select: { username: true } });
  return first?.username;
}

/**
 * Server start: the first admin (its generated password printed once), a default instance on a first start,
 * then one engine + gRPC endpoint per embedded instance, the background jobs left running, and one line
 * saying where everything is.
 */
export async function boot(db: Db, runtime: Runtime, env: Env = process.env): Promise<void> {
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
  // Made before the instances start: as each starts, the jobs a previous process left go on from their saved cursor.
  jobRunner(db, runtime);
  const started: RunningInstance[] = [];
  for (const i of await db.instance.findMany({ where: { kind: 'embedded' }, orderBy: { createdAt: 'asc' } })) started.push(await runtime.start(specOf(i)));
  process.stdout.write(`${startupLine(env, started, await adminName(db, admin.created ? admin.username : undefined))}\n`);
}
