/** A key shared by many messages lists all of them, newest first, a page at a time, through the index. */
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../index.ts';
import { closeTestBrokers, openTestBroker } from '../test-support.ts';

afterEach(closeTestBrokers);

describe('queryByKey paging', () => {
  it('pages through 50 messages of one key, 20 at a time, newest first, each once', async () => {
    const b = await openTestBroker({ indexEntries: 16 });
    b.createTopic({ name: 't', queueNums: 4 });
    for (let i = 0; i < 50; i++) await b.put({ topic: 't', body: `m${i}`, keys: [i % 10 === 3 ? 'other' : 'shared'] });
    const pages: StoredMessage[][] = [];
    let before: number | undefined;
    for (;;) {
      const page = b.queryByKey('t', 'shared', { limit: 20, ...(before !== undefined ? { before } : {}) });
      if (page.length === 0) break;
      pages.push(page);
      before = page.at(-1)!.physicalOffset;
    }
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    const bodies = pages.flat().map((m) => Number(m.body.toString().slice(1)));
    expect(bodies).toEqual(Array.from({ length: 50 }, (_, i) => 49 - i).filter((i) => i % 10 !== 3));
  });
});
