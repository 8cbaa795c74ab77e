/** The prober's checks against a real embedded instance: the official SDK over its real gRPC endpoint. */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../broker/index.ts';
import { startConsoleTestEnv, testInstance, type ConsoleTestEnv } from '../console-test-env.ts';
import { runCheck, type ProbeContext } from './checks.ts';
import { CHECK_NAMES } from './model.ts';
import { ensureProbeResources } from './resources.ts';

logger.level = process.env.MERIDIAN_LOG_LEVEL ?? 'warn';

let env: ConsoleTestEnv;
let ctx: ProbeContext;

beforeAll(async () => {
  env = await startConsoleTestEnv();
  const entry = await env.runtime.start(testInstance('probe-1'));
  if (!entry.broker || !entry.endpoint) throw new Error(`instance did not start: ${entry.error}`);
  ensureProbeResources(entry.broker);
  ctx = { endpoints: `127.0.0.1:${entry.endpoint.port}`, runId: 'run-1' };
});

afterAll(async () => {
  await env.close();
});

describe('prober checks', () => {
  it.each(CHECK_NAMES)('the %s check passes against a healthy instance', async (check) => {
    const outcome = await runCheck(check, { ...ctx, runId: `run-${check}` });
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.error).toBeUndefined();
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('the delay check takes at least the delay', async () => {
    const outcome = await runCheck('delay', { ...ctx, runId: 'run-delay-2' });
    expect(outcome.ok).toBe(true);
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(1_950);
  });

  it('a check against an endpoint nobody answers fails within its timeout instead of hanging', async () => {
    const port = await closedPort();
    const started = Date.now();
    const outcome = await runCheck('normal', { endpoints: `127.0.0.1:${port}`, runId: 'run-dead' }, 1_500);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^(TIMEOUT|CLIENT_ERROR): /);
    // The timeout, plus the bounded shutdown of the clients it had started.
    expect(Date.now() - started).toBeLessThan(6_000);
  });
});

/** A port that was free a moment ago and has nobody listening. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
