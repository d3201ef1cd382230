/**
 * How the over-budget run (`bench/cache.ts`) judges what it sees: each answer is correct (the reference's data),
 * wrong, refused as `RATE_LIMITED` (because of Stripe, or by one of the caller's own limits), or another error;
 * and the local Stripe's log gives the most requests that reached it in any one second. Pure functions, so that
 * `test/bench/verdicts.test.ts` pins them.
 */
import { errorCodes, parseAnswer } from '../load/answers.js';

export type Verdict = 'correct' | 'wrong' | 'rateLimitedByStripe' | 'rateLimitedByCaller' | 'error';

/**
 * `extensions.limit` of the callers' own limits (their request rate, their Stripe-call budget, a live stream's
 * queue): a `RATE_LIMITED` naming one of them was the caller's doing. Any other `RATE_LIMITED` (Stripe's 429, or
 * the account's budget out of time) is counted as caused by Stripe.
 */
const CALLER_LIMITS: ReadonlySet<string> = new Set(['requests', 'callerStripeCalls', 'queue']);

/**
 * One answer against the reference: `expected` is the reference answer as `normalise` gives it (JSON text), so
 * that values that differ between equal requests (the gateway's `extensions`, session ids) do not count.
 */
export function verdict(status: number, text: string, expected: string, normalise: (text: string) => unknown): Verdict {
  const answer = parseAnswer(text);
  if (answer === undefined) return 'error';
  const limited = (answer.errors ?? []).filter((error) => error.extensions?.code === 'RATE_LIMITED');
  if (limited.length > 0) {
    const byCaller = limited.every((error) => {
      const limit = (error.extensions as { limit?: unknown } | undefined)?.limit;
      return typeof limit === 'string' && CALLER_LIMITS.has(limit);
    });
    return byCaller ? 'rateLimitedByCaller' : 'rateLimitedByStripe';
  }
  if (status !== 200 || errorCodes(answer).length > 0) return 'error';
  return JSON.stringify(normalise(text)) === expected ? 'correct' : 'wrong';
}

/** The most of `times` (milliseconds, any order) within any window `[t, t + windowMs)`. */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
