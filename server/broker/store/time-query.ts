import type { Topic } from '../model.ts';
import type { MessageStore, StoredMessage } from './message-store.ts';

export interface TimeQueryCursor {
  queueId: number;
  offset: number;
}

export interface TimeQueryPage {
  messages: StoredMessage[];
  nextCursor?: TimeQueryCursor;
}

/** Largest page of a time query: bounds the bodies one call reads into memory. */
export const MAX_TIME_QUERY_PAGE = 1000;
/** Entries read from a consume queue per step while filling a page. */
const READ_STEP = 256;

/**
 * Messages of a topic stored within [beginMs, endMs], queue by queue from each queue's first offset at
 * `beginMs` (found by binary search on store times); pass `nextCursor` back for the next page.
 */
export function queryByTime(
  store: MessageStore,
  topic: Topic,
  beginMs: number,
  endMs: number,
  opts: { limit?: number; cursor?: TimeQueryCursor } = {},
): TimeQueryPage {
  const limit = Math.max(1, Math.min(opts.limit ?? 32, MAX_TIME_QUERY_PAGE));
  const messages: StoredMessage[] = [];
  for (let q = opts.cursor?.queueId ?? 0; q < topic.readQueueNums; q++) {
    let offset = opts.cursor?.queueId === q ? opts.cursor.offset : store.searchOffsetByTime(topic.name, q, beginMs);
    for (;;) {
      const res = store.getMessages(topic.name, q, offset, Math.min(limit - messages.length, READ_STEP));
      if (res.status === 'OFFSET_TOO_SMALL') {
        offset = res.nextOffset;
        continue;
      }
      let done = res.messages.length === 0;
      for (const msg of res.messages) {
        if (msg.storeTimestamp > endMs) {
          done = true;
          break;
        }
        messages.push(msg);
        offset = msg.queueOffset + 1;
        if (messages.length === limit) return { messages, nextCursor: { queueId: q, offset } };
      }
      if (done) break;
    }
  }
  return { messages };
}
