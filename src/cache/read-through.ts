/**
 * The shared cache's read-through: a Stripe read looked up by its key, and on a miss made, then stored with its
 * tags under the race guard (`store.ts`); an event's change, or the gateway's own write, drops the tags it changes
 * (`tags.ts`). It sits below the per-request loaders: keys never depend on who is calling (the resolvers decide who
 * may see an object after it is read, exactly as they do with Stripe's answer), and a customer's lists are keyed by
 * the customer the resolver asked for.
 *
 * A store that fails is a miss, never an error: the read goes to Stripe. An invalidation that fails rejects for an
 * event (the delivery is answered 500 and Stripe sends it again) and is logged for a write (the event follows).
 */
import type { ChangedHook, ObjectChange } from '../events/changes.js';
import type { Logger } from '../observability/log.js';
import type { CacheStore, Since } from './store.js';
import { objectTagsIn, tagsOfChange, tagsOfEvent } from './tags.js';

/** What a read is: its key (the call and every parameter that shapes its answer) and the tags beside its objects'. */
export interface CacheRead {
  key: string;
  tags: readonly string[];
}

export interface SharedCacheOptions {
  /** The longest an entry lives (`CACHE_TTL_SECONDS`). */
  ttlMs: number;
  /**
   * How long the race guard remembers an invalidation; an answer whose read took longer than half of it is not
   * stored (at least twice the longest request deadline).
   */
  retentionMs: number;
  logger?: Logger | undefined;
}

/** A key's part for one call: its name and its parameters in a stable order. */
export function readKey(call: string, ...params: unknown[]): string {
  return `${call}:${JSON.stringify(params, (_key, value: unknown) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? sortedObject(value as Record<string, unknown>) : value))}`;
}

function sortedObject(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(value).filter((k) => value[k] !== undefined).sort().map((k) => [k, value[k]]));
}

/** What is kept of a result: its JSON without the `Request-Id` of the call that made it (a hit made no call). */
function serialize(value: unknown): string {
  if (value !== null && typeof value === 'object' && 'requestId' in value) {
    const { requestId: _made, ...kept } = value as Record<string, unknown>;
    return JSON.stringify(kept);
  }
  return JSON.stringify(value);
}

/** A read this process is making now: the sequence it began at, and its answer as it will be stored. */
interface InFlightRead {
  since: Since;
  answer: Promise<string>;
}

export class SharedCache {
  /** Misses on their way to Stripe, by key: a second miss of the same read joins the first (one call, not two). */
  private readonly inFlight = new Map<string, InFlightRead>();

  constructor(
    readonly store: CacheStore,
    private readonly options: SharedCacheOptions,
  ) {}

  /** Reads answered without a call of their own (a joined miss included), and reads that made one. */
  private readonly counts = { hits: 0, misses: 0 };

  /** Reads so far (the metrics' hits and misses). */
  stats(): { hits: number; misses: number } {
    return { ...this.counts };
  }

  /** `fetch`'s answer, from the cache when it holds it (`hit`), or from `fetch` (then kept for the next read). */
  async read<T>(read: CacheRead, fetch: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
    // A read that failed went to Stripe: a miss.
    let hit = false;
    try {
      const answer = await this.lookup(read, fetch);
      hit = answer.hit;
      return answer;
    } finally {
      this.counts[hit ? 'hits' : 'misses']++;
    }
  }

  private async lookup<T>(read: CacheRead, fetch: () => Promise<T>): Promise<{ value: T; hit: boolean }> {
    const found = await this.store.lookup(read.key).catch(() => undefined);
    if (found?.hit !== undefined) return { value: JSON.parse(found.hit) as T, hit: true };
    if (found === undefined) return { value: await fetch(), hit: false };
    // The same read already on its way to Stripe, begun at this very point of the invalidation sequence (nothing was
    // invalidated in between, on any replica): its answer is the one this read would get, so it is shared rather
    // than asked again — a page many callers view at once after a change costs one call per read, not one each. If
    // that call fails (its caller left, its deadline passed), this read makes its own, in its own words.
    const joined = this.inFlight.get(read.key);
    if (joined !== undefined && joined.since === found.since) {
      const answer = await joined.answer.catch(() => undefined);
      if (answer !== undefined) return { value: JSON.parse(answer) as T, hit: true };
    }
    const started = performance.now();
    const fetched = fetch();
    const own: InFlightRead = { since: found.since, answer: fetched.then(serialize) };
    own.answer.catch(() => undefined);
    this.inFlight.set(read.key, own);
    let value: T;
    try {
      value = await fetched;
    } finally {
      if (this.inFlight.get(read.key) === own) this.inFlight.delete(read.key);
    }
    if (performance.now() - started < this.options.retentionMs / 2) {
      const tags = objectTagsIn(value, new Set(read.tags));
      await this.store.set(read.key, await own.answer, [...tags], found.since, this.options.ttlMs).catch((error: unknown) => {
        this.options.logger?.warn('shared cache: an entry could not be stored', { error });
      });
    }
    return { value, hit: false };
  }

  /** Drops what an event changed; rejects when it could not (the webhook route answers 500, Stripe retries). */
  readonly changedHook: ChangedHook = async (change) => {
    const tags = tagsOfEvent(change);
    if (tags.length > 0) await this.store.invalidate(tags);
  };

  /**
   * Drops what the gateway's own write changed, right after Stripe answered it (read-your-writes, without waiting
   * for the event). Never rejects: the write happened; if the store cannot be reached, the event will drop them.
   */
  async wrote(changes: readonly ObjectChange[]): Promise<void> {
    const tags = [...new Set(changes.flatMap(tagsOfChange))];
    if (tags.length === 0) return;
    await this.store.invalidate(tags).catch((error: unknown) => {
      this.options.logger?.warn('shared cache: a write could not drop what it changed; its event will', { error });
    });
  }

  close(): void {
    this.store.close();
  }
}
