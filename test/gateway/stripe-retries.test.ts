/**
 * The gateway's Stripe budget on a bad day: 429s retried with backoff (never when Stripe says
 * `Stripe-Should-Retry: false`, never past the retry budget), and one idempotency key across every attempt of a
 * portal-session create, so a retried create cannot open a second session. Attempts are counted at the local
 * Stripe; nothing here depends on timing.
 */
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { DEFAULT_RATE_LIMIT_RETRY, rateLimitDelay } from '../../src/stripe/gateway.js';
import { startGateway, type GatewayHarness } from '../support/gateway.js';

let h: GatewayHarness;

beforeAll(async () => {
  h = await startGateway({}, { rateLimitRetry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 } });
});
afterAll(() => h.stop());
afterEach(() => h.local.setFaults(undefined));

const CUSTOMER = `query($id: ID!) { customer(id: $id) { name } }`;
const SESSION = `mutation($input: CreatePortalSessionInput!) {
  createPortalSession(input: $input) { ... on CreatePortalSessionPayload { portalSession { id } } } }`;

describe('429 retries', () => {
  it('retries a 429 and answers with the data', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit', count: 1 }] });
    const calls = await h.stripeCalls(async () => {
      const res = await h.gql(CUSTOMER, { id: DEMO.customer });
      expect(res.data).toEqual({ customer: { name: 'Ada Lovelace' } });
    });
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
  });

  it('gives up after its retry budget with RATE_LIMITED', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit' }] });
    const calls = await h.stripeCalls(async () => {
      const res = await h.gql(CUSTOMER, { id: DEMO.customer });
      expect(res.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    });
    expect(calls.map((c) => c.status)).toEqual([429, 429, 429]);
  });

  it('does not retry when Stripe says Stripe-Should-Retry: false', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit', shouldRetry: false }] });
    const calls = await h.stripeCalls(async () => {
      const res = await h.gql(CUSTOMER, { id: DEMO.customer });
      expect(res.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    });
    expect(calls).toHaveLength(1);
  });

  it('reuses one idempotency key across the retries of a portal-session create: one session', async () => {
    const sessionsBefore = h.local.store.sessions.size;
    h.local.setFaults({ rules: [{ kind: 'rate_limit', count: 2, method: 'POST' }] });
    const calls = await h.stripeCalls(async () => {
      const res = await h.gql(SESSION, { input: { customerId: DEMO.customer } });
      expect(res.errors).toBeUndefined();
    });
    expect(calls.map((c) => c.status)).toEqual([429, 429, 200]);
    const keys = new Set(calls.map((c) => c.idempotencyKey));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^bg-/);
    expect(h.local.store.sessions.size).toBe(sessionsBefore + 1);
  });

  it('keeps the caller’s scoped key on every attempt', async () => {
    h.local.setFaults({ rules: [{ kind: 'rate_limit', count: 1, method: 'POST' }] });
    const calls = await h.stripeCalls(() =>
      h.gql(SESSION, { input: { customerId: DEMO.customer, idempotencyKey: 'checkout-42' } }),
    );
    expect(calls).toHaveLength(2);
    expect(calls[0]?.idempotencyKey).toBe(calls[1]?.idempotencyKey);
    expect(calls[0]?.idempotencyKey).not.toContain('checkout-42');
  });
});

describe('backoff', () => {
  const limited = (headers: Record<string, string>) =>
    new Stripe.errors.StripeRateLimitError({ type: 'invalid_request_error', code: 'rate_limit', message: 'x', headers, statusCode: 429 });

  it('waits at least Retry-After, grows with the attempt, and stays under the cap', () => {
    const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 5_000 };
    expect(rateLimitDelay(limited({ 'retry-after': '2' }), 0, policy)).toBeGreaterThanOrEqual(2_000);
    expect(rateLimitDelay(limited({}), 2, policy)).toBeGreaterThanOrEqual(200);
    expect(rateLimitDelay(limited({ 'retry-after': '60' }), 0, policy)).toBe(5_000);
    expect(rateLimitDelay(limited({}), 3, policy)).toBeUndefined();
    expect(rateLimitDelay(limited({ 'stripe-should-retry': 'false' }), 0, policy)).toBeUndefined();
    expect(rateLimitDelay(new Error('not a 429'), 0, policy)).toBeUndefined();
    expect(DEFAULT_RATE_LIMIT_RETRY.retries).toBeGreaterThan(0);
  });
});
