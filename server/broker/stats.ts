import type { Topic } from './model.ts';
import type { MessageStore, QueueStats } from './store/message-store.ts';

export interface TopicStats {
  topic: string;
  queues: QueueStats[];
  messageCount: number;
  bytes: number;
  minStoreTimestamp: number | null;
  maxStoreTimestamp: number | null;
}

export interface GroupQueueLag {
  queueId: number;
  brokerOffset: number;
  consumerOffset: number;
  lag: number;
}

export interface GroupStats {
  group: string;
  topics: { topic: string; queues: GroupQueueLag[]; lag: number }[];
  lag: number;
}

/** Per-queue offsets, counts, bytes and store-time range of a topic, with their totals. */
export function topicStats(store: MessageStore, t: Topic): TopicStats {
  const queues: QueueStats[] = [];
  for (let q = 0; q < Math.max(t.readQueueNums, t.writeQueueNums); q++) queues.push(store.queueStats(t.name, q));
  const times = (pick: (s: QueueStats) => number | null) => queues.map(pick).filter((x): x is number => x !== null);
  const mins = times((s) => s.minStoreTimestamp);
  const maxs = times((s) => s.maxStoreTimestamp);
  return {
    topic: t.name,
    queues,
    messageCount: queues.reduce((n, s) => n + s.messageCount, 0),
    bytes: queues.reduce((n, s) => n + s.bytes, 0),
    minStoreTimestamp: mins.length ? Math.min(...mins) : null,
    maxStoreTimestamp: maxs.length ? Math.max(...maxs) : null,
  };
}

/** A group's lag on each readable queue of the given topics. */
export function groupStats(
  store: MessageStore,
  group: string,
  topics: readonly Topic[],
  consumerOffset: (topic: string, queueId: number) => number,
): GroupStats {
  const out: GroupStats['topics'] = topics.map((t) => {
    const queues: GroupQueueLag[] = [];
    for (let q = 0; q < t.readQueueNums; q++) {
      const brokerOffset = store.maxOffset(t.name, q);
      const offset = consumerOffset(t.name, q);
      queues.push({ queueId: q, brokerOffset, consumerOffset: offset, lag: Math.max(0, brokerOffset - offset) });
    }
    return { topic: t.name, queues, lag: queues.reduce((n, x) => n + x.lag, 0) };
  });
  return { group, topics: out, lag: out.reduce((n, x) => n + x.lag, 0) };
}

/** Where a group stands on one topic, as RocketMQ's consumer gauges describe it. */
export interface ConsumerLag {
  group: string;
  topic: string;
  /** Queue ends minus the group's consumer offsets (RocketMQ's lag: below the offset, all is acknowledged). */
  lag: number;
  /** Delivered and not yet acknowledged. */
  inflight: number;
  /** Stored and not yet delivered. */
  ready: number;
  /** Age of the oldest unacknowledged message (0 without lag). */
  lagLatencyMs: number;
  /** Age of the oldest message not yet delivered (0 when none waits). */
  queueingLatencyMs: number;
}

export interface LagSource {
  maxOffset(queueId: number): number;
  /** The group's consumer offset: everything below it is acknowledged. */
  committed(queueId: number): number;
  /** Where the group's next delivery reads (pop cursor), at or past `committed`. */
  cursor(queueId: number): number;
  storeTimestampAt(queueId: number, offset: number): number | undefined;
  inflight: number;
}

/** A group's lag on a topic, from its offsets per readable queue; reads at most two timestamps per queue. */
export function consumerLag(group: string, t: Topic, src: LagSource, now: number): ConsumerLag {
  let lag = 0;
  let ready = 0;
  let oldestUnacked = Infinity;
  let oldestReady = Infinity;
  for (let q = 0; q < t.readQueueNums; q++) {
    const max = src.maxOffset(q);
    const committed = Math.min(src.committed(q), max);
    const cursor = Math.min(Math.max(src.cursor(q), committed), max);
    lag += max - committed;
    ready += max - cursor;
    if (max > committed) oldestUnacked = Math.min(oldestUnacked, src.storeTimestampAt(q, committed) ?? Infinity);
    if (max > cursor) oldestReady = Math.min(oldestReady, src.storeTimestampAt(q, cursor) ?? Infinity);
  }
  const age = (t0: number) => (Number.isFinite(t0) ? Math.max(0, now - t0) : 0);
  return { group, topic: t.name, lag, inflight: src.inflight, ready, lagLatencyMs: age(oldestUnacked), queueingLatencyMs: age(oldestReady) };
}
