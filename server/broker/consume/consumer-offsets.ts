import type { Catalog } from '../catalog.ts';
import { BrokerError } from '../errors.ts';
import type { MessageStore } from '../store/message-store.ts';
import type { OffsetStore } from './offset-store.ts';
import type { PopService } from './pop-service.ts';

export type ResetTarget = { timestamp: number } | { position: 'earliest' | 'latest' };

export interface ResetResult {
  queues: { queueId: number; from: number; to: number }[];
  /** Messages the group will consume again (positive) or skip (negative). */
  delta: number;
}

/** Where each group stands on each queue: read, commit (queue model) and reset (replay or skip). */
export class ConsumerOffsets {
  constructor(
    private readonly catalog: Catalog,
    private readonly store: MessageStore,
    private readonly offsets: OffsetStore,
    private readonly pop: () => PopService,
  ) {}

  /** The group's committed offset on a queue, if it has one. */
  committed(group: string, topic: string, queueId: number): number | undefined {
    return this.offsets.get(group, topic, queueId);
  }

  /** The next offset the group consumes on a queue: its committed offset, else where the group started. */
  next(group: string, topic: string, queueId: number): number {
    const committed = this.offsets.get(group, topic, queueId);
    const min = this.store.minOffset(topic, queueId);
    if (committed !== undefined) return Math.max(committed, min);
    const g = this.catalog.getGroup(group);
    return this.store.searchOffsetByPhysical(topic, queueId, g.startPhysicalOffset);
  }

  commit(group: string, topic: string, queueId: number, offset: number): void {
    this.catalog.getGroup(group);
    const t = this.catalog.getTopic(topic);
    if (!Number.isInteger(queueId) || queueId < 0 || queueId >= Math.max(t.readQueueNums, t.writeQueueNums)) {
      throw new BrokerError('QUEUE_NOT_FOUND', `Topic "${topic}" has no queue ${queueId}`);
    }
    const max = this.store.maxOffset(topic, queueId);
    if (!Number.isInteger(offset) || offset < 0 || offset > max) {
      throw new BrokerError('INVALID_ARGUMENT', `Offset ${offset} is outside 0-${max} for ${topic}/${queueId}`, { field: 'offset' });
    }
    this.offsets.set(group, topic, queueId, offset);
  }

  /** Moves a group's offsets on every queue of a topic (replay or skip); `dryRun` only previews. */
  reset(group: string, topic: string, target: ResetTarget, dryRun: boolean): ResetResult {
    this.catalog.getGroup(group);
    const t = this.catalog.getTopic(topic);
    if ('timestamp' in target ? !Number.isFinite(target.timestamp) : target.position !== 'earliest' && target.position !== 'latest') {
      throw new BrokerError('INVALID_ARGUMENT', 'Reset target must be a finite timestamp, "earliest" or "latest"', { field: 'target' });
    }
    const queues: ResetResult['queues'] = [];
    for (let q = 0; q < t.readQueueNums; q++) {
      const from = this.next(group, topic, q);
      const to = this.targetOffset(topic, q, target);
      queues.push({ queueId: q, from, to });
      if (!dryRun) {
        this.offsets.set(group, topic, q, to);
        this.pop().reset(group, topic, q, to);
      }
    }
    return { queues, delta: queues.reduce((n, x) => n + (x.from - x.to), 0) };
  }

  private targetOffset(topic: string, queueId: number, target: ResetTarget): number {
    if ('timestamp' in target) return this.store.searchOffsetByTime(topic, queueId, target.timestamp);
    return target.position === 'earliest' ? this.store.minOffset(topic, queueId) : this.store.maxOffset(topic, queueId);
  }
}
