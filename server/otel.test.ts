import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { closeTestBrokers, openTestBroker, waitUntil } from './broker/test-support.ts';
import { originOf, startOtel } from './otel.ts';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
}
interface OtlpSpan {
  traceId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: OtlpValue }[];
}
interface OtlpRequest {
  resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** A minimal OTLP/HTTP traces receiver: keeps every JSON export it is sent. */
async function startReceiver(): Promise<{ url: string; requests: { path: string; contentType: string; body: OtlpRequest }[]; close(): Promise<void> }> {
  const requests: { path: string; contentType: string; body: OtlpRequest }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: JSON.parse(Buffer.concat(chunks).toString()) as OtlpRequest });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

afterEach(() => vi.unstubAllEnvs());
afterAll(() => {
  trace.disable();
  context.disable();
});

describe('OTLP export (server/otel.ts)', () => {
  it('logs only the endpoint’s origin, never credentials, path or query', () => {
    expect(originOf('https://user:s3cret@collector.example.com:4318/v1/traces?token=abc')).toBe('https://collector.example.com:4318');
    expect(originOf('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318');
    expect(originOf('not a url user:pw')).toBe('(invalid URL)');
  });

  it('is off without an endpoint', () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', '');
    vi.stubEnv('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', '');
    expect(startOtel()).toBeUndefined();
  });

  it('exports a produced message’s spans over OTLP/HTTP as service "meridian", in the producer’s trace', async () => {
    const receiver = await startReceiver();
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.url);
    const otel = startOtel()!;
    try {
      const broker = await openTestBroker();
      broker.createTopic({ name: 'orders' });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const sent = await broker.put({ topic: 'orders', body: 'o-1', traceContext: `00-${traceId}-00f067aa0ba902b7-01` });
      await closeTestBrokers();
      // Shutdown exports what the batch processor still holds.
      await otel.shutdown();
      const spans = await waitUntil(
        () => {
          const all = receiver.requests.flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
          const mine = all.filter((s) => s.attributes.some((a) => a.key === 'messaging.message.id' && a.value.stringValue === sent.messageId));
          return mine.length >= 2 ? mine : undefined;
        },
        { what: 'the spans of the message at the receiver' },
      );
      const request = receiver.requests[0]!;
      expect(request.path).toBe('/v1/traces');
      expect(request.contentType).toMatch(/application\/json/);
      expect(request.body.resourceSpans[0]!.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'meridian' } });
      expect(spans.map((s) => s.name)).toEqual(['send orders', 'store orders']);
      expect(spans.every((s) => s.traceId === traceId && s.parentSpanId === '00f067aa0ba902b7')).toBe(true);
      expect(spans[0]!.attributes).toContainEqual({ key: 'messaging.system', value: { stringValue: 'rocketmq' } });
    } finally {
      await closeTestBrokers();
      await receiver.close();
    }
  });
});
