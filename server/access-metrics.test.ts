import { afterAll, describe, expect, it } from 'vitest';
import { closeTestBrokers, openTestBroker } from './broker/test-support.ts';
import { toSamples, valueOf } from './prometheus-samples.ts';

afterAll(closeTestBrokers);

describe('access metrics', () => {
  it('count denials by reason and report each rate limit with what it admitted and refused', async () => {
    const broker = await openTestBroker();
    broker.access.updateSettings({ authentication: true, authorization: true });
    broker.access.setLimits({ send: { perSecond: 2, burst: 2 }, receive: null, topics: { orders: { perSecond: 100 } }, groups: {} });
    const refused = broker.access.authenticate({ authorization: '', dateTime: '', ip: '10.1.1.1' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) broker.access.countDenial(refused.reason);
    broker.access.countDenial('NO_MATCHING_POLICY');
    broker.access.countDenial('NO_MATCHING_POLICY');
    for (let i = 0; i < 3; i++) broker.access.limiter.admitSend('orders', 1);

    const samples = toSamples(broker.collectMetrics());
    expect(valueOf(samples, 'meridian_access_denied_total', { reason: 'MISSING_CREDENTIALS' })).toBe(1);
    expect(valueOf(samples, 'meridian_access_denied_total', { reason: 'NO_MATCHING_POLICY' })).toBe(2);
    expect(valueOf(samples, 'meridian_rate_limit_messages_per_second', { scope: 'send' })).toBe(2);
    expect(valueOf(samples, 'meridian_rate_limit_admitted_messages_total', { scope: 'send' })).toBe(2);
    expect(valueOf(samples, 'meridian_rate_limit_refused_messages_total', { scope: 'send' })).toBe(1);
    expect(valueOf(samples, 'meridian_rate_limit_messages_per_second', { scope: 'topic', name: 'orders' })).toBe(100);
  });
});
