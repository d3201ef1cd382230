/**
 * Per-caller counters over a window, on rate-limiter-flexible: the callers' request rate (`./rate-limit.ts`) and
 * their Stripe-call budget (`./caller-budget.ts`) use one engine, in memory for one process or in Redis for every
 * replica at once (`REDIS_URL`, keys under `<prefix>rl:<name>:`).
 *
 * With Redis, rate-limiter-flexible's `insuranceLimiter` takes over while Redis is down (the link fails commands at
 * once): a counter in this process's memory, so that callers are still limited — each replica on its own until Redis
 * is back, when the shared counters are used again.
 *
 * A refusal costs the caller nothing: what a refused request would have taken is given back at once.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RedisLink } from '../redis/connection.js';

export interface WindowLimitOptions {
  /** What the counter is for, in its keys (`requests`, `stripeCalls`). */
  name: string;
  /** Points a caller may take per window. */
  points: number;
  /** The window, in whole seconds (60: per minute). */
  durationSeconds: number;
  /** Shared through Redis when given. */
  link?: RedisLink | undefined;
}

export type WindowDecision =
  | { allowed: true; remaining: number; resetSeconds: number }
  | { allowed: false; remaining: number; resetSeconds: number; retryAfterSeconds: number };

export class WindowLimit {
  private readonly limiter: RateLimiterAbstract;
  readonly points: number;

  constructor(options: WindowLimitOptions) {
    this.points = options.points;
    const base = { points: options.points, duration: options.durationSeconds, keyPrefix: `rl:${options.name}` };
    const link = options.link;
    this.limiter =
      link === undefined
        ? new RateLimiterMemory(base)
        : new RateLimiterRedis({
            ...base,
            storeClient: link.client,
            keyPrefix: `${link.prefix}rl:${options.name}`,
            insuranceLimiter: new RateLimiterMemory(base),
          });
  }

  get enabled(): boolean {
    return this.points > 0;
  }

  /** Takes `points` from `caller`'s window, or (refused) takes nothing and says when the window resets. */
  async take(caller: string, points = 1): Promise<WindowDecision> {
    try {
      const res = await this.limiter.consume(caller, points);
      return { allowed: true, remaining: res.remainingPoints, resetSeconds: seconds(res.msBeforeNext) };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      // Refused: the points it counted are given back, so that only what ran is charged.
      await this.limiter.reward(caller, points).catch(() => undefined);
      const resetSeconds = seconds(error.msBeforeNext);
      return { allowed: false, remaining: Math.max(0, this.points - error.consumedPoints + points), resetSeconds, retryAfterSeconds: resetSeconds };
    }
  }

  /** Gives `points` back to `caller` (the unused part of an estimate); what remains after. */
  async giveBack(caller: string, points: number): Promise<{ remaining: number; resetSeconds: number } | undefined> {
    try {
      const res = points > 0 ? await this.limiter.reward(caller, points) : await this.limiter.get(caller);
      if (res === null) return { remaining: this.points, resetSeconds: 0 };
      return { remaining: Math.max(0, Math.min(this.points, res.remainingPoints)), resetSeconds: seconds(res.msBeforeNext) };
    } catch {
      return undefined;
    }
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
