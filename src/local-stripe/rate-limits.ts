/**
 * The local Stripe's rate limiter, modelled on Stripe's: each account has separate buckets for reads (GET), writes
 * (POST, DELETE) and searches (`GET …/search`, which count as reads too), each a token bucket holding one second's
 * worth and refilling at its rate; a request over any of its buckets gets Stripe's 429 `rate_limit`, and nothing of
 * it runs. `perSecond` is one bucket for every request alike (the older `--rate-limit`), beside or instead of them.
 *
 * Every refusal is counted by kind, so that a test can assert that a client kept within its budget ("no request
 * over the limit") rather than only that it eventually succeeded.
 */
import { rateLimited } from './errors.js';

export interface RateLimitOptions {
  /** Any request, whatever its kind. */
  perSecond?: number | undefined;
  readsPerSecond?: number | undefined;
  writesPerSecond?: number | undefined;
  searchesPerSecond?: number | undefined;
}

export type RequestKind = 'read' | 'write' | 'search';

/** Requests refused with 429, by kind, since the start (or the last `reset`). */
export interface RateLimitRefusals {
  read: number;
  write: number;
  search: number;
  total: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export function requestKind(method: string, path: string): RequestKind {
  if (method !== 'GET') return 'write';
  return path.endsWith('/search') ? 'search' : 'read';
}

export class RateLimits {
  private readonly buckets = new Map<string, Bucket>();
  private counts: RateLimitRefusals = { read: 0, write: 0, search: 0, total: 0 };

  constructor(private readonly options: RateLimitOptions = {}) {}

  get refusals(): RateLimitRefusals {
    return { ...this.counts };
  }

  reset(): void {
    this.buckets.clear();
    this.counts = { read: 0, write: 0, search: 0, total: 0 };
  }

  /** Takes a token from each of the request's buckets, or throws the 429 (taking none). */
  take(account: string, method: string, path: string, now = Date.now()): void {
    const kind = requestKind(method, path);
    const o = this.options;
    const limits: Array<[string, number | undefined]> = [
      ['all', o.perSecond],
      ['read', kind === 'write' ? undefined : o.readsPerSecond],
      ['write', kind === 'write' ? o.writesPerSecond : undefined],
      ['search', kind === 'search' ? o.searchesPerSecond : undefined],
    ];
    const taken: Bucket[] = [];
    for (const [name, perSecond] of limits) {
      if (perSecond === undefined) continue;
      const key = `${account}:${name}`;
      const bucket = this.buckets.get(key) ?? { tokens: perSecond, at: now };
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      this.buckets.set(key, bucket);
      if (bucket.tokens < 1) {
        this.counts[kind]++;
        this.counts.total++;
        throw rateLimited();
      }
      taken.push(bucket);
    }
    for (const bucket of taken) bucket.tokens -= 1;
  }
}
