/** BROADCASTING groups: every online consumer gets every message once, each with its own progress. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, receiveAtLeast, sendMany } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  fx = await Fixture.start({ longPollingMs: 1000 });
});

afterEach(async () => {
  await fx.close();
});

describe('broadcasting', () => {
  it('two consumers of a broadcasting group each receive every message and ack on their own', async () => {
    fx.broker.createTopic({ name: 'news', queueNums: 2 });
    fx.broker.createGroup({ name: 'screens', consumeType: 'BROADCASTING' });
    const a = await fx.simpleConsumer('screens', 'news');
    const b = await fx.simpleConsumer('screens', 'news');
    // Each client's progress starts when it is first seen: let both poll once before sending.
    await Promise.all([a.receive(10, 10_000), b.receive(10, 10_000)]);
    const producer = await fx.producer({ topics: ['news'] });
    const ids = await sendMany(producer, 'news', 6, 'headline');

    const gotA = await receiveAtLeast(a, 6);
    const gotB = await receiveAtLeast(b, 6);
    expect(gotA.map((m) => m.messageId).sort()).toEqual([...ids].sort());
    expect(gotB.map((m) => m.messageId).sort()).toEqual([...ids].sort());
    for (const m of [...gotA]) await a.ack(m);
    // b acks nothing yet: its messages come back to b only, a sees nothing more.
    expect(await a.receive(10, 10_000)).toEqual([]);
    for (const m of gotB) await b.ack(m);
    expect(fx.broker.inflightCount('screens')).toBe(0);
  });
});
