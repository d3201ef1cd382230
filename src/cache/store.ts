/**
 * What the shared cache keeps its entries in: this process's memory (`memory-store.ts`) or Redis, shared by every
 * replica (`redis-store.ts`). An entry is a serialized Stripe result under a key, with tags naming what it holds
 * (`tags.ts`); an invalidation drops every entry carrying one of its tags.
 *
 * The race guard lives here, in both stores alike: every invalidation takes the next number of a sequence and
 * records it for each of its tags; a read takes the sequence (`since`) before it calls Stripe, and its answer is
 * stored only if none of its tags was invalidated after that. So an answer Stripe gave before an event can never be
 * stored after the event dropped what it replaces (no stale fill).
 */

/** A point in the store's sequence of invalidations, as `lookup` gave it; opaque to everyone else. */
export type Since = string;

/** A lookup's outcome: the entry, or a miss with the sequence now (for the guarded `set` after the Stripe call). */
export type Lookup = { hit: string } | { hit?: undefined; since: Since };

export interface CacheStore {
  /** The entry under `key`; undefined when the store cannot be used now (every read a miss, nothing stored). */
  lookup(key: string): Promise<Lookup | undefined>;
  /**
   * Stores `value` under `key` for `ttlMs` with `tags`, unless one of them was invalidated after `since` (or the
   * store was flushed since). Whether it was stored.
   */
  set(key: string, value: string, tags: readonly string[], since: Since, ttlMs: number): Promise<boolean>;
  /** Drops every entry carrying one of `tags`; rejects when it could not (the caller must not pretend it did). */
  invalidate(tags: readonly string[]): Promise<void>;
  /** Stops listening to what it listens to (Redis's state). */
  close(): void;
}
