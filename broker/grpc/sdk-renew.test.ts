/** Push deliveries stay invisible while a slow listener works: the broker renews them for the connected client. */
import { ConsumeResult, type MessageView } from 'rocketmq-client-nodejs';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, sendMany, sleep, waitUntil } from './sdk-test-helpers.ts';

let fx: Fixture;

afterEach(async () => {
  await fx.close();
});

describe('push consumer auto-renew', () => {
  it('a listener slower than the invisible time gets the message once', async () => {
    // Deliveries are invisible for 2 s only; the listener takes 6 s.
    fx = await Fixture.start({ longPollingMs: 1000, pushInvisibleMs: 2000 });
    fx.broker.createTopic({ name: 'slow', queueNums: 1 });
    fx.broker.createGroup({ name: 'slowpoke' });
    const producer = await fx.producer({ topics: ['slow'] });
    const deliveries: MessageView[] = [];
    const push = await fx.pushConsumer('slowpoke', 'slow', {
      async consume(mv: MessageView) {
        deliveries.push(mv);
        await sleep(6000);
        return ConsumeResult.SUCCESS;
      },
    });
    const [id] = await sendMany(producer, 'slow', 1, 'slow');
    await waitUntil('the message to be acked', () => fx.broker.groupStats('slowpoke', ['slow']).lag === 0, 20_000);
    await fx.shutdown(push);
    expect(deliveries.map((d) => d.messageId)).toEqual([id]);
    expect(deliveries[0]!.deliveryAttempt).toBe(1);
  }, 40_000);
});
