/**
 * Per-caller rate limiting: a token bucket per admin key, per customer, per client address for anonymous callers.
 * Over the rate: HTTP 429, `Retry-After`, code RATE_LIMITED with `extensions.retryAfterSeconds`, refused before
 * execution (no Stripe call). Memory stays bounded however many callers come and go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../src/config.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { callerKey, RateLimiter } from '../../src/http/rate-limit.js';
import { createGateway } from '../../src/http/server.js';
import { ADMIN_KEY, signCustomerToken, startGateway, type GatewayHarness } from '../support/gateway.js';
import { expectRefused, GRAPHQL_RESPONSE, listen, postJson } from './support.js';

class Clock {
  t = 1_000_000;
  now = () => this.t;
}

describe('RateLimiter', () => {
  it('allows a burst up to the limit, then refuses with the seconds until the next token', () => {
    const clock = new Clock();
    const limiter = new RateLimiter({ perMinute: 60, now: clock.now });
    for (let i = 0; i < 60; i++) expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another caller has its own bucket.
    expect(limiter.take('b').allowed).toBe(true);
    // One token a second comes back.
    clock.t += 1_000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('says how long to wait at a slow rate', () => {
    const clock = new Clock();
    const limiter = new RateLimiter({ perMinute: 2, now: clock.now });
    limiter.take('a');
    limiter.take('a');
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    clock.t += 20_000;
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('refills to the limit and no further', () => {
    const clock = new Clock();
    const limiter = new RateLimiter({ perMinute: 10, now: clock.now });
    limiter.take('a');
    clock.t += 3_600_000;
    let allowed = 0;
    while (limiter.take('a').allowed) allowed++;
    expect(allowed).toBe(10);
  });

  it('is off at 0', () => {
    const limiter = new RateLimiter({ perMinute: 0 });
    expect(limiter.enabled).toBe(false);
    for (let i = 0; i < 10_000; i++) expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.size).toBe(0);
  });

  it('keeps memory bounded: at most maxBuckets callers, idle ones dropped first', () => {
    const clock = new Clock();
    const limiter = new RateLimiter({ perMinute: 10, maxBuckets: 100, now: clock.now });
    for (let i = 0; i < 10_000; i++) limiter.take(`caller-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // An idle minute later every bucket is full again, and dropped at the next sweep.
    clock.t += 60_000;
    for (let i = 0; i < 1024; i++) limiter.take('busy');
    expect(limiter.size).toBe(1);
  });

  it('keeps a busy caller’s bucket when strangers flood in', () => {
    const clock = new Clock();
    const limiter = new RateLimiter({ perMinute: 5, maxBuckets: 50, now: clock.now });
    for (let i = 0; i < 5; i++) limiter.take('busy');
    for (let i = 0; i < 500; i++) {
      limiter.take(`stranger-${i}`);
      if (i % 10 === 0) expect(limiter.take('busy').allowed).toBe(false);
    }
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
    expect(seconds).toBeLessThanOrEqual(20);
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
