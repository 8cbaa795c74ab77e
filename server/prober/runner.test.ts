/** The prober's loop against real instances: rows, metrics, the failures the 'prober failed' alert reads. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineMetricProducer, hrTime, logger } from '../broker/index.ts';
import { waitUntil } from '../broker/test-support.ts';
import { startConsoleTestEnv, testInstance, type ConsoleTestEnv } from '../console-test-env.ts';
import { specOf } from '../runtime.ts';
import { PROBE_LATENCY_METRIC, PROBE_SUCCESS_METRIC } from './metrics.ts';
import { CHECK_NAMES } from './model.ts';
import { latestProbeFailures, RESULT_RETENTION_MS } from './results.ts';
import { Prober, startProber } from './runner.ts';

// Failing rounds log a warning each; the tests make them on purpose.
logger.level = process.env.MERIDIAN_LOG_LEVEL ?? 'error';

let env: ConsoleTestEnv;

beforeAll(async () => {
  env = await startConsoleTestEnv();
});

afterAll(async () => {
  await env.close();
});

/**
 * An embedded instance row with the prober on (the only one: earlier tests' instances are switched off),
 * running in the test's runtime unless told otherwise.
 */
async function probedInstance(name: string, start = true): Promise<string> {
  await env.db.instance.updateMany({ data: { proberEnabled: false } });
  const row = await env.db.instance.create({ data: { name, region: 'local', grpcPort: 0, kind: 'embedded', proberEnabled: true, proberIntervalSec: 10 } });
  if (start) await env.runtime.start({ ...specOf(row), ...testInstance(row.id, { name }) });
  return row.id;
}

/** The value of a probe gauge for one instance and check, as the metrics endpoint would see it. */
function gauge(prober: Prober, metric: string, instance: string, check: string): number | undefined {
  const data = prober.metrics.collect(hrTime(Date.now())).find((m) => m.descriptor.name === metric);
  const point = data?.dataPoints.find((p) => p.attributes.instance === instance && p.attributes.check === check);
  return point?.value as number | undefined;
}

describe('prober runner', () => {
  it('a healthy instance gets one passing row per check, and success=1 with a latency in the metrics', async () => {
    const id = await probedInstance('healthy');
    const prober = new Prober(env.db, env.runtime, { checks: ['normal', 'fifo'] });
    await prober.tick();
    const rows = await env.db.probeResult.findMany({ where: { instanceId: id }, orderBy: { check: 'asc' } });
    expect(rows.map((r) => [r.check, r.ok, r.error])).toEqual([
      ['fifo', true, null],
      ['normal', true, null],
    ]);
    expect(await latestProbeFailures(env.db, id)).toEqual([]);
    expect(gauge(prober, PROBE_SUCCESS_METRIC, 'healthy', 'normal')).toBe(1);
    expect(gauge(prober, PROBE_LATENCY_METRIC, 'healthy', 'normal')).toBeGreaterThanOrEqual(0);

    // Within its interval the instance is not probed again.
    await prober.tick();
    expect(await env.db.probeResult.count({ where: { instanceId: id } })).toBe(2);
  });

  it('a stopped instance fails every check: the rows, latestProbeFailures and success=0 say so', async () => {
    const id = await probedInstance('stopped');
    await env.runtime.stop(id);
    const prober = new Prober(env.db, env.runtime);
    await prober.tick();

    const failures = await latestProbeFailures(env.db, id);
    expect(failures.map((f) => f.check).sort()).toEqual([...CHECK_NAMES].sort());
    expect(failures[0]?.error).toMatch(/^INSTANCE_NOT_RUNNING: Instance "stopped" is stopped/);
    expect(await env.db.probeResult.count({ where: { instanceId: id, ok: false } })).toBe(CHECK_NAMES.length);
    for (const check of CHECK_NAMES) expect(gauge(prober, PROBE_SUCCESS_METRIC, 'stopped', check)).toBe(0);
  });

  it('a check that passes again clears it from latestProbeFailures', async () => {
    const id = await probedInstance('recovers', false);
    const prober = new Prober(env.db, env.runtime, { checks: ['normal'] });
    await prober.tick();
    expect((await latestProbeFailures(env.db, id)).map((f) => f.check)).toEqual(['normal']);
    const row = await env.db.instance.findUniqueOrThrow({ where: { id } });
    await env.runtime.start({ ...specOf(row), ...testInstance(id, { name: 'recovers' }) });
    await prober.tick(Date.now() + 10_000);
    expect(await latestProbeFailures(env.db, id)).toEqual([]);
  });

  it('turning the prober off withdraws the instance from the metrics', async () => {
    const id = await probedInstance('switched', false);
    const prober = new Prober(env.db, env.runtime, { checks: ['normal'] });
    await prober.tick();
    expect(gauge(prober, PROBE_SUCCESS_METRIC, 'switched', 'normal')).toBe(0);
    await env.db.instance.update({ where: { id }, data: { proberEnabled: false } });
    await prober.tick();
    expect(gauge(prober, PROBE_SUCCESS_METRIC, 'switched', 'normal')).toBeUndefined();
  });

  it('rows older than a day are pruned', async () => {
    const old = new Date(Date.now() - RESULT_RETENTION_MS - 60_000);
    await env.db.probeResult.create({ data: { instanceId: 'gone', check: 'normal', ok: true, latencyMs: 1, at: old } });
    await new Prober(env.db, env.runtime, { checks: [] }).tick();
    expect(await env.db.probeResult.count({ where: { instanceId: 'gone' } })).toBe(0);
  });

  it('startProber runs rounds by itself, publishes engine-wide metrics, and stop() withdraws them', async () => {
    await probedInstance('looped', false);
    const stop = startProber(env.db, env.runtime, { tickMs: 20, checks: ['normal'] });
    const series = async () => {
      const { resourceMetrics } = await engineMetricProducer.collect();
      const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === PROBE_SUCCESS_METRIC);
      return metric?.dataPoints.filter((p) => p.attributes.instance === 'looped') ?? [];
    };
    await waitUntil(async () => (await series()).length > 0, { what: 'the loop to probe the instance and publish its result' });
    await stop();
    expect(await series()).toEqual([]);
  });
});
