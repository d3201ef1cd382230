/**
 * The over-budget run's judge (`bench/verdicts.ts`): what counts as a correct answer, a wrong one, a refusal
 * caused by Stripe or by the caller's own limits; and the busiest second of the local Stripe's log.
 */
import { describe, expect, it } from 'vitest';
import { maxInWindow, verdict } from '../../bench/verdicts.js';
import { normalise } from '../../bench/servers.js';

const answer = (body: unknown) => JSON.stringify(body);
const expected = JSON.stringify(normalise(answer({ data: { customer: { id: 'cus_1', name: 'Ada' } } })));

describe('verdict', () => {
  it('is correct when the data is the reference, whatever the extensions say', () => {
    const text = answer({ data: { customer: { id: 'cus_1', name: 'Ada' } }, extensions: { stripe: { calls: 0, cacheHits: 4 } } });
    expect(verdict(200, text, expected, normalise)).toBe('correct');
  });

  it('is wrong when the data differs (another name, another customer)', () => {
    expect(verdict(200, answer({ data: { customer: { id: 'cus_1', name: 'Old' } } }), expected, normalise)).toBe('wrong');
    expect(verdict(200, answer({ data: { customer: { id: 'cus_2', name: 'Ada' } } }), expected, normalise)).toBe('wrong');
  });

  it("counts Stripe's RATE_LIMITED (no caller limit named) apart from the caller's own limits", () => {
    const stripe = answer({ data: { customer: null }, errors: [{ message: 'Stripe is rate limiting', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 } }] });
    expect(verdict(200, stripe, expected, normalise)).toBe('rateLimitedByStripe');
    const budget = answer({ errors: [{ message: 'over budget', extensions: { code: 'RATE_LIMITED', limit: 'stripeBudget' } }] });
    expect(verdict(429, budget, expected, normalise)).toBe('rateLimitedByStripe');
    const caller = answer({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED', limit: 'callerStripeCalls' } }] });
    expect(verdict(429, caller, expected, normalise)).toBe('rateLimitedByCaller');
  });

  it('is an error for any other error, a non-200 status, or a body that is not a GraphQL answer', () => {
    const upstream = answer({ data: { customer: null }, errors: [{ message: 'down', extensions: { code: 'UPSTREAM_UNAVAILABLE' } }] });
    expect(verdict(200, upstream, expected, normalise)).toBe('error');
    expect(verdict(503, answer({ data: { customer: { id: 'cus_1', name: 'Ada' } } }), expected, normalise)).toBe('error');
    expect(verdict(502, '<html>Bad Gateway</html>', expected, normalise)).toBe('error');
  });
});

describe('maxInWindow', () => {
  it('finds the busiest window, in any order, the window end excluded', () => {
    expect(maxInWindow([], 1000)).toBe(0);
    expect(maxInWindow([5000, 0, 999, 1000, 1001, 1500], 1000)).toBe(4); // 1000, 1001, 1500 and 999
    expect(maxInWindow([0, 1000, 2000, 3000], 1000)).toBe(1);
  });
});
