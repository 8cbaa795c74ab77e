import type { GetResult, MessageStore, ReadFilter } from '../store/message-store.ts';
import { Waiters } from './waiters.ts';

export interface PullRequest {
  /** The pulling group, for its metrics; the queue model keeps no state of its own for it. */
  group?: string;
  topic: string;
  queueId: number;
  offset: number;
  maxMessages: number;
  /** Tag or SQL92, compiled as for receive. */
  filter?: ReadFilter;
  /** How long to hold the request open when nothing matches yet (long polling). */
  waitMs: number;
  signal?: AbortSignal;
}

/** Largest batch one pull returns (the consume-queue read is bounded the same way). */
export const MAX_PULL_MESSAGES = 1024;

function queueKey(topic: string, queueId: number): string {
  return `${topic}\u0000${queueId}`;
}

/**
 * The queue model's read: messages of one queue from an offset, filtered. When nothing matches it waits for
 * the store to dispatch to that queue (not a timer), skipping past filtered-out messages, until the wait is up.
 */
export class Puller {
  private readonly waiters = new Waiters();

  constructor(private readonly store: MessageStore) {
    store.onDispatch((topic, queueId) => this.waiters.wake(queueKey(topic, queueId)));
  }

  async pull(req: PullRequest): Promise<GetResult> {
    const deadline = Date.now() + Math.max(0, req.waitMs);
    const max = Math.max(1, Math.min(req.maxMessages, MAX_PULL_MESSAGES));
    let offset = req.offset;
    for (;;) {
      const res = this.store.getMessages(req.topic, req.queueId, offset, max, req.filter);
      const left = deadline - Date.now();
      if (res.status === 'FOUND' || res.status === 'OFFSET_TOO_SMALL' || res.status === 'OFFSET_OVERFLOW') return res;
      if (left <= 0 || req.signal?.aborted) return res;
      if (res.status === 'NO_MATCHED_MESSAGE') {
        // Everything scanned was filtered out: go on from there, yielding so a long skip starves no one.
        offset = res.nextOffset;
        await new Promise((resolve) => setImmediate(resolve));
      } else {
        await this.waiters.wait(queueKey(req.topic, req.queueId), left, req.signal);
      }
    }
  }

  /** Answers every waiting pull (at shutdown). */
  wakeAll(): void {
    this.waiters.wakeAll();
  }
}
