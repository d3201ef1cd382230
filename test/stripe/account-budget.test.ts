/**
 * The account's Stripe budget (`src/stripe/budget.ts`, in memory here): against the local Stripe with its rate
 * limiter set to the very same rates, a load well over the budget gets through with no request refused by "Stripe"
 * (the local Stripe counts its 429s); the same load without the budget is refused (the check can fail). A wait that
 * would pass the request's deadline is refused at once with a coded error, and nothing is sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { budgetAccount, bucketsFor, budgetKind, MemoryBudgetStore, StripeBudget } from '../../src/stripe/budget.js';
import { createStripeClient } from '../../src/stripe/client.js';
import { startGateway, type GatewayHarness } from '../support/gateway.js';

const CUSTOMER = `query($id: ID!) { customer(id: $id) { name } }`;
const RATES = { readsPerSecond: 10, writesPerSecond: 10, searchesPerSecond: 4 };

let h: GatewayHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('the budget’s arithmetic', () => {
  it('names the kinds as Stripe counts them', () => {
    expect(budgetKind('GET', '/v1/customers/cus_1')).toBe('read');
    expect(budgetKind('GET', '/v1/customers/search')).toBe('search');
    expect(budgetKind('POST', '/v1/customers')).toBe('write');
    expect(budgetKind('DELETE', '/v1/customers/cus_1')).toBe('write');
    expect(bucketsFor('search', RATES).map((b) => b.name)).toEqual(['search', 'read']);
    expect(budgetAccount('sk_test_abc')).not.toContain('sk_test');
  });

  it('lets a burst of half a second go at once, then books tokens at the rate', () => {
    const store = new MemoryBudgetStore();
    const buckets = bucketsFor('read', RATES); // 10/s, burst 5
    const now = 1_000_000;
    const waits = Array.from({ length: 8 }, () => store.reserveNow('a', buckets, 10_000, now).waitMs);
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits.slice(5)).toEqual([100, 200, 300]);
    // Past what the caller may wait: refused, and nothing booked.
    expect(store.reserveNow('a', buckets, 350, now)).toEqual({ granted: false, waitMs: 400 });
    expect(store.reserveNow('a', buckets, 400, now)).toEqual({ granted: true, waitMs: 400 });
    // Another account has buckets of its own.
    expect(store.reserveNow('b', buckets, 0, now).granted).toBe(true);
  });
});

describe('the account’s Stripe budget against Stripe’s rate limiter', () => {
  it('keeps 60 concurrent reads inside the limit: no 429 from Stripe, every answer right', async () => {
    const budget = new StripeBudget(RATES, 'acct');
    h = await startGateway(
      { rateLimit: RATES },
      { stripeBudget: budget, stripeMaxInFlight: 100, requestTimeoutMs: 30_000 },
    );
    const answers = await Promise.all(Array.from({ length: 60 }, () => h!.gql(CUSTOMER, { id: DEMO.customer })));
    for (const answer of answers) expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    expect(answers.every((a) => a.data?.customer?.name === 'Ada Lovelace')).toBe(true);
    expect(h.local.rateLimitRefusals).toEqual({ read: 0, write: 0, search: 0, total: 0 });
    expect(budget.stats.waited).toBeGreaterThan(0);
  });

  it('the same load without the budget is refused by Stripe (the check above can fail)', async () => {
    h = await startGateway({ rateLimit: RATES }, { stripeMaxInFlight: 100 });
    await Promise.all(Array.from({ length: 60 }, () => h!.gql(CUSTOMER, { id: DEMO.customer })));
    expect(h.local.rateLimitRefusals.read).toBeGreaterThan(0);
  });

  it('counts searches against the search and the read budget, and writes apart (the SDK directly)', async () => {
    h = await startGateway({ rateLimit: RATES });
    const budget = new StripeBudget(RATES, 'acct');
    const stripe = createStripeClient({ secretKey: h.local.secretKey, apiBase: new URL(h.local.url), budget, maxNetworkRetries: 0 });
    await Promise.all([
      ...Array.from({ length: 10 }, () => stripe.customers.search({ query: "email:'ada@example.com'" })),
      ...Array.from({ length: 12 }, () => stripe.customers.retrieve(DEMO.customer)),
      ...Array.from({ length: 15 }, (_, i) => stripe.customers.create({ email: `budget-${i}@example.com` })),
    ]);
    expect(h.local.rateLimitRefusals).toEqual({ read: 0, write: 0, search: 0, total: 0 });
    expect(budget.stats.granted).toBe(37);
  });
});

describe('waiting for the budget within the request’s deadline', () => {
  it('waits when the token comes in time, refuses at once with RATE_LIMITED when it would come too late', async () => {
    // Two reads a second, a burst of one; each request may wait 2 s: eight at once cannot all be served in time.
    const rates = { readsPerSecond: 2, writesPerSecond: 2, searchesPerSecond: 2 };
    const budget = new StripeBudget(rates, 'acct');
    h = await startGateway({ rateLimit: rates }, { stripeBudget: budget, stripeMaxInFlight: 10, requestTimeoutMs: 2_000 });
    const before = h.local.requests.length;
    const answers = await Promise.all(Array.from({ length: 8 }, () => h!.gql(CUSTOMER, { id: DEMO.customer })));
    const served = answers.filter((a) => a.errors === undefined);
    const refused = answers.filter((a) => a.errors !== undefined);
    // The first goes at once, the next ones half a second apart (they waited, within their deadline); the last cannot.
    expect(served.length, JSON.stringify(refused.map((a) => a.errors))).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(budget.stats.waited).toBeGreaterThanOrEqual(1);
    for (const answer of served) expect(answer.data?.customer?.name).toBe('Ada Lovelace');
    for (const answer of refused) {
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 'stripeBudget', kind: 'read' });
      expect(answer.errors?.[0]?.extensions?.['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
      // Not sent, so not counted as a call.
      expect(answer.extensions?.['stripe']?.calls).toBe(0);
    }
    // Nothing was sent for the refused ones, and Stripe refused nothing.
    expect(h.local.requests.length - before).toBe(served.length);
    expect(h.local.rateLimitRefusals.total).toBe(0);
  });
});
