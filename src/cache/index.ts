/**
 * The shared cache of Stripe reads, as `startApp` builds it from the settings (`CACHE`, `CACHE_TTL_SECONDS`,
 * `CACHE_MAX_ENTRIES`, `REDIS_URL`): off, in this process's memory, or in Redis shared by every replica. The modules:
 * `store.ts` (the store's interface and its race guard), `memory-store.ts`, `redis-store.ts`, `tags.ts` (what an entry
 * is tagged with, what a change drops), `written.ts` (what the gateway's own writes change), `read-through.ts`.
 */
import { createHash } from 'node:crypto';
import type { CacheSettings } from '../config-replicas.js';
import type { Logger } from '../observability/log.js';
import type { RedisLink } from '../redis/connection.js';
import { MemoryCacheStore } from './memory-store.js';
import { SharedCache } from './read-through.js';
import { RedisCacheStore } from './redis-store.js';

export { SharedCache } from './read-through.js';

/** The race guard remembers an invalidation at least this long (and at least twice the request deadline). */
export const MIN_GUARD_RETENTION_MS = 120_000;

export interface SharedCacheSetup {
  settings: CacheSettings;
  /** The Redis link (`REDIS_URL`); none: the cache lives in this process's memory. */
  link?: RedisLink | undefined;
  /** The Stripe key: Redis keys are scoped to a hash of it, so that two accounts on one Redis never share entries. */
  secretKey: string;
  /** `REQUEST_TIMEOUT_MS`. */
  requestTimeoutMs?: number | undefined;
  logger?: Logger | undefined;
}

/** A short, stable name for the Stripe account (never the key itself). */
export function accountHash(secretKey: string): string {
  return createHash('sha256').update(secretKey).digest('hex').slice(0, 16);
}

/** The cache the settings ask for, or undefined when it is off. */
export function createSharedCache(setup: SharedCacheSetup): SharedCache | undefined {
  const { settings } = setup;
  if (settings.mode === 'off') return undefined;
  const retentionMs = Math.max(MIN_GUARD_RETENTION_MS, 2 * (setup.requestTimeoutMs ?? 0));
  const store =
    setup.link !== undefined
      ? new RedisCacheStore(setup.link, { account: accountHash(setup.secretKey), retentionMs, logger: setup.logger })
      : new MemoryCacheStore({ maxEntries: settings.maxEntries, retentionMs });
  return new SharedCache(store, { ttlMs: settings.ttlSeconds * 1000, retentionMs, logger: setup.logger });
}
