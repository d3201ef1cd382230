/**
 * What every `CacheStore` does (memory and Redis alike), as one set of tests each store's file runs: entries by key,
 * dropped by any of their tags, and the race guard — an answer read before an invalidation of one of its tags is
 * never stored after it.
 */
import { describe, expect, it } from 'vitest';
import type { CacheStore, Lookup } from '../../src/cache/store.js';

/** The `since` of a miss (fails the test on a hit or an unusable store). */
export function sinceOf(found: Lookup | undefined): string {
  if (found === undefined) throw new Error('the store is not usable');
  if (found.hit !== undefined) throw new Error(`expected a miss, got a hit: ${found.hit}`);
  return found.since;
}

let unique = 0;
/** A key no other test uses (the Redis store is shared by the file's tests). */
const key = (name: string) => `${name}:${++unique}`;

export function storeContract(name: string, store: () => CacheStore): void {
  describe(`${name}: the store contract`, () => {
    it('keeps an entry under its key until one of its tags is invalidated', async () => {
      const k = key('entry');
      const since = sinceOf(await store().lookup(k));
      expect(await store().set(k, '{"a":1}', ['obj:cus_1', 'list:invoice:cus_1'], since, 60_000)).toBe(true);
      expect(await store().lookup(k)).toEqual({ hit: '{"a":1}' });
      await store().invalidate(['obj:cus_other']);
      expect(await store().lookup(k), 'another tag leaves it').toEqual({ hit: '{"a":1}' });
      await store().invalidate(['list:invoice:cus_1']);
      sinceOf(await store().lookup(k));
    });

    it('drops every entry carrying an invalidated tag, and no other', async () => {
      const [a, b, c] = [key('a'), key('b'), key('c')];
      for (const [k, tags] of [
        [a, ['obj:in_1', 'obj:cus_9']],
        [b, ['obj:in_1']],
        [c, ['obj:in_2']],
      ] as const) {
        expect(await store().set(k, k, tags, sinceOf(await store().lookup(k)), 60_000)).toBe(true);
      }
      await store().invalidate(['obj:in_1']);
      sinceOf(await store().lookup(a));
      sinceOf(await store().lookup(b));
      expect(await store().lookup(c)).toEqual({ hit: c });
    });

    it('race guard: a read that began before an invalidation of one of its tags is not stored', async () => {
      const k = key('race');
      // The read takes its sequence, then (while its Stripe call is in flight) an event drops its tag.
      const since = sinceOf(await store().lookup(k));
      await store().invalidate(['obj:sub_race']);
      expect(await store().set(k, 'before the event', ['obj:sub_race', 'obj:price_1'], since, 60_000)).toBe(false);
      sinceOf(await store().lookup(k));
      // A read that began after the invalidation is stored.
      const after = sinceOf(await store().lookup(k));
      expect(await store().set(k, 'after the event', ['obj:sub_race'], after, 60_000)).toBe(true);
      expect(await store().lookup(k)).toEqual({ hit: 'after the event' });
    });

    it('race guard: an invalidation of other tags does not stop the store', async () => {
      const k = key('unrelated');
      const since = sinceOf(await store().lookup(k));
      await store().invalidate(['obj:cus_unrelated']);
      expect(await store().set(k, 'v', ['obj:cus_mine'], since, 60_000)).toBe(true);
    });
  });
}
