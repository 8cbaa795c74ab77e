/** PushConsumer through the official Node.js SDK: listener delivery, acks, and retry after a failure. */
import { ConsumeResult, type MessageView } from 'rocketmq-client-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fixture, sendMany, waitUntil } from './sdk-test-helpers.ts';

let fx: Fixture;

beforeEach(async () => {
  // PushConsumer.shutdown waits for its in-flight long poll: keep polls short.
  fx = await Fixture.start({ longPollingMs: 2000 });
});

afterEach(async () => {
  await fx.close();
});

describe('SDK PushConsumer', () => {
  it('the listener receives every message exactly once and the group ends with no lag', async () => {
    fx.broker.createTopic({ name: 'feed', queueNums: 4 });
    fx.broker.createGroup({ name: 'indexer' });
    const producer = await fx.producer({ topics: ['feed'] });

    const seen = new Map<string, number>();
    const push = await fx.pushConsumer('indexer', 'feed', {
      consume(mv: MessageView) {
        seen.set(mv.messageId, (seen.get(mv.messageId) ?? 0) + 1);
        return ConsumeResult.SUCCESS;
      },
    });

    // Some before the first assignment scan (≈1 s after startup), some while it is long-polling.
    const early = await sendMany(producer, 'feed', 10, 'early');
    await waitUntil(() => seen.size > 0, { what: 'the first messages to arrive' });
    const late = await sendMany(producer, 'feed', 10, 'late');
    const ids = [...early, ...late];

    await waitUntil(() => seen.size === ids.length, { what: 'all 20 messages to be consumed' });
    await waitUntil(() => fx.broker.groupStats('indexer', ['feed']).lag === 0, { what: 'the acks to land (no lag)' });
    await fx.shutdown(push);

    expect([...seen.keys()].sort()).toEqual([...ids].sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(fx.broker.inflightCount('indexer')).toBe(0);
  });

  it('a FAILURE result is retried after the group back-off with deliveryAttempt 2, then SUCCESS finishes it', async () => {
    fx.broker.createTopic({ name: 'payments' });
    // The SDK nacks with ChangeInvisibleDuration(0) for a customized back-off; the broker applies the group's.
    fx.broker.createGroup({ name: 'charger', retryPolicy: { kind: 'customized', delaysMs: [200] } });
    const producer = await fx.producer({ topics: ['payments'] });

    const deliveries: { id: string; attempt: number | undefined; at: number }[] = [];
    const markers: string[] = [];
    const push = await fx.pushConsumer('charger', 'payments', {
      consume(mv: MessageView) {
        if (mv.body.toString().startsWith('marker')) {
          markers.push(mv.messageId);
          return ConsumeResult.SUCCESS;
        }
        deliveries.push({ id: mv.messageId, attempt: mv.deliveryAttempt, at: Date.now() });
        return deliveries.filter((d) => d.id === mv.messageId).length === 1 ? ConsumeResult.FAILURE : ConsumeResult.SUCCESS;
      },
    });
    const [id] = await sendMany(producer, 'payments', 1, 'charge');

    await waitUntil(() => deliveries.length >= 2, { what: 'the redelivery', timeoutMs: 15_000 });
    await waitUntil(() => fx.broker.groupStats('charger', ['payments']).lag === 0, { what: 'the ack to land (no lag)' });
    // No third delivery after the success. A marker sent now is delivered by a receive that, on every
    // queue, first hands out what became visible again and only then new messages: once the marker has
    // arrived, a third delivery of the charge (its back-off long over) would already have been recorded.
    const [marker] = await sendMany(producer, 'payments', 1, 'marker');
    await waitUntil(() => markers.includes(marker!), { what: 'the marker sent after the success to be delivered' });
    await fx.shutdown(push);

    expect(deliveries.map((d) => d.id)).toEqual([id, id]);
    expect(deliveries.map((d) => d.attempt)).toEqual([1, 2]);
    const gap = deliveries[1]!.at - deliveries[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(150); // the 200 ms back-off
    expect(gap).toBeLessThan(5000); // not the push invisible time (60 s)
  });

  it('a listener that throws counts as a failure and the message is redelivered', async () => {
    fx.broker.createTopic({ name: 'payments' });
    fx.broker.createGroup({ name: 'flaky', retryPolicy: { kind: 'customized', delaysMs: [200] } });
    const producer = await fx.producer({ topics: ['payments'] });

    const attempts: (number | undefined)[] = [];
    const push = await fx.pushConsumer('flaky', 'payments', {
      consume(mv: MessageView) {
        attempts.push(mv.deliveryAttempt);
        if (attempts.length === 1) throw new Error('boom');
        return ConsumeResult.SUCCESS;
      },
    });
    await sendMany(producer, 'payments', 1);

    await waitUntil(() => attempts.length >= 2, { what: 'the redelivery', timeoutMs: 15_000 });
    await waitUntil(() => fx.broker.groupStats('flaky', ['payments']).lag === 0, { what: 'the ack to land (no lag)' });
    await fx.shutdown(push);
    expect(attempts).toEqual([1, 2]);
  });

  it('a message that always fails goes to %DLQ%<group> after maxDeliveryAttempts and stops being delivered', async () => {
    fx.broker.createTopic({ name: 'payments' });
    fx.broker.createGroup({ name: 'doomed', maxDeliveryAttempts: 2, retryPolicy: { kind: 'customized', delaysMs: [200] } });
    const producer = await fx.producer({ topics: ['payments'] });

    const attempts: (number | undefined)[] = [];
    const markers: string[] = [];
    const push = await fx.pushConsumer('doomed', 'payments', {
      consume(mv: MessageView) {
        if (mv.body.toString().startsWith('marker')) {
          markers.push(mv.messageId);
          return ConsumeResult.SUCCESS;
        }
        attempts.push(mv.deliveryAttempt);
        return ConsumeResult.FAILURE;
      },
    });
    const [id] = await sendMany(producer, 'payments', 1, 'poison');

    const dlqCount = (): number => (fx.broker.hasTopic('%DLQ%doomed') ? fx.broker.topicStats('%DLQ%doomed').messageCount : 0);
    await waitUntil(() => dlqCount() === 1, { what: 'the message to reach the DLQ', timeoutMs: 15_000 });
    // No third delivery: the move to the DLQ happens when the second back-off has run out, so it is over
    // by now. A marker sent now is delivered by a receive that first hands out, on every queue, whatever
    // became visible again; once the marker arrived, a third delivery would already have been recorded.
    const [marker] = await sendMany(producer, 'payments', 1, 'marker');
    await waitUntil(() => markers.includes(marker!), { what: 'the marker sent after the dead-lettering to be delivered' });
    await waitUntil(() => fx.broker.groupStats('doomed', ['payments']).lag === 0, { what: "the marker's ack to land (no lag)" });
    await fx.shutdown(push);

    expect(attempts).toEqual([1, 2]);
    expect(dlqCount()).toBe(1);
    expect(fx.broker.getMessages('%DLQ%doomed', 0, 0, 10).messages.map((m) => m.messageId)).toEqual([id]);
    expect(fx.broker.groupStats('doomed', ['payments']).lag).toBe(0);
  });
});
