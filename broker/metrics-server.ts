import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger } from '../server/broker/index.ts';
import { bearerMatches, PROMETHEUS_CONTENT_TYPE } from '../server/metrics-export.ts';

export interface MetricsServerOptions {
  host: string;
  port: number;
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string;
  scrape(): Promise<string>;
}

/**
 * `GET /metrics` in Prometheus text format on its own port (`--metrics-port`), as RocketMQ's PROM exporter
 * serves it on 5557; everything else is 404. Series carry counts, sizes and names, never bodies or secrets.
 */
export async function startMetricsServer(opts: MetricsServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: scrape GET /metrics\n');
      return;
    }
    if (opts.token !== undefined && !bearerMatches(req.headers.authorization, opts.token)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="meridian-metrics"' }).end('Unauthorized: send Authorization: Bearer <metrics token>\n');
      return;
    }
    opts.scrape().then(
      (text) => res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text),
      (e: unknown) => {
        logger.error({ event: 'metrics.scrape_failed', err: e instanceof Error ? e.message : String(e) }, 'metrics scrape failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics collection failed; see the broker log\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
