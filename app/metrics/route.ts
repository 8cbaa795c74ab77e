import { processMetrics } from '../../server/metrics-export.ts';
import { consoleDeps } from '../../server/routes/deps.ts';
import { serveMetrics } from '../../server/routes/metrics.ts';

/** Prometheus scrape endpoint of the console and its embedded instances (see server/routes/metrics.ts). */
export async function GET(req: Request): Promise<Response> {
  return serveMetrics(req, consoleDeps(), processMetrics());
}

export const dynamic = 'force-dynamic';
