import { describe, expect, it } from 'vitest';
import { RateLimiter, TokenBucket } from './rate-limiter.ts';
import { RateLimitsSchema, type RateLimits } from './rules.ts';

/** Every call passes its own `now`: the buckets never read the real clock here. */
const T0 = 1_000_000;
const limits = (l: Partial<RateLimits>): RateLimits => RateLimitsSchema.parse(l);

describe('TokenBucket', () => {
  it('admits a full burst at once, then refuses', () => {
    const b = new TokenBucket({ perSecond: 10, burst: 3 }, T0);
    expect([b.take(1, T0), b.take(1, T0), b.take(1, T0), b.take(1, T0)]).toEqual([true, true, true, false]);
    expect({ admitted: b.admitted, refused: b.refused }).toEqual({ admitted: 3, refused: 1 });
  });

  it('refills at its rate, never above the burst', () => {
    const b = new TokenBucket({ perSecond: 10, burst: 5 }, T0);
    expect(b.take(5, T0)).toBe(true);
    expect(b.take(1, T0 + 50)).toBe(false); // half a token
    expect(b.take(1, T0 + 100)).toBe(true); // one token after 100 ms at 10/s
    expect(b.take(1, T0 + 100)).toBe(false);
    // An hour idle refills the burst, not 36 000 tokens.
    expect(b.take(5, T0 + 3_600_000)).toBe(true);
    expect(b.take(1, T0 + 3_600_000)).toBe(false);
  });

  it('charges nothing for a refused take', () => {
    const b = new TokenBucket({ perSecond: 10, burst: 4 }, T0);
    expect(b.take(5, T0)).toBe(false);
    expect(b.take(4, T0)).toBe(true);
    expect(b.refused).toBe(5);
  });

  it('lets a charge go past empty, and refuses until the debt is repaid', () => {
    const b = new TokenBucket({ perSecond: 10, burst: 2 }, T0);
    b.charge(12, T0); // two tokens, ten in debt
    expect(b.hasToken(T0)).toBe(false);
    expect(b.hasToken(T0 + 1_000)).toBe(false); // debt repaid: zero tokens
    expect(b.hasToken(T0 + 1_100)).toBe(true);
    expect(b.admitted).toBe(12);
  });

  it('ignores a clock that goes backwards', () => {
    const b = new TokenBucket({ perSecond: 10, burst: 1 }, T0);
    expect(b.take(1, T0)).toBe(true);
    expect(b.take(1, T0 - 10_000)).toBe(false);
    expect(b.take(1, T0 + 100)).toBe(true);
  });
});

describe('RateLimiter', () => {
  it('admits everything when no limit is set', () => {
    const r = new RateLimiter(limits({}), T0);
    for (let i = 0; i < 1_000; i++) expect(r.admitSend('orders', 1, T0)).toBeUndefined();
    expect(r.admitReceive('billing', T0)).toBeUndefined();
    expect(r.usage()).toEqual([]);
  });

  it('refuses sends past the instance limit, naming it', () => {
    const r = new RateLimiter(limits({ send: { perSecond: 2 } }), T0);
    expect(r.admitSend('orders', 1, T0)).toBeUndefined();
    expect(r.admitSend('payments', 1, T0)).toBeUndefined();
    expect(r.admitSend('orders', 1, T0)).toEqual({ scope: 'send', perSecond: 2 });
    expect(r.admitSend('orders', 1, T0 + 500)).toBeUndefined();
  });

  it("applies a topic's limit to that topic only", () => {
    const r = new RateLimiter(limits({ topics: { orders: { perSecond: 1 } } }), T0);
    expect(r.admitSend('orders', 1, T0)).toBeUndefined();
    expect(r.admitSend('orders', 1, T0)).toEqual({ scope: 'topic', name: 'orders', perSecond: 1 });
    expect(r.admitSend('payments', 1, T0)).toBeUndefined();
  });

  it('applies the topic limit and the instance limit both', () => {
    const r = new RateLimiter(limits({ send: { perSecond: 3 }, topics: { orders: { perSecond: 10 } } }), T0);
    for (let i = 0; i < 3; i++) expect(r.admitSend('orders', 1, T0)).toBeUndefined();
    // The topic has tokens left; the instance has none.
    expect(r.admitSend('orders', 1, T0)).toEqual({ scope: 'send', perSecond: 3 });
    const tight = new RateLimiter(limits({ send: { perSecond: 10 }, topics: { orders: { perSecond: 1 } } }), T0);
    expect(tight.admitSend('orders', 1, T0)).toBeUndefined();
    expect(tight.admitSend('orders', 1, T0)).toEqual({ scope: 'topic', name: 'orders', perSecond: 1 });
  });

  it('charges neither bucket for a send one of them refuses', () => {
    const r = new RateLimiter(limits({ send: { perSecond: 10 }, topics: { orders: { perSecond: 10, burst: 3 } } }), T0);
    // A batch of 5 fits the instance's 10 but not the topic's 3.
    expect(r.admitSend('orders', 5, T0)).toEqual({ scope: 'topic', name: 'orders', perSecond: 10 });
    // The instance bucket still holds all 10.
    for (let i = 0; i < 10; i++) expect(r.admitSend('payments', 1, T0)).toBeUndefined();
    expect(r.admitSend('payments', 1, T0)).toEqual({ scope: 'send', perSecond: 10 });
    // And a refusal by the instance costs the topic nothing.
    expect(r.admitSend('orders', 3, T0)).toEqual({ scope: 'send', perSecond: 10 });
    expect(r.usage()).toEqual([
      { scope: 'send', name: '', perSecond: 10, burst: 10, admitted: 10, refused: 4 },
      { scope: 'topic', name: 'orders', perSecond: 10, burst: 3, admitted: 0, refused: 5 },
    ]);
    expect(r.admitSend('orders', 3, T0 + 300)).toBeUndefined();
  });

  it('admits a receive while a token is left and charges what it returned afterwards', () => {
    const r = new RateLimiter(limits({ receive: { perSecond: 10 } }), T0);
    expect(r.admitReceive('billing', T0)).toBeUndefined();
    r.received('billing', 32, T0); // 10 tokens, 22 in debt
    expect(r.admitReceive('billing', T0)).toEqual({ scope: 'receive', perSecond: 10 });
    expect(r.admitReceive('billing', T0 + 2_000)).toEqual({ scope: 'receive', perSecond: 10 });
    expect(r.admitReceive('billing', T0 + 2_300)).toBeUndefined();
  });

  it('admits a receive with less than a full batch of tokens', () => {
    const r = new RateLimiter(limits({ receive: { perSecond: 10, burst: 10 } }), T0);
    r.received('billing', 9, T0);
    expect(r.admitReceive('billing', T0)).toBeUndefined();
    r.received('billing', 1, T0);
    expect(r.admitReceive('billing', T0)).toEqual({ scope: 'receive', perSecond: 10 });
  });

  it("applies a group's limit and the instance's receive limit both", () => {
    const r = new RateLimiter(limits({ receive: { perSecond: 100 }, groups: { billing: { perSecond: 5 } } }), T0);
    r.received('billing', 5, T0);
    expect(r.admitReceive('billing', T0)).toEqual({ scope: 'group', name: 'billing', perSecond: 5 });
    expect(r.admitReceive('audit', T0)).toBeUndefined();
    r.received('audit', 95, T0);
    expect(r.admitReceive('audit', T0)).toEqual({ scope: 'receive', perSecond: 100 });
  });

  it('ignores a receive that returned nothing', () => {
    const r = new RateLimiter(limits({ receive: { perSecond: 1 } }), T0);
    r.received('billing', 0, T0);
    expect(r.admitReceive('billing', T0)).toBeUndefined();
    expect(r.usage()[0]).toMatchObject({ admitted: 0 });
  });

  it('keeps the buckets whose limit did not change when reconfigured', () => {
    const r = new RateLimiter(limits({ send: { perSecond: 2 }, topics: { orders: { perSecond: 1 }, payments: { perSecond: 1 } } }), T0);
    expect(r.admitSend('orders', 1, T0)).toBeUndefined();
    expect(r.admitSend('payments', 1, T0)).toBeUndefined();
    r.configure(limits({ send: { perSecond: 2 }, topics: { orders: { perSecond: 1 }, payments: { perSecond: 4 } } }), T0);
    // orders kept its empty bucket; payments got a new, full one; the instance bucket kept its count.
    expect(r.admitSend('orders', 1, T0)).toEqual({ scope: 'topic', name: 'orders', perSecond: 1 });
    expect(r.usage()).toEqual([
      { scope: 'send', name: '', perSecond: 2, burst: 2, admitted: 2, refused: 0 },
      { scope: 'topic', name: 'orders', perSecond: 1, burst: 1, admitted: 1, refused: 1 },
      { scope: 'topic', name: 'payments', perSecond: 4, burst: 4, admitted: 0, refused: 0 },
    ]);
  });

  it('drops the limits that were removed', () => {
    const r = new RateLimiter(limits({ send: { perSecond: 1 }, groups: { billing: { perSecond: 1 } } }), T0);
    r.configure(limits({}), T0);
    expect(r.admitSend('orders', 5, T0)).toBeUndefined();
    expect(r.usage()).toEqual([]);
  });

  it('treats a changed burst as a new limit', () => {
    const r = new RateLimiter(limits({ send: { perSecond: 1 } }), T0);
    expect(r.admitSend('orders', 1, T0)).toBeUndefined();
    r.configure(limits({ send: { perSecond: 1, burst: 3 } }), T0);
    expect(r.usage()).toEqual([{ scope: 'send', name: '', perSecond: 1, burst: 3, admitted: 0, refused: 0 }]);
  });

  it('counts admitted and refused messages per bucket', () => {
    const r = new RateLimiter(limits({ send: { perSecond: 3 }, receive: { perSecond: 1 }, topics: { orders: { perSecond: 2 } }, groups: { billing: { perSecond: 1 } } }), T0);
    r.admitSend('orders', 1, T0);
    r.admitSend('orders', 1, T0);
    r.admitSend('orders', 1, T0); // refused by the topic
    r.admitSend('payments', 1, T0);
    r.admitSend('payments', 4, T0); // refused by the instance
    r.received('billing', 1, T0);
    r.admitReceive('billing', T0); // refused by the group
    r.admitReceive('audit', T0); // refused by the instance
    expect(r.usage()).toEqual([
      { scope: 'send', name: '', perSecond: 3, burst: 3, admitted: 3, refused: 4 },
      { scope: 'receive', name: '', perSecond: 1, burst: 1, admitted: 1, refused: 1 },
      { scope: 'topic', name: 'orders', perSecond: 2, burst: 2, admitted: 2, refused: 1 },
      { scope: 'group', name: 'billing', perSecond: 1, burst: 1, admitted: 1, refused: 1 },
    ]);
  });
});
