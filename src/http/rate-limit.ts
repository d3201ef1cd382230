/**
 * Per-caller rate limiting: a token bucket per caller (an admin key's id, a customer id, or the client address for
 * anonymous callers), held in memory. A bucket holds up to `perMinute` requests and refills at `perMinute / 60` per
 * second, so a caller may burst to the limit and then sustain it.
 *
 * Memory is bounded: buckets are kept least-recently-used first; a bucket idle long enough to refill completely is
 * the same as no bucket, so those are dropped as they are met, and past `maxBuckets` the least recently used go.
 */
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { callerId, type Viewer } from '../auth/viewer.js';
import { appError } from '../errors.js';

export interface RateLimitOptions {
  /** Requests per caller per minute; 0 turns limiting off. */
  perMinute: number;
  /** Most callers tracked at once (default 10,000). */
  maxBuckets?: number;
  /** The clock (tests). */
  now?: () => number;
}

export type RateLimitDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  /** Tokens per millisecond. */
  private readonly rate: number;
  private readonly maxBuckets: number;
  private readonly now: () => number;
  private takes = 0;

  constructor(options: RateLimitOptions) {
    this.capacity = options.perMinute;
    this.rate = options.perMinute / 60_000;
    this.maxBuckets = options.maxBuckets ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  /** Callers currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one request from `caller`'s bucket, or says how long until one is available. */
  take(caller: string): RateLimitDecision {
    if (!this.enabled) return { allowed: true, remaining: Number.POSITIVE_INFINITY };
    const now = this.now();
    const bucket = this.buckets.get(caller);
    let tokens = this.capacity;
    if (bucket !== undefined) {
      tokens = this.refilled(bucket, now);
      // Most recently used last.
      this.buckets.delete(caller);
    }
    if ((++this.takes & 1023) === 0) this.sweep(now);
    if (tokens >= 1) {
      this.buckets.set(caller, { tokens: tokens - 1, at: now });
      this.evict();
      return { allowed: true, remaining: Math.floor(tokens - 1) };
    }
    this.buckets.set(caller, { tokens, at: now });
    this.evict();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.rate / 1000)) };
  }

  private refilled(bucket: Bucket, now: number): number {
    return Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.at) * this.rate);
  }

  /** Drops full buckets from the least recently used end (idle callers), up to the first that is not full. */
  private sweep(now: number): void {
    for (const [caller, bucket] of this.buckets) {
      if (this.refilled(bucket, now) < this.capacity) break;
      this.buckets.delete(caller);
    }
  }

  private evict(): void {
    if (this.buckets.size <= this.maxBuckets) return;
    this.sweep(this.now());
    for (const caller of this.buckets.keys()) {
      if (this.buckets.size <= this.maxBuckets) break;
      this.buckets.delete(caller);
    }
  }
}

/** The bucket a request draws from: the admin key's id, the customer, or the client's address when anonymous. */
export function callerKey(viewer: Viewer, clientAddress: string | undefined): string {
  return callerId(viewer) ?? `ip:${clientAddress ?? 'unknown'}`;
}

/** The peer address of a request served by `node:http` (Yoga's server context holds the IncomingMessage as `req`). */
export function clientAddressOf(serverContext: unknown): string | undefined {
  const req = (serverContext as { req?: { socket?: { remoteAddress?: unknown } } } | undefined)?.req;
  const address = req?.socket?.remoteAddress;
  return typeof address === 'string' ? address : undefined;
}

export function rateLimited(retryAfterSeconds: number): GraphQLError {
  return appError('RATE_LIMITED', `Too many requests: try again in ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
    http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } },
  });
}

/**
 * Refuses a request over its caller's rate before anything is parsed or executed: RATE_LIMITED, HTTP 429 with
 * `Retry-After`, and `extensions.retryAfterSeconds`.
 */
export function useRateLimit(limiter: RateLimiter, viewerOf: (request: Request) => Promise<Viewer>): Plugin {
  return {
    async onParams({ request, context }) {
      if (!limiter.enabled) return;
      const viewer = await viewerOf(request);
      const decision = limiter.take(callerKey(viewer, clientAddressOf(context)));
      if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
    },
  };
}
