/**
 * What a subscription is in the local Stripe: the stored `Stripe.Subscription` (its `items.data` holds every item,
 * each embedding its `Stripe.Price` and the legacy `plan` view of it), lookups that check ownership, billing period
 * arithmetic, and the response shape with its expandable fields.
 *
 * The other subscription modules build on these: `subscription-create.ts`, `subscription-update.ts`,
 * `subscription-lifecycle.ts` (cancel, resume, payment outcomes), `subscription-billing.ts` (the invoices a
 * subscription generates, prorations, the preview), `subscription-clock.ts` (time moving forward) and
 * `subscriptions.ts` (routes, list, search, subscription items).
 *
 * API version 2026-10-28: the billing period lives on each item (`current_period_start`/`_end`), not on the
 * subscription. All items of a subscription share one interval and one currency (Stripe refuses a mix), so they share
 * one period too.
 */
import type Stripe from 'stripe';
import { invalidState, resourceMissing } from '../errors.js';
import { defineKind } from '../expand.js';
import type { Store } from '../store.js';
import { customerOrDeleted } from './customers.js';
import { renderInvoice } from './invoice-shape.js';
import { productIdOf } from './price-create.js';

export type Subscription = Stripe.Subscription;
export type SubscriptionItem = Stripe.SubscriptionItem;

/** Statuses after which a subscription never bills again. */
export const ENDED: ReadonlySet<string> = new Set(['canceled', 'incomplete_expired']);

const DAY = 86_400;

export function customerOf(subscription: Subscription): string {
  const customer = subscription.customer;
  return typeof customer === 'string' ? customer : customer.id;
}

/** The subscription, checked to exist and (when `customer` is given) to belong to that customer. */
export function requireSubscription(store: Store, id: string, param: string, customer?: string): Subscription {
  const subscription = store.subscriptions.get(id);
  if (subscription === undefined) throw resourceMissing('subscription', id, param);
  if (customer !== undefined && customerOf(subscription) !== customer) {
    throw invalidState(`The subscription '${id}' does not belong to the customer '${customer}'.`, undefined, param);
  }
  return subscription;
}

/** The subscription item with this id and the subscription it belongs to, if any. */
export function findSubscriptionItem(store: Store, id: string): { subscription: Subscription; item: SubscriptionItem } | undefined {
  for (const subscription of store.subscriptions.newestFirst()) {
    const item = subscription.items.data.find((i) => i.id === id);
    if (item !== undefined) return { subscription, item };
  }
  return undefined;
}

/** The legacy `plan` view Stripe still embeds beside `price` on every subscription item. */
export function planOf(price: Stripe.Price): Stripe.Plan {
  const recurring = price.recurring;
  return {
    id: price.id,
    object: 'plan',
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: recurring?.interval ?? 'month',
    interval_count: recurring?.interval_count ?? 1,
    livemode: false,
    metadata: { ...price.metadata },
    meter: recurring?.meter ?? null,
    nickname: price.nickname,
    product: productIdOf(price),
    tiers_mode: price.tiers_mode,
    transform_usage: null,
    trial_period_days: recurring?.trial_period_days ?? null,
    usage_type: recurring?.usage_type ?? 'licensed',
  };
}

/** Unit amount × quantity, in minor units (per-unit prices; the local Stripe has no tiers or metered usage). */
export function itemAmount(price: Stripe.Price, quantity: number): number {
  return (price.unit_amount ?? 0) * quantity;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The end of a period that starts at `start`, for `recurring`, keeping the billing cycle anchor's day of month and
 * time of day as Stripe does (an anchor on the 31st bills on the last day of shorter months).
 */
export function periodEnd(start: number, recurring: Stripe.Price.Recurring, anchor: number): number {
  const count = recurring.interval_count;
  if (recurring.interval === 'day') return start + count * DAY;
  if (recurring.interval === 'week') return start + count * 7 * DAY;
  const months = recurring.interval === 'year' ? 12 * count : count;
  const from = new Date(start * 1000);
  const at = new Date(anchor * 1000);
  const year = from.getUTCFullYear() + Math.floor((from.getUTCMonth() + months) / 12);
  const month = (from.getUTCMonth() + months) % 12;
  const day = Math.min(at.getUTCDate(), daysInMonth(year, month));
  return Date.UTC(year, month, day, at.getUTCHours(), at.getUTCMinutes(), at.getUTCSeconds()) / 1000;
}

/** The start of the period that ends at `end` (the inverse of `periodEnd`, for an anchor in the future). */
export function periodStartBefore(end: number, recurring: Stripe.Price.Recurring): number {
  const back: Stripe.Price.Recurring = { ...recurring, interval_count: -recurring.interval_count };
  return periodEnd(end, back, end);
}

/** The recurring terms every item shares (the first item's price). */
export function recurringOf(subscription: Subscription): Stripe.Price.Recurring {
  const recurring = subscription.items.data[0]?.price.recurring;
  if (recurring === null || recurring === undefined) throw new Error(`local Stripe: subscription ${subscription.id} has no recurring item`);
  return recurring;
}

/** The current period (shared by every item). */
export function currentPeriod(subscription: Subscription): { start: number; end: number } {
  const item = subscription.items.data[0];
  if (item === undefined) return { start: subscription.start_date, end: subscription.start_date };
  return { start: item.current_period_start, end: item.current_period_end };
}

export function setPeriod(subscription: Subscription, start: number, end: number): void {
  for (const item of subscription.items.data) {
    item.current_period_start = start;
    item.current_period_end = end;
  }
}

/** The payment method a charge for this subscription would use (Stripe's order), or null. */
export function paymentMethodFor(store: Store, subscription: Subscription): string | null {
  const own = subscription.default_payment_method;
  if (own !== null) return typeof own === 'string' ? own : own.id;
  const customer = store.customers.get(customerOf(subscription));
  const fallback = customer?.invoice_settings.default_payment_method ?? null;
  if (fallback === null) return null;
  return typeof fallback === 'string' ? fallback : fallback.id;
}

export function renderSubscription(subscription: Subscription): Subscription {
  return {
    ...subscription,
    items: { ...subscription.items, data: subscription.items.data.map((item) => ({ ...item })) },
  };
}

defineKind<Subscription>('subscription', {
  render: renderSubscription,
  expandable: {
    customer: { target: 'customer', resolve: (id, ctx) => customerOrDeleted(ctx.store, id) },
    default_payment_method: { target: 'payment_method', resolve: (id, ctx) => ctx.store.paymentMethods.get(id) ?? null },
    latest_invoice: {
      target: 'invoice',
      resolve: (id, ctx) => {
        const invoice = ctx.store.invoices.get(id);
        return invoice === undefined ? null : renderInvoice(invoice, ctx);
      },
    },
    'items.data.price.product': { resolve: (id, ctx) => ctx.store.products.get(id) ?? null },
    application: { resolve: () => null },
    default_source: { resolve: () => null },
    discounts: { resolve: () => null },
    on_behalf_of: { resolve: () => null },
    pending_setup_intent: { resolve: () => null },
    schedule: { resolve: () => null },
    test_clock: { resolve: () => null },
  },
});

defineKind<SubscriptionItem>('subscription_item', {
  render: (item) => ({ ...item }),
  expandable: {
    'price.product': { resolve: (id, ctx) => ctx.store.products.get(id) ?? null },
    discounts: { resolve: () => null },
  },
});
