/**
 * Creating a subscription (`POST /v1/subscriptions`): the parameters, the prices its items name (existing, active,
 * recurring, one currency and interval; or inline `price_data`), the trial, the first period and the first invoice.
 *
 * The first invoice (`billing_reason: subscription_create`) is finalized at once. Charged automatically it is paid
 * from the payment method Stripe would use: paid → `active` (a trial's first invoice is 0: `trialing`); not paid →
 * `incomplete` (`allow_incomplete`, the default), or the request fails and nothing is kept (`error_if_incomplete`);
 * `default_incomplete` does not charge and leaves it `incomplete`. Invoiced (`send_invoice`) subscriptions are
 * `active` with an open invoice due in `days_until_due` days.
 */
import type Stripe from 'stripe';
import { invalidParam, missingReference, parameterMissing } from '../errors.js';
import type { FormValue } from '../form.js';
import { currency as currencySpec } from '../money.js';
import {
  applyMetadata,
  arr,
  bool,
  int,
  listParams,
  metadata,
  obj,
  oneOf,
  required,
  str,
  type InferShape,
  type Spec,
} from '../params.js';
import type { Store } from '../store.js';
import { claimCustomerCurrency, collectionMethod } from './invoice-create.js';
import { paymentMethodCustomer, requirePaymentMethod } from './payment-methods.js';
import { createPrice, priceTermsShape, requirePrice } from './price-create.js';
import { finalizeInvoice } from './invoice-lifecycle.js';
import { periodLines, prorations, subscriptionInvoice, trialLines, type LineSpec } from './subscription-billing.js';
import { collect } from './subscription-lifecycle.js';
import { periodEnd, periodStartBefore, planOf, type Subscription, type SubscriptionItem } from './subscription-shape.js';

const DAY = 86_400;
const MAX_TRIAL_DAYS = 730;

/** A timestamp or the word `now` (`trial_end`, `billing_cycle_anchor` on update). */
export function timestampOrNow(): Spec<number | 'now', false> {
  const timestamp = int({ min: 0 });
  return {
    required: false,
    parse: (value: FormValue, path: string) => (value === 'now' ? 'now' : timestamp.parse(value, path)),
  };
}

/** `price_data`: an inline price for an item (recurring, for an existing product). */
export const priceDataShape = {
  ...priceTermsShape,
  product: required(str()),
  recurring: required(priceTermsShape.recurring),
} as const;

export const prorationBehavior = oneOf(['always_invoice', 'create_prorations', 'none'] as const);

export const trialSettingsShape = obj({
  end_behavior: required(obj({ missing_payment_method: required(oneOf(['cancel', 'create_invoice', 'pause'] as const)) })),
});

export const createShape = {
  customer: required(str()),
  items: arr(obj({ price: str(), price_data: obj(priceDataShape), quantity: int({ min: 0 }), metadata: metadata() }), { max: 20 }),
  billing_cycle_anchor: int({ min: 0 }),
  cancel_at: int({ min: 0 }),
  cancel_at_period_end: bool(),
  collection_method: collectionMethod,
  currency: currencySpec(),
  days_until_due: int({ min: 0, max: 730 }),
  default_payment_method: str(),
  description: str({ max: 500 }),
  metadata: metadata(),
  off_session: bool(),
  payment_behavior: oneOf(['allow_incomplete', 'default_incomplete', 'error_if_incomplete'] as const),
  proration_behavior: prorationBehavior,
  trial_end: timestampOrNow(),
  trial_from_plan: bool(),
  trial_period_days: int({ min: 0, max: MAX_TRIAL_DAYS }),
  trial_settings: trialSettingsShape,
  expand: listParams.expand,
} as const;

export type SubscriptionCreate = InferShape<typeof createShape>;
export type PriceData = InferShape<typeof priceDataShape>;

/** An inline price from `price_data`: a real, inactive price of an existing product, as Stripe makes one. */
function inlinePrice(store: Store, data: PriceData, path: string): Stripe.Price {
  if (store.products.get(data.product) === undefined) throw missingReference('product', data.product, `${path}[product]`);
  return createPrice(store, { ...data, active: false });
}

/** The price an item names (`price`, or `price_data` made into an inline price): active and recurring. */
export function itemPrice(store: Store, item: { price?: string | undefined; price_data?: PriceData | undefined }, path: string): Stripe.Price {
  if (item.price !== undefined && item.price_data !== undefined) {
    throw invalidParam(`${path}[price_data]`, 'You may only specify one of these parameters: price, price_data.', 'parameters_exclusive');
  }
  if (item.price_data !== undefined) return inlinePrice(store, item.price_data, `${path}[price_data]`);
  if (item.price === undefined) throw parameterMissing(`${path}[price]`);
  const price = requirePrice(store, item.price, `${path}[price]`);
  if (!price.active) {
    throw invalidParam(`${path}[price]`, 'The price specified is inactive. This field only accepts active prices.');
  }
  if (price.type !== 'recurring' || price.recurring === null) {
    throw invalidParam(
      `${path}[price]`,
      'The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.',
    );
  }
  return price;
}

/** Stripe's rule: every item of a subscription bills in one currency on one interval. */
export function checkCompatible(prices: readonly Stripe.Price[], currency: string | undefined): void {
  const [first] = prices;
  if (first === undefined) return;
  for (const price of prices) {
    const field =
      price.currency !== (currency ?? first.currency)
        ? 'currency'
        : price.recurring?.interval !== first.recurring?.interval || price.recurring?.interval_count !== first.recurring?.interval_count
          ? 'interval'
          : undefined;
    if (field !== undefined) {
      throw invalidParam(
        'items',
        `Currency and interval fields must match across all plans on this subscription. Found mismatch in ${field} field.`,
      );
    }
  }
  const ids = prices.map((p) => p.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) {
    throw invalidParam('items', `Cannot add multiple subscription items with the same price: ${repeated}.`);
  }
}

export function newItem(
  store: Store,
  subscription: string,
  price: Stripe.Price,
  quantity: number,
  meta: Record<string, string>,
  period: { start: number; end: number },
): SubscriptionItem {
  return {
    id: store.ids.id('si', 14),
    object: 'subscription_item',
    billing_thresholds: null,
    created: store.nowSeconds(),
    current_period_end: period.end,
    current_period_start: period.start,
    current_trial: null,
    discounts: [],
    metadata: meta,
    plan: planOf(price),
    price,
    quantity,
    subscription,
    tax_rates: [],
  };
}

/** The default payment method, which must be one of the customer's. */
export function checkPaymentMethod(store: Store, id: string, customer: string, param: string): string {
  const method = requirePaymentMethod(store, id, param);
  if (paymentMethodCustomer(method) !== customer) {
    throw invalidParam(
      param,
      `The customer does not have a payment method with the ID ${id}. The payment method must be attached to the customer.`,
    );
  }
  return id;
}

export function checkFuture(value: number | undefined, now: number, param: string): void {
  if (value !== undefined && value <= now) {
    throw invalidParam(param, 'Invalid timestamp: must be an integer Unix timestamp in the future.');
  }
}

/** When the trial ends (undefined: no trial), from `trial_end`, `trial_period_days` or the price's trial. */
function trialEndOf(params: SubscriptionCreate, prices: readonly Stripe.Price[], now: number): number | undefined {
  if (params.trial_end !== undefined && params.trial_period_days !== undefined) {
    throw invalidParam('trial_end', 'You may only specify one of these parameters: trial_end, trial_period_days.', 'parameters_exclusive');
  }
  if (params.trial_end === 'now') return undefined;
  if (params.trial_end !== undefined) {
    checkFuture(params.trial_end, now, 'trial_end');
    if (params.trial_end > now + MAX_TRIAL_DAYS * DAY) {
      throw invalidParam('trial_end', `Invalid trial_end: can be no more than ${MAX_TRIAL_DAYS} days in the future.`);
    }
    return params.trial_end;
  }
  const days = params.trial_period_days ?? (params.trial_from_plan ? prices[0]?.recurring?.trial_period_days : undefined);
  return days ? now + days * DAY : undefined;
}

function checkCollection(params: SubscriptionCreate): void {
  if (params.collection_method === 'send_invoice') {
    if (params.days_until_due === undefined) throw parameterMissing('days_until_due');
  } else if (params.days_until_due !== undefined) {
    throw invalidParam('days_until_due', '`days_until_due` can only be set when `collection_method` is `send_invoice`.');
  }
  if (params.cancel_at !== undefined && params.cancel_at_period_end !== undefined) {
    throw invalidParam('cancel_at', 'You may only specify one of these parameters: cancel_at, cancel_at_period_end.', 'parameters_exclusive');
  }
}

export interface CreateOptions {
  /**
   * False: make the subscription without its first invoice, for the demo seed, which bills its history itself.
   * (The ids drawn are then only the subscription's and its items', so the seed's later ids do not move.)
   */
  invoice?: boolean;
}

export function createSubscription(store: Store, params: SubscriptionCreate, options: CreateOptions = {}): Subscription {
  const customer = store.customers.require(params.customer, 'customer');
  const items = params.items ?? [];
  if (items.length === 0) throw parameterMissing('items');
  const now = store.nowSeconds();
  checkCollection(params);
  checkFuture(params.cancel_at, now, 'cancel_at');
  const defaultPaymentMethod =
    params.default_payment_method === undefined
      ? null
      : checkPaymentMethod(store, params.default_payment_method, customer.id, 'default_payment_method');
  const prices = items.map((item, i) => itemPrice(store, item, `items[${i}]`));
  checkCompatible(prices, params.currency);
  const first = prices[0] as Stripe.Price;
  const recurring = first.recurring as Stripe.Price.Recurring;
  const trialEnd = trialEndOf(params, prices, now);
  const anchor = trialEnd ?? params.billing_cycle_anchor ?? now;
  if (trialEnd === undefined && params.billing_cycle_anchor !== undefined) {
    const natural = periodEnd(now, recurring, now);
    if (anchor < now) throw invalidParam('billing_cycle_anchor', 'Invalid billing_cycle_anchor: must not be in the past.');
    if (anchor > natural) {
      throw invalidParam(
        'billing_cycle_anchor',
        `billing_cycle_anchor cannot be later than next natural billing date (${natural}) for plan`,
      );
    }
  }
  const period = { start: now, end: anchor > now ? anchor : periodEnd(now, recurring, now) };
  const previousCurrency = customer.currency;
  claimCustomerCurrency(customer, first.currency, 'currency');

  const id = store.ids.id('sub', 24);
  const subscription: Subscription = {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: anchor,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: params.cancel_at ?? (params.cancel_at_period_end ? period.end : null),
    cancel_at_period_end: params.cancel_at_period_end ?? false,
    canceled_at: params.cancel_at !== undefined || params.cancel_at_period_end ? now : null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: params.collection_method ?? 'charge_automatically',
    created: now,
    currency: first.currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: params.days_until_due ?? null,
    default_payment_method: defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: params.description ?? null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: { object: 'list', data: [], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: applyMetadata({}, params.metadata),
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd !== undefined ? 'trialing' : 'active',
    test_clock: null,
    transfer_data: null,
    trial_end: trialEnd ?? null,
    trial_settings: {
      end_behavior: {
        billing_cycle_anchor: null,
        missing_payment_method: params.trial_settings?.end_behavior.missing_payment_method ?? 'create_invoice',
      },
    },
    trial_start: trialEnd !== undefined ? now : null,
  };
  subscription.items.data = items.map((item, i) =>
    newItem(store, id, prices[i] as Stripe.Price, item.quantity ?? 1, applyMetadata({}, item.metadata), period),
  );
  store.subscriptions.insert(subscription);
  if (options.invoice === false) return subscription;

  try {
    billFirstPeriod(store, subscription, params, { trialEnd, anchor, now });
  } catch (error) {
    // error_if_incomplete: a first payment that fails leaves nothing behind.
    undoCreate(store, subscription, previousCurrency);
    throw error;
  }
  return subscription;
}

function firstLines(
  store: Store,
  subscription: Subscription,
  params: SubscriptionCreate,
  at: { trialEnd: number | undefined; anchor: number; now: number },
): LineSpec[] {
  const { start, end } = { start: at.now, end: subscription.items.data[0]?.current_period_end ?? at.now };
  if (at.trialEnd !== undefined) return trialLines(store, subscription, { start, end });
  if (at.anchor === at.now) return periodLines(store, subscription, { start, end });
  // A future anchor: the time until it is prorated (nothing with proration_behavior none).
  if (params.proration_behavior === 'none') return [];
  const full = { start: periodStartBefore(at.anchor, subscription.items.data[0]!.price.recurring!), end: at.anchor };
  const changes = subscription.items.data.map((item) => ({
    subscriptionItem: item.id,
    from: null,
    to: { price: item.price, quantity: item.quantity ?? 1 },
  }));
  return prorations(store, changes, full, at.now).map((line) => ({ ...line, proration: false }));
}

function billFirstPeriod(
  store: Store,
  subscription: Subscription,
  params: SubscriptionCreate,
  at: { trialEnd: number | undefined; anchor: number; now: number },
): void {
  const invoice = subscriptionInvoice(store, subscription, {
    reason: 'subscription_create',
    window: { start: at.now, end: at.now },
    lines: firstLines(store, subscription, params, at),
  });
  finalizeInvoice(store, invoice.id, '');
  if (invoice.status === 'paid' || subscription.collection_method === 'send_invoice') return;
  subscription.status = 'incomplete';
  if (params.payment_behavior === 'default_incomplete') {
    invoice.next_payment_attempt = null;
    return;
  }
  const error = collect(store, invoice);
  if (error !== null && params.payment_behavior === 'error_if_incomplete') throw error;
}

function undoCreate(store: Store, subscription: Subscription, previousCurrency: string | null | undefined): void {
  const customer = store.customers.get(subscription.customer as string);
  for (const invoice of [...store.invoices.newestFirst()]) {
    if (invoice.parent?.subscription_details?.subscription !== subscription.id) continue;
    if (customer !== undefined && invoice.number !== null) {
      customer.balance = invoice.starting_balance;
      customer.next_invoice_sequence = (customer.next_invoice_sequence ?? 2) - 1;
    }
    for (const item of store.invoiceItems.newestFirst()) if (item.invoice === invoice.id) item.invoice = null;
    for (const [secret, target] of store.invoiceSecrets) if (target === invoice.id) store.invoiceSecrets.delete(secret);
    store.invoices.remove(invoice.id);
  }
  for (const item of subscription.items.data) if (!item.price.active) store.prices.remove(item.price.id);
  if (customer !== undefined) customer.currency = previousCurrency ?? null;
  store.subscriptions.remove(subscription.id);
}
