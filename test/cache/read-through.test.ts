/**
 * The read-through over a real store: a miss calls Stripe once and the next read is a hit; an in-flight read that
 * spans an invalidation of something in its answer is not stored (the race guard), so the read after the event goes
 * to Stripe again; an event's tags cover its object, its kind's lists and its customer's derived results. Misses of
 * the same read at once share one Stripe call, unless an invalidation came between them.
 */
import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../src/cache/memory-store.js';
import { readKey, SharedCache } from '../../src/cache/read-through.js';
import { listTags, tagsOfEvent } from '../../src/cache/tags.js';
import { change } from '../support/live.js';

const newCache = () =>
  new SharedCache(new MemoryCacheStore({ maxEntries: 100, retentionMs: 60_000 }), { ttlMs: 60_000, retentionMs: 60_000 });

/** A result shaped as Stripe's: a subscription with its price and product expanded. */
const subscription = (status: string) => ({
  id: 'sub_1',
  object: 'subscription',
  status,
  customer: 'cus_1',
  items: { object: 'list', data: [{ id: 'si_1', object: 'subscription_item', price: { id: 'price_1', object: 'price', product: { id: 'prod_1', object: 'product' } } }] },
});

describe('read-through', () => {
  it('a miss is fetched once, the next read is a hit with the same answer', async () => {
    const cache = newCache();
    let fetched = 0;
    const read = { key: readKey('subscriptions.retrieve', 'sub_1', {}), tags: [] };
    const fetch = async () => (fetched++, subscription('active'));
    expect(await cache.read(read, fetch)).toEqual({ value: subscription('active'), hit: false });
    expect(await cache.read(read, fetch)).toEqual({ value: subscription('active'), hit: true });
    expect(fetched).toBe(1);
  });

  it('counts its hits and misses (the metrics read them); a read that failed is a miss', async () => {
    const cache = newCache();
    const read = { key: readKey('subscriptions.retrieve', 'sub_2', {}), tags: [] };
    await expect(cache.read(read, async () => Promise.reject(new Error('Stripe is down')))).rejects.toThrow('Stripe is down');
    expect(cache.stats()).toEqual({ hits: 0, misses: 1 });
    await cache.read(read, async () => subscription('active'));
    await cache.read(read, async () => subscription('active'));
    await cache.read(read, async () => subscription('active'));
    expect(cache.stats()).toEqual({ hits: 2, misses: 2 });
  });

  it('race guard: a read in flight while an event drops an object in its answer is not stored', async () => {
    const cache = newCache();
    const read = { key: readKey('subscriptions.list', { customer: 'cus_1' }), tags: listTags('subscription', 'cus_1') };
    let release!: () => void;
    const inFlight = cache.read(read, async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { data: [subscription('active')], hasMore: false };
    });
    // The answer was made before the event (its price changed); the event is handled while the read is in flight.
    await new Promise((resolve) => setImmediate(resolve));
    await cache.changedHook(change('price', 'price_1', null));
    release();
    expect((await inFlight).hit).toBe(false);
    let fetched = 0;
    const next = await cache.read(read, async () => (fetched++, { data: [subscription('past_due')], hasMore: false }));
    expect(next.hit, 'the stale answer was not stored').toBe(false);
    expect(fetched).toBe(1);
    expect((await cache.read(read, async () => ({ data: [], hasMore: false }))).value).toEqual({ data: [subscription('past_due')], hasMore: false });
  });

  it('an object inside an answer (expanded, or a list item) drops the answer when it changes', async () => {
    const cache = newCache();
    const read = { key: readKey('subscriptions.retrieve', 'sub_1', { expand: ['items.data.price.product'] }), tags: [] };
    await cache.read(read, async () => subscription('active'));
    await cache.changedHook(change('product', 'prod_1', null));
    expect((await cache.read(read, async () => subscription('active'))).hit).toBe(false);
  });

  it("an event's tags: the object, its kind's lists (everyone's and its customer's), its customer's derived results", () => {
    expect(tagsOfEvent(change('invoice', 'in_1', 'cus_1')).sort()).toEqual(['customer:cus_1', 'list:invoice:*', 'list:invoice:cus_1', 'obj:in_1']);
    expect(tagsOfEvent(change('product', 'prod_1', null)).sort()).toEqual(['list:product:*', 'obj:prod_1']);
  });

  it('a page keeps no Request-Id of the call that made it', async () => {
    const cache = newCache();
    const read = { key: 'k', tags: [] };
    await cache.read(read, async () => ({ data: [], hasMore: false, requestId: 'req_1' }));
    expect((await cache.read(read, async () => ({ data: [], hasMore: true }))).value).toEqual({ data: [], hasMore: false });
  });
  it('two misses of the same read at once make one Stripe call; the second shares the first\'s answer', async () => {
    const cache = newCache();
    const read = { key: readKey('subscriptions.retrieve', 'sub_1', {}), tags: [] };
    let fetched = 0;
    let release!: () => void;
    const slow = async () => {
      fetched++;
      await new Promise<void>((resolve) => (release = resolve));
      return subscription('active');
    };
    const first = cache.read(read, slow);
    await new Promise((resolve) => setImmediate(resolve));
    const second = cache.read(read, async () => (fetched++, subscription('never asked')));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await first).toEqual({ value: subscription('active'), hit: false });
    expect(await second).toEqual({ value: subscription('active'), hit: true });
    expect(fetched).toBe(1);
  });

  it('a miss after an invalidation never joins a read begun before it: it asks Stripe itself', async () => {
    const cache = newCache();
    const read = { key: readKey('subscriptions.retrieve', 'sub_1', {}), tags: [] };
    let release!: () => void;
    const first = cache.read(read, async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return subscription('active');
    });
    await new Promise((resolve) => setImmediate(resolve));
    await cache.changedHook(change('subscription', 'sub_1', 'cus_1'));
    const second = cache.read(read, async () => subscription('canceled'));
    expect(await second, 'the read that began after the event').toEqual({ value: subscription('canceled'), hit: false });
    release();
    expect((await first).value).toEqual(subscription('active'));
  });

  it('when the shared call fails, the read that joined it makes its own', async () => {
    const cache = newCache();
    const read = { key: readKey('subscriptions.retrieve', 'sub_1', {}), tags: [] };
    let fail!: (error: Error) => void;
    const first = cache.read(read, () => new Promise<never>((_resolve, reject) => (fail = reject)));
    await new Promise((resolve) => setImmediate(resolve));
    const second = cache.read(read, async () => subscription('active'));
    await new Promise((resolve) => setImmediate(resolve));
    fail(new Error('the first caller left'));
    await expect(first).rejects.toThrow('the first caller left');
    expect(await second).toEqual({ value: subscription('active'), hit: false });
  });
});
