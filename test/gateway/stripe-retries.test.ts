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

describe('faults with the production retry settings (the SDK retries connection errors and 5xx)', () => {
  let p: GatewayHarness;

  beforeAll(async () => {
    p = await startGateway(
      {},
      { stripeMaxNetworkRetries: 2, stripeTimeoutMs: 300, rateLimitRetry: { retries: 2, baseDelayMs: 5, maxDelayMs: 20 } },
    );
  });
  afterAll(() => p.stop());
  afterEach(() => p.local.setFaults(undefined));

  const attempts = async (faults: Parameters<typeof p.local.setFaults>[0], query: string, variables: Record<string, unknown>) => {
    p.local.setFaults(faults);
    let res: Awaited<ReturnType<typeof p.gql>> | undefined;
    const calls = await p.stripeCalls(async () => {
      res = await p.gql(query, variables);
    });
    return { res: res!, calls };
  };

  it('a 503 then success: two attempts, the data', async () => {
    const { res, calls } = await attempts({ rules: [{ kind: 'server_error', status: 503, count: 1 }] }, CUSTOMER, { id: DEMO.customer });
    expect(res.data).toEqual({ customer: { name: 'Ada Lovelace' } });
    expect(calls.map((c) => c.status)).toEqual([503, 200]);
  });

  it('a 5xx on a portal-session create is retried with the same idempotency key: one session', async () => {
    const before = p.local.store.sessions.size;
    const { res, calls } = await attempts(
      { rules: [{ kind: 'server_error', status: 500, count: 1, method: 'POST' }] },
      SESSION,
      { input: { customerId: DEMO.customer } },
    );
    expect(res.errors).toBeUndefined();
    expect(calls.map((c) => c.status)).toEqual([500, 200]);
    expect(calls[0]?.idempotencyKey).toBe(calls[1]?.idempotencyKey);
    expect(p.local.store.sessions.size).toBe(before + 1);
  });

  it('a connection reset then success', async () => {
    const { res, calls } = await attempts({ rules: [{ kind: 'reset', count: 1 }] }, CUSTOMER, { id: DEMO.customer });
    expect(res.data).toEqual({ customer: { name: 'Ada Lovelace' } });
    expect(calls.map((c) => c.status)).toEqual([0, 200]);
  });

  it('a hang past the timeout, then success on the retry', async () => {
    const { res, calls } = await attempts({ rules: [{ kind: 'hang', count: 1 }] }, CUSTOMER, { id: DEMO.customer });
    expect(res.data).toEqual({ customer: { name: 'Ada Lovelace' } });
    expect(calls.map((c) => c.status)).toEqual([0, 200]);
  });

  it('a hang on every attempt surfaces as UPSTREAM_UNAVAILABLE, not a hung request', async () => {
    const { res, calls } = await attempts({ rules: [{ kind: 'hang' }] }, CUSTOMER, { id: DEMO.customer });
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls).toHaveLength(3);
  });

  it('Stripe-Should-Retry: false on a 500: one attempt, UPSTREAM_UNAVAILABLE', async () => {
    const { res, calls } = await attempts(
      { rules: [{ kind: 'server_error', status: 500, shouldRetry: false }] },
      CUSTOMER,
      { id: DEMO.customer },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(calls).toHaveLength(1);
  });
});
