/**
 * Per-caller rate limiting: a window of a minute (rate-limiter-flexible) per admin key, per customer, per client
 * address for anonymous callers. Over the rate: HTTP 429, `Retry-After`, code RATE_LIMITED with
 * `extensions.retryAfterSeconds`, refused before execution (no Stripe call). Shared through Redis:
 * `test/http/shared-limits.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../src/config.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { callerKey, RateLimiter } from '../../src/http/rate-limit.js';
import { createGateway } from '../../src/http/server.js';
import { ADMIN_KEY, signCustomerToken, startGateway, type GatewayHarness } from '../support/gateway.js';
import { expectRefused, GRAPHQL_RESPONSE, listen, postJson } from './support.js';

describe('RateLimiter', () => {
  // rate-limiter-flexible counts a window per caller from its first request (a minute by default), where the former
  // token bucket refilled continuously: a caller may use its whole minute at once, then waits for the next one.
  it('allows a burst up to the limit, then refuses with the seconds until the caller’s minute is over', async () => {
    const limiter = new RateLimiter({ perMinute: 60 });
    for (let i = 0; i < 60; i++) expect((await limiter.take('a')).allowed).toBe(true);
    const refused = await limiter.take('a');
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) {
      expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
    }
    // Another caller has its own count.
    expect((await limiter.take('b')).allowed).toBe(true);
  });

  it('says how many remain, and a refusal costs nothing', async () => {
    const limiter = new RateLimiter({ perMinute: 3 });
    expect(await limiter.take('a')).toEqual({ allowed: true, remaining: 2 });
    await limiter.take('a');
    await limiter.take('a');
    for (let i = 0; i < 5; i++) expect((await limiter.take('a')).allowed).toBe(false);
  });

  it('starts counting again when the caller’s window is over', async () => {
    const limiter = new RateLimiter({ perMinute: 2, windowSeconds: 1 });
    await limiter.take('a');
    await limiter.take('a');
    expect((await limiter.take('a')).allowed).toBe(false);
    const end = Date.now() + 5_000;
    let again = false;
    while (!again && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = (await limiter.take('a')).allowed;
    }
    expect(again, 'allowed again within 5 s of a 1 s window').toBe(true);
  });

  it('is off at 0', async () => {
    const limiter = new RateLimiter({ perMinute: 0 });
    expect(limiter.enabled).toBe(false);
    for (let i = 0; i < 10_000; i++) expect((await limiter.take('a')).allowed).toBe(true);
  });

  it('keys callers by admin key id, customer, or address', () => {
    expect(callerKey({ role: 'ADMIN', keyId: 'abc' }, '10.0.0.1')).toBe('admin:abc');
    expect(callerKey({ role: 'CUSTOMER', customerId: 'cus_1' }, '10.0.0.1')).toBe('customer:cus_1');
    expect(callerKey({ role: 'ANONYMOUS' }, '10.0.0.1')).toBe('ip:10.0.0.1');
  });
});

describe('configuration', () => {
  const base = { STRIPE_SECRET_KEY: 'sk_test_abc', GATEWAY_API_KEYS: 'k'.repeat(20) };
  it('RATE_LIMIT_PER_MINUTE defaults to 600, 0 turns it off, nonsense is refused', () => {
    expect(loadGatewayConfig(base).rateLimitPerMinute).toBe(600);
    expect(loadGatewayConfig({ ...base, RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
    expect(loadGatewayConfig({ ...base, RATE_LIMIT_PER_MINUTE: '120' }).rateLimitPerMinute).toBe(120);
    expect(() => loadGatewayConfig({ ...base, RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(() => loadGatewayConfig({ ...base, RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
  });
});

describe('the gateway', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway();
  });
  afterAll(() => h.stop());

  const query = { query: `{ customer(id: "${DEMO.customer}") { id } }` };

  it('answers 429 RATE_LIMITED with Retry-After and retryAfterSeconds, before any Stripe call', async () => {
    const limited = createGateway({ graphiql: false, corsOrigins: [], rateLimitPerMinute: 3 }, h.deps);
    for (let i = 0; i < 3; i++) expect((await postJson(h, query, { yoga: limited })).status).toBe(200);
    const refused = await postJson(h, query, { yoga: limited });
    expectRefused(refused, 429, 'RATE_LIMITED');
    const seconds = refused.body!.errors![0]!.extensions!['retryAfterSeconds'] as number;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(refused.headers.get('retry-after')).toBe(String(seconds));
    // Under application/json too: 429 is not a GraphQL-over-HTTP status Yoga may turn into 200.
    const json = await postJson(h, query, { yoga: limited, headers: { accept: 'application/json' } });
    expect(json.status).toBe(429);
  });

  it('keeps callers apart: an admin over its limit does not stop a customer, nor one customer another', async () => {
    const limited = createGateway({ graphiql: false, corsOrigins: [], rateLimitPerMinute: 2 }, h.deps);
    const customer = `Bearer ${await signCustomerToken(DEMO.customer)}`;
    const other = `Bearer ${await signCustomerToken(DEMO.businessCustomer)}`;
    for (let i = 0; i < 2; i++) await postJson(h, query, { yoga: limited });
    expectRefused(await postJson(h, query, { yoga: limited }), 429, 'RATE_LIMITED');
    expect((await postJson(h, { query: '{ viewer { role } }' }, { yoga: limited, authorization: customer })).status).toBe(200);
    expect((await postJson(h, { query: '{ viewer { role } }' }, { yoga: limited, authorization: customer })).status).toBe(200);
    expectRefused(await postJson(h, { query: '{ viewer { role } }' }, { yoga: limited, authorization: customer }), 429, 'RATE_LIMITED');
    expect((await postJson(h, { query: '{ viewer { role } }' }, { yoga: limited, authorization: other })).status).toBe(200);
  });

  it('limits an anonymous caller by its address, and a bad token counts as anonymous', async () => {
    const limited = createGateway({ graphiql: false, corsOrigins: [], rateLimitPerMinute: 2 }, h.deps);
    const server = await listen(limited);
    try {
      const call = (authorization?: string) =>
        fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE, ...(authorization ? { authorization } : {}) },
          body: JSON.stringify(query),
        });
      const calls = await h.stripeCalls(async () => {
        expect((await call()).status).toBe(401);
        expect((await call('Bearer not-a-key')).status).toBe(401);
        const refused = await call('Bearer still-not-a-key');
        expect(refused.status).toBe(429);
        expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
        const body = (await refused.json()) as { errors: Array<{ extensions: Record<string, unknown> }> };
        expect(body.errors[0]!.extensions['code']).toBe('RATE_LIMITED');
        // The admin, from the same address, has a bucket of its own.
        expect((await call(`Bearer ${ADMIN_KEY}`)).status).toBe(200);
      });
      expect(calls.length).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('never limits at RATE_LIMIT_PER_MINUTE=0', async () => {
    const unlimited = createGateway({ graphiql: false, corsOrigins: [], rateLimitPerMinute: 0 }, h.deps);
    for (let i = 0; i < 50; i++) expect((await postJson(h, { query: '{ viewer { role } }' }, { yoga: unlimited })).status).toBe(200);
  });
});
