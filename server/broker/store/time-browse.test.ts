/** Browsing a topic by store time (merged across queues, filtered, within a scan budget) and its volume timeline. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_BROWSE_SCAN_MESSAGES, type Broker, type BrowseCursor, type BrowsePage } from '../index.ts';
import { closeTestBrokers, openTestBroker } from '../test-support.ts';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);

/** A topic of 3 queues with `n` messages stored one second apart from T0 (Date faked per message). */
async function filled(n: number): Promise<Broker> {
  const b = await openTestBroker();
  b.createTopic({ name: 't', queueNums: 3 });
  vi.useFakeTimers({ toFake: ['Date'] });
  for (let i = 0; i < n; i++) {
    vi.setSystemTime(T0 + i * 1000);
    const body = i % 4 === 0 ? JSON.stringify({ order: { id: i, items: [{ sku: `sku-${i % 3}` }] } }) : `plain ${i}`;
    await b.put({ topic: 't', body, tag: i % 2 ? 'odd' : 'even', keys: [`k${i % 5}`], properties: { region: i % 3 ? 'eu' : 'us-east' } });
  }
  vi.useRealTimers();
  return b;
}

afterEach(async () => {
  vi.useRealTimers();
  await closeTestBrokers();
});

const indexOf = (page: BrowsePage): number[] => page.messages.map((m) => (m.storeTimestamp - T0) / 1000);

describe('browseByTime', () => {
  it('pages through a range oldest first across queues in store-time order, with a cursor, never twice', async () => {
    const b = await filled(30);
    const seen: number[] = [];
    let cursor: BrowseCursor | undefined;
    do {
      const page = b.browseByTime('t', { beginMs: T0 + 5000, endMs: T0 + 24_000, order: 'oldest', limit: 7, ...(cursor ? { cursor } : {}) });
      seen.push(...indexOf(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 5));
  });

  it('pages newest first', async () => {
    const b = await filled(12);
    const first = b.browseByTime('t', { beginMs: T0, endMs: T0 + 11_000, order: 'newest', limit: 5 });
    expect(indexOf(first)).toEqual([11, 10, 9, 8, 7]);
    const second = b.browseByTime('t', { beginMs: T0, endMs: T0 + 11_000, order: 'newest', limit: 5, cursor: first.nextCursor! });
    expect(indexOf(second)).toEqual([6, 5, 4, 3, 2]);
  });

  it('filters by tag, key, property and body (substring and JSON path) while paging', async () => {
    const b = await filled(24);
    const all = { beginMs: T0, endMs: T0 + 60_000, order: 'oldest' as const, limit: 100 };
    expect(indexOf(b.browseByTime('t', { ...all, match: { tag: 'odd' } }))).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23]);
    expect(indexOf(b.browseByTime('t', { ...all, match: { key: 'k2' } }))).toEqual([2, 7, 12, 17, 22]);
    expect(indexOf(b.browseByTime('t', { ...all, match: { property: { name: 'region', op: 'contains', value: 'us' } } }))).toEqual([0, 3, 6, 9, 12, 15, 18, 21]);
    expect(indexOf(b.browseByTime('t', { ...all, match: { bodyContains: 'plain 1' } }))).toEqual([1, 10, 11, 13, 14, 15, 17, 18, 19]);
    expect(indexOf(b.browseByTime('t', { ...all, match: { json: { path: 'order.items[0].sku', equals: 'sku-2' } } }))).toEqual([8, 20]);
    expect(() => b.browseByTime('t', { ...all, match: { json: { path: 'a..b', equals: 'x' } } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('stops at the scan budget with a cursor and says how far it got, so a search over a long range is paged', async () => {
    const b = await filled(20);
    const page = b.browseByTime('t', { beginMs: T0, endMs: T0 + 60_000, order: 'oldest', limit: 100, match: { bodyContains: 'never there' }, maxScanBytes: 50 });
    expect(page.messages).toEqual([]);
    expect(page.scannedMessages).toBeGreaterThan(0);
    expect(page.scannedMessages).toBeLessThan(20);
    expect(page.reachedMs).toBe(T0 + (page.scannedMessages - 1) * 1000);
    expect(page.nextCursor).toBeDefined();
  });

  it('caps a page by messages scanned too, so a range of tiny messages is paged rather than read in one call', async () => {
    const b = await openTestBroker();
    b.createTopic({ name: 'tiny', queueNums: 2 });
    const n = MAX_BROWSE_SCAN_MESSAGES + 500;
    await Promise.all(Array.from({ length: n }, (_, i) => b.put({ topic: 'tiny', body: `m${i}` })));
    const range = { beginMs: 0, endMs: Date.now() + 1000, order: 'oldest' as const, limit: 100, match: { bodyContains: 'never there' } };
    const first = b.browseByTime('tiny', range);
    expect(first.messages).toEqual([]);
    expect(first.scannedMessages).toBe(MAX_BROWSE_SCAN_MESSAGES);
    expect(first.nextCursor).toBeDefined();
    const rest = b.browseByTime('tiny', { ...range, cursor: first.nextCursor! });
    expect(rest.scannedMessages).toBe(500);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('refuses a reversed range and an unknown topic', async () => {
    const b = await filled(1);
    expect(() => b.browseByTime('t', { beginMs: T0 + 1, endMs: T0, order: 'oldest', limit: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => b.browseByTime('nope', { beginMs: T0, endMs: T0 + 1, order: 'oldest', limit: 1 })).toThrow(expect.objectContaining({ code: 'TOPIC_NOT_FOUND' }));
  });
});

describe('messageVolume', () => {
  it('counts messages per time bucket from the queues, without reading bodies', async () => {
    const b = await filled(30);
    const buckets = b.messageVolume('t', T0, T0 + 30_000, 3);
    expect(buckets).toEqual([
      { startMs: T0, count: 10 },
      { startMs: T0 + 10_000, count: 10 },
      { startMs: T0 + 20_000, count: 10 },
    ]);
    expect(b.messageVolume('t', T0 + 100_000, T0 + 200_000, 2).map((x) => x.count)).toEqual([0, 0]);
  });
});
