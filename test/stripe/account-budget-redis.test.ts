/**
 * The account's Stripe budget shared through Redis (`src/stripe/budget-redis.ts`): two gateways in this process on
 * one real redis-server and one local Stripe whose rate limiter is set to the budget. Together they keep to the one
 * budget (Stripe refuses nothing), where two gateways each with a budget in memory overrun it (the check can fail).
 * Redis killed: both keep answering, each within its share (the budget ÷ the replicas it last saw); Redis back: the
 * buckets are Redis's again.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { DEMO, startLocalStripe, type LocalStripe } from '../../src/local-stripe/index.js';
import { startProductionApp } from '../support/app.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { startRedis, type TestRedis } from '../support/redis.js';

const RATES = { readsPerSecond: 10, writesPerSecond: 10, searchesPerSecond: 5 };
const CUSTOMER = `query($id: ID!) { customer(id: $id) { name } }`;

let redis: TestRedis;
let stripe: LocalStripe;
const apps: App[] = [];

async function startGateway(env: Record<string, string>): Promise<App> {
  const { app } = await startProductionApp(
    {
      RATE_LIMIT_PER_MINUTE: '0',
      CALLER_STRIPE_CALLS_PER_MINUTE: '0',
      REQUEST_TIMEOUT_MS: '30000',
      STRIPE_MAX_IN_FLIGHT: '100',
      STRIPE_READS_PER_SECOND: String(RATES.readsPerSecond),
      STRIPE_WRITES_PER_SECOND: String(RATES.writesPerSecond),
      STRIPE_SEARCHES_PER_SECOND: String(RATES.searchesPerSecond),
      ...env,
    },
    {},
    stripe,
  );
  apps.push(app);
  return app;
}

async function customerName(app: App): Promise<string | undefined> {
  const response = await fetch(app.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query: CUSTOMER, variables: { id: DEMO.customer } }),
  });
  const body = (await response.json()) as { data?: { customer?: { name?: string } }; errors?: unknown[] };
  if (body.errors !== undefined) throw new Error(`errors: ${JSON.stringify(body.errors)}`);
  return body.data?.customer?.name;
}

/** `n` queries at once on each app. */
function queries(gateways: App[], n: number): Array<Promise<string | undefined>> {
  return gateways.flatMap((app) => Array.from({ length: n }, () => customerName(app)));
}

function load(gateways: App[], n: number): Promise<Array<string | undefined>> {
  return Promise.all(queries(gateways, n));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  redis = await startRedis();
  stripe = await startLocalStripe({ port: 0, seed: 'demo', rateLimit: RATES });
});

afterAll(async () => {
  for (const app of apps.splice(0)) await app.stop();
  await stripe?.stop();
  await redis?.stop();
});

describe('one Stripe budget for two gateways on one Redis', () => {
  it('two gateways with a budget each in memory overrun Stripe’s limit (the check below can fail)', async () => {
    const gateways = [await startGateway({}), await startGateway({})];
    stripe.reset();
    // The gateway's own 429 retries may still get every answer through; what counts is what Stripe refused.
    // 60 each: twice the limiter's rate for about 6 s, so that even a machine too busy to send at full pace overruns it.
    const results = await Promise.allSettled(queries(gateways, 60));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
    const sent = stripe.requests.length;
    expect(stripe.rateLimitRefusals.read, `${sent} requests reached Stripe; failures: ${failures.slice(0, 3).join(' | ')}`).toBeGreaterThan(0);
    for (const app of gateways.splice(0)) await app.stop();
  });

  let shared: App[] = [];

  it('two gateways sharing the budget through Redis: Stripe refuses nothing, every answer is right', async () => {
    shared = [await startGateway({ REDIS_URL: redis.url }), await startGateway({ REDIS_URL: redis.url })];
    stripe.reset();
    const names = await load(shared, 30);
    expect(names.every((name) => name === 'Ada Lovelace')).toBe(true);
    expect(stripe.rateLimitRefusals).toEqual({ read: 0, write: 0, search: 0, total: 0 });
    // The buckets are in Redis, under a hash of the key (never the key).
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('billing-gateway:budget:*');
      expect(keys.some((key) => key.endsWith(':read'))).toBe(true);
      expect(keys.join(' ')).not.toContain(stripe.secretKey);
      // Both replicas announced themselves.
      expect(await client.zcard('billing-gateway:budget:replicas')).toBe(2);
    } finally {
      client.disconnect();
    }
  });

  it('Redis killed: both keep answering within their share of the budget; Redis back: shared again', async () => {
    await redis.kill();
    await until('both links to see Redis down', () => shared.every((app) => app.redis?.up === false));
    stripe.reset();
    // Let Stripe's own bucket fill again after the reset, as it would after a quiet spell.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const names = await load(shared, 20);
    expect(names.every((name) => name === 'Ada Lovelace')).toBe(true);
    // Each at half the budget (it saw two replicas): together within it.
    expect(stripe.rateLimitRefusals).toEqual({ read: 0, write: 0, search: 0, total: 0 });

    await redis.restart();
    await until('both links to reconnect', () => shared.every((app) => app.redis?.up === true), 20_000);
    const client = new Redis(redis.url);
    try {
      // The restarted Redis is empty; the next calls book their tokens in it again.
      await customerName(shared[0]!);
      await until('a bucket in the restarted Redis', async () => (await client.keys('billing-gateway:budget:{*}:read')).length > 0);
      stripe.reset();
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const names = await load(shared, 30);
      expect(names.every((name) => name === 'Ada Lovelace')).toBe(true);
      expect(stripe.rateLimitRefusals.total).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});
