import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTestBrokers, openTestBroker, waitUntil } from './broker/test-support.ts';
import { bearerMatches, startMetrics, type MetricsHandle } from './metrics-export.ts';

interface OtlpMetric {
  name: string;
  sum?: { dataPoints: { asDouble?: number; attributes: { key: string; value: { stringValue?: string } }[] }[] };
  histogram?: { dataPoints: { count: string | number; explicitBounds: number[] }[] };
}
interface OtlpBody {
  resourceMetrics: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeMetrics: { metrics: OtlpMetric[] }[] }[];
}

const bodies: OtlpBody[] = [];
const paths: string[] = [];
let receiver: http.Server;
let metrics: MetricsHandle;
const saved = { ...process.env };

beforeAll(async () => {
  // A collector on loopback: the official exporter posts OTLP/HTTP JSON to it.
  receiver = http.createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8').on('data', (d: string) => (data += d));
    req.on('end', () => {
      paths.push(req.url ?? '');
      bodies.push(JSON.parse(data) as OtlpBody);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  process.env.OTEL_METRIC_EXPORT_INTERVAL = '200';
  metrics = startMetrics();
});

afterAll(async () => {
  await closeTestBrokers();
  await metrics.shutdown();
  process.env = saved;
  await new Promise((r) => receiver.close(r));
});

function metricOf(body: OtlpBody, name: string): OtlpMetric | undefined {
  return body.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).find((m) => m.name === name);
}

describe('OTLP metrics export', () => {
  it('pushes the engine counters and histograms to the collector named by OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    expect(metrics.otlpEndpoint).toBe(process.env.OTEL_EXPORTER_OTLP_ENDPOINT);
    const broker = await openTestBroker({ metrics: { labels: { node_id: 'otlp-test' } } });
    broker.createTopic({ name: 'orders' });
    for (let i = 0; i < 3; i++) await broker.put({ topic: 'orders', body: Buffer.from(`m${i}`) });

    const body = await waitUntil(
      () => bodies.find((b) => (metricOf(b, 'rocketmq_messages_in_total')?.sum?.dataPoints[0]?.asDouble ?? 0) >= 3),
      { what: 'an OTLP push with the three messages', timeoutMs: 15_000 },
    );
    expect(paths).toContain('/v1/metrics');
    const point = metricOf(body, 'rocketmq_messages_in_total')!.sum!.dataPoints[0]!;
    expect(point.attributes).toContainEqual({ key: 'node_id', value: { stringValue: 'otlp-test' } });
    expect(point.attributes).toContainEqual({ key: 'topic', value: { stringValue: 'orders' } });
    const size = metricOf(body, 'rocketmq_message_size')!.histogram!.dataPoints[0]!;
    expect(Number(size.count)).toBe(3);
    expect(size.explicitBounds).toEqual([1024, 4096, 524288, 1048576, 2097152, 4194304]);
    expect(metricOf(body, 'process_cpu_seconds_total')).toBeDefined();
    expect(body.resourceMetrics[0]!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'meridian' } });
  });
});

describe('bearerMatches', () => {
  it('takes only the exact token after "Bearer"', () => {
    expect(bearerMatches('Bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('bearer  s3cret ', 's3cret')).toBe(true);
    expect(bearerMatches('Bearer s3cre', 's3cret')).toBe(false);
    expect(bearerMatches('Basic s3cret', 's3cret')).toBe(false);
    expect(bearerMatches(undefined, 's3cret')).toBe(false);
  });
});
