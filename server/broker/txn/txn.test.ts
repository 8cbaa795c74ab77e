import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../broker.ts';

const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('transactions across a restart', () => {
  it('a half message prepared before a restart is still pending after it, invisible, and commits', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-txn-'));
    dirs.push(dir);
    const opts = { dataDir: dir, segmentSize: 1 << 20, maxMessageSize: 64 << 10, txnFirstCheckMs: 3_600_000 };
    let broker = await Broker.open(opts);
    broker.createTopic({ name: 'pay', messageType: 'TRANSACTION', queueNums: 1 });
    broker.createGroup({ name: 'g' });
    const half = await broker.put({ topic: 'pay', body: 'half', messageType: 'TRANSACTION' });
    const rolledBack = await broker.put({ topic: 'pay', body: 'gone', messageType: 'TRANSACTION' });
    await broker.endTransaction(rolledBack.transactionId!, rolledBack.messageId, 'ROLLBACK');
    await expect(broker.put({ topic: 'pay', body: 'plain', messageType: 'NORMAL' })).rejects.toMatchObject({ code: 'MESSAGE_TYPE_MISMATCH' });
    await broker.close();

    broker = await Broker.open(opts);
    expect(broker.pendingTransactions('pay').map((t) => t.messageId)).toEqual([half.messageId]);
    expect(broker.topicStats('pay').messageCount).toBe(0);
    await broker.endTransaction(half.transactionId!, half.messageId, 'COMMIT');
    const got = await broker.receive({ group: 'g', topic: 'pay', maxMessages: 10, invisibleMs: 10_000, waitMs: 0 });
    expect(got.map((r) => r.message.body.toString())).toEqual(['half']);
    await expect(broker.endTransaction(rolledBack.transactionId!, rolledBack.messageId, 'COMMIT')).rejects.toMatchObject({ code: 'TRANSACTION_ENDED' });
    await broker.close();
  });
});
