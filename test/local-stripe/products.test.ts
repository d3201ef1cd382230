/**
 * Products through the real SDK: create (custom ids, `default_price_data`), retrieve with `expand[]=default_price`,
 * update (`default_price` must be the product's own), delete (refused once a price exists), list filters, search.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.local.stop());

describe('creating products', () => {
  it('creates a product with Stripe’s shape and defaults', async () => {
    const product = await h.stripe.products.create({
      name: 'Analytical Engine',
      description: 'Computes Bernoulli numbers',
      images: ['https://example.com/engine.png'],
      marketing_features: [{ name: 'Punched cards' }],
      metadata: { era: 'victorian' },
      statement_descriptor: 'ENGINE CO',
      tax_code: 'txcd_10000000',
      unit_label: 'engine',
      url: 'https://example.com/engine',
    });
    expectTypeOf(product).toMatchTypeOf<Stripe.Product>();
    expect(product.id).toMatch(/^prod_[A-Za-z0-9]{14}$/);
    expect(product).toMatchObject({
      object: 'product',
      active: true,
      default_price: null,
      description: 'Computes Bernoulli numbers',
      images: ['https://example.com/engine.png'],
      livemode: false,
      marketing_features: [{ name: 'Punched cards' }],
      metadata: { era: 'victorian' },
      name: 'Analytical Engine',
      package_dimensions: null,
      shippable: null,
      statement_descriptor: 'ENGINE CO',
      tax_code: 'txcd_10000000',
      tax_details: null,
      type: 'service',
      unit_label: 'engine',
      url: 'https://example.com/engine',
    });
    expect(product.updated).toBe(product.created);
  });

  it('takes a custom id, once', async () => {
    const product = await h.stripe.products.create({ id: 'gold-plan', name: 'Gold' });
    expect(product.id).toBe('gold-plan');
    expect((await h.stripe.products.retrieve('gold-plan')).name).toBe('Gold');
    const again = await stripeError(h.stripe.products.create({ id: 'gold-plan', name: 'Gold again' }));
    expect([again.statusCode, again.code, again.param, again.message]).toEqual([400, 'resource_already_exists', 'id', 'Product already exists.']);
  });

  it('makes the default price from default_price_data', async () => {
    const product = await h.stripe.products.create({
      name: 'Subscription box',
      default_price_data: { currency: 'gbp', unit_amount: 1500, recurring: { interval: 'month', interval_count: 3 } },
      expand: ['default_price'],
    });
    const price = product.default_price as Stripe.Price;
    expect(price).toMatchObject({ object: 'price', product: product.id, currency: 'gbp', unit_amount: 1500, type: 'recurring' });
    expect(price.recurring).toMatchObject({ interval: 'month', interval_count: 3 });
    const decimal = await h.stripe.products.create({
      name: 'Decimal box',
      default_price_data: { currency: 'usd', unit_amount_decimal: Stripe.Decimal.from('12.5') },
    });
    expect((await h.stripe.prices.retrieve(decimal.default_price as string)).type).toBe('one_time');
  });

  it('refuses bad input and creates nothing', async () => {
    const before = (await h.stripe.products.list({ limit: 100 })).data.length;
    const pricesBefore = (await h.stripe.prices.list({ limit: 100 })).data.length;
    const missingName = await stripeError(h.stripe.products.create({} as Stripe.ProductCreateParams));
    expect([missingName.statusCode, missingName.code, missingName.param]).toEqual([400, 'parameter_missing', 'name']);
    const noAmount = await stripeError(h.stripe.products.create({ name: 'x', default_price_data: { currency: 'usd' } }));
    expect([noAmount.code, noAmount.param]).toEqual(['parameter_missing', 'default_price_data[unit_amount]']);
    const tooLong = await stripeError(
      h.stripe.products.create({ name: 'x', default_price_data: { currency: 'usd', unit_amount: 1, recurring: { interval: 'month', interval_count: 13 } } }),
    );
    expect(tooLong.param).toBe('default_price_data[recurring][interval_count]');
    const descriptor = await stripeError(h.stripe.products.create({ name: 'x', statement_descriptor: 'A*B' }));
    expect(descriptor.param).toBe('statement_descriptor');
    const images = await stripeError(h.stripe.products.create({ name: 'x', images: Array.from({ length: 9 }, (_, i) => `https://e.x/${i}`) }));
    expect(images.param).toBe('images');
    expect((await h.stripe.products.list({ limit: 100 })).data.length).toBe(before);
    expect((await h.stripe.prices.list({ limit: 100 })).data.length).toBe(pricesBefore);
  });

  it('replays a create under the same idempotency key', async () => {
    const idempotencyKey = `product-${Date.now()}-${Math.random()}`;
    const a = await h.stripe.products.create({ name: 'Once', default_price_data: { currency: 'usd', unit_amount: 5 } }, { idempotencyKey });
    const b = await h.stripe.products.create({ name: 'Once', default_price_data: { currency: 'usd', unit_amount: 5 } }, { idempotencyKey });
    expect([b.id, b.default_price, b.lastResponse.headers['idempotent-replayed']]).toEqual([a.id, a.default_price, 'true']);
    expect((await h.stripe.prices.list({ product: a.id })).data).toHaveLength(1);
  });
});

describe('retrieving, updating and deleting products', () => {
  it('retrieves with default_price expanded (and its product, a level deeper); unknown ids are a 404', async () => {
    const product = await h.stripe.products.create({ name: 'Deep', default_price_data: { currency: 'usd', unit_amount: 100 } });
    const deep = await h.stripe.products.retrieve(product.id, { expand: ['default_price.product'] });
    expect(((deep.default_price as Stripe.Price).product as Stripe.Product).name).toBe('Deep');
    const missing = await stripeError(h.stripe.products.retrieve('prod_nope'));
    expect([missing.statusCode, missing.code, missing.message]).toEqual([404, 'resource_missing', "No such product: 'prod_nope'"]);
  });

  it('updates fields, clears the clearable ones, and sets default_price among its own prices only', async () => {
    const product = await h.stripe.products.create({ name: 'Before', description: 'd', url: 'https://e.x', unit_label: 'u', images: ['https://e.x/1'] });
    const own = await h.stripe.prices.create({ currency: 'usd', unit_amount: 10, product: product.id });
    const elsewhere = await h.stripe.prices.create({ currency: 'usd', unit_amount: 10, product_data: { name: 'Other' } });
    const updated = await h.stripe.products.update(product.id, {
      name: 'After',
      active: false,
      description: '',
      url: '',
      unit_label: '',
      images: '',
      shippable: true,
      metadata: { k: 'v' },
      marketing_features: [{ name: 'Fast' }],
      default_price: own.id,
    });
    expect(updated).toMatchObject({
      name: 'After',
      active: false,
      description: null,
      url: null,
      unit_label: null,
      images: [],
      shippable: true,
      metadata: { k: 'v' },
      marketing_features: [{ name: 'Fast' }],
      default_price: own.id,
    });
    const foreign = await stripeError(h.stripe.products.update(product.id, { default_price: elsewhere.id }));
    expect([foreign.statusCode, foreign.param]).toEqual([400, 'default_price']);
    const cleared = await h.stripe.products.update(product.id, { default_price: '' });
    expect(cleared.default_price).toBeNull();
  });

  it('deletes a product without prices, and refuses one with prices', async () => {
    const bare = await h.stripe.products.create({ name: 'Bare' });
    const deleted = await h.stripe.products.del(bare.id);
    expectTypeOf(deleted).toMatchTypeOf<Stripe.DeletedProduct>();
    expect(deleted).toMatchObject({ id: bare.id, object: 'product', deleted: true });
    expect((await stripeError(h.stripe.products.retrieve(bare.id))).statusCode).toBe(404);
    const priced = await h.stripe.products.create({ name: 'Priced', default_price_data: { currency: 'usd', unit_amount: 1 } });
    const refused = await stripeError(h.stripe.products.del(priced.id));
    expect([refused.statusCode, refused.message]).toEqual([400, 'This product cannot be deleted because it has one or more user-created prices.']);
    expect((await h.stripe.products.retrieve(priced.id)).name).toBe('Priced');
  });
});

describe('listing and searching products', () => {
  let local: Harness;
  const made: Stripe.Product[] = [];

  beforeAll(async () => {
    local = await startHarness();
    made.push(await local.stripe.products.create({ name: 'Alpha plan', description: 'the first', metadata: { tier: 'a' } }));
    made.push(await local.stripe.products.create({ name: 'Beta plan', active: false, shippable: true, url: 'https://e.x/beta' }));
    made.push(await local.stripe.products.create({ name: 'Gamma box', type: 'good', shippable: false, metadata: { tier: 'c' } }));
  });
  afterAll(() => local.local.stop());

  const names = (list: { data: Stripe.Product[] }) => list.data.map((p) => p.name);

  it('filters by active, ids, shippable, type, url and created, and pages with cursors', async () => {
    const [alpha, beta, gamma] = made as [Stripe.Product, Stripe.Product, Stripe.Product];
    expect(names(await local.stripe.products.list())).toEqual(['Gamma box', 'Beta plan', 'Alpha plan']);
    expect(names(await local.stripe.products.list({ active: true }))).toEqual(['Gamma box', 'Alpha plan']);
    expect(names(await local.stripe.products.list({ ids: [alpha.id, gamma.id] }))).toEqual(['Gamma box', 'Alpha plan']);
    expect(names(await local.stripe.products.list({ shippable: true }))).toEqual(['Beta plan']);
    expect(names(await local.stripe.products.list({ type: 'good' }))).toEqual(['Gamma box']);
    expect(names(await local.stripe.products.list({ url: 'https://e.x/beta' }))).toEqual(['Beta plan']);
    expect(names(await local.stripe.products.list({ created: { gte: alpha.created, lte: gamma.created } }))).toHaveLength(3);
    expect(names(await local.stripe.products.list({ created: { lt: alpha.created } }))).toEqual([]);
    const page = await local.stripe.products.list({ limit: 1, starting_after: gamma.id });
    expect([names(page), page.has_more]).toEqual([['Beta plan'], true]);
    expect(names(await local.stripe.products.list({ ending_before: beta.id }))).toEqual(['Gamma box']);
    const withPrices = await local.stripe.products.list({ expand: ['data.default_price'] });
    expect(withPrices.data.every((p) => p.default_price === null)).toBe(true);
  });

  it('searches by name, description, active, shippable, url and metadata', async () => {
    const search = async (query: string) => names(await local.stripe.products.search({ query }));
    expect(await search(`name~'plan'`)).toEqual(['Beta plan', 'Alpha plan']);
    expect(await search(`name:'gamma box'`)).toEqual(['Gamma box']);
    expect(await search(`description:'the first'`)).toEqual(['Alpha plan']);
    expect(await search(`active:'false'`)).toEqual(['Beta plan']);
    expect(await search(`shippable:'false' OR url:'https://e.x/beta'`)).toEqual(['Gamma box', 'Beta plan']);
    expect(await search(`metadata['tier']:'a'`)).toEqual(['Alpha plan']);
    const unsupported = await stripeError(local.stripe.products.search({ query: `unit_label:'x'` }));
    expect([unsupported.statusCode, unsupported.param]).toEqual([400, 'query']);
  });
});
