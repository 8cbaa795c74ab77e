import { BrokerError } from '../errors.ts';
import type { Topic } from '../model.ts';
import { hashKey } from '../store/index-file.ts';

/**
 * Picks the queue of a new message: the one asked for, else by message-group hash (a group stays in one
 * queue, which FIFO needs), else round robin per topic.
 */
export class QueueSelector {
  private readonly next = new Map<string, number>();

  select(topic: Topic, m: { queueId?: number | undefined; messageGroup?: string | undefined }): number {
    if (m.queueId !== undefined) {
      if (!Number.isInteger(m.queueId) || m.queueId < 0 || m.queueId >= topic.writeQueueNums) {
        throw new BrokerError('QUEUE_NOT_FOUND', `Topic "${topic.name}" has no writable queue ${m.queueId} (0-${topic.writeQueueNums - 1})`);
      }
      return m.queueId;
    }
    if (m.messageGroup) return hashKey(m.messageGroup) % topic.writeQueueNums;
    const n = this.next.get(topic.name) ?? 0;
    this.next.set(topic.name, n + 1);
    return n % topic.writeQueueNums;
  }

  forget(topic: string): void {
    this.next.delete(topic);
  }
}
