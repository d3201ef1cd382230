/**
 * The store's housekeeping: portal sessions that can no longer be opened are swept out, so a long load run
 * creating sessions does not grow memory without bound.
 */
import { describe, expect, it } from 'vitest';
import { manualClock, Store, type SessionRecord } from '../../src/local-stripe/store.js';

function record(expiresAt: number, visitedAt: number | null): SessionRecord {
  return { session: {} as SessionRecord['session'], expiresAt, visitedAt };
}

describe('portal session sweeping', () => {
  it('drops unvisited expired sessions and long-visited ones, keeps the rest', () => {
    const clock = manualClock(1_000_000_000_000);
    const store = new Store('acct_test', clock);
    const now = clock.now();
    store.keepSession('expired', record(now - 1, null));
    store.keepSession('live', record(now + 60_000, null));
    store.keepSession('visited-recently', record(now - 1, now - 60_000));
    store.keepSession('visited-long-ago', record(now - 1, now - 2 * 24 * 3600_000));
    for (let i = 4; i < 999; i++) store.keepSession(`filler-${i}`, record(now + 60_000, null));
    expect(store.sessions.has('expired')).toBe(true); // no sweep before the thousandth
    store.keepSession('thousandth', record(now + 60_000, null));
    expect(store.sessions.has('expired')).toBe(false);
    expect(store.sessions.has('visited-long-ago')).toBe(false);
    expect(store.sessions.has('live')).toBe(true);
    expect(store.sessions.has('visited-recently')).toBe(true);
    expect(store.sessions.size).toBe(998);
  });
});
