import { describe, expect, it } from 'vitest';
import { createMessageId } from './message-id.ts';

const EPOCH_2021 = Date.UTC(2021, 0, 1);

describe('message ids', () => {
  it('are 34 uppercase hex digits: 01, host and pid, the seconds since 2021, then a sequence that counts up', () => {
    const now = Date.UTC(2026, 11, 2, 10, 30, 15, 500);
    const a = createMessageId(now);
    const b = createMessageId(now + 1);
    const later = createMessageId(now + 60_000);
    for (const id of [a, b, later]) expect(id).toMatch(/^01[0-9A-F]{32}$/);
    expect(a.slice(0, 18)).toBe(b.slice(0, 18));
    expect(parseInt(a.slice(18, 26), 16)).toBe(Math.floor((now - EPOCH_2021) / 1000));
    expect(parseInt(later.slice(18, 26), 16)).toBe(Math.floor((now + 60_000 - EPOCH_2021) / 1000));
    expect(parseInt(b.slice(26), 16)).toBe(parseInt(a.slice(26), 16) + 1);
    expect(parseInt(later.slice(26), 16)).toBe(parseInt(a.slice(26), 16) + 2);
  });
});
