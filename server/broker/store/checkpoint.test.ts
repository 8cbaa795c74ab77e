/** The store's checkpoint: off the event loop, never claiming more than is durable, waited for by close. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageStore, type StoreInput, type StoreOptions } from './message-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function options(): StoreOptions {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-checkpoint-'));
  dirs.push(dir);
  // An hour between timer checkpoints: only the ones the test asks for run.
  return { dir, flush: 'sync', segmentSize: 1024 * 1024, cqEntriesPerFile: 64, indexSlots: 16, indexEntries: 40, checkpointIntervalMs: 3_600_000 };
}

let ids = 0;
function input(i: number): StoreInput {
  return {
    topic: 't',
    generation: 0,
    queueId: i % 2,
    messageId: `id-${ids++}`,
    body: Buffer.from(`m${i}`),
    tag: '',
    keys: [`k${i}`],
    properties: {},
    bornTimestamp: Date.now(),
    bornHost: 'h',
    sysFlag: 0,
    reconsumeTimes: 0,
  };
}

function checkpointed(opts: StoreOptions): number {
  return (JSON.parse(fs.readFileSync(path.join(opts.dir, 'checkpoint.json'), 'utf8')) as { dispatched: number }).dispatched;
}

describe('checkpoint', () => {
  it('one asked for while another runs covers everything stored before it was asked for', async () => {
    const opts = options();
    const { store } = MessageStore.open(opts);
    await store.put([input(0), input(1)]);
    const first = store.checkpoint();
    await store.put([input(2), input(3)]);
    const second = store.checkpoint();
    await Promise.all([first, second]);
    expect(checkpointed(opts)).toBe(store.commitLogMaxOffset);
    await store.close();
  });

  it('close waits for a checkpoint under way, and every message is found by id and key after a reopen', async () => {
    const opts = options();
    const { store } = MessageStore.open(opts);
    const stored = [];
    // 60 messages, two index entries each: the 40-entry index files fill and are sealed in the background.
    for (let i = 0; i < 60; i++) {
      stored.push(...(await store.put([input(i)])));
      if (i % 7 === 0) void store.checkpoint();
    }
    await store.close();
    const { store: reopened, recovery } = MessageStore.open(opts);
    expect(recovery.replayed).toBe(0);
    for (const [i, r] of stored.entries()) {
      expect(reopened.lookupById(r.messageId)?.queueOffset).toBe(r.queueOffset);
      expect(reopened.lookupByKey('t', `k${i}`, 0, Number.MAX_SAFE_INTEGER, 2).map((m) => m.messageId)).toEqual([r.messageId]);
    }
    await reopened.close();
  });

  it('recovery replays past the last checkpoint into the index without duplicating what it already holds', async () => {
    const opts = options();
    const { store } = MessageStore.open(opts);
    const first = await store.put([input(0), input(1), input(2)]);
    await store.checkpoint();
    const after = await store.put([input(3), input(4)]);
    // The process dies here: copy the files as they are (no close, no further checkpoint).
    const copy = { ...opts, dir: fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-checkpoint-copy-')) };
    dirs.push(copy.dir);
    fs.cpSync(opts.dir, copy.dir, { recursive: true });
    await store.close();
    const { store: recovered, recovery } = MessageStore.open(copy);
    expect(recovery.replayed).toBe(2);
    for (const r of [...first, ...after]) expect(recovered.lookupAllById(r.messageId, 10).map((m) => m.physicalOffset)).toEqual([r.physicalOffset]);
    await recovered.close();
  });
});
