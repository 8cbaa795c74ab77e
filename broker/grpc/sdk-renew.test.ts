/** Push deliveries stay invisible while a slow listener works: the broker renews them for the connected client. */
import { ConsumeResult, type MessageView } from 'rocketmq-client-nodejs';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, sendMany, waitUntil } from './sdk-test-helpers.ts';

let fx: Fixture;

afterEach(async () => {
  await fx.close();
});

describe('push consumer auto-renew', () => {
  it('a listener slower than the invisible time gets the message once', async () => {
    // Deliveries are invisible for 2 s only; the listener works until that time has run out twice over.
    const invisibleMs = 2000;
    fx = await Fixture.start({ longPollingMs: 1000, pushInvisibleMs: invisibleMs });
    fx.broker.createTopic({ name: 'slow', queueNums: 1 });
    fx.broker.createGroup({ name: 'slowpoke' });
    const producer = await fx.producer({ topics: ['slow'] });
    const deliveries: { mv: MessageView; at: number }[] = [];
    const markers: string[] = [];
    const push = await fx.pushConsumer('slowpoke', 'slow', {
      async consume(mv: MessageView) {
        if (mv.body.toString().startsWith('marker')) {
          markers.push(mv.messageId);
          return ConsumeResult.SUCCESS;
        }
        deliveries.push({ mv, at: Date.now() });
        // The slow work: it ends once the marker below has been delivered.
        await waitUntil(() => markers.length > 0, { what: 'the marker to be delivered', timeoutMs: 30_000 });
        return ConsumeResult.SUCCESS;
      },
    });
    const [id] = await sendMany(producer, 'slow', 1, 'slow');
    await waitUntil(() => deliveries.length > 0, { what: 'the first delivery', timeoutMs: 15_000 });
    // The broker set the delivery's deadline before the listener saw it: from here on, without renewals,
    // the message would be visible again (and would have been for a whole invisible time).
    const seenAt = deliveries[0]!.at;
    await waitUntil(() => Date.now() >= seenAt + 2 * invisibleMs, { what: 'the invisible time to run out twice' });
    // A receive that delivers the marker first hands out, on the queue, whatever became visible again: once
    // the marker arrived, an unrenewed message would have been delivered a second time.
    await sendMany(producer, 'slow', 1, 'marker');
    await waitUntil(() => fx.broker.groupStats('slowpoke', ['slow']).lag === 0, { what: 'both messages to be acked', timeoutMs: 20_000 });
    await fx.shutdown(push);
    expect(markers).toHaveLength(1);
    expect(deliveries.map((d) => d.mv.messageId)).toEqual([id]);
    expect(deliveries[0]!.mv.deliveryAttempt).toBe(1);
  }, 40_000);
});
