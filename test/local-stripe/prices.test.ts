/**
 * Prices through the real SDK: create (one-time and recurring, `product` or `product_data`, decimal amounts, lookup
 * keys and their transfer), retrieve with `expand[]=product`, update, list filters, search, and Stripe's errors.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;
let product: Stripe.Product;

/** Lookup keys are account-wide: each test takes its own. */
let keyCount = 0;
const key = (name: string) => `${name}_${++keyCount}`;

beforeAll(async () => {
  h = await startHarness();
  product = await h.stripe.products.create({ name: 'Widget' });
});
afterAll(() => h.local.stop());

describe('creating prices', () => {
  it('creates a recurring price with Stripe’s shape and defaults', async () => {
    const price = await h.stripe.prices.create({
      currency: 'USD',
      unit_amount: 2000,
      product: product.id,
      recurring: { interval: 'month' },
      nickname: 'Widget monthly',
      metadata: { plan: 'widget' },
    });
    expectTypeOf(price).toMatchTypeOf<Stripe.Price>();
    expect(price.id).toMatch(/^price_[A-Za-z0-9]{24}$/);
    expect(price).toMatchObject({
      object: 'price',
      active: true,
      billing_scheme: 'per_unit',
      currency: 'usd',
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: { plan: 'widget' },
      nickname: 'Widget monthly',
      product: product.id,
      recurring: { interval: 'month', interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' },
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: 'recurring',
      unit_amount: 2000,
    });
    expect(String(price.unit_amount_decimal)).toBe('2000');
    expect('currency_options' in price || 'tiers' in price).toBe(false);
    expect(Math.abs(price.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it('derives one_time without `recurring`, and the integer amount from a whole decimal only', async () => {
    const once = await h.stripe.prices.create({ currency: 'eur', unit_amount_decimal: Stripe.Decimal.from('1250'), product: product.id });
    expect([once.type, once.recurring, once.unit_amount, String(once.unit_amount_decimal)]).toEqual(['one_time', null, 1250, '1250']);
    const fractional = await h.stripe.prices.create({ currency: 'usd', unit_amount_decimal: Stripe.Decimal.from('0.5'), product: product.id });
    expect([fractional.unit_amount, String(fractional.unit_amount_decimal)]).toEqual([null, '0.5']);
  });

  it('makes the product from `product_data`', async () => {
    const price = await h.stripe.prices.create({
      currency: 'usd',
      unit_amount: 900,
      product_data: { name: 'Add-on', unit_label: 'seat', metadata: { kind: 'addon' } },
      recurring: { interval: 'week', interval_count: 2, usage_type: 'licensed' },
      expand: ['product'],
    });
    const made = price.product as Stripe.Product;
    expect(made).toMatchObject({ object: 'product', name: 'Add-on', unit_label: 'seat', metadata: { kind: 'addon' }, default_price: null });
    expect(made.id).toMatch(/^prod_[A-Za-z0-9]{14}$/);
    expect(price.recurring).toMatchObject({ interval: 'week', interval_count: 2 });
  });

  it('refuses what Stripe refuses, naming the parameter', async () => {
    const cases: Array<[Stripe.PriceCreateParams, string, string | undefined, string]> = [
      [{ currency: 'usd', unit_amount: 1 }, 'product', 'parameter_missing', 'Missing required param: product.'],
      [{ currency: 'usd', product: product.id }, 'unit_amount', 'parameter_missing', 'Missing required param: unit_amount.'],
      [{ currency: 'usd', unit_amount: 1, product: 'prod_missing' }, 'product', 'resource_missing', "No such product: 'prod_missing'"],
      [
        { currency: 'usd', unit_amount: 1, unit_amount_decimal: Stripe.Decimal.from('1'), product: product.id },
        'unit_amount_decimal',
        'parameters_exclusive',
        'You may only specify one of these parameters: unit_amount, unit_amount_decimal.',
      ],
      [
        { currency: 'usd', unit_amount: 1, product: product.id, product_data: { name: 'x' } },
        'product_data',
        'parameters_exclusive',
        'You may only specify one of these parameters: product, product_data.',
      ],
      [
        { currency: 'usd', unit_amount: 1, product: product.id, recurring: { interval: 'fortnight' } },
        'recurring[interval]',
        undefined,
        'Invalid recurring[interval]: must be one of day, month, week, or year',
      ],
    ];
    for (const [params, param, code, message] of cases) {
      const error = await stripeError(h.stripe.prices.create(params));
      expect([error.statusCode, error.type, error.param, error.code, error.message], param).toEqual([
        400,
        'StripeInvalidRequestError',
        param,
        code,
        message,
      ]);
    }
  });

  it('bounds the interval at one year', async () => {
    const bounds: Array<[string, number]> = [['day', 365], ['week', 52], ['month', 12], ['year', 1]];
    for (const [interval, max] of bounds) {
      const ok = await h.stripe.prices.create({ currency: 'usd', unit_amount: 1, product: product.id, recurring: { interval: interval as 'day', interval_count: max } });
      expect(ok.recurring?.interval_count).toBe(max);
      const error = await stripeError(
        h.stripe.prices.create({ currency: 'usd', unit_amount: 1, product: product.id, recurring: { interval: interval as 'day', interval_count: max + 1 } }),
      );
      expect([error.statusCode, error.param]).toEqual([400, 'recurring[interval_count]']);
      expect(error.message).toContain('one year');
    }
  });

  it('keeps lookup keys unique, archived holders included, unless the key is transferred', async () => {
    const lookup = key('gold');
    const first = await h.stripe.prices.create({ currency: 'usd', unit_amount: 100, product: product.id, lookup_key: lookup });
    await h.stripe.prices.update(first.id, { active: false });
    const clash = await stripeError(h.stripe.prices.create({ currency: 'usd', unit_amount: 200, product: product.id, lookup_key: lookup }));
    expect([clash.statusCode, clash.param, clash.message]).toEqual([400, 'lookup_key', `A price (\`${first.id}\`) already uses that lookup key.`]);
    const second = await h.stripe.prices.create({
      currency: 'usd',
      unit_amount: 200,
      product: product.id,
      lookup_key: lookup,
      transfer_lookup_key: true,
    });
    expect(second.lookup_key).toBe(lookup);
    expect((await h.stripe.prices.retrieve(first.id)).lookup_key).toBeNull();
  });

  it('replays a create under the same idempotency key', async () => {
    const idempotencyKey = `price-${Date.now()}-${Math.random()}`;
    const params = { currency: 'usd', unit_amount: 700, product: product.id };
    const a = await h.stripe.prices.create(params, { idempotencyKey });
    const b = await h.stripe.prices.create(params, { idempotencyKey });
    expect(b.id).toBe(a.id);
    expect(b.lastResponse.headers['idempotent-replayed']).toBe('true');
    const listed = await h.stripe.prices.list({ product: product.id, limit: 100 });
    expect(listed.data.filter((p) => p.unit_amount === 700)).toHaveLength(1);
  });
});

describe('retrieving and updating prices', () => {
  it('retrieves a price, expanding its product; an unknown one is a 404', async () => {
    const price = await h.stripe.prices.create({ currency: 'usd', unit_amount: 300, product: product.id });
    const expanded = await h.stripe.prices.retrieve(price.id, { expand: ['product'] });
    expect((expanded.product as Stripe.Product).name).toBe('Widget');
    const missing = await stripeError(h.stripe.prices.retrieve('price_nope'));
    expect([missing.statusCode, missing.code, missing.param, missing.message]).toEqual([404, 'resource_missing', 'id', "No such price: 'price_nope'"]);
    const deep = await stripeError(h.stripe.prices.retrieve(price.id, { expand: ['product.default_price.product.x'] }));
    expect(deep.param).toBe('expand');
  });

  it('updates active, nickname, metadata, lookup_key and an unspecified tax behaviour', async () => {
    const price = await h.stripe.prices.create({ currency: 'usd', unit_amount: 300, product: product.id, nickname: 'n', metadata: { a: '1' } });
    const lookup = key('silver');
    const updated = await h.stripe.prices.update(price.id, {
      active: false,
      nickname: '',
      metadata: { a: '', b: '2' },
      lookup_key: lookup,
      tax_behavior: 'exclusive',
    });
    expect(updated).toMatchObject({ active: false, nickname: null, metadata: { b: '2' }, lookup_key: lookup, tax_behavior: 'exclusive' });
    const fixed = await stripeError(h.stripe.prices.update(price.id, { tax_behavior: 'inclusive' }));
    expect([fixed.statusCode, fixed.param]).toEqual([400, 'tax_behavior']);
    const other = await h.stripe.prices.create({ currency: 'usd', unit_amount: 1, product: product.id });
    const clash = await stripeError(h.stripe.prices.update(other.id, { lookup_key: lookup }));
    expect(clash.message).toBe(`A price (\`${price.id}\`) already uses that lookup key.`);
    const moved = await h.stripe.prices.update(other.id, { lookup_key: lookup, transfer_lookup_key: true });
    expect(moved.lookup_key).toBe(lookup);
    expect((await h.stripe.prices.retrieve(price.id)).lookup_key).toBeNull();
    const unknown = await stripeError(h.stripe.prices.update(price.id, { currency: 'eur' } as Stripe.PriceUpdateParams));
    expect([unknown.code, unknown.param]).toEqual(['parameter_unknown', 'currency']);
  });

  it('refuses to archive a product’s default price', async () => {
    const withDefault = await h.stripe.products.create({ name: 'Defaulted', default_price_data: { currency: 'usd', unit_amount: 500 } });
    const error = await stripeError(h.stripe.prices.update(withDefault.default_price as string, { active: false }));
    expect([error.statusCode, error.message]).toEqual([400, 'This price cannot be archived because it is the default price of its product.']);
  });
});

describe('listing and searching prices', () => {
  let catalog: Stripe.Product;
  const keys = { monthly: '', yearly: '', once: '' };

  beforeAll(async () => {
    catalog = await h.stripe.products.create({ name: 'Listed' });
    keys.monthly = key('listed_monthly');
    keys.yearly = key('listed_yearly');
    keys.once = key('listed_once');
    await h.stripe.prices.create({ currency: 'usd', unit_amount: 1000, product: catalog.id, recurring: { interval: 'month' }, lookup_key: keys.monthly });
    await h.stripe.prices.create({ currency: 'usd', unit_amount: 10_000, product: catalog.id, recurring: { interval: 'year' }, lookup_key: keys.yearly });
    await h.stripe.prices.create({ currency: 'eur', unit_amount: 5000, product: catalog.id, lookup_key: keys.once, metadata: { kind: 'setup' } });
    await h.stripe.prices.create({ currency: 'usd', unit_amount: 1, product: catalog.id, recurring: { interval: 'month', usage_type: 'metered' }, active: false });
  });

  const amounts = (list: { data: Stripe.Price[] }) => list.data.map((p) => p.unit_amount);

  it('filters by product, active, currency, type and recurring', async () => {
    const product = catalog.id;
    expect(amounts(await h.stripe.prices.list({ product }))).toEqual([1, 5000, 10_000, 1000]);
    expect(amounts(await h.stripe.prices.list({ product, active: true }))).toEqual([5000, 10_000, 1000]);
    expect(amounts(await h.stripe.prices.list({ product, currency: 'EUR' }))).toEqual([5000]);
    expect(amounts(await h.stripe.prices.list({ product, type: 'one_time' }))).toEqual([5000]);
    expect(amounts(await h.stripe.prices.list({ product, type: 'recurring', active: true }))).toEqual([10_000, 1000]);
    expect(amounts(await h.stripe.prices.list({ product, recurring: { interval: 'month' } }))).toEqual([1, 1000]);
    expect(amounts(await h.stripe.prices.list({ product, recurring: { usage_type: 'metered' } }))).toEqual([1]);
  });

  it('finds prices by lookup key, at most ten at a time', async () => {
    const found = await h.stripe.prices.list({ lookup_keys: [keys.yearly, keys.monthly, 'nobody'] });
    expect(found.data.map((p) => p.lookup_key)).toEqual([keys.yearly, keys.monthly]);
    const tooMany = await stripeError(h.stripe.prices.list({ lookup_keys: Array.from({ length: 11 }, (_, i) => `k${i}`) }));
    expect([tooMany.statusCode, tooMany.param]).toEqual([400, 'lookup_keys']);
  });

  it('pages with cursors and expands data.product', async () => {
    const first = await h.stripe.prices.list({ product: catalog.id, limit: 2, expand: ['data.product'] });
    expect(first.has_more).toBe(true);
    expect(first.data.every((p) => (p.product as Stripe.Product).id === catalog.id)).toBe(true);
    const rest = await h.stripe.prices.list({ product: catalog.id, limit: 2, starting_after: first.data[1]!.id });
    expect([amounts(rest), rest.has_more]).toEqual([[10_000, 1000], false]);
    const back = await h.stripe.prices.list({ product: catalog.id, limit: 2, ending_before: rest.data[0]!.id });
    expect(amounts(back)).toEqual([1, 5000]);
    const all = await h.stripe.prices.list({ product: catalog.id, limit: 1 }).autoPagingToArray({ limit: 10 });
    expect(all).toHaveLength(4);
    const bad = await stripeError(h.stripe.prices.list({ expand: ['product'] }));
    expect(bad.param).toBe('expand');
  });

  it('searches by product, currency, type, active, lookup_key and metadata', async () => {
    const search = async (query: string) => amounts(await h.stripe.prices.search({ query }));
    expect(await search(`product:'${catalog.id}' AND active:'true'`)).toEqual([5000, 10_000, 1000]);
    expect(await search(`product:'${catalog.id}' AND currency:'eur'`)).toEqual([5000]);
    expect(await search(`product:'${catalog.id}' AND type:'recurring' AND -active:'false'`)).toEqual([10_000, 1000]);
    expect(await search(`lookup_key:'${keys.yearly}'`)).toEqual([10_000]);
    expect(await search(`metadata['kind']:'setup'`)).toEqual([5000]);
    const result = await h.stripe.prices.search({ query: `product:'${catalog.id}'`, limit: 3, expand: ['total_count', 'data.product'] });
    expect([result.data.length, result.has_more, result.total_count, (result.data[0]?.product as Stripe.Product).name]).toEqual([3, true, 4, 'Listed']);
    const next = await h.stripe.prices.search({ query: `product:'${catalog.id}'`, limit: 3, page: result.next_page! });
    expect(amounts(next)).toEqual([1000]);
    const unsupported = await stripeError(h.stripe.prices.search({ query: `nickname:'x'` }));
    expect([unsupported.param, unsupported.message]).toEqual([
      'query',
      'Field `nickname` is an unsupported search field for resource `prices`. See https://stripe.com/docs/search#query-fields-for-prices for a list of supported fields.',
    ]);
  });
});
