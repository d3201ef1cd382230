/** The in-memory store (no `REDIS_URL`): the store contract, its bound on entries, and expiry. */
import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../src/cache/memory-store.js';
import { sinceOf, storeContract } from './store-contract.js';

const shared = new MemoryCacheStore({ maxEntries: 1_000, retentionMs: 60_000 });
storeContract('memory', () => shared);

describe('memory store', () => {
  it('keeps at most maxEntries, dropping the least recently used first', async () => {
    const store = new MemoryCacheStore({ maxEntries: 2, retentionMs: 60_000 });
    const put = async (k: string) => store.set(k, k, [`obj:${k}`], sinceOf(await store.lookup(k)), 60_000);
    await put('a');
    await put('b');
    expect(await store.lookup('a')).toEqual({ hit: 'a' }); // a is now the most recently used
    await put('c');
    expect(store.size).toBe(2);
    sinceOf(await store.lookup('b'));
    expect(await store.lookup('a')).toEqual({ hit: 'a' });
    expect(await store.lookup('c')).toEqual({ hit: 'c' });
  });

  it('expires an entry after its TTL', async () => {
    let now = 1_000_000;
    const store = new MemoryCacheStore({ maxEntries: 10, retentionMs: 60_000, now: () => now });
    await store.set('k', 'v', ['obj:x'], sinceOf(await store.lookup('k')), 5_000);
    now += 4_999;
    expect(await store.lookup('k')).toEqual({ hit: 'v' });
    now += 2;
    sinceOf(await store.lookup('k'));
  });

  it('forgets guard records after the retention, and still refuses a fill across a recent one', async () => {
    let now = 0;
    const store = new MemoryCacheStore({ maxEntries: 10, retentionMs: 1_000, now: () => now });
    const old = sinceOf(await store.lookup('k'));
    await store.invalidate(['obj:a']);
    now += 500;
    await store.invalidate(['obj:b']);
    expect(await store.set('k', 'v', ['obj:b'], old, 5_000)).toBe(false);
    // The read-through never stores a read older than half the retention; a fresh read is stored.
    now += 2_000;
    await store.invalidate(['obj:c']);
    expect(await store.set('k', 'v', ['obj:a'], sinceOf(await store.lookup('k')), 5_000)).toBe(true);
  });
});
