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
