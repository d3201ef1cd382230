/**
 * Per-caller rate limiting (`RATE_LIMIT_PER_MINUTE`): every caller — an admin key's id, a customer id, or the client
 * address for anonymous callers (`./client-address.ts`, `TRUST_PROXY`) — may make `perMinute` requests a minute,
 * counted on rate-limiter-flexible (`./flexible-limit.ts`): a window of a minute from the caller's first request, in
 * memory, or in Redis shared by every replica (`REDIS_URL`), with an in-memory stand-in while Redis is down.
 * A caller may use its whole minute at once; the count starts again when its minute is over. Idle callers' windows
 * expire with their minute, so memory holds at most the callers of the last minute.
 */
import type { BlockList } from 'node:net';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { callerId, type Viewer } from '../auth/viewer.js';
import { appError } from '../errors.js';
import type { RedisLink } from '../redis/connection.js';
import { requestAddress } from './client-address.js';
import { WindowLimit } from './flexible-limit.js';

export interface RateLimitOptions {
  /** Requests per caller per minute; 0 turns limiting off. */
  perMinute: number;
  /** Shared by every replica through Redis when given. */
  link?: RedisLink | undefined;
  /** The window, in seconds (default 60; tests use a shorter one). */
  windowSeconds?: number;
}

export type RateLimitDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

export class RateLimiter {
  private readonly window: WindowLimit;

  constructor(options: RateLimitOptions) {
    this.window = new WindowLimit({ name: 'requests', points: options.perMinute, durationSeconds: options.windowSeconds ?? 60, link: options.link });
  }

  get enabled(): boolean {
    return this.window.enabled;
  }

  /** Takes one request from `caller`'s minute, or says how long until its next minute starts. */
  async take(caller: string): Promise<RateLimitDecision> {
    if (!this.enabled) return { allowed: true, remaining: Number.POSITIVE_INFINITY };
    const decision = await this.window.take(caller);
    return decision.allowed ? { allowed: true, remaining: decision.remaining } : { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
  }
}

/** The bucket a request draws from: the admin key's id, the customer, or the client's address when anonymous. */
export function callerKey(viewer: Viewer, clientAddress: string | undefined): string {
  return callerId(viewer) ?? `ip:${clientAddress ?? 'unknown'}`;
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
export function useRateLimit(limiter: RateLimiter, viewerOf: (request: Request) => Promise<Viewer>, proxies?: BlockList): Plugin {
  return {
    async onParams({ request, context }) {
      if (!limiter.enabled) return;
      const viewer = await viewerOf(request);
      const decision = await limiter.take(callerKey(viewer, requestAddress(request, context, proxies)));
      if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
    },
  };
}
