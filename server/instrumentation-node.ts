import { startSessionSweeper } from './auth.ts';
import { startDeliveryWorker } from './alerts/delivery-worker.ts';
import { startAlertEvaluator } from './alerts/evaluator.ts';
import { boot } from './boot.ts';
import { db } from './db.ts';
import { trustedProxyHops } from './http-context.ts';
import { processMetrics } from './metrics-export.ts';
import { startMetricSampler } from './metrics-history/sampler.ts';
import { startOtel } from './otel.ts';
import { startProber } from './prober/runner.ts';
import { runtime } from './runtime.ts';

/**
 * Node.js side of Next's instrumentation: start span export (when an OTLP endpoint is set), boot the control
 * plane and embedded brokers, sweep expired sessions, stop it all on exit.
 */
export async function startConsoleServer(): Promise<void> {
  // A malformed MERIDIAN_TRUST_PROXY stops the start here rather than failing every API call later.
  trustedProxyHops();
  // Before the brokers open: each checks once whether an SDK is registered.
  const otel = startOtel();
  // The metrics pipeline (Prometheus scrapes, OTLP pushes) reads every broker opened from now on.
  const metrics = processMetrics();
  await boot(db(), runtime());
  const stopSweeper = startSessionSweeper(db());
  const stopProber = startProber(db(), runtime());
  const stopDeliveries = startDeliveryWorker(db());
  const stopEvaluator = startAlertEvaluator(db(), runtime());
  const stopSampler = startMetricSampler(db(), runtime());
  const stop = (): void => {
    void Promise.all([stopSweeper(), stopSampler(), stopProber(), stopDeliveries(), stopEvaluator(), runtime().stopAll()])
      .then(() => Promise.all([otel?.shutdown(), metrics.shutdown()]))
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
