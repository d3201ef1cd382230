/**
 * The shared cache in this process's memory (no `REDIS_URL`): at most `maxEntries` entries, the least recently used
 * dropped first, each for its TTL at most; a tag index finds what an invalidation drops. The race guard's records
 * (the last invalidation of each tag) are kept `retentionMs` (the read-through never stores an answer whose read
 * took longer than half of that, so a forgotten record cannot matter).
 */
import type { CacheStore, Lookup, Since } from './store.js';

interface Entry {
  value: string;
  tags: readonly string[];
  expiresAt: number;
}

export interface MemoryStoreOptions {
  maxEntries: number;
  retentionMs: number;
  /** The clock (tests of expiry pass their own). */
  now?: () => number;
}

export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, Entry>();
  private readonly byTag = new Map<string, Set<string>>();
  /** tag → the sequence number and time of its last invalidation. */
  private readonly invalidated = new Map<string, { seq: number; at: number }>();
  private seq = 0;
  private readonly now: () => number;

  constructor(private readonly options: MemoryStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Entries held now (expired ones included until they are next touched). */
  get size(): number {
    return this.entries.size;
  }

  lookup(key: string): Promise<Lookup> {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.expiresAt > this.now()) {
      // Most recently used last: the map's order is the eviction order.
      this.entries.delete(key);
      this.entries.set(key, entry);
      return Promise.resolve({ hit: entry.value });
    }
    if (entry !== undefined) this.remove(key);
    return Promise.resolve({ since: String(this.seq) });
  }

  set(key: string, value: string, tags: readonly string[], since: Since, ttlMs: number): Promise<boolean> {
    const from = Number(since);
    if (tags.some((tag) => (this.invalidated.get(tag)?.seq ?? 0) > from)) return Promise.resolve(false);
    this.remove(key);
    this.entries.set(key, { value, tags, expiresAt: this.now() + ttlMs });
    for (const tag of tags) {
      let keys = this.byTag.get(tag);
      if (keys === undefined) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    while (this.entries.size > this.options.maxEntries) this.remove(this.entries.keys().next().value as string);
    return Promise.resolve(true);
  }

  invalidate(tags: readonly string[]): Promise<void> {
    const at = this.now();
    const seq = ++this.seq;
    for (const tag of tags) {
      // Re-inserted, so that the map stays in invalidation order.
      this.invalidated.delete(tag);
      this.invalidated.set(tag, { seq, at });
      for (const key of this.byTag.get(tag) ?? []) this.remove(key);
    }
    this.forget(at);
    return Promise.resolve();
  }

  close(): void {}

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }

  /** Drops guard records older than the retention (the map is in invalidation order, oldest first). */
  private forget(now: number): void {
    for (const [tag, record] of this.invalidated) {
      if (record.at > now - this.options.retentionMs) break;
      this.invalidated.delete(tag);
    }
  }
}
