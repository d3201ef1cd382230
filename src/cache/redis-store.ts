/**
 * The shared cache in Redis, shared by every replica: one Lua script per operation, so that the race guard's check
 * and the write it guards are one atomic step. Keys live under `${prefix}cache:${account}:`:
 * - `gen`: the generation now. Entries and tag sets live under `${gen}:e:<key>`, `${gen}:t:<tag>`; a new generation
 *   is the whole cache dropped at once (old keys expire by their TTL);
 * - `seq`: the sequence of invalidations; `inv:<tag>`: the last one of a tag (kept `retentionMs`).
 * Every connection to Redis (the first, and every reconnection) starts a new generation before the store is used:
 * while this replica could not reach Redis it may have missed invalidations. While Redis is down, or until that new
 * generation is set, every lookup is a miss and nothing is stored; an invalidation rejects (the webhook delivery is
 * answered 500 and Stripe sends it again). A Redis that lost everything has no `gen`: misses until one is set.
 * (Single-node Redis or a primary: the scripts touch keys they compute, which Redis Cluster would refuse.)
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/log.js';
import type { RedisLink } from '../redis/connection.js';
import type { CacheStore, Lookup, Since } from './store.js';

/** ARGV: base, key → false (no generation), {1, value} or {0, "gen:seq"}. */
const LOOKUP = `
local gen = redis.call('GET', ARGV[1] .. 'gen')
if not gen then return false end
local value = redis.call('GET', ARGV[1] .. gen .. ':e:' .. ARGV[2])
if value then return {1, value} end
return {0, gen .. ':' .. (redis.call('GET', ARGV[1] .. 'seq') or '0')}
`;

/** ARGV: base, key, since, value, ttlMs, tags… → 1 stored, 0 refused (another generation, or a tag invalidated since). */
const GUARDED_SET = `
local base = ARGV[1]
local gen = redis.call('GET', base .. 'gen')
local sinceGen, sinceSeq = string.match(ARGV[3], '^(.*):(%d+)$')
if not gen or sinceGen ~= gen then return 0 end
sinceSeq = tonumber(sinceSeq)
for i = 6, #ARGV do
  local last = redis.call('GET', base .. 'inv:' .. ARGV[i])
  if last and tonumber(last) > sinceSeq then return 0 end
end
local entry = base .. gen .. ':e:' .. ARGV[2]
local ttl = tonumber(ARGV[5])
redis.call('SET', entry, ARGV[4], 'PX', ttl)
for i = 6, #ARGV do
  local tag = base .. gen .. ':t:' .. ARGV[i]
  redis.call('SADD', tag, entry)
  if redis.call('PTTL', tag) < ttl then redis.call('PEXPIRE', tag, ttl) end
end
return 1
`;

/** ARGV: base, retentionMs, tags… → the invalidation's sequence number. */
const INVALIDATE = `
local base = ARGV[1]
local gen = redis.call('GET', base .. 'gen')
local seq = redis.call('INCR', base .. 'seq')
for i = 3, #ARGV do
  redis.call('SET', base .. 'inv:' .. ARGV[i], seq, 'PX', ARGV[2])
  if gen then
    local tag = base .. gen .. ':t:' .. ARGV[i]
    local entries = redis.call('SMEMBERS', tag)
    for j = 1, #entries, 500 do
      redis.call('DEL', unpack(entries, j, math.min(j + 499, #entries)))
    end
    redis.call('DEL', tag)
  end
end
return seq
`;

export interface RedisStoreOptions {
  /** A hash of the Stripe key (`accountHash`): two accounts on one Redis never share entries. */
  account: string;
  retentionMs: number;
  logger?: Logger | undefined;
}

export class RedisCacheStore implements CacheStore {
  /** Every key's start: `${prefix}cache:${account}:`. */
  readonly base: string;
  /** Whether the store may be used now: Redis is up and this connection's new generation is set. */
  private usable = false;
  /** The generation being set (tests wait for it). */
  private starting: Promise<void> = Promise.resolve();
  private generating = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly link: RedisLink,
    private readonly options: RedisStoreOptions,
  ) {
    this.base = `${link.prefix}cache:${options.account}:`;
    this.unsubscribe = link.onChange((up) => {
      this.usable = false;
      if (up) this.newGeneration();
    });
    if (link.up) this.newGeneration();
  }

  /** Resolves once the store may be used (or its attempt failed: then it stays a miss until the next connection). */
  ready(): Promise<boolean> {
    return this.starting.then(() => this.usable);
  }

  /** Drops the whole cache (for every replica): entries written before may be stale. */
  private newGeneration(): void {
    this.generating = true;
    this.starting = this.link.client
      .set(`${this.base}gen`, randomUUID())
      .then(() => {
        if (this.link.up) this.usable = true;
      })
      .catch((error: unknown) => {
        this.options.logger?.warn('shared cache: could not start a new generation in Redis; reads go to Stripe', { error });
      })
      .finally(() => {
        this.generating = false;
      });
  }

  async lookup(key: string): Promise<Lookup | undefined> {
    if (!this.usable || !this.link.up) {
      // Up, but its generation failed to start (a timeout): try again, the read meanwhile a miss.
      if (this.link.up && !this.generating) this.newGeneration();
      return undefined;
    }
    const found = (await this.link.client.eval(LOOKUP, 0, this.base, key)) as [number, string] | null;
    if (found === null) {
      // No generation: a Redis that lost it (evicted, restarted before this link noticed) holds no trusted entry.
      if (this.usable) {
        this.usable = false;
        this.newGeneration();
      }
      return undefined;
    }
    return found[0] === 1 ? { hit: found[1] } : { since: found[1] };
  }

  async set(key: string, value: string, tags: readonly string[], since: Since, ttlMs: number): Promise<boolean> {
    if (!this.usable || !this.link.up) return false;
    const stored = await this.link.client.eval(GUARDED_SET, 0, this.base, key, since, value, String(Math.max(1, Math.round(ttlMs))), ...tags);
    return stored === 1;
  }

  async invalidate(tags: readonly string[]): Promise<void> {
    // Down: every replica's cache may hold what this change replaces, and this one cannot drop it.
    if (!this.link.up) throw new Error('the shared cache cannot be invalidated: Redis is unreachable');
    await this.link.client.eval(INVALIDATE, 0, this.base, String(this.options.retentionMs), ...tags);
  }

  close(): void {
    this.unsubscribe();
  }
}
