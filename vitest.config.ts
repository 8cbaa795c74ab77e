import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'broker/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // 2-core CI machines: more workers only add contention.
    maxWorkers: 2,
    // Quiet engine logs in test output; tests of the log lines start processes with their own level.
    env: { MERIDIAN_LOG_LEVEL: process.env.MERIDIAN_LOG_LEVEL ?? 'warn' },
  },
});
