/** kill -9 of the standalone broker in the middle of delayed and transactional flows: nothing lost, nothing doubled. */
import * as grpc from '@grpc/grpc-js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Producer, SimpleConsumer } from 'rocketmq-client-nodejs';
import { afterAll, describe, expect, it } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from '../bench/broker-process.ts';
import { messagingService } from './proto.ts';
import { quietLogger } from './sdk-test-helpers.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-crash-'));
const dataDir = path.join(root, 'broker');
const bootstrap = {
  topics: [
    { name: 'later', type: 'DELAY', queues: 2 },
    { name: 'pay', type: 'TRANSACTION', queues: 2 },
  ],
  groups: [{ name: 'g-later' }, { name: 'g-pay' }],
};
const running: BrokerProcess[] = [];

afterAll(async () => {
  for (const b of running) b.child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

function endTransaction(port: number, req: object): Promise<{ status: { code: string; message: string } }> {
  const Client = messagingService();
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, (r: object, md: grpc.Metadata, cb: (e: Error | null, res: { status: { code: string; message: string } }) => void) => void>;
  const md = new grpc.Metadata();
  md.set('x-mq-client-id', 'crash-test');
  return new Promise((resolve, reject) => client.EndTransaction!(req, md, (e, res) => (e ? reject(e) : resolve(res))));
}

async function drain(consumer: SimpleConsumer, until: number): Promise<string[]> {
  const bodies: string[] = [];
  while (Date.now() < until) {
    for (const m of await consumer.receive(32, 15_000)) {
      bodies.push(m.body.toString());
      await consumer.ack(m);
    }
  }
  return bodies;
}

describe('kill -9 of the standalone broker', () => {
  it('scheduled messages fire once after the restart; a committed transaction stays committed, a pending one can still commit', async () => {
    const first = await startBrokerProcess({ dataDir, flush: 'sync', bootstrap });
    running.push(first);
    const endpoints = `127.0.0.1:${first.port}`;
    const producer = new Producer({ endpoints, namespace: '', topics: ['later', 'pay'], logger: quietLogger, checker: { check: async () => 0 } });
    await producer.startup();
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'later', body: Buffer.from(`delayed-${i}`), delay: 2500 });
    const committed = producer.beginTransaction();
    await producer.send({ topic: 'pay', body: Buffer.from('committed') }, committed);
    await committed.commit();
    const pendingTx = producer.beginTransaction();
    const pendingReceipt = await producer.send({ topic: 'pay', body: Buffer.from('pending') }, pendingTx);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await producer.shutdown().catch(() => undefined);

    const second = await startBrokerProcess({ dataDir, flush: 'sync', bootstrap, keepData: true });
    running.push(second);
    const end = await endTransaction(second.port, {
      topic: { name: 'pay', resource_namespace: '' },
      message_id: pendingReceipt.messageId,
      transaction_id: pendingReceipt.transactionId,
      resolution: 'COMMIT',
      source: 'SOURCE_CLIENT',
    });
    expect(end.status.code).toBe('OK');

    const later = new SimpleConsumer({ endpoints: `127.0.0.1:${second.port}`, namespace: '', consumerGroup: 'g-later', subscriptions: new Map([['later', '*']]), awaitDuration: 1000, logger: quietLogger });
    const pay = new SimpleConsumer({ endpoints: `127.0.0.1:${second.port}`, namespace: '', consumerGroup: 'g-pay', subscriptions: new Map([['pay', '*']]), awaitDuration: 1000, logger: quietLogger });
    await later.startup();
    await pay.startup();
    const until = Date.now() + 6000;
    const [delayed, paid] = await Promise.all([drain(later, until), drain(pay, until)]);
    await later.shutdown();
    await pay.shutdown();
    expect(delayed.sort()).toEqual(['delayed-0', 'delayed-1', 'delayed-2', 'delayed-3', 'delayed-4']);
    expect(paid.sort()).toEqual(['committed', 'pending']);
    await second.stop();
  }, 60_000);
});
