/** Next.js calls this once per server process: start the embedded brokers with the console. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const [{ boot }, { db }, { runtime }] = await Promise.all([import('./server/boot.ts'), import('./server/db.ts'), import('./server/runtime.ts')]);
  await boot(db(), runtime());
  const stop = (): void => {
    void runtime()
      .stopAll()
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
