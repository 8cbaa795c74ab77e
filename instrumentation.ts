/** Next.js calls this once per server process: start the embedded brokers with the console. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { startConsoleServer } = await import('./server/instrumentation-node.ts');
    await startConsoleServer();
  }
}
