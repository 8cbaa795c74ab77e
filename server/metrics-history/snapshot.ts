import { METRIC, MESSAGE_SIZE_BUCKETS_BYTES, RPC_LATENCY_BUCKETS_MS } from '../broker/index.ts';
import type { Sample } from '../prometheus-samples.ts';

/** Counters (since the broker started) and gauges of one instance at one moment, by entity. */
export interface InstanceSnapshot {
  at: number;
  instance: { in: number; out: number; bytesIn: number; bytesOut: number; retries: number; dlq: number; sends: number; sendErrors: number; /** Cumulative per bound (`le`), +Inf last. */ sendBuckets: number[]; backlog: number; storage: number; diskFree: number | undefined; connections: number };
  topics: Map<string, { in: number; out: number; bytesIn: number; backlog: number; dlq: number; /** Cumulative per bound (`le`), +Inf last. */ sizeBuckets: number[]; queues: number[] }>;
  groups: Map<string, { out: number; retries: number; dlq: number; lag: number; lagLatencyMs: number; inflight: number; ready: number }>;
}

/** Most queues a topic's per-queue growth tracks (more are summed into the last). */
const MAX_TRACKED_QUEUES = 32;

/** Reduces an instance's samples (as a scrape reads them) to what the history keeps. */
export function snapshotOf(samples: readonly Sample[], at: number): InstanceSnapshot {
  const snap: InstanceSnapshot = {
    at,
    instance: { in: 0, out: 0, bytesIn: 0, bytesOut: 0, retries: 0, dlq: 0, sends: 0, sendErrors: 0, sendBuckets: new Array<number>(RPC_LATENCY_BUCKETS_MS.length + 1).fill(0), backlog: 0, storage: 0, diskFree: undefined, connections: 0 },
    topics: new Map(),
    groups: new Map(),
  };
  const topic = (name: string) => {
    let t = snap.topics.get(name);
    if (!t) snap.topics.set(name, (t = { in: 0, out: 0, bytesIn: 0, backlog: 0, dlq: 0, sizeBuckets: new Array<number>(MESSAGE_SIZE_BUCKETS_BYTES.length + 1).fill(0), queues: [] }));
    return t;
  };
  const group = (name: string) => {
    let g = snap.groups.get(name);
    if (!g) snap.groups.set(name, (g = { out: 0, retries: 0, dlq: 0, lag: 0, lagLatencyMs: 0, inflight: 0, ready: 0 }));
    return g;
  };
  const i = snap.instance;
  for (const s of samples) {
    const l = s.labels;
    switch (s.name) {
      case METRIC.messagesIn:
        i.in += s.value;
        topic(l.topic!).in += s.value;
        break;
      case METRIC.throughputIn:
        i.bytesIn += s.value;
        topic(l.topic!).bytesIn += s.value;
        break;
      case METRIC.messagesOut: {
        const retry = l.is_retry === 'true';
        i.out += s.value;
        if (retry) i.retries += s.value;
        topic(l.topic!).out += s.value;
        const g = group(l.consumer_group!);
        g.out += s.value;
        if (retry) g.retries += s.value;
        break;
      }
      case METRIC.throughputOut:
        i.bytesOut += s.value;
        break;
      case METRIC.sendToDlq:
        i.dlq += s.value;
        group(l.consumer_group!).dlq += s.value;
        topic(l.topic!).dlq += s.value;
        break;
      case METRIC.lagMessages:
        i.backlog += s.value;
        group(l.consumer_group!).lag += s.value;
        topic(l.topic!).backlog += s.value;
        break;
      case METRIC.lagLatency: {
        const g = group(l.consumer_group!);
        g.lagLatencyMs = Math.max(g.lagLatencyMs, s.value);
        break;
      }
      case METRIC.inflight:
        group(l.consumer_group!).inflight += s.value;
        break;
      case METRIC.ready:
        group(l.consumer_group!).ready += s.value;
        break;
      case `${METRIC.messageSize}_bucket`:
        addAtBound(topic(l.topic!).sizeBuckets, MESSAGE_SIZE_BUCKETS_BYTES, l.le!, s.value);
        break;
      case METRIC.queueOffset: {
        const q = Math.min(Number(l.queue_id), MAX_TRACKED_QUEUES - 1);
        const queues = topic(l.topic!).queues;
        while (queues.length <= q) queues.push(0);
        queues[q]! += s.value;
        break;
      }
      case `${METRIC.rpcLatency}_bucket`:
        if (l.request_code === 'send_message') addAtBound(i.sendBuckets, RPC_LATENCY_BUCKETS_MS, l.le!, s.value);
        break;
      case `${METRIC.rpcLatency}_count`:
        if (l.request_code === 'send_message') {
          i.sends += s.value;
          if (l.response_code !== 'ok') i.sendErrors += s.value;
        }
        break;
      case METRIC.storageSize:
        i.storage = s.value;
        break;
      case METRIC.diskFree:
        i.diskFree = s.value;
        break;
      case METRIC.producerConnections:
      case METRIC.consumerConnections:
        i.connections += s.value;
        break;
    }
  }
  return snap;
}

/** Adds a `le` bucket sample to the cumulative counts at that bound (summed over series, Prometheus-style). */
function addAtBound(cumulative: number[], bounds: readonly number[], le: string, value: number): void {
  const i = le === '+Inf' ? bounds.length : bounds.indexOf(Number(le));
  if (i >= 0) cumulative[i]! += value;
}
