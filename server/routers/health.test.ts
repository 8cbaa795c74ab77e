/** The Health page's API: who may read and switch the prober, the audit trail, and the strips it returns. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleTestEnv, testUser, trpcError, type ConsoleTestEnv } from '../console-test-env.ts';
import { CHECK_NAMES } from '../prober/model.ts';
import { STRIP_BUCKET_MS, STRIP_BUCKETS } from '../prober/results.ts';

let env: ConsoleTestEnv;
let instanceId: string;

beforeAll(async () => {
  env = await startConsoleTestEnv();
  instanceId = (await env.db.instance.create({ data: { name: 'default', region: 'local', grpcPort: 0, kind: 'embedded' } })).id;
});
afterAll(() => env.close());

const as = (role: 'viewer' | 'operator' | 'admin') => env.caller(testUser(role));

describe('health router', () => {
  it('anyone signed in reads the overview; anonymous callers are refused', async () => {
    expect(await trpcError(env.caller(null).health.overview())).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'UNAUTHENTICATED' });
    const overview = await as('viewer').health.overview();
    const card = overview.instances.find((i) => i.id === instanceId);
    expect(card).toMatchObject({ name: 'default', proberEnabled: false, proberIntervalSec: 60, status: 'stopped' });
    expect(card?.checks.map((c) => c.check)).toEqual([...CHECK_NAMES]);
    expect(card?.checks.every((c) => c.last === null && c.strip.length === STRIP_BUCKETS && c.strip.every((cell) => cell.state === 'none'))).toBe(true);
  });

  it('viewers may not switch the prober; operators may, and the change is audited', async () => {
    expect(await trpcError(as('viewer').health.setProber({ instanceId, enabled: true }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'FORBIDDEN' });
    expect(await as('operator').health.setProber({ instanceId, enabled: true, intervalSec: 10 })).toEqual({ instanceId, proberEnabled: true, proberIntervalSec: 10 });
    const events = await env.db.auditEvent.findMany({ where: { action: 'health.setProber' }, orderBy: { at: 'asc' } });
    expect(events.map((e) => [e.actor, e.target, e.result, e.errorCode])).toEqual([
      ['viewer', instanceId, 'error', 'FORBIDDEN'],
      ['operator', instanceId, 'ok', null],
    ]);
    // Turning it off keeps the interval.
    expect(await as('admin').health.setProber({ instanceId, enabled: false })).toMatchObject({ proberEnabled: false, proberIntervalSec: 10 });
  });

  it('refuses an interval outside 10..3600 s and an unknown instance with stable codes', async () => {
    expect(await trpcError(as('operator').health.setProber({ instanceId, enabled: true, intervalSec: 5 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await trpcError(as('operator').health.setProber({ instanceId, enabled: true, intervalSec: 3601 }))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await trpcError(as('operator').health.setProber({ instanceId: 'nope', enabled: true }))).toMatchObject({ code: 'NOT_FOUND', appCode: 'INSTANCE_NOT_FOUND' });
  });

  it('a failed run turns its cell red with the error; the last result carries its code', async () => {
    const now = Date.now();
    const failedAt = now - 1000;
    await env.db.probeResult.createMany({
      data: [
        { instanceId, check: 'normal', ok: true, latencyMs: 4, at: new Date(now - 2 * STRIP_BUCKET_MS) },
        { instanceId, check: 'normal', ok: false, latencyMs: 10_000, error: 'TIMEOUT: No verdict within 10 s', at: new Date(failedAt) },
      ],
    });
    const card = (await as('viewer').health.overview()).instances.find((i) => i.id === instanceId);
    const normal = card?.checks.find((c) => c.check === 'normal');
    expect(normal?.last).toMatchObject({ ok: false, latencyMs: 10_000, code: 'TIMEOUT', error: 'TIMEOUT: No verdict within 10 s' });
    expect(normal?.strip.find((c) => c.from <= failedAt && failedAt < c.to)).toMatchObject({ state: 'failed', runs: 1, failures: 1, error: 'TIMEOUT: No verdict within 10 s' });
    expect(normal?.strip.filter((c) => c.state === 'ok')).toHaveLength(1);
    expect(card?.checks.find((c) => c.check === 'fifo')?.last).toBeNull();
  });
});
