/**
 * The in-memory event de-duplication: the first claim of an id wins, a released claim can be made again, and memory
 * stays bounded in count (oldest forgotten first) and in time (ids older than the window forgotten). Time is a clock
 * the test moves, so nothing waits.
 */
import { describe, expect, it } from 'vitest';
import { MemoryEventDedup, STRIPE_RETRY_WINDOW_MS } from '../../src/events/dedup.js';

describe('MemoryEventDedup', () => {
  it('lets the first claim of an id win, and a released one be claimed again', async () => {
    const dedup = new MemoryEventDedup();
    expect(await dedup.claim('evt_1')).toBe(true);
    expect(await dedup.claim('evt_1')).toBe(false);
    expect(await dedup.claim('evt_2')).toBe(true);
    await dedup.release('evt_1');
    expect(await dedup.claim('evt_1')).toBe(true);
    expect(await dedup.claim('evt_1')).toBe(false);
  });

  it('remembers ids for Stripe\'s three days of retries by default, then forgets them', async () => {
    let now = 1_000_000;
    const dedup = new MemoryEventDedup({ now: () => now });
    await dedup.claim('evt_old');
    now += STRIPE_RETRY_WINDOW_MS - 1;
    expect(await dedup.claim('evt_old')).toBe(false);
    await dedup.claim('evt_newer');
    now += 1;
    // Three days after its claim, the old id is gone (Stripe no longer retries it); the newer one is not.
    expect(await dedup.claim('evt_newer')).toBe(false);
    expect(dedup.size).toBe(1);
    expect(await dedup.claim('evt_old')).toBe(true);
  });

  it('holds at most maxEvents ids, forgetting the oldest first', async () => {
    const dedup = new MemoryEventDedup({ maxEvents: 3 });
    for (const id of ['evt_a', 'evt_b', 'evt_c', 'evt_d', 'evt_e']) expect(await dedup.claim(id)).toBe(true);
    expect(dedup.size).toBe(3);
    expect(await dedup.claim('evt_e')).toBe(false);
    expect(await dedup.claim('evt_c')).toBe(false);
    expect(await dedup.claim('evt_a')).toBe(true);
  });
});
