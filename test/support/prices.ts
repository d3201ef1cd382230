/**
 * Prices (and their products) for tests of what uses them (subscriptions, the portal), made in-process with the
 * catalog's own `createProduct` / `createPrice` when the store has none with that id.
 */
import type Stripe from 'stripe';
import { createPrice } from '../../src/local-stripe/resources/price-create.js';
import { createProduct } from '../../src/local-stripe/resources/products.js';
import type { Store } from '../../src/local-stripe/store.js';

export interface TestPrice {
  id: string;
  product?: string;
  productName?: string;
  unitAmount?: number;
  currency?: string;
  interval?: 'day' | 'week' | 'month' | 'year';
  intervalCount?: number;
  /** A one-time price (no `recurring`). */
  oneTime?: boolean;
  trialPeriodDays?: number;
}

/** The price with this id, made (with its product) if the store has none. */
export function testPrice(store: Store, spec: TestPrice): Stripe.Price {
  const existing = store.prices.get(spec.id);
  if (existing !== undefined) return existing;
  const product = spec.product ?? `prod_${spec.id.slice('price_'.length)}`;
  if (store.products.get(product) === undefined) createProduct(store, { id: product, name: spec.productName ?? product });
  return createPrice(
    store,
    {
      currency: spec.currency ?? 'usd',
      product,
      unit_amount: spec.unitAmount ?? 1000,
      ...(spec.oneTime
        ? {}
        : {
            recurring: {
              interval: spec.interval ?? 'month',
              interval_count: spec.intervalCount ?? 1,
              ...(spec.trialPeriodDays !== undefined ? { trial_period_days: spec.trialPeriodDays } : {}),
            },
          }),
    },
    { id: spec.id },
  );
}
