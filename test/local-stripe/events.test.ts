/**
 * `/v1/events` through the real SDK: the event object's shape, retrieve, list filters (`type` with `*`, `types`,
 * `created`, `delivery_success`), paging, errors, 30-day retention, connected accounts' own events, and listeners
 * hearing each event before the response that caused it is sent. (What makes which event: `events-coverage.test.ts`.)
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { manualClock } from '../../src/local-stripe/index.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

const CONNECTED = 'acct_1EventsConnected0';
const DAY = 24 * 60 * 60;

let h: Harness;
let stripe: Stripe;
const clock = manualClock(Date.UTC(2026, 10, 25, 12));
/** Moves the manual clock (milliseconds) by whole seconds. */
const advance = (seconds: number) => clock.advance(seconds * 1000);

beforeAll(async () => {
  h = await startHarness({ clock, connectedAccounts: [CONNECTED] });
  stripe = h.stripe;
});
afterAll(() => h.local.stop());

describe('the event object', () => {
  it('has Stripe’s shape and is retrieved by id', async () => {
    const customer = await stripe.customers.create({ email: 'shape@example.com' }, { idempotencyKey: 'shape-1' });
    const [event] = (await stripe.events.list({ limit: 1 })).data;
    expectTypeOf(event!).toMatchTypeOf<Stripe.Event>();
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_[A-Za-z0-9]{24}$/),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: h.local.clock.now(),
      data: { object: customer },
      livemode: false,
      pending_webhooks: 0,
      request: { id: customer.lastResponse.requestId, idempotency_key: 'shape-1' },
      type: 'customer.created',
    });
    const retrieved = await stripe.events.retrieve(event!.id);
    expect(retrieved).toEqual(event);
    expect(retrieved.lastResponse.statusCode).toBe(200);
  });

  it('keeps the object as it was: a later change makes a new event and leaves the old one alone', async () => {
    const customer = await stripe.customers.create({ name: 'Before' });
    const created = (await stripe.events.list({ limit: 1 })).data[0] as Stripe.Event;
    await stripe.customers.update(customer.id, { name: 'After' });
    expect(((await stripe.events.retrieve(created.id)).data.object as Stripe.Customer).name).toBe('Before');
    const updated = (await stripe.events.list({ limit: 1, type: 'customer.updated' })).data[0] as Stripe.Event;
    expect(updated.data).toEqual({ object: { ...customer, name: 'After' }, previous_attributes: { name: 'Before' } });
  });

  it('answers Stripe’s 404 for an unknown event', async () => {
    const error = await stripeError(stripe.events.retrieve('evt_missing'));
    expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id', message: "No such event: 'evt_missing'" });
  });
});

describe('listing events', () => {
  let start: number;

  beforeAll(async () => {
    advance(DAY);
    start = h.local.clock.now();
    const product = await stripe.products.create({ name: 'Filters' });
    advance(10_000);
    await stripe.prices.create({ product: product.id, unit_amount: 100, currency: 'usd' });
    advance(10_000);
    await stripe.products.update(product.id, { description: 'filtered' });
  });

  const typesOf = (list: Stripe.ApiList<Stripe.Event>) => list.data.map((e) => e.type);

  it('newest first, filtered by one type, a group with `*`, or a list of types', async () => {
    const since = { created: { gte: start } };
    expect(typesOf(await stripe.events.list(since))).toEqual(['product.updated', 'price.created', 'product.created']);
    expect(typesOf(await stripe.events.list({ ...since, type: 'product.created' }))).toEqual(['product.created']);
    expect(typesOf(await stripe.events.list({ ...since, type: 'product.*' }))).toEqual(['product.updated', 'product.created']);
    expect(typesOf(await stripe.events.list({ ...since, type: '*.created' }))).toEqual(['price.created', 'product.created']);
    expect(typesOf(await stripe.events.list({ ...since, types: ['price.created', 'product.updated'] }))).toEqual([
      'product.updated',
      'price.created',
    ]);
    expect(typesOf(await stripe.events.list({ ...since, type: 'invoice.*' }))).toEqual([]);
  });

  it('by `created`, exactly or within bounds', async () => {
    expect(typesOf(await stripe.events.list({ created: start + 10_000 }))).toEqual(['price.created']);
    expect(typesOf(await stripe.events.list({ created: { gt: start, lte: start + 20_000 } }))).toEqual(['product.updated', 'price.created']);
    expect(typesOf(await stripe.events.list({ created: { gte: start, lt: start + 10_000 } }))).toEqual(['product.created']);
  });

  it('by `delivery_success`: events still owed to a webhook endpoint are the unsuccessful ones', async () => {
    const owed = h.local.store.events.events.newestFirst().next().value as Stripe.Event;
    owed.pending_webhooks = 1;
    try {
      const failing = await stripe.events.list({ created: { gte: start }, delivery_success: false });
      expect(failing.data.map((e) => e.id)).toEqual([owed.id]);
      const delivered = await stripe.events.list({ created: { gte: start }, delivery_success: true });
      expect(typesOf(delivered)).toEqual(['price.created', 'product.created']);
    } finally {
      owed.pending_webhooks = 0;
    }
  });

  it('pages with `limit`, `starting_after` and `ending_before`', async () => {
    const since = { created: { gte: start }, limit: 2 };
    const first = await stripe.events.list(since);
    expect(first).toMatchObject({ object: 'list', url: '/v1/events', has_more: true });
    expect(typesOf(first)).toEqual(['product.updated', 'price.created']);
    const second = await stripe.events.list({ ...since, starting_after: first.data[1]!.id });
    expect(second.has_more).toBe(false);
    expect(typesOf(second)).toEqual(['product.created']);
    const back = await stripe.events.list({ ...since, limit: 1, ending_before: second.data[0]!.id });
    expect(typesOf(back)).toEqual(['price.created']);
    const all = await stripe.events.list({ created: { gte: start }, limit: 1 }).autoPagingToArray({ limit: 10 });
    expect(all.map((e) => e.type)).toEqual(['product.updated', 'price.created', 'product.created']);
  });

  it('refuses bad parameters as Stripe does', async () => {
    const both = await stripeError(stripe.events.list({ type: 'product.created', types: ['price.created'] }));
    expect(both).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'types' });
    const tooMany = await stripeError(stripe.events.list({ types: Array.from({ length: 21 }, (_, i) => `product.t${i}`) }));
    expect(tooMany).toMatchObject({ statusCode: 400, param: expect.stringMatching(/^types/) });
    const limit = await stripeError(stripe.events.list({ limit: 101 }));
    expect(limit).toMatchObject({ statusCode: 400, param: 'limit' });
    const created = await stripeError(stripe.events.list({ created: 'yesterday' as unknown as number }));
    expect(created).toMatchObject({ statusCode: 400, param: 'created' });
    const delivery = await stripeError(stripe.events.list({ delivery_success: 'maybe' as unknown as boolean }));
    expect(delivery).toMatchObject({ statusCode: 400, param: 'delivery_success' });
    const cursor = await stripeError(stripe.events.list({ starting_after: 'evt_nowhere' }));
    expect(cursor).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'starting_after' });
  });
});

describe('retention, accounts and listeners', () => {
  it('keeps events for 30 days, like Stripe', async () => {
    await stripe.customers.create({ email: 'old@example.com' });
    const old = (await stripe.events.list({ limit: 1 })).data[0] as Stripe.Event;
    advance(29 * DAY);
    expect((await stripe.events.retrieve(old.id)).id).toBe(old.id);
    advance(DAY + 1);
    expect((await stripeError(stripe.events.retrieve(old.id))).code).toBe('resource_missing');
    const listed = await stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(listed.map((e) => e.id)).not.toContain(old.id);
    expect(Math.min(...listed.map((e) => e.created), Infinity)).toBeGreaterThanOrEqual(h.local.clock.now() - 30 * DAY);
  });

  it('gives a connected account its own events, with `account` set', async () => {
    const connected = h.client({ stripeAccount: CONNECTED });
    const customer = await connected.customers.create({ email: 'connected@example.com' });
    const [event] = (await connected.events.list({ limit: 1 })).data;
    expect(event).toMatchObject({ type: 'customer.created', account: CONNECTED, data: { object: { id: customer.id } } });
    const platform = await stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(platform.map((e) => e.id)).not.toContain(event!.id);
    expect((await stripeError(stripe.events.retrieve(event!.id))).code).toBe('resource_missing');
  });

  it('tells listeners of each event, in order, before the response that caused it', async () => {
    const heard: string[] = [];
    const stop = h.local.store.events.listen((event) => heard.push(event.type));
    try {
      const product = await stripe.products.create({ name: 'Heard' });
      expect(heard).toEqual(['product.created']);
      await stripe.prices.create({ product: product.id, unit_amount: 100, currency: 'usd' });
      await stripe.products.update(product.id, { name: 'Heard twice' });
      expect(heard).toEqual(['product.created', 'price.created', 'product.updated']);
      await stripe.products.list();
      expect(heard).toHaveLength(3);
    } finally {
      stop();
    }
  });
});
