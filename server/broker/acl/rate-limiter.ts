import type { RateLimit, RateLimits } from './rules.ts';

/** A token bucket: `perSecond` tokens a second, holding at most `burst`. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Messages admitted and refused since the bucket was made (the console and the metrics show them). */
  admitted = 0;
  refused = 0;

  constructor(
    readonly limit: Required<RateLimit>,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.last = now;
  }

  /** Takes `n` tokens if there are, else none; never waits (an over-limit request is refused at once). */
  take(n: number, now: number): boolean {
    if (!this.has(n, now)) {
      this.refused += n;
      return false;
    }
    this.tokens -= n;
    this.admitted += n;
    return true;
  }

  /** True when `n` tokens are there (nothing taken). */
  has(n: number, now: number): boolean {
    this.refill(now);
    return this.tokens >= n;
  }

  /** Takes `n` tokens even past empty: receives learn their count after the fact. */
  charge(n: number, now: number): void {
    this.refill(now);
    this.tokens -= n;
    this.admitted += n;
  }

  /** True when at least one token is there. */
  hasToken(now: number): boolean {
    return this.has(1, now);
  }

  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed <= 0) return;
    this.last = now;
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed * this.limit.perSecond) / 1000);
  }
}

export type LimitScope = 'send' | 'receive' | 'topic' | 'group';

/** What refused a request, for its status message. */
export interface LimitRefusal {
  scope: LimitScope;
  name?: string;
  perSecond: number;
}

function full(limit: RateLimit): Required<RateLimit> {
  return { perSecond: limit.perSecond, burst: limit.burst ?? limit.perSecond };
}

/** The instance's send and receive buckets, and those of the topics and groups that have their own limit. */
export class RateLimiter {
  private send: TokenBucket | undefined;
  private receive: TokenBucket | undefined;
  private readonly topics = new Map<string, TokenBucket>();
  private readonly groups = new Map<string, TokenBucket>();

  constructor(limits: RateLimits, now = Date.now()) {
    this.configure(limits, now);
  }

  /** New limits; buckets whose limit did not change keep their tokens and counts. */
  configure(limits: RateLimits, now = Date.now()): void {
    const keep = (b: TokenBucket | undefined, l: RateLimit | null | undefined) => {
      if (!l) return undefined;
      const f = full(l);
      return b && b.limit.perSecond === f.perSecond && b.limit.burst === f.burst ? b : new TokenBucket(f, now);
    };
    this.send = keep(this.send, limits.send);
    this.receive = keep(this.receive, limits.receive);
    for (const [map, wanted] of [
      [this.topics, limits.topics],
      [this.groups, limits.groups],
    ] as const) {
      for (const name of [...map.keys()]) if (!wanted[name]) map.delete(name);
      for (const [name, l] of Object.entries(wanted)) map.set(name, keep(map.get(name), l)!);
    }
  }

  /** Admits `n` messages sent to `topic`, or says which limit refuses them (no bucket is charged then). */
  admitSend(topic: string, n: number, now = Date.now()): LimitRefusal | undefined {
    const t = this.topics.get(topic);
    // Both buckets are asked before either is charged: a send one of them refuses costs the other nothing.
    if (t && !t.has(n, now)) return (t.refused += n, { scope: 'topic', name: topic, perSecond: t.limit.perSecond });
    if (this.send && !this.send.take(n, now)) return { scope: 'send', perSecond: this.send.limit.perSecond };
    t?.take(n, now);
    return undefined;
  }

  /** Whether `group` may receive now: refused when its bucket or the instance's is empty. */
  admitReceive(group: string, now = Date.now()): LimitRefusal | undefined {
    const g = this.groups.get(group);
    if (g && !g.hasToken(now)) return (g.refused++, { scope: 'group', name: group, perSecond: g.limit.perSecond });
    if (this.receive && !this.receive.hasToken(now)) return (this.receive.refused++, { scope: 'receive', perSecond: this.receive.limit.perSecond });
    return undefined;
  }

  /** Charges the messages a receive returned. */
  received(group: string, n: number, now = Date.now()): void {
    if (n <= 0) return;
    this.receive?.charge(n, now);
    this.groups.get(group)?.charge(n, now);
  }

  /** Admitted and refused counts per bucket, for the console and the metrics. */
  usage(): { scope: LimitScope; name: string; perSecond: number; burst: number; admitted: number; refused: number }[] {
    const row = (scope: LimitScope, name: string, b: TokenBucket) => ({ scope, name, perSecond: b.limit.perSecond, burst: b.limit.burst, admitted: b.admitted, refused: b.refused });
    return [
      ...(this.send ? [row('send', '', this.send)] : []),
      ...(this.receive ? [row('receive', '', this.receive)] : []),
      ...[...this.topics].map(([n, b]) => row('topic', n, b)),
      ...[...this.groups].map(([n, b]) => row('group', n, b)),
    ];
  }
}
