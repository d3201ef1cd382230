/**
 * The settings of what replicas share (issue 13): Redis, the shared cache, the account's Stripe budget, callers'
 * Stripe-call budgets, and the proxies trusted to name a caller's address. Read from the environment object
 * `src/config.ts` hands over (only that module reads `process.env`).
 */
import { BlockList, isIP } from 'node:net';
import { count, list, type Env } from './config-values.js';

/**
 * How the shared cache stays fresh:
 * - `events`: entries live until an event (or the gateway's own write) drops them, `ttlSeconds` at most (a bound on
 *   memory and on a lost delivery, never what keeps them fresh). On whenever webhooks are verified.
 * - `ttl`: no webhook secret, but `CACHE_TTL_SECONDS` set: an explicit opt-in to entries up to that old.
 * - `off`: every read goes to Stripe (no webhook secret and no TTL, or `CACHE=off`).
 */
export type CacheMode = 'events' | 'ttl' | 'off';

export interface CacheSettings {
  mode: CacheMode;
  /** `CACHE_TTL_SECONDS`: the longest an entry lives. Default 3600 with events; required for `ttl`. */
  ttlSeconds: number;
  /** `CACHE_MAX_ENTRIES`: entries the in-memory cache (no Redis) keeps, least recently used dropped first. Default 10000. */
  maxEntries: number;
}

/**
 * The Stripe account's budget, in requests per second, shared by every replica (Stripe's published limits: live 100
 * reads and 100 writes a second, test mode 25 and 25, search 20 reads a second).
 */
export interface StripeBudgetSettings {
  /** `STRIPE_READS_PER_SECOND`: GET requests (retrieve, list, preview). */
  readsPerSecond: number;
  /** `STRIPE_WRITES_PER_SECOND`: POST and DELETE requests. */
  writesPerSecond: number;
  /** `STRIPE_SEARCHES_PER_SECOND`: the search endpoints (counted as reads too). */
  searchesPerSecond: number;
}

export interface ReplicaSettings {
  /** `REDIS_URL` (`redis://` or `rediss://`): unset, everything below lives in this process's memory. */
  redisUrl: string | undefined;
  cache: CacheSettings;
  stripeBudget: StripeBudgetSettings;
  /**
   * `CALLER_STRIPE_CALLS_PER_MINUTE`: Stripe calls one caller may cost a minute (charged the request's estimate up
   * front, the estimate's unused part given back); 0 turns it off. Default 1500.
   */
  callerStripeCallsPerMinute: number;
  /**
   * `TRUST_PROXY`: addresses and CIDR ranges of the proxies in front of the gateway (e.g. `10.0.0.0/8,127.0.0.1`);
   * a request from one of them is keyed by the first untrusted address of its `X-Forwarded-For`, walked from the
   * right. Empty (default): `X-Forwarded-For` is ignored, the peer address is the caller's.
   */
  trustProxy: string[];
}

export const STRIPE_PUBLISHED_LIMITS = {
  live: { readsPerSecond: 100, writesPerSecond: 100, searchesPerSecond: 20 },
  test: { readsPerSecond: 25, writesPerSecond: 25, searchesPerSecond: 20 },
} as const satisfies Record<string, StripeBudgetSettings>;

export const DEFAULT_CACHE_TTL_SECONDS = 3_600;
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000;
export const DEFAULT_CALLER_STRIPE_CALLS_PER_MINUTE = 1_500;

/** Whether `entry` is an IP address or a CIDR range `node:net`'s BlockList takes. */
export function proxyEntryProblem(entry: string): string | undefined {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return `'${entry}' is not an IP address or CIDR range`;
  if (bits !== undefined) {
    const prefix = Number(bits);
    if (!/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) return `'${entry}' has a bad prefix length`;
  }
  return undefined;
}

/** A BlockList of the trusted proxies (`TRUST_PROXY`), for `src/http/client-address.ts`. */
export function trustedProxies(entries: readonly string[]): BlockList {
  const block = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits !== undefined) block.addSubnet(address, Number(bits), type);
    else block.addAddress(address, type);
  }
  return block;
}

export function replicaSettings(
  env: Env,
  problems: string[],
  context: { secretKey: string | undefined; demo: boolean; webhooksVerified: boolean },
): ReplicaSettings {
  const redisRaw = env['REDIS_URL'] || undefined;
  if (redisRaw !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redisRaw)) {
    // Never the value: it may carry a password.
    problems.push('REDIS_URL must be a redis:// or rediss:// URL');
  }
  const cacheRaw = env['CACHE'] || undefined;
  if (cacheRaw !== undefined && cacheRaw !== 'on' && cacheRaw !== 'off') problems.push(`CACHE must be on or off, got '${cacheRaw}'`);
  const ttlSet = (env['CACHE_TTL_SECONDS'] ?? '') !== '';
  const ttlSeconds = count(env, 'CACHE_TTL_SECONDS', DEFAULT_CACHE_TTL_SECONDS, problems);
  const mode: CacheMode =
    cacheRaw === 'off' ? 'off' : context.webhooksVerified || context.demo ? 'events' : ttlSet ? 'ttl' : 'off';
  if (cacheRaw === 'on' && mode === 'off') {
    problems.push('CACHE=on needs STRIPE_WEBHOOK_SECRET (events keep it fresh) or CACHE_TTL_SECONDS (entries that old at most)');
  }
  const published = /^(sk|rk)_live_/.test(context.secretKey ?? '') ? STRIPE_PUBLISHED_LIMITS.live : STRIPE_PUBLISHED_LIMITS.test;
  const trustProxy = list(env['TRUST_PROXY']);
  for (const entry of trustProxy) {
    const problem = proxyEntryProblem(entry);
    if (problem !== undefined) problems.push(`TRUST_PROXY: ${problem}`);
  }
  return {
    redisUrl: redisRaw,
    cache: { mode, ttlSeconds, maxEntries: count(env, 'CACHE_MAX_ENTRIES', DEFAULT_CACHE_MAX_ENTRIES, problems) },
    stripeBudget: {
      readsPerSecond: count(env, 'STRIPE_READS_PER_SECOND', published.readsPerSecond, problems),
      writesPerSecond: count(env, 'STRIPE_WRITES_PER_SECOND', published.writesPerSecond, problems),
      searchesPerSecond: count(env, 'STRIPE_SEARCHES_PER_SECOND', published.searchesPerSecond, problems),
    },
    callerStripeCallsPerMinute: count(env, 'CALLER_STRIPE_CALLS_PER_MINUTE', DEFAULT_CALLER_STRIPE_CALLS_PER_MINUTE, problems, 0),
    trustProxy,
  };
}

/**
 * `STRIPE_MAX_IN_FLIGHT` when unset: enough Stripe calls in flight to spend the whole budget at about half a second
 * per call, reads and writes together (test mode 25, live mode 100); past that, calls would only wait for tokens.
 */
export const IN_FLIGHT_SECONDS_PER_CALL = 0.5;

export function inFlightForBudget(rates: StripeBudgetSettings): number {
  return Math.max(1, Math.ceil((rates.readsPerSecond + rates.writesPerSecond) * IN_FLIGHT_SECONDS_PER_CALL));
}
