import { startSessionSweeper } from './auth.ts';
import { boot } from './boot.ts';
import { db } from './db.ts';
import { trustedProxyHops } from './http-context.ts';
import { runtime } from './runtime.ts';

/**
 * Node.js side of Next's instrumentation: boot the control plane and embedded brokers, sweep expired sessions,
 * stop it all on exit.
 */
export async function startConsoleServer(): Promise<void> {
  // A malformed MERIDIAN_TRUST_PROXY stops the start here rather than failing every API call later.
  trustedProxyHops();
  await boot(db(), runtime());
  const stopSweeper = startSessionSweeper(db());
  const stop = (): void => {
    void Promise.all([stopSweeper(), runtime().stopAll()]).finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
