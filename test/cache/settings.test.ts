/**
 * When the shared cache is on: with a webhook secret (events keep it fresh); without one, only on the explicit
 * `CACHE_TTL_SECONDS` opt-in (entries up to that old); `CACHE=off` turns it off whatever else is set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { startCachedApp, type CachedApp } from './support.js';

const NAME = `query ($id: ID!) { customer(id: $id) { id name } }`;

describe('the cache settings', () => {
  let p: CachedApp | undefined;
  afterEach(async () => {
    await p?.stop();
    p = undefined;
  });

  it('is off without a webhook secret: every view calls Stripe', async () => {
    p = await startCachedApp({ STRIPE_WEBHOOK_SECRET: '' });
    expect(p.app.config.replicas.cache.mode).toBe('off');
    expect(p.app.cache).toBeUndefined();
    await p.billingPage(DEMO.customer);
    const again = await p.billingPage(DEMO.customer);
    expect(again.extensions?.stripe?.calls).toBeGreaterThan(0);
    expect(again.extensions?.stripe).not.toHaveProperty('cacheHits');
  });

  it('is off with CACHE=off, even with a webhook secret', async () => {
    p = await startCachedApp({ CACHE: 'off' });
    expect(p.app.cache).toBeUndefined();
    await p.billingPage(DEMO.customer);
    expect((await p.billingPage(DEMO.customer)).extensions?.stripe?.calls).toBeGreaterThan(0);
  });

  it('CACHE_TTL_SECONDS without a webhook secret opts in to entries that old at most', async () => {
    p = await startCachedApp({ STRIPE_WEBHOOK_SECRET: '', CACHE_TTL_SECONDS: '2' });
    expect(p.app.config.replicas.cache.mode).toBe('ttl');
    const first = await p.gql(NAME, { id: DEMO.newCustomer });
    expect(await p.stripeCalls(() => p!.gql(NAME, { id: DEMO.newCustomer })), 'warm: no Stripe call').toEqual([]);
    const renamed = `Renamed ${Date.now()}`;
    await p.sdk.customers.update(DEMO.newCustomer, { name: renamed });
    // No events: what was read stays until its TTL ends (the documented trade), then Stripe is asked again.
    expect((await p.gql(NAME, { id: DEMO.newCustomer })).data).toEqual(first.data);
    let seen: unknown;
    const poll = async () => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        seen = (await p!.gql(NAME, { id: DEMO.newCustomer })).data?.['customer'].name;
        if (seen === renamed) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await poll();
    expect(seen, 'read again from Stripe once the TTL passed').toBe(renamed);
  });
});
