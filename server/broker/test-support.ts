import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Broker, type BrokerOptions } from './index.ts';

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

const opened: { broker: Broker; dir: string }[] = [];

/**
 * A broker on a fresh temporary data directory, with small files so tests stay quick; `closeTestBrokers`
 * (in afterEach) closes every one and removes its directory.
 */
export async function openTestBroker(options: Omit<BrokerOptions, 'dataDir'> = {}): Promise<Broker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-test-'));
  const broker = await Broker.open({ segmentSize: 1 << 22, maxMessageSize: 64 << 10, ...options, dataDir: dir });
  opened.push({ broker, dir });
  return broker;
}

export async function closeTestBrokers(): Promise<void> {
  for (const { broker, dir } of opened.splice(0)) {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
