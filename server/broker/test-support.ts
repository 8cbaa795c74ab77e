/**
 * Shared by the engine and front-end tests (not a test file itself). Tests wait for conditions with a
 * deadline, never for a guessed duration: the suite must pass on a loaded machine, run after run.
 */

export interface WaitOptions {
  /** What is awaited, for the failure message ("the message to reach the DLQ"). */
  what: string;
  /** Generous on purpose: the deadline only matters when the condition never comes. */
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls `cond` until it returns a truthy value and resolves with that value; rejects naming `what` once
 * `timeoutMs` passed. The deadline is kept on the monotonic clock, so it still works in tests that fake
 * `Date` (vi.useFakeTimers({ toFake: ['Date'] })); the polling uses the real timers, which such tests keep.
 * An exception thrown by `cond` fails the wait at once.
 */
export async function waitUntil<T>(cond: () => T | Promise<T>, opts: WaitOptions): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 20;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await cond();
    if (value) return value as NonNullable<T>;
    if (performance.now() >= deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${opts.what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
