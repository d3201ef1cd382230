/**
 * A price as stored and rendered, and how one is made (`createPrice`): one-time or recurring, per unit, for an
 * existing `product` or a new one from `product_data`, with Stripe's lookup keys (unique across the account's prices,
 * active or not; `transfer_lookup_key` moves a key from its holder). Used by `POST /v1/prices`, a product's
 * `default_price_data` and the demo seed.
 */
import Stripe from 'stripe';
import { invalidParam, missingReference, parameterMissing, resourceMissing } from '../errors.js';
import { defineKind, renderObject } from '../expand.js';
import { currency, decimal } from '../money.js';
import { applyMetadata, bool, int, listParams, metadata, obj, oneOf, required, str, type InferShape } from '../params.js';
import type { Store } from '../store.js';
import { insertProduct, productDataShape } from './product-create.js';

export const INTERVALS = ['day', 'month', 'week', 'year'] as const;
export const USAGE_TYPES = ['licensed', 'metered'] as const;
export const TAX_BEHAVIORS = ['exclusive', 'inclusive', 'unspecified'] as const;

/** A recurring price bills at most once a year: Stripe's bound on `interval_count` for each interval. */
const MAX_INTERVAL_COUNT: Record<(typeof INTERVALS)[number], number> = { day: 365, week: 52, month: 12, year: 1 };

/** Stripe's ceiling on a unit amount (in minor units), as for every amount it charges. */
const MAX_UNIT_AMOUNT = 99_999_999;

/** What a price's amounts, interval and tax behaviour are made of: shared by prices and `default_price_data`. */
export const priceTermsShape = {
  currency: required(currency()),
  unit_amount: int({ min: 0, max: MAX_UNIT_AMOUNT }),
  unit_amount_decimal: decimal(),
  recurring: obj({
    interval: required(oneOf(INTERVALS)),
    interval_count: int({ min: 1 }),
    usage_type: oneOf(USAGE_TYPES),
    meter: str(),
    trial_period_days: int({ min: 0, max: 730 }),
  }),
  tax_behavior: oneOf(TAX_BEHAVIORS),
  metadata: metadata(),
} as const;

export const priceCreateShape = {
  ...priceTermsShape,
  active: bool(),
  billing_scheme: oneOf(['per_unit', 'tiered'] as const),
  lookup_key: str({ max: 200 }),
  nickname: str({ max: 5000 }),
  product: str(),
  product_data: obj(productDataShape),
  transfer_lookup_key: bool(),
  expand: listParams.expand,
} as const;

export type PriceCreate = InferShape<typeof priceCreateShape>;
type Recurring = NonNullable<PriceCreate['recurring']>;

function exclusive(a: string, b: string): never {
  throw invalidParam(b, `You may only specify one of these parameters: ${a}, ${b}.`, 'parameters_exclusive');
}

/** `unit_amount` and `unit_amount_decimal` as Stripe shows them: the integer whenever the decimal is whole. */
function amounts(params: PriceCreate): { unit_amount: number | null; unit_amount_decimal: Stripe.Decimal } {
  if (params.unit_amount !== undefined && params.unit_amount_decimal !== undefined) {
    exclusive('unit_amount', 'unit_amount_decimal');
  }
  if (params.unit_amount !== undefined) {
    return { unit_amount: params.unit_amount, unit_amount_decimal: Stripe.Decimal.from(String(params.unit_amount)) };
  }
  const decimalAmount = params.unit_amount_decimal;
  if (decimalAmount === undefined) throw parameterMissing('unit_amount');
  if (decimalAmount.isNegative()) {
    throw invalidParam('unit_amount_decimal', 'Invalid unit_amount_decimal: must be greater than or equal to 0');
  }
  const whole = decimalAmount.toFixed(0, 'half-up');
  const unit = Stripe.Decimal.from(whole).eq(decimalAmount) ? Number(whole) : null;
  if (unit !== null && unit > MAX_UNIT_AMOUNT) {
    throw invalidParam('unit_amount_decimal', `Invalid unit_amount_decimal: must be at most ${MAX_UNIT_AMOUNT}`);
  }
  return { unit_amount: unit, unit_amount_decimal: decimalAmount };
}

export function recurringOf(recurring: Recurring | undefined, param = 'recurring'): Stripe.Price.Recurring | null {
  if (recurring === undefined) return null;
  const count = recurring.interval_count ?? 1;
  if (count > MAX_INTERVAL_COUNT[recurring.interval]) {
    throw invalidParam(
      `${param}[interval_count]`,
      `Invalid ${param}[interval_count]: the maximum billing interval is one year (1 year, 12 months, 52 weeks, ` +
        'or 365 days).',
    );
  }
  return {
    interval: recurring.interval,
    interval_count: count,
    meter: recurring.meter ?? null,
    trial_period_days: recurring.trial_period_days ?? null,
    usage_type: recurring.usage_type ?? 'licensed',
  };
}

/**
 * Checks that `key` is free for `owner`, or (with `transfer`) takes it from the price holding it. Stripe counts
 * every price, archived ones too. Returns the holder to clear once the request can no longer fail.
 */
export function lookupKeyHolder(store: Store, key: string, transfer: boolean, owner?: string): Stripe.Price | undefined {
  for (const price of store.prices.newestFirst()) {
    if (price.lookup_key !== key || price.id === owner) continue;
    if (!transfer) throw invalidParam('lookup_key', `A price (\`${price.id}\`) already uses that lookup key.`);
    return store.prices.touch(price);
  }
  return undefined;
}

/** Options the API does not offer: the demo seed's fixed ids. */
export interface PriceOptions {
  id?: string;
}

/** The product a new price is for: `product` (which must exist) or a new one from `product_data`. */
function productFor(store: Store, params: PriceCreate): string {
  if (params.product !== undefined && params.product_data !== undefined) exclusive('product', 'product_data');
  if (params.product !== undefined) {
    if (store.products.get(params.product) === undefined) throw missingReference('product', params.product, 'product');
    return params.product;
  }
  if (params.product_data === undefined) throw parameterMissing('product');
  return insertProduct(store, params.product_data).id;
}

/** Creates a price now (on the store's clock). Everything that can fail is checked before anything is stored. */
export function createPrice(store: Store, params: PriceCreate, options: PriceOptions = {}): Stripe.Price {
  if (params.billing_scheme === 'tiered') throw parameterMissing('tiers');
  const { unit_amount, unit_amount_decimal } = amounts(params);
  const recurring = recurringOf(params.recurring);
  const holder =
    params.lookup_key !== undefined
      ? lookupKeyHolder(store, params.lookup_key, params.transfer_lookup_key ?? false)
      : undefined;
  if (options.id !== undefined && store.prices.get(options.id) !== undefined) {
    throw new Error(`local Stripe: price ${options.id} exists`);
  }
  if (params.product_data?.id !== undefined && store.products.get(params.product_data.id) !== undefined) {
    throw invalidParam('product_data[id]', 'Product already exists.', 'resource_already_exists');
  }
  const product = productFor(store, params);
  if (holder !== undefined) holder.lookup_key = null;
  const price: Stripe.Price = {
    id: options.id ?? store.ids.id('price', 24),
    object: 'price',
    active: params.active ?? true,
    billing_scheme: 'per_unit',
    created: store.nowSeconds(),
    currency: params.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: params.lookup_key ?? null,
    metadata: applyMetadata({}, params.metadata),
    nickname: params.nickname ?? null,
    product,
    recurring,
    tax_behavior: params.tax_behavior ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: recurring === null ? 'one_time' : 'recurring',
    unit_amount,
    unit_amount_decimal,
  };
  return store.prices.insert(price);
}

/** The price or Stripe's `resource_missing` naming `param`. */
export function requirePrice(store: Store, id: string, param = 'id'): Stripe.Price {
  const price = store.prices.get(id);
  if (price === undefined) throw param === 'id' ? resourceMissing('price', id) : missingReference('price', id, param);
  return price;
}

/** The id of the product a price is for (stored prices always hold the id). */
export function productIdOf(price: Stripe.Price): string {
  return typeof price.product === 'string' ? price.product : price.product.id;
}

defineKind<Stripe.Price>('price', {
  expandable: {
    product: {
      target: 'product',
      resolve: (id, ctx) => {
        const product = ctx.store.products.get(id);
        return product === undefined ? { id, object: 'product', deleted: true } : renderObject('product', product, ctx);
      },
    },
  },
  includable: {
    currency_options: (p) => ({
      [p.currency]: {
        custom_unit_amount: null,
        tax_behavior: p.tax_behavior,
        unit_amount: p.unit_amount,
        unit_amount_decimal: p.unit_amount_decimal,
      },
    }),
    tiers: () => [],
  },
});
