import { round, type PointValues } from './fields.ts';
import { RPC_LATENCY_BUCKETS_MS } from '../broker/index.ts';
import type { InstanceSnapshot } from './snapshot.ts';

/** A counter's increase; a broker restart (the counter went down) counts from zero, as Prometheus's rate does. */
function increase(now: number, before: number | undefined): number {
  if (before === undefined) return 0;
  return now >= before ? now - before : now;
}

function perSecond(now: number, before: number | undefined, secs: number): number {
  return round(increase(now, before) / secs);
}

/** Per-bucket increases from two cumulative bucket arrays. */
function bucketIncreases(now: readonly number[], before: readonly number[] | undefined): number[] {
  const cum = now.map((v, i) => increase(v, before?.[i] ?? (before ? 0 : undefined)));
  return cum.map((v, i) => Math.max(0, v - (i > 0 ? cum[i - 1]! : 0)));
}

/** The q-quantile of per-bucket counts, interpolated inside its bucket as histogram_quantile does. */
export function quantile(bounds: readonly number[], counts: readonly number[], q: number): number | undefined {
  const total = counts.reduce((s, n) => s + n, 0);
  if (total === 0) return undefined;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i]! >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1];
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      return round(lower + ((bounds[i]! - lower) * (rank - seen)) / counts[i]!);
    }
    seen += counts[i]!;
  }
  return bounds[bounds.length - 1];
}

export interface EntityPoints {
  instance: PointValues;
  topics: Map<string, PointValues>;
  groups: Map<string, PointValues>;
}

/** The values of one sampling interval: rates from two snapshots, gauges from the newer. */
export function pointsBetween(now: InstanceSnapshot, before: InstanceSnapshot | undefined): EntityPoints {
  const secs = before ? Math.max(0.001, (now.at - before.at) / 1000) : 1;
  const i = now.instance;
  const b = before?.instance;
  const sendCounts = bucketIncreases(i.sendBuckets, b?.sendBuckets);
  const p99 = quantile(RPC_LATENCY_BUCKETS_MS, sendCounts, 0.99);
  const instance: PointValues = {
    in: perSecond(i.in, b?.in, secs),
    out: perSecond(i.out, b?.out, secs),
    bytesIn: perSecond(i.bytesIn, b?.bytesIn, secs),
    bytesOut: perSecond(i.bytesOut, b?.bytesOut, secs),
    sends: perSecond(i.sends, b?.sends, secs),
    sendErrors: perSecond(i.sendErrors, b?.sendErrors, secs),
    retries: perSecond(i.retries, b?.retries, secs),
    dlq: perSecond(i.dlq, b?.dlq, secs),
    backlog: i.backlog,
    storage: i.storage,
    connections: i.connections,
    ...(p99 !== undefined ? { sendP99: p99 } : {}),
    ...(i.diskFree !== undefined ? { diskFree: i.diskFree } : {}),
  };
  const topics = new Map<string, PointValues>();
  for (const [name, t] of now.topics) {
    // A topic that appeared since the previous snapshot counted from zero.
    const prev = before ? (before.topics.get(name) ?? { in: 0, out: 0, bytesIn: 0, dlq: 0, sizeBuckets: [], queues: [] }) : undefined;
    topics.set(name, {
      in: perSecond(t.in, prev?.in, secs),
      out: perSecond(t.out, prev?.out, secs),
      bytesIn: perSecond(t.bytesIn, prev?.bytesIn, secs),
      backlog: t.backlog,
      dlq: perSecond(t.dlq, prev?.dlq, secs),
      size: bucketIncreases(t.sizeBuckets, prev?.sizeBuckets),
      queueIn: t.queues.map((q, k) => perSecond(q, prev ? (prev.queues[k] ?? 0) : undefined, secs)),
    });
  }
  const groups = new Map<string, PointValues>();
  for (const [name, g] of now.groups) {
    const prev = before ? (before.groups.get(name) ?? { out: 0, retries: 0, dlq: 0 }) : undefined;
    groups.set(name, {
      out: perSecond(g.out, prev?.out, secs),
      retries: perSecond(g.retries, prev?.retries, secs),
      dlq: perSecond(g.dlq, prev?.dlq, secs),
      lag: g.lag,
      lagSec: round(g.lagLatencyMs / 1000),
      inflight: g.inflight,
      ready: g.ready,
    });
  }
  return { instance, topics, groups };
}
