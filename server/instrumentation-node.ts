import { boot } from './boot.ts';
import { db } from './db.ts';
import { runtime } from './runtime.ts';

/** Node.js side of Next's instrumentation: boot the control plane and embedded brokers, stop them on exit. */
export async function startConsoleServer(): Promise<void> {
  await boot(db(), runtime());
  const stop = (): void => {
    void runtime()
      .stopAll()
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
