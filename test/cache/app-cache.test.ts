/**
 * The shared cache in the running gateway, in memory and on a real redis-server: a warm billing page view costs no
 * Stripe call; an event's delivery drops what it changed before the gateway answers it (a read made from inside a
 * later "changed" hook, i.e. before the 2xx, already sees the change); the gateway's own mutation is seen at once
 * without its event; a cached object reaches only callers who may see it; with Redis down every read goes to Stripe,
 * and the cache comes back (emptied) on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeChange } from '../../src/events/changes.js';
import { RedisCacheStore } from '../../src/cache/redis-store.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { describeCall } from '../support/gateway.js';
import { until } from '../support/live.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { delivered, newestEvent, startCachedApp, type CachedApp } from './support.js';

const CUSTOMER_NAME = `query ($id: ID!) { customer(id: $id) { id name } }`;
const INVOICE = `query ($id: ID!) { invoice(id: $id) { id status total { amount } customer { id } } }`;
const CANCEL = `mutation ($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) { ... on CancelSubscriptionPayload { subscription { id cancelAtPeriodEnd } } } }`;
const RESUME = `mutation ($input: ResumeSubscriptionInput!) { resumeSubscription(input: $input) { ... on ResumeSubscriptionPayload { subscription { id cancelAtPeriodEnd } } } }`;

const ada = { customer: DEMO.customer };
const acme = { customer: DEMO.businessCustomer };
const plansOf = (page: Awaited<ReturnType<CachedApp['billingPage']>>) =>
  (page.data?.['viewer'].customer.subscriptions.edges as Array<{ node: { id: string; cancelAtPeriodEnd: boolean } }>).map((e) => e.node);

describe.each(['memory', 'redis'] as const)('the shared cache (%s)', (where) => {
  let redis: TestRedis | undefined;
  let p: CachedApp;
  /** Reads made by the probe hook, which runs after the cache's own hook and before the delivery is answered. */
  const probed: Array<{ eventId: string; name: unknown }> = [];
  let probing: string | undefined;
  const probe = async (change: StripeChange) => {
    if (probing === undefined || !change.changes.some((c) => c.id === probing)) return;
    const answer = await p.gql(CUSTOMER_NAME, { id: probing });
    probed.push({ eventId: change.eventId, name: answer.data?.['customer'].name });
  };

  beforeAll(async () => {
    redis = where === 'redis' ? await startRedis() : undefined;
    p = await startCachedApp(redis !== undefined ? { REDIS_URL: redis.url } : {}, { changedHooks: [probe] });
    expect(p.app.cache, 'the cache is on (a webhook secret is configured)').toBeDefined();
    if (redis !== undefined) expect(await (p.app.cache!.store as RedisCacheStore).ready(), 'the Redis store is usable').toBe(true);
  });
  afterAll(async () => {
    await p?.stop();
    await redis?.stop();
  });

  it('a warm billing page view makes no Stripe call, and answers the same', async () => {
    const cold = await p.billingPage(DEMO.customer);
    expect(cold.errors).toBeUndefined();
    expect(cold.extensions?.stripe?.calls).toBeGreaterThan(0);
    let warm: typeof cold | undefined;
    const made = await p.stripeCalls(async () => (warm = await p.billingPage(DEMO.customer)));
    expect(made.map(describeCall), 'Stripe requests of the warm view').toEqual([]);
    expect(warm!.data).toEqual(cold.data);
    expect(warm!.extensions?.stripe).toMatchObject({ calls: 0 });
    expect(warm!.extensions?.stripe?.cacheHits).toBeGreaterThanOrEqual(3);
  });

  it("an event's delivery drops what it changed before it is answered", async () => {
    await p.gql(CUSTOMER_NAME, { id: DEMO.businessCustomer });
    const warm = await p.stripeCalls(() => p.gql(CUSTOMER_NAME, { id: DEMO.businessCustomer }));
    expect(warm, 'the customer is cached').toEqual([]);

    probing = DEMO.businessCustomer;
    const name = `Acme ${where} ${Date.now()}`;
    await p.sdk.customers.update(DEMO.businessCustomer, { name });
    const event = newestEvent(p, 'customer.updated');
    await delivered(p, event.id);
    probing = undefined;
    // Read inside the delivery, after the cache's hook and before the 2xx: already the new name.
    expect(probed.filter((r) => r.eventId === event.id)).toEqual([{ eventId: event.id, name }]);
    const after = await p.gql(CUSTOMER_NAME, { id: DEMO.businessCustomer });
    expect(after.data?.['customer'].name).toBe(name);
  });

  it("the gateway's own mutation is seen at once, without waiting for its event", async () => {
    // No deliveries: only the mutation itself can drop what it changed.
    p.stripe.webhooks.stopForwarding();
    try {
      const before = plansOf(await p.billingPage(DEMO.customer)).find((s) => s.id === DEMO.subscription);
      expect(before?.cancelAtPeriodEnd).toBe(false);
      const canceled = await p.gql(CANCEL, { input: { subscriptionId: DEMO.subscription, atPeriodEnd: true } });
      expect(canceled.errors).toBeUndefined();
      expect(plansOf(await p.billingPage(DEMO.customer)).find((s) => s.id === DEMO.subscription)?.cancelAtPeriodEnd).toBe(true);
      const resumed = await p.gql(RESUME, { input: { subscriptionId: DEMO.subscription } });
      expect(resumed.errors).toBeUndefined();
      expect(plansOf(await p.billingPage(DEMO.customer)).find((s) => s.id === DEMO.subscription)?.cancelAtPeriodEnd).toBe(false);
    } finally {
      p.stripe.forwardWebhooks({ url: p.app.webhooks.url, secret: p.app.config.webhooks.secrets[0]! });
    }
  });

  it('a cached object reaches only callers who may see it', async () => {
    const page = await p.billingPage(DEMO.customer);
    const invoiceId = page.data?.['viewer'].customer.invoices.edges[0].node.id as string;
    expect((await p.gql(INVOICE, { id: invoiceId }, ada)).data?.['invoice'].id).toBe(invoiceId);
    const cached = await p.stripeCalls(() => p.gql(INVOICE, { id: invoiceId }, ada));
    expect(cached, "Ada's invoice is cached").toEqual([]);

    const other = await p.gql(INVOICE, { id: invoiceId }, acme);
    expect(other.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    expect(other.data?.['invoice'] ?? null).toBeNull();
    const customer = await p.gql(CUSTOMER_NAME, { id: DEMO.customer }, acme);
    expect(customer.errors?.map((e) => e.extensions?.['code'])).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(customer.data ?? null)).not.toContain('Ada');
    // Acme's own page lists Acme's invoices only, cached or not.
    for (let view = 0; view < 2; view++) {
      const acmePage = await p.billingPage(DEMO.businessCustomer);
      const ids = (acmePage.data?.['viewer'].customer.invoices.edges as Array<{ node: { id: string } }>).map((e) => e.node.id);
      expect(ids).not.toContain(invoiceId);
      for (const id of ids) expect(p.stripe.store.invoices.get(id)?.customer).toBe(DEMO.businessCustomer);
    }
  });
});

describe('the shared cache on Redis, through an outage', () => {
  let redis: TestRedis;
  let p: CachedApp;
  beforeAll(async () => {
    redis = await startRedis();
    p = await startCachedApp({ REDIS_URL: redis.url });
    expect(await (p.app.cache!.store as RedisCacheStore).ready(), 'the Redis store is usable').toBe(true);
  });
  afterAll(async () => {
    await p?.stop();
    await redis?.stop();
  });

  it('with Redis down every read goes to Stripe; back up, the cache is emptied and fills again', async () => {
    await p.billingPage(DEMO.newCustomer);
    expect(await p.stripeCalls(() => p.billingPage(DEMO.newCustomer))).toEqual([]);
    await redis.kill();
    await until(() => p.app.redis?.up === false, 'the link notices Redis is gone');
    for (let view = 0; view < 2; view++) {
      const page = await p.billingPage(DEMO.newCustomer);
      expect(page.errors).toBeUndefined();
      expect(page.extensions?.stripe?.calls, 'answered straight from Stripe').toBeGreaterThan(0);
      expect(page.extensions?.stripe?.cacheHits).toBe(0);
    }
    await redis.restart();
    await until(() => p.app.redis?.up === true, 'the link reconnects');
    expect(await (p.app.cache!.store as RedisCacheStore).ready()).toBe(true);
    expect((await p.billingPage(DEMO.newCustomer)).extensions?.stripe?.calls, 'cold after the outage').toBeGreaterThan(0);
    expect(await p.stripeCalls(() => p.billingPage(DEMO.newCustomer)), 'warm again').toEqual([]);
  });
});

describe('cache hits and the Stripe budget', () => {
  let p: CachedApp;
  beforeAll(async () => {
    // 5 reads a second: one cold view (5 reads) fits; twenty views from Stripe (100 reads) would not within 3 s each.
    p = await startCachedApp({ STRIPE_READS_PER_SECOND: '5', REQUEST_TIMEOUT_MS: '3000' });
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('a hit takes no token of the account budget: warm views go on long after the budget is spent', async () => {
    const cold = await p.billingPage(DEMO.customer);
    expect(cold.errors).toBeUndefined();
    const made = await p.stripeCalls(async () => {
      for (let view = 0; view < 20; view++) {
        const warm = await p.billingPage(DEMO.customer);
        expect(warm.errors, `view ${view + 2}`).toBeUndefined();
        expect(warm.extensions?.stripe).toMatchObject({ calls: 0 });
      }
    });
    expect(made).toEqual([]);
  });
});
