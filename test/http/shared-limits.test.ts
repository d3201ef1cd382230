/**
 * What callers may spend, per caller: the Stripe-call budget (`CALLER_STRIPE_CALLS_PER_MINUTE`: the estimate charged
 * up front, the unused part given back, refused with RATE_LIMITED `callerStripeCalls` + 429, what remains in
 * `extensions.stripe.callerBudget`) and the request rate (`RATE_LIMIT_PER_MINUTE`), both shared by two gateways on
 * one real redis-server; Redis killed, each gateway still limits on its own (rate-limiter-flexible's insurance
 * limiter), and shares again once Redis is back. And `TRUST_PROXY`: anonymous callers behind a proxy keyed by their
 * own address, `X-Forwarded-For` walked from the right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedProxies } from '../../src/config-replicas.js';
import { clientAddress } from '../../src/http/client-address.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/http/server.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { createLogger } from '../../src/observability/log.js';
import { createRedisLink, type RedisLink } from '../../src/redis/connection.js';
import { expectRefused, listen, postJson, type Answer } from '../hardening/support.js';
import { signCustomerToken, startGateway, type GatewayHarness } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const ONE_CALL = { query: `{ customer(id: "${DEMO.customer}") { name } }` };
/** Estimated 41 (a page of 40 customers, each with its invoices); costs 1 + the customers there are (fewer). */
const PAGE = { query: '{ customers(first: 40) { edges { node { id invoices(first: 1) { edges { node { id } } } } } } }' };

let h: GatewayHarness;
let redis: TestRedis;
const links: RedisLink[] = [];

beforeAll(async () => {
  h = await startGateway();
  redis = await startRedis();
});

afterAll(async () => {
  for (const link of links.splice(0)) await link.close();
  await redis?.stop();
  await h?.stop();
});

function gateway(options: Partial<GatewayOptions>): Gateway {
  return createGateway({ graphiql: false, corsOrigins: [], rateLimitPerMinute: 0, ...options }, h.deps);
}

/** Two gateways with a link of their own each, as replicas have, under one prefix per test (a clean slate). */
async function sharedPair(prefix: string, options: Partial<GatewayOptions>): Promise<[Gateway, Gateway]> {
  const make = async () => {
    const link = createRedisLink({ url: redis.url, logger: createLogger({ level: 'silent' }), prefix });
    links.push(link);
    expect(await link.ready(5_000), 'Redis link up').toBe(true);
    return gateway({ ...options, redis: link });
  };
  return [await make(), await make()];
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const stripeOf = (answer: Answer) => (answer.body as { extensions?: Record<string, any> } | undefined)?.extensions?.['stripe'] as Record<string, any>;

describe('the per-caller Stripe-call budget', () => {
  it('charges the estimate, gives back what was not used, and reports what remains', async () => {
    const yoga = gateway({ callerStripeCallsPerMinute: 100 });
    const answer = await postJson(h, PAGE, { yoga });
    expect(answer.status).toBe(200);
    const stripe = stripeOf(answer);
    expect(stripe['estimatedCalls']).toBe(41);
    expect(stripe['calls']).toBeLessThan(41);
    // Charged 41 up front, then the unused part given back: what it cost is what it made.
    expect(stripe['callerBudget']).toMatchObject({ perMinute: 100, remaining: 100 - stripe['calls'] });
    expect(stripe['callerBudget'].resetSeconds).toBeGreaterThanOrEqual(1);
    expect(stripe['callerBudget'].resetSeconds).toBeLessThanOrEqual(60);
  });

  it('refuses a request whose estimate does not fit: RATE_LIMITED callerStripeCalls, 429, no Stripe call', async () => {
    const yoga = gateway({ callerStripeCallsPerMinute: 45 });
    const first = await postJson(h, PAGE, { yoga });
    expect(first.status).toBe(200);
    const left = stripeOf(first)['callerBudget'].remaining as number;
    expect(left).toBeLessThan(41);
    let refused!: Answer;
    const calls = await h.stripeCalls(async () => {
      refused = await postJson(h, PAGE, { yoga });
    });
    expectRefused(refused, 429, 'RATE_LIMITED', 'callerStripeCalls');
    const extensions = refused.body!.errors![0]!.extensions!;
    expect(extensions['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('retry-after')).toBe(String(extensions['retryAfterSeconds']));
    expect(calls).toEqual([]);
    // The refusal cost nothing, and says what remains.
    expect(stripeOf(refused)['callerBudget']).toMatchObject({ perMinute: 45, remaining: left });
    // A one-call request still fits; another caller has a budget of its own.
    expect((await postJson(h, ONE_CALL, { yoga })).status).toBe(200);
    const customer = `Bearer ${await signCustomerToken(DEMO.customer)}`;
    const mine = await postJson(h, { query: '{ viewer { customer { name } } }' }, { yoga, authorization: customer });
    expect(mine.status).toBe(200);
    expect(stripeOf(mine)['callerBudget'].remaining).toBe(45 - (stripeOf(mine)['calls'] as number));
  });
});

describe('shared by two gateways on one Redis', () => {
  it('the Stripe-call budget: what one gateway charged, the other sees', async () => {
    const [a, b] = await sharedPair('t-budget:', { callerStripeCallsPerMinute: 3 });
    expect(stripeOf(await postJson(h, ONE_CALL, { yoga: a }))['callerBudget'].remaining).toBe(2);
    expect(stripeOf(await postJson(h, ONE_CALL, { yoga: b }))['callerBudget'].remaining).toBe(1);
    expect(stripeOf(await postJson(h, ONE_CALL, { yoga: a }))['callerBudget'].remaining).toBe(0);
    expectRefused(await postJson(h, ONE_CALL, { yoga: b }), 429, 'RATE_LIMITED', 'callerStripeCalls');
  });

  it('the request rate: three a minute between them; Redis killed, each limits alone; Redis back, shared again', async () => {
    const [a, b] = await sharedPair('t-rate:', { rateLimitPerMinute: 3 });
    const viewer = { query: '{ viewer { role } }' };
    for (const yoga of [a, b, a]) expect((await postJson(h, viewer, { yoga })).status).toBe(200);
    expectRefused(await postJson(h, viewer, { yoga: b }), 429, 'RATE_LIMITED');

    await redis.kill();
    await until('the links to see Redis down', () => links.slice(-2).every((link) => !link.up));
    // Still limited: each gateway in its own memory (three each) — and still answering.
    for (let i = 0; i < 3; i++) expect((await postJson(h, viewer, { yoga: a })).status).toBe(200);
    expectRefused(await postJson(h, viewer, { yoga: a }), 429, 'RATE_LIMITED');
    expect((await postJson(h, viewer, { yoga: b })).status).toBe(200);

    await redis.restart();
    await until('the links to reconnect', () => links.slice(-2).every((link) => link.up), 20_000);
    // The restarted Redis is empty: a fresh shared minute, three between the two again.
    for (const yoga of [b, a, b]) expect((await postJson(h, viewer, { yoga })).status).toBe(200);
    expectRefused(await postJson(h, viewer, { yoga: a }), 429, 'RATE_LIMITED');
  });
});

describe('TRUST_PROXY', () => {
  const proxies = trustedProxies(['127.0.0.1', '10.0.0.0/8']);

  it('walks X-Forwarded-For from the right, past trusted proxies, to the first address that is not one', () => {
    expect(clientAddress('127.0.0.1', '203.0.113.7', proxies)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:127.0.0.1', '203.0.113.7, 10.1.2.3', proxies)).toBe('203.0.113.7');
    // What the client wrote itself, left of that, is never believed.
    expect(clientAddress('127.0.0.1', '1.1.1.1, 203.0.113.7', proxies)).toBe('203.0.113.7');
    // Every hop trusted: the leftmost; a broken chain: the last proxy that wrote sense.
    expect(clientAddress('127.0.0.1', '10.0.0.9, 10.0.0.8', proxies)).toBe('10.0.0.9');
    expect(clientAddress('127.0.0.1', 'junk, 10.0.0.8', proxies)).toBe('10.0.0.8');
    // A peer that is no trusted proxy, or no proxies configured: the header is ignored.
    expect(clientAddress('198.51.100.1', '203.0.113.7', proxies)).toBe('198.51.100.1');
    expect(clientAddress('127.0.0.1', '203.0.113.7', undefined)).toBe('127.0.0.1');
  });

  it('keys anonymous callers behind a trusted proxy by their own address; without it, all share the proxy’s', async () => {
    const call = (url: string, forwardedFor: string) =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: JSON.stringify({ query: '{ viewer { role } }' }),
      });
    const behind = await listen(gateway({ rateLimitPerMinute: 1, trustedProxies: proxies }));
    const direct = await listen(gateway({ rateLimitPerMinute: 1 }));
    try {
      expect((await call(behind.url, '203.0.113.1')).status).toBe(401);
      expect((await call(behind.url, '203.0.113.1')).status).toBe(429);
      // Another client behind the same proxy has its own limit, however the left of the header is spoofed.
      expect((await call(behind.url, '203.0.113.2')).status).toBe(401);
      expect((await call(behind.url, '203.0.113.1, 203.0.113.2')).status).toBe(429);
      // Not trusted: every caller is the proxy (the peer), whatever the header says.
      expect((await call(direct.url, '203.0.113.1')).status).toBe(401);
      expect((await call(direct.url, '203.0.113.2')).status).toBe(429);
    } finally {
      await behind.close();
      await direct.close();
    }
  });
});
