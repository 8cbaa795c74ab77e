import { BrokerError } from '../errors.ts';

/** Long polls held open at once per broker; past it a poll is refused with TOO_MANY_REQUESTS, not queued. */
export const MAX_WAITERS = 10_000;
/** setTimeout's largest delay; a longer wait would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Long polls waiting for something to happen under a key (a topic, a queue): `wait` resolves when `wake` is
 * called for the key, the time is up, or the signal aborts, whichever comes first.
 */
export class Waiters {
  private readonly byKey = new Map<string, Set<() => void>>();
  private count = 0;

  wait(key: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.count >= MAX_WAITERS) {
      return Promise.reject(new BrokerError('TOO_MANY_REQUESTS', 'Too many consumers are long-polling; retry shortly'));
    }
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.byKey.get(key);
      if (!set) {
        set = new Set();
        this.byKey.set(key, set);
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        if (set.delete(done)) this.count--;
        if (set.size === 0 && this.byKey.get(key) === set) this.byKey.delete(key);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
      this.count++;
    });
  }

  wake(key: string): void {
    const set = this.byKey.get(key);
    if (set) for (const w of [...set]) w();
  }

  wakeLater(key: string, ms: number): void {
    // A few ms past the deadline, so the woken poll finds the message already visible.
    setTimeout(() => this.wake(key), ms + 5).unref();
  }

  /** Wakes every long poll so it can answer (at shutdown). */
  wakeAll(): void {
    for (const key of [...this.byKey.keys()]) this.wake(key);
  }
}
