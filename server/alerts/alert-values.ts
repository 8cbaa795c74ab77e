import type { Db } from '../db.ts';
import type { PointValues } from '../metrics-history/fields.ts';
import { HistoryStore, SAMPLE_MS } from '../metrics-history/store.ts';
import { latestProbeFailures } from '../prober/results.ts';
import type { Runtime } from '../runtime.ts';
import type { AlertMetric, ScopeKind } from './rules.ts';

/** What a rule watches. */
export interface Watched {
  instanceId: string;
  scopeKind: ScopeKind;
  scopeName: string;
  metric: AlertMetric;
  windowMinutes: number;
}

/** A point newer than this is "now"; older, the entity went idle (the sampler writes nothing for it). */
const FRESH_MS = 3 * SAMPLE_MS;
/** Send error rate and p99 look at this much of the newest history. */
const SEND_WINDOW_MS = 5 * 60_000;

const num = (v: number | number[] | undefined) => (typeof v === 'number' ? v : 0);

/**
 * The current value of a rule's metric, from the console's metric history (the sampler's newest points),
 * the runtime (instance down) and the prober's results; undefined when there is nothing to judge by (disk
 * free never sampled).
 */
export async function currentValue(db: Db, runtime: Runtime, w: Watched, now: number): Promise<number | undefined> {
  const store = new HistoryStore(db);
  const key = { instanceId: w.instanceId, kind: w.scopeKind, name: w.scopeKind === 'instance' ? '' : w.scopeName };
  const latest = async (): Promise<PointValues | undefined> => (await store.recent(key, now - FRESH_MS)).at(-1)?.values;
  switch (w.metric) {
    case 'instance_down':
      return runtime.get(w.instanceId)?.status === 'running' ? 0 : 1;
    case 'prober_failed':
      return (await latestProbeFailures(db, w.instanceId)).length;
    case 'backlog': {
      const v = await latest();
      return num(w.scopeKind === 'group' ? v?.lag : v?.backlog);
    }
    case 'lag_seconds':
      return num((await latest())?.lagSec);
    case 'dlq_messages': {
      const points = await store.recent(key, now - w.windowMinutes * 60_000);
      return Math.round(points.reduce((n, p) => n + num(p.values.dlq) * (SAMPLE_MS / 1000), 0));
    }
    case 'send_error_rate': {
      const points = await store.recent(key, now - SEND_WINDOW_MS);
      const sends = points.reduce((n, p) => n + num(p.values.sends), 0);
      const errors = points.reduce((n, p) => n + num(p.values.sendErrors), 0);
      return sends > 0 ? Math.round((errors / sends) * 10_000) / 100 : 0;
    }
    case 'send_p99_ms':
      return num((await latest())?.sendP99);
    case 'disk_free_bytes': {
      const v = (await latest())?.diskFree;
      return typeof v === 'number' ? v : undefined;
    }
  }
}
