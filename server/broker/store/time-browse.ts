import type { Topic } from '../model.ts';
import type { MessageStore, StoredMessage } from './message-store.ts';

export type BrowseOrder = 'oldest' | 'newest';

/** Where a browse stopped: per readable queue, the next offset (oldest first) or the exclusive bound (newest first). */
export interface BrowseCursor {
  order: BrowseOrder;
  positions: number[];
}

export interface BrowseRequest {
  beginMs: number;
  endMs: number;
  order: BrowseOrder;
  limit: number;
  cursor?: BrowseCursor;
  /** Only messages it accepts are returned; the others still count as scanned. */
  accept?: (m: StoredMessage) => boolean;
  /** Stored bytes (whole records) to scan at most for this page (a filtered search over a long range is paged, not a timeout). */
  maxScanBytes?: number;
}

export interface BrowsePage {
  messages: StoredMessage[];
  /** Present while the range holds more: pass it back for the next page. */
  nextCursor?: BrowseCursor;
  scannedMessages: number;
  scannedBytes: number;
  /** Store time of the last message scanned: how far the scan got. */
  reachedMs: number | null;
}

export const MAX_BROWSE_PAGE = 1000;
/** Default scan budget per page: 64 MiB of records, about a second of reading on these machines. */
export const DEFAULT_BROWSE_SCAN_BYTES = 64 * 1024 * 1024;
/**
 * Messages one page scans at most, whatever their size: decoding and filtering cost per message too, so a
 * range of tiny messages would otherwise be read in one synchronous call (50,000 10-byte messages took half
 * a second of the event loop the broker shares). 20,000 is about 0.1-0.2 s here.
 */
export const MAX_BROWSE_SCAN_MESSAGES = 20_000;
/** Messages read ahead per queue while merging queues by store time. */
const READ_AHEAD = 32;
/** Time buckets a volume timeline may ask for (each costs a binary search per queue). */
export const MAX_VOLUME_BUCKETS = 1000;

interface Lane {
  queueId: number;
  /** Oldest first: next offset to read, up to `bound`. Newest first: exclusive upper bound, down to `bound`. */
  position: number;
  bound: number;
  buffered: StoredMessage[];
}

/**
 * Messages of a topic stored within [beginMs, endMs], merged across queues in store-time order, oldest or
 * newest first, filtered while paging, within a scan budget. Only a bounded read-ahead per queue is held.
 */
export function browseByTime(store: MessageStore, topic: Topic, req: BrowseRequest): BrowsePage {
  const limit = Math.max(1, Math.min(req.limit, MAX_BROWSE_PAGE));
  const budget = req.maxScanBytes ?? DEFAULT_BROWSE_SCAN_BYTES;
  const lanes = openLanes(store, topic, req);
  const page: BrowsePage = { messages: [], scannedMessages: 0, scannedBytes: 0, reachedMs: null };
  while (page.messages.length < limit && page.scannedBytes < budget && page.scannedMessages < MAX_BROWSE_SCAN_MESSAGES) {
    const lane = nextLane(store, topic.name, lanes, req.order);
    if (!lane) return page;
    const m = lane.buffered.shift()!;
    lane.position = req.order === 'oldest' ? m.queueOffset + 1 : m.queueOffset;
    page.scannedMessages++;
    page.scannedBytes += m.size;
    page.reachedMs = m.storeTimestamp;
    if (!req.accept || req.accept(m)) page.messages.push(m);
  }
  if (lanes.some((l) => (req.order === 'oldest' ? l.position < l.bound : l.position > l.bound))) {
    page.nextCursor = { order: req.order, positions: lanes.map((l) => l.position) };
  }
  return page;
}

function openLanes(store: MessageStore, topic: Topic, req: BrowseRequest): Lane[] {
  const resumed = req.cursor?.order === req.order ? req.cursor.positions : undefined;
  const lanes: Lane[] = [];
  for (let q = 0; q < topic.readQueueNums; q++) {
    const lo = Math.max(store.searchOffsetByTime(topic.name, q, req.beginMs), store.minOffset(topic.name, q));
    const hi = store.searchOffsetByTime(topic.name, q, req.endMs + 1);
    const start = resumed?.[q];
    if (req.order === 'oldest') lanes.push({ queueId: q, position: Math.max(lo, start ?? lo), bound: hi, buffered: [] });
    else lanes.push({ queueId: q, position: Math.min(hi, start ?? hi), bound: lo, buffered: [] });
  }
  return lanes;
}

/** The lane whose next message comes first in the order (refilling empty read-aheads), or none when all are done. */
function nextLane(store: MessageStore, topic: string, lanes: Lane[], order: BrowseOrder): Lane | undefined {
  let best: Lane | undefined;
  for (const lane of lanes) {
    if (lane.buffered.length === 0) refill(store, topic, lane, order);
    const head = lane.buffered[0];
    if (!head) continue;
    const bestHead = best?.buffered[0];
    if (!bestHead || (order === 'oldest' ? head.storeTimestamp < bestHead.storeTimestamp : head.storeTimestamp > bestHead.storeTimestamp)) best = lane;
  }
  return best;
}

function refill(store: MessageStore, topic: string, lane: Lane, order: BrowseOrder): void {
  if (order === 'oldest') {
    const count = Math.min(READ_AHEAD, lane.bound - lane.position);
    if (count <= 0) return;
    const res = store.getMessages(topic, lane.queueId, lane.position, count);
    if (res.status === 'OFFSET_TOO_SMALL') {
      // Retention removed the start of the range meanwhile: go on from what is left.
      lane.position = res.nextOffset;
      return refill(store, topic, lane, order);
    }
    lane.buffered = res.messages.filter((m) => m.queueOffset < lane.bound);
    return;
  }
  const from = Math.max(lane.bound, lane.position - READ_AHEAD, store.minOffset(topic, lane.queueId));
  if (from >= lane.position) return;
  const res = store.getMessages(topic, lane.queueId, from, lane.position - from);
  lane.buffered = res.messages.filter((m) => m.queueOffset < lane.position).reverse();
}

export interface VolumeBucket {
  startMs: number;
  count: number;
}

/**
 * Messages stored per time bucket over [beginMs, endMs), counted from the consume queues' store times by
 * binary search (offsets only: no body is read).
 */
export function messageVolume(store: MessageStore, topic: Topic, beginMs: number, endMs: number, buckets: number): VolumeBucket[] {
  const n = Math.max(1, Math.min(Math.floor(buckets), MAX_VOLUME_BUCKETS));
  const width = Math.max(1, Math.ceil((endMs - beginMs) / n));
  const out: VolumeBucket[] = Array.from({ length: n }, (_, i) => ({ startMs: beginMs + i * width, count: 0 }));
  for (let q = 0; q < topic.readQueueNums; q++) {
    let prev = store.searchOffsetByTime(topic.name, q, beginMs);
    for (let i = 0; i < n; i++) {
      const next = store.searchOffsetByTime(topic.name, q, beginMs + (i + 1) * width);
      out[i]!.count += next - prev;
      prev = next;
    }
  }
  return out;
}
