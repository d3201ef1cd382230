/**
 * Prices (and their products) put straight into a local Stripe store, for tests of what uses them (subscriptions,
 * the portal). Products and prices have their own endpoints (`resources/products.ts`, `prices.ts`); this only
 * arranges data.
 */
import Stripe from 'stripe';
import type { Store } from '../../src/local-stripe/store.js';

export interface TestPrice {
  id: string;
  product?: string;
  productName?: string;
  unitAmount?: number;
  currency?: string;
  interval?: Stripe.Price.Recurring.Interval;
  intervalCount?: number;
  /** `one_time` for a price without `recurring`. */
  type?: Stripe.Price.Type;
  active?: boolean;
  trialPeriodDays?: number;
}

/** The price with this id, made (with its product) if the store has none. */
export function testPrice(store: Store, spec: TestPrice): Stripe.Price {
  const existing = store.prices.get(spec.id);
  if (existing !== undefined) return existing;
  const product = spec.product ?? `prod_${spec.id.slice('price_'.length)}`;
  const created = store.nowSeconds();
  if (store.products.get(product) === undefined) {
    store.products.insert({
      id: product,
      object: 'product',
      active: true,
      created,
      default_price: null,
      description: null,
      images: [],
      livemode: false,
      marketing_features: [],
      metadata: {},
      name: spec.productName ?? product,
      package_dimensions: null,
      shippable: null,
      tax_code: null,
      tax_details: null,
      type: 'service',
      updated: created,
      url: null,
    });
  }
  const amount = spec.unitAmount ?? 1000;
  const recurring = (spec.type ?? 'recurring') === 'recurring';
  return store.prices.insert({
    id: spec.id,
    object: 'price',
    active: spec.active ?? true,
    billing_scheme: 'per_unit',
    created,
    currency: spec.currency ?? 'usd',
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product,
    recurring: recurring
      ? {
          interval: spec.interval ?? 'month',
          interval_count: spec.intervalCount ?? 1,
          meter: null,
          trial_period_days: spec.trialPeriodDays ?? null,
          usage_type: 'licensed',
        }
      : null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: amount,
    unit_amount_decimal: Stripe.Decimal.from(String(amount)),
  });
}
