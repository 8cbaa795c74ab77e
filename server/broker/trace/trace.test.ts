import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Broker } from '../broker.ts';
import { waitUntil } from '../test-support.ts';

const dirs: string[] = [];
const brokers: Broker[] = [];
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function open(dir?: string): Promise<{ broker: Broker; dir: string }> {
  const d = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-trace-'));
  if (!dir) dirs.push(d);
  const broker = await Broker.open({ dataDir: d, segmentSize: 1 << 20, maxMessageSize: 64 << 10 });
  brokers.push(broker);
  return { broker, dir: d };
}

describe('message trace', () => {
  it('records stored → delivered → nacked → delivered again → acked, durably', async () => {
    const { broker, dir } = await open();
    broker.createTopic({ name: 't', queueNums: 1 });
    broker.createGroup({ name: 'g', retryPolicy: { kind: 'customized', delaysMs: [100] } });
    const sent = await broker.put({ topic: 't', body: 'hello' });
    const [first] = await broker.receive({ group: 'g', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 0, clientId: 'c1' });
    broker.changeInvisibleDuration('g', 't', first!.receiptHandle, 0);
    const [second] = await broker.receive({ group: 'g', topic: 't', maxMessages: 1, invisibleMs: 10_000, waitMs: 2000, clientId: 'c1' });
    broker.ack('g', 't', second!.receiptHandle);
    const steps = (await broker.traceOf(sent.messageId)).map((e) => e.step);
    // A retry after a nack is not an expiry: the invisible time never ran out.
    expect(steps).toEqual(['PRODUCED', 'STORED', 'DELIVERED', 'NACKED', 'DELIVERED', 'ACKED']);

    await broker.close();
    brokers.splice(0);
    const again = await open(dir);
    const events = await again.broker.traceOf(sent.messageId);
    expect(events.map((e) => e.step)).toEqual(steps);
    expect(events[2]).toMatchObject({ group: 'g', clientId: 'c1', attempt: 1, topic: 't', queueId: 0, offset: 0 });
    expect(events[4]).toMatchObject({ attempt: 2 });
  });

  it('records scheduled → fired and half → committed', async () => {
    const { broker } = await open();
    broker.createTopic({ name: 'd', messageType: 'DELAY' });
    broker.createTopic({ name: 'x', messageType: 'TRANSACTION' });
    const delayed = await broker.put({ topic: 'd', body: 'later', deliverAt: Date.now() + 200 });
    const half = await broker.put({ topic: 'x', body: 'tx' });
    await broker.endTransaction(half.transactionId!, half.messageId, 'COMMIT');
    const steps = async (id: string) => (await broker.traceOf(id)).map((e) => e.step);
    await waitUntil(async () => (await steps(delayed.messageId)).includes('FIRED') && (await steps(half.messageId)).includes('COMMITTED'), {
      what: 'the delayed message to fire and the commit to be traced',
    });
    expect(await steps(delayed.messageId)).toEqual(['PRODUCED', 'SCHEDULED', 'FIRED']);
    expect(await steps(half.messageId)).toEqual(['PRODUCED', 'HALF', 'COMMITTED']);
  });
});
