/**
 * The one way a Stripe call is made: within the request's budget and deadline and the process-wide in-flight cap,
 * retried on 429 with backoff, errors mapped to the contract's codes, every attempt told to the request log. Every
 * module of `src/stripe/` (the gateway's intention-named calls, subscriptions, the catalog, invoice actions) makes
 * its calls through one `StripeCaller`, so none of that exists twice.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import Stripe from 'stripe';
import type { CacheRead, SharedCache } from '../cache/read-through.js';
import { DEFAULT_STRIPE_MAX_IN_FLIGHT } from '../config.js';
import type { ObjectChange } from '../events/changes.js';
import { appError } from '../errors.js';
import { budgetRefusalOf, withBudgetWait } from './budget-http.js';
import type { BudgetRefusal } from './budget.js';
import { toAppError } from './errors.js';
import { Limiter, type LimiterTicket } from './limiter.js';
import { AbortableWaits, RequestStop } from './request-stop.js';

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  /** Stripe's `Request-Id` of the call that returned this page. */
  requestId?: string | undefined;
}

/**
 * Told of every attempt at a Stripe call, with Stripe's `Request-Id` when there was a response (the request log
 * lists them, so that support can match a gateway request with Stripe's dashboard).
 */
export type StripeCallObserver = (call: { requestId: string | undefined; ok: boolean }) => void;

/** The `Request-Id` of an SDK result (objects and lists carry `lastResponse`) or of a page made from one. */
function requestIdOf(result: unknown): string | undefined {
  if (result === null || typeof result !== 'object') return undefined;
  const own = (result as { requestId?: unknown }).requestId;
  if (typeof own === 'string') return own;
  const id = (result as { lastResponse?: { requestId?: unknown } }).lastResponse?.requestId;
  return typeof id === 'string' ? id : undefined;
}

/** Stripe's cursor pagination: `startingAfter` pages forward, `endingBefore` backward (one at a time). */
export interface PageRequest {
  limit: number;
  startingAfter?: string | undefined;
  endingBefore?: string | undefined;
}

export function page(params: PageRequest): Stripe.PaginationParams {
  return {
    limit: params.limit,
    ...(params.startingAfter !== undefined ? { starting_after: params.startingAfter } : {}),
    ...(params.endingBefore !== undefined ? { ending_before: params.endingBefore } : {}),
  };
}

export function toPage<T>(list: Stripe.ApiList<T>): Page<T> {
  return { data: list.data, hasMore: list.has_more, requestId: requestIdOf(list) };
}

/**
 * A caller's idempotency key, made safe to send: scoped to the caller (two callers' equal keys never collide, and
 * one caller cannot replay another's response) and hashed to Stripe's 255-character limit.
 */
export function scopedIdempotencyKey(callerScope: string, key: string): string {
  return `bg-${createHash('sha256').update(`${callerScope}\u0000${key}`).digest('hex')}`;
}

/**
 * The gateway's own retries of Stripe's 429s, which the SDK does not retry unless Stripe says
 * `Stripe-Should-Retry: true` (the SDK already retries connection errors, 409 and 5xx itself).
 */
export interface RateLimitRetry {
  /** Further attempts after a 429 (0: none). */
  retries: number;
  /** First backoff; doubled on each retry, with jitter; never less than `Retry-After`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RATE_LIMIT_RETRY: RateLimitRetry = { retries: 2, baseDelayMs: 500, maxDelayMs: 5_000 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/** How long to wait before retrying a 429, or undefined when it must not be retried. */
export function rateLimitDelay(error: unknown, attempt: number, policy: RateLimitRetry): number | undefined {
  if (!(error instanceof Stripe.errors.StripeRateLimitError) || attempt >= policy.retries) return undefined;
  const headers = error.headers ?? {};
  if (String(headers['stripe-should-retry'] ?? '') === 'false') return undefined;
  const retryAfter = Number(headers['retry-after']);
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
  const floor = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0;
  return Math.min(policy.maxDelayMs, Math.max(floor, backoff));
}

/**
 * A request's Stripe calls, counted against its budget: `max` is the most it may make (the Stripe call budget,
 * `MAX_STRIPE_CALLS`), `estimated` the up-front estimate once the HTTP edge has made it. Both are reported in the
 * response's `extensions.stripe`.
 */
export interface StripeCallCount {
  /** Calls made, every attempt counted (Stripe counts them all against the account's rate). */
  calls: number;
  /** Of those, the gateway's own retries of a 429. */
  retries: number;
  estimated: number | undefined;
  max: number;
  /** Reads the shared cache answered (no Stripe call, not in `calls`); set when the cache is on. */
  cacheHits?: number | undefined;
}

/** What a request's calls share: who makes them, when to give up, and what they may spend. */
export interface RequestScope {
  /** Told of every attempt (the request log lists their `Request-Id`s). */
  observer?: StripeCallObserver | undefined;
  /** Aborts when the client goes away: its calls still waiting for a slot are dropped, unmade. */
  signal?: AbortSignal | undefined;
  /** The caller the in-flight cap is shared fairly between (`callerId`); calls with none share one queue. */
  caller?: string | undefined;
  /** The request's overall deadline (`REQUEST_TIMEOUT_MS`), Stripe's retries and the gateway's included. */
  timeoutMs?: number | undefined;
  /** The request's count of calls and its budget (the backstop: a call over `max` is refused, never made). */
  count?: StripeCallCount | undefined;
  /** The caller is no admin: Stripe's errors reach it in the gateway's words, never Stripe's text (`./errors.ts`). */
  customerFacing?: boolean | undefined;
}

/** The coded answer to a call over the request's budget. */
export function overBudget(count: StripeCallCount): GraphQLError {
  return appError('BAD_USER_INPUT', `This request reached its budget of ${count.max} Stripe calls.`, {
    limit: 'stripeCalls',
    estimatedCalls: count.estimated,
    budget: count.max,
  });
}

/**
 * The coded answer to a call the account's Stripe budget could not fit before the request's deadline: the gateway
 * did not send it (so Stripe never answered 429), and says when the budget will have room.
 */
export function budgetSpent(refusal: BudgetRefusal): GraphQLError {
  const retryAfterSeconds = Math.max(1, Math.ceil(refusal.retryAfterMs / 1000));
  return appError(
    'RATE_LIMITED',
    `The Stripe account's budget of ${refusal.kind}s is spent until after this request's deadline; try again in ${retryAfterSeconds} s.`,
    { limit: 'stripeBudget', kind: refusal.kind, retryAfterSeconds },
  );
}

export class StripeCaller {
  private readonly ticket: LimiterTicket;
  private readonly waits: AbortableWaits;
  private readonly stop: RequestStop;
  /** Aborts when the client goes away or the deadline passes. */
  private readonly signal: AbortSignal | undefined;
  private readonly deadline: number | undefined;

  constructor(
    /** The one SDK client; the modules of `src/stripe/` name their calls on it, inside `call`. */
    readonly stripe: Stripe,
    private readonly limiter: Limiter = new Limiter(DEFAULT_STRIPE_MAX_IN_FLIGHT),
    private readonly rateLimitRetry: RateLimitRetry = DEFAULT_RATE_LIMIT_RETRY,
    private readonly scope: RequestScope = {},
    /** The shared cache of Stripe reads (`src/cache/`); none: every read calls Stripe. */
    private readonly cache: SharedCache | undefined = undefined,
  ) {
    if (cache !== undefined && scope.count !== undefined) scope.count.cacheHits ??= 0;
    const timeoutMs = scope.timeoutMs;
    this.deadline = timeoutMs !== undefined ? Date.now() + timeoutMs : undefined;
    this.stop = new RequestStop(scope.signal, this.deadline);
    this.signal = this.stop.signal;
    this.ticket = limiter.ticket(scope.caller, this.signal);
    this.waits = new AbortableWaits(this.signal);
  }

  /** The same machinery (client, in-flight cap, retries) for one request's calls. */
  forRequest(scope: RequestScope): StripeCaller {
    return new StripeCaller(this.stripe, this.limiter, this.rateLimitRetry, scope, this.cache);
  }

  /** The same machinery, its reads through the shared cache. */
  withCache(cache: SharedCache | undefined): StripeCaller {
    return new StripeCaller(this.stripe, this.limiter, this.rateLimitRetry, this.scope, cache);
  }

  /**
   * A read through the shared cache: a hit makes no Stripe call (no in-flight slot, nothing counted in `calls`, one
   * more in `cacheHits`); a miss is `call(task)`, its answer kept for the next read.
   */
  async read<T>(read: CacheRead, task: (options: Stripe.RequestOptions) => Promise<T>, retrieved?: string): Promise<T> {
    if (this.cache === undefined) return this.call(task, retrieved);
    const { value, hit } = await this.cache.read(read, () => this.call(task, retrieved));
    if (hit && this.scope.count !== undefined) this.scope.count.cacheHits = (this.scope.count.cacheHits ?? 0) + 1;
    return value;
  }

  /** After a write Stripe answered: drops what it changed from the shared cache (read-your-writes). */
  async wrote<T>(result: T, changed: (result: T) => ObjectChange[]): Promise<T> {
    if (this.cache !== undefined) await this.cache.wrote(changed(result));
    return result;
  }

  /** Why the request's calls stopped: the client left, or the deadline passed. */
  private stopped(): GraphQLError {
    if (this.stop.clientGone) return appError('UPSTREAM_UNAVAILABLE', 'Cancelled: the client closed the request.');
    return appError(
      'UPSTREAM_UNAVAILABLE',
      `Stripe did not answer within this request's deadline of ${(this.scope.timeoutMs ?? 0) / 1000} s; try again shortly.`,
      { deadlineMs: this.scope.timeoutMs },
    );
  }

  /** The SDK's per-call options: no attempt may outlast the request's deadline. */
  private options(): Stripe.RequestOptions {
    if (this.deadline === undefined) return {};
    const remaining = Math.max(1, this.deadline - Date.now());
    return { timeout: Math.min(remaining, this.stripe.getApiField('timeout')) };
  }

  /**
   * One Stripe call: within the request's budget and deadline and the in-flight cap, retried on 429 with backoff
   * (the slot is given back while waiting), errors mapped to the contract's codes. `retrieved`: what a retrieve by id
   * asks for (`invoice`), for the customer-facing wording of Stripe's refusals (`./errors.ts`).
   */
  async call<T>(task: (options: Stripe.RequestOptions) => Promise<T>, retrieved?: string): Promise<T> {
    this.stop.enter();
    try {
      return await this.attempts(task, retrieved);
    } finally {
      this.stop.leave();
    }
  }

  private async attempts<T>(task: (options: Stripe.RequestOptions) => Promise<T>, retrieved: string | undefined): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const count = this.scope.count;
      if (count !== undefined) {
        if (count.calls >= count.max) throw overBudget(count);
        count.calls++;
        if (attempt > 0) count.retries++;
      }
      // What the call's HTTP requests may wait for a budget token (`./budget-http.ts`), and its refusal if any.
      let budget: ReturnType<typeof withBudgetWait<T>>['scope'] | undefined;
      try {
        const run = () => {
          const started = withBudgetWait({ deadline: this.deadline, signal: this.signal }, () => task(this.options()));
          budget = started.scope;
          return started.result;
        };
        const result = await this.waits.wait(this.limiter.run(run, this.ticket));
        this.scope.observer?.({ requestId: requestIdOf(result), ok: true });
        return result;
      } catch (error) {
        const refusal = budget !== undefined ? budgetRefusalOf(budget) : undefined;
        if (refusal !== undefined && !this.signal?.aborted) {
          // Not sent, so not a call Stripe counted.
          if (count !== undefined) {
            count.calls--;
            if (attempt > 0) count.retries--;
          }
          throw budgetSpent(refusal);
        }
        if (this.scope.observer !== undefined && error instanceof Stripe.errors.StripeError) {
          this.scope.observer({ requestId: error.requestId, ok: false });
        }
        // The client went away (nobody reads this answer, and it is no fault to log), or the deadline passed.
        if (this.signal?.aborted) throw this.stopped();
        const delay = rateLimitDelay(error, attempt, this.rateLimitRetry);
        if (delay === undefined) throw toAppError(error, { customer: this.scope.customerFacing ?? false, retrieved });
        await this.waits.wait(sleep(delay)).catch(() => {
          throw this.stopped();
        });
      }
    }
  }
}

/**
 * The `Idempotency-Key` of a write: the caller's (already scoped to it), or a fresh one. One key for every attempt,
 * the gateway's 429 retries included (the SDK makes a fresh one per call), so that a retry can never act twice.
 */
export function writeKey(idempotencyKey: string | undefined): string {
  return idempotencyKey ?? `bg-${randomUUID()}`;
}
