/**
 * The account's Stripe budget in Redis (`REDIS_URL`), shared by every replica: the same GCRA buckets as
 * `MemoryBudgetStore` (`./budget.ts`), one Lua script that reserves a token from every bucket a request needs, or from
 * none, atomically, on Redis's own clock (`TIME`), so that replicas whose clocks differ still share one rate. Keys:
 * `<prefix>budget:{<account>}:<kind>` (one hash slot per account), each expiring once its bucket is full again.
 *
 * Redis down (or a command failing): the reservation is made in this process's memory instead, at the budget
 * divided by the replicas last seen — every replica announces itself every couple of seconds in a sorted set
 * (`<prefix>budget:replicas`, members older than `PRESENCE_TTL_MS` dropped) — so that N replicas cut off from Redis
 * together still keep, between them, to about the one budget. Back up, the next reservation is Redis's again.
 */
import { randomUUID } from 'node:crypto';
import type { RedisLink } from '../redis/connection.js';
import { MemoryBudgetStore, type BucketSpec, type BudgetStore, type Reservation } from './budget.js';

/** How often a replica says it is there, and how long it counts after it last said so. */
export const PRESENCE_REFRESH_MS = 2_000;
export const PRESENCE_TTL_MS = 6_000;

/**
 * KEYS: the buckets. ARGV[1]: the longest wait the caller accepts (µs); then per bucket its interval and its
 * tolerance (µs). Returns { granted (1/0), wait (µs) }.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local maxWait = tonumber(ARGV[1])
local wait = 0
local tats = {}
for i, key in ipairs(KEYS) do
  local tat = tonumber(redis.call('GET', key) or '0')
  tats[i] = tat
  local w = tat - tonumber(ARGV[2 * i + 1]) - now
  if w > wait then wait = w end
end
if wait > maxWait then return { 0, math.floor(wait) } end
local at = now + wait
for i, key in ipairs(KEYS) do
  local tat = math.max(tats[i], at) + tonumber(ARGV[2 * i])
  redis.call('SET', key, string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
end
return { 1, math.floor(wait) }
`;

/** KEYS[1]: the replicas' sorted set. ARGV: this replica's id, the TTL (ms). Returns how many replicas are there. */
const PRESENCE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
`;

/** A bucket at `share` of its rate (its burst too, at least one). */
function shareOf(bucket: BucketSpec, share: number): BucketSpec {
  return { ...bucket, rate: bucket.rate * share, burst: Math.max(1, Math.floor(bucket.burst * share)) };
}

export class RedisBudgetStore implements BudgetStore {
  private readonly id = randomUUID();
  private readonly fallback = new MemoryBudgetStore();
  private replicas = 1;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(private readonly link: RedisLink) {
    this.timer = setInterval(() => void this.announce(), PRESENCE_REFRESH_MS);
    this.timer.unref();
    this.unsubscribe = link.onChange((up) => {
      if (up) void this.announce();
    });
    void this.announce();
  }

  /** Replicas seen in Redis at the last announcement (this one included). */
  get replicasSeen(): number {
    return this.replicas;
  }

  /** Where reservations go now. */
  get shared(): boolean {
    return this.link.up;
  }

  async reserve(account: string, buckets: readonly BucketSpec[], maxWaitMs: number): Promise<Reservation> {
    if (this.link.up) {
      try {
        return await this.reserveInRedis(account, buckets, maxWaitMs);
      } catch {
        // Redis failed this command: this one goes by the local share below (the link logs the outage).
      }
    }
    const share = 1 / Math.max(1, this.replicas);
    return this.fallback.reserve(account, buckets.map((bucket) => shareOf(bucket, share)), maxWaitMs);
  }

  private async reserveInRedis(account: string, buckets: readonly BucketSpec[], maxWaitMs: number): Promise<Reservation> {
    const keys = buckets.map((bucket) => `${this.link.prefix}budget:{${account}}:${bucket.name}`);
    const args: string[] = [String(Math.floor(maxWaitMs * 1000))];
    for (const bucket of buckets) {
      const interval = 1_000_000 / bucket.rate;
      args.push(String(interval), String(interval * (bucket.burst - 1)));
    }
    const [granted, waitUs] = (await this.link.client.eval(RESERVE, keys.length, ...keys, ...args)) as [number, number];
    return { granted: granted === 1, waitMs: waitUs / 1000 };
  }

  private async announce(): Promise<void> {
    if (!this.link.up) return;
    try {
      const count = (await this.link.client.eval(PRESENCE, 1, `${this.link.prefix}budget:replicas`, this.id, String(PRESENCE_TTL_MS))) as number;
      this.replicas = Math.max(1, count);
    } catch {
      // Keep the last count: it is what the fallback divides by.
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
    if (this.link.up) this.link.client.zrem(`${this.link.prefix}budget:replicas`, this.id).catch(() => undefined);
  }
}
