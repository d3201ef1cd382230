/**
 * The per-caller Stripe-call budget (`CALLER_STRIPE_CALLS_PER_MINUTE`, default 1500, 0 off): a caller is limited by
 * what it costs Stripe, not only by how often it asks. Before a request runs, its up-front estimate of Stripe calls
 * (`src/graphql/stripe-calls.ts`) is charged to its caller's minute; after it ran, the unused part of the estimate
 * is given back, so that the caller pays for the calls it made. A request whose estimate does not fit what remains
 * is refused before any call: RATE_LIMITED, `extensions.limit: "callerStripeCalls"`, `retryAfterSeconds`, HTTP 429
 * with `Retry-After`. Every answer's `extensions.stripe.callerBudget` says what remains:
 * `{ perMinute, remaining, resetSeconds }`.
 *
 * Counted with rate-limiter-flexible (`./flexible-limit.ts`): in memory, or in Redis shared by every replica.
 */
import type { GraphQLError } from 'graphql';
import { appError } from '../errors.js';
import type { RedisLink } from '../redis/connection.js';
import { WindowLimit } from './flexible-limit.js';

export interface CallerBudgetReport {
  perMinute: number;
  remaining: number;
  resetSeconds: number;
}

/** A request's charge: who pays, how much was charged, and what remained after. */
export interface CallerCharge {
  caller: string;
  charged: number;
  report: CallerBudgetReport;
}

export function callerBudgetSpent(estimate: number, report: CallerBudgetReport, retryAfterSeconds: number): GraphQLError {
  return appError(
    'RATE_LIMITED',
    `This request could cost up to ${estimate} Stripe calls; you have ${report.remaining} of your ${report.perMinute} a minute left. ` +
      `Try again in ${retryAfterSeconds} s.`,
    {
      limit: 'callerStripeCalls',
      estimatedCalls: estimate,
      remaining: report.remaining,
      retryAfterSeconds,
      http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } },
    },
  );
}

export class CallerBudget {
  private readonly window: WindowLimit;

  constructor(readonly perMinute: number, link?: RedisLink) {
    this.window = new WindowLimit({ name: 'stripeCalls', points: perMinute, durationSeconds: 60, link });
  }

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  /** Charges `estimate` calls to `caller`, or refuses (the error to answer with) when they do not fit. */
  async charge(caller: string, estimate: number): Promise<CallerCharge | GraphQLError> {
    const decision = await this.window.take(caller, estimate);
    const report = { perMinute: this.perMinute, remaining: decision.remaining, resetSeconds: decision.resetSeconds };
    if (!decision.allowed) return callerBudgetSpent(estimate, report, decision.retryAfterSeconds);
    return { caller, charged: estimate, report };
  }

  /** The request made `calls` of the `charged`: the rest goes back; what remains after. */
  async settle(charge: CallerCharge, calls: number): Promise<CallerBudgetReport> {
    const after = await this.window.giveBack(charge.caller, Math.max(0, charge.charged - calls));
    return after !== undefined ? { perMinute: this.perMinute, ...after } : charge.report;
  }
}
