import { bearerMatches, PROMETHEUS_CONTENT_TYPE, type MetricsHandle } from '../metrics-export.ts';
import { contextFromRequest, type HttpDeps } from '../http-context.ts';
import { failureOf } from './http.ts';

/**
 * `GET /metrics`: every embedded instance's series in Prometheus text format (each with an `instance` label).
 * A scraper authenticates with `Authorization: Bearer $MERIDIAN_METRICS_TOKEN`; a signed-in console user
 * (any role, unscoped) may read it too. Without a token configured only console sessions get in: the console never
 * serves an open endpoint by default.
 */
export async function serveMetrics(req: Request, deps: HttpDeps, metrics: MetricsHandle, token = process.env.MERIDIAN_METRICS_TOKEN || undefined): Promise<Response> {
  const viaToken = token !== undefined && bearerMatches(req.headers.get('authorization'), token);
  if (!viaToken) {
    const ctx = await contextFromRequest(req, deps);
    if (!ctx.user) {
      const hint = token ? 'send Authorization: Bearer <MERIDIAN_METRICS_TOKEN>' : 'sign in, or set MERIDIAN_METRICS_TOKEN and send it as a bearer token';
      return Response.json({ code: 'UNAUTHENTICATED', message: `Metrics need a console session or the metrics token: ${hint}` }, { status: 401, headers: { 'www-authenticate': 'Bearer realm="meridian-metrics"' } });
    }
    // The scrape holds every instance's series: a user limited to some reads theirs on the console's charts.
    if (ctx.user.scopes !== null) {
      return Response.json({ code: 'FORBIDDEN', message: 'The metrics endpoint serves every instance; your console scope covers only some (use the metrics token to scrape)' }, { status: 403 });
    }
  }
  try {
    return new Response(await metrics.scrape(), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } });
  } catch (e) {
    const f = failureOf(e, 'metrics.scrape_failed');
    return Response.json({ code: f.code, message: f.message }, { status: f.status });
  }
}
