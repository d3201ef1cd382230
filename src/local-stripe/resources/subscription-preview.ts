/**
 * `POST /v1/invoices/create_preview`: the invoice Stripe would create next, never stored (id `upcoming_…`,
 * `billing_reason: upcoming`, status draft; it cannot be retrieved, listed, paid or edited).
 *
 * For a subscription (`subscription`, or the customer's subscription that renews first) the preview is its next
 * renewal: the customer's pending items for it, then each item's line for the next period, built by the same code
 * as the renewal (`nextRenewal`), so the preview equals the invoice the renewal creates. `subscription_details`
 * proposes a change and shows what it would bill:
 *
 * - `items` with `proration_behavior` `create_prorations` (default): the renewal with the change's prorations
 *   (as pending items) and the next period on the new items; `none`: without prorations;
 * - `always_invoice`, a new billing interval, `trial_end: now`, `billing_cycle_anchor: now`: the invoice made now;
 * - `cancel_now`: the final invoice (credits for the unused time, with prorations); `cancel_at_period_end`: only
 *   what is pending, as there is no renewal.
 *
 * Without a subscription, the customer's pending items and `invoice_items`. Nothing to bill: Stripe's
 * `invoice_upcoming_none`.
 */
import Stripe from 'stripe';
import { readParams, route, type Route } from '../api.js';
import { invalidParam, parameterMissing, StripeApiError } from '../errors.js';
import { renderObject } from '../expand.js';
import { currency as currencySpec } from '../money.js';
import { arr, bool, int, listParams, obj, oneOf, str, type InferShape } from '../params.js';
import type { Store } from '../store.js';
import { createInvoice, pendingItemsFor } from './invoice-create.js';
import { lineFromItem } from './invoice-lines.js';
import { recompute } from './invoice-shape.js';
import { requirePrice } from './price-create.js';
import { lineOf, periodLines, prorations, type LineSpec } from './subscription-billing.js';
import { nextRenewal } from './subscription-clock.js';
import { prorationBehavior, timestampOrNow } from './subscription-create.js';
import {
  currentPeriod,
  customerOf,
  ENDED,
  periodEnd,
  recurringOf,
  requireSubscription,
  type Subscription,
} from './subscription-shape.js';
import { itemUpdateShape, planItems, prorationDateOf, prorates } from './subscription-update.js';

const previewShape = {
  customer: str(),
  subscription: str(),
  currency: currencySpec(),
  subscription_details: obj({
    items: arr(obj(itemUpdateShape), { max: 20 }),
    billing_cycle_anchor: oneOf(['now', 'unchanged'] as const),
    cancel_at_period_end: bool(),
    cancel_now: bool(),
    proration_behavior: prorationBehavior,
    proration_date: int({ min: 0 }),
    trial_end: timestampOrNow(),
  }),
  invoice_items: arr(
    obj({
      amount: int(),
      currency: currencySpec(),
      description: str({ max: 500 }),
      discountable: bool(),
      period: obj({ start: int({ min: 0 }), end: int({ min: 0 }) }),
      price: str(),
      quantity: int({ min: 0 }),
      unit_amount: int(),
    }),
    { max: 250 },
  ),
  preview_mode: oneOf(['next', 'recurring'] as const),
  automatic_tax: obj({ enabled: bool() }),
  expand: listParams.expand,
} as const;

type PreviewParams = InferShape<typeof previewShape>;
type Details = NonNullable<PreviewParams['subscription_details']>;

function nothingUpcoming(customer: string): StripeApiError {
  return invalidParam('customer', `No upcoming invoices for customer: ${customer}`, 'invoice_upcoming_none');
}

/** What a subscription's preview bills: when, the invoice's window, its lines, and whether pending items join. */
interface SubscriptionPlan {
  at: number;
  window: { start: number; end: number };
  lines: LineSpec[];
}

/** The subscription the preview is for: the one named, or the customer's that renews first. */
function previewedSubscription(store: Store, params: PreviewParams): Subscription | undefined {
  if (params.subscription !== undefined) {
    return requireSubscription(store, params.subscription, 'subscription', params.customer);
  }
  const billing = [...store.subscriptions.newestFirst()].filter(
    (s) => customerOf(s) === params.customer && ['active', 'past_due', 'trialing'].includes(s.status),
  );
  return billing.sort((a, b) => currentPeriod(a).end - currentPeriod(b).end)[0];
}

function subscriptionPlan(store: Store, subscription: Subscription, details: Details): SubscriptionPlan | undefined {
  if (ENDED.has(subscription.status) || subscription.status === 'paused') return undefined;
  const now = store.nowSeconds();
  const behavior = details.proration_behavior ?? 'create_prorations';
  const period = currentPeriod(subscription);
  const plan = details.items !== undefined ? planItems(store, subscription, details.items, 'subscription_details[items]') : undefined;
  const at = prorationDateOf(subscription, details.proration_date, now, 'subscription_details[proration_date]');
  // The subscription as it would be after the change (a copy: the preview changes nothing).
  const changed: Subscription = { ...subscription, items: { ...subscription.items, data: plan?.items ?? subscription.items.data } };
  const changes = plan?.changes ?? [];
  const prorated = prorates(subscription, behavior) ? prorations(store, changes, period, at) : [];
  const nowWindow = { start: period.start, end: now };

  if (details.cancel_now) {
    const credits = subscription.items.data.map((item) => ({
      subscriptionItem: item.id,
      from: { price: item.price, quantity: item.quantity ?? 1 },
      to: null,
    }));
    const lines = behavior === 'none' ? [] : prorations(store, credits, period, at);
    return { at: now, window: nowWindow, lines };
  }
  const restart =
    plan?.intervalChanged === true ||
    (details.trial_end === 'now' && subscription.status === 'trialing') ||
    details.billing_cycle_anchor === 'now';
  if (restart) {
    const end = periodEnd(now, recurringOf(changed), now);
    const credits = plan?.intervalChanged ? prorated.filter((line) => line.amount < 0) : [];
    return { at: now, window: nowWindow, lines: [...credits, ...periodLines(store, changed, { start: now, end })] };
  }
  if (behavior === 'always_invoice' && prorated.length > 0) return { at: now, window: nowWindow, lines: prorated };
  const ending =
    details.cancel_at_period_end === true ||
    (details.cancel_at_period_end !== false && subscription.cancel_at !== null && subscription.cancel_at <= period.end);
  const renewal = nextRenewal(store, changed);
  return { at: renewal.at, window: renewal.window, lines: [...prorated, ...(ending ? [] : renewal.lines)] };
}

/** Lines for `invoice_items[]`: a one-off charge per entry, by amount or price × quantity. */
function extraLines(store: Store, params: PreviewParams, currency: string, invoiceId: string, now: number): Stripe.InvoiceLineItem[] {
  return (params.invoice_items ?? []).map((entry, i) => {
    const path = `invoice_items[${i}]`;
    const quantity = entry.quantity ?? 1;
    const price = entry.price !== undefined ? requirePrice(store, entry.price, `${path}[price]`) : undefined;
    const unit = price?.unit_amount ?? entry.unit_amount;
    const amount = entry.amount ?? (unit !== undefined && unit !== null ? unit * quantity : undefined);
    if (amount === undefined) throw parameterMissing(`${path}[amount]`);
    if ((entry.currency ?? price?.currency ?? currency) !== currency) {
      throw invalidParam(`${path}[currency]`, `The currency of ${path} must match the invoice's currency (${currency}).`);
    }
    const id = `ii_tmp_${store.ids.chars(24)}`;
    return {
      ...lineFromItem(store, invoiceId, {
        id,
        object: 'invoiceitem',
        amount,
        created: now,
        currency,
        customer: params.customer ?? '',
        customer_account: null,
        date: now,
        description: entry.description ?? null,
        discountable: entry.discountable ?? amount >= 0,
        discounts: [],
        invoice: invoiceId,
        livemode: false,
        metadata: {},
        parent: null,
        period: { start: entry.period?.start ?? now, end: entry.period?.end ?? now },
        pricing: price === undefined ? null : { type: 'price_details', price_details: { price: price.id, product: price.product as string }, unit_amount_decimal: price.unit_amount_decimal },
        proration: false,
        proration_details: { credited_items: null, discount_amounts: [] },
        quantity,
        quantity_decimal: Stripe.Decimal.from(quantity),
        tax_rates: [],
        test_clock: null,
      }),
    };
  });
}

export function previewInvoice(store: Store, params: PreviewParams): Stripe.Invoice {
  const subscription = previewedSubscription(store, params);
  const customerId = params.customer ?? (subscription !== undefined ? customerOf(subscription) : undefined);
  if (customerId === undefined) throw parameterMissing('customer');
  const customer = store.customers.require(customerId, 'customer');
  const now = store.nowSeconds();
  const plan = subscription !== undefined ? subscriptionPlan(store, subscription, params.subscription_details ?? {}) : undefined;
  const currency = subscription?.currency ?? params.currency ?? customer.currency ?? 'usd';
  const pending = pendingItemsFor(store, customer.id, currency, plan !== undefined ? subscription!.id : null);

  // A draft made the usual way and taken out of the store again: the preview is never kept.
  const previousCurrency = customer.currency;
  const draft = createInvoice(store, {
    customer: customer.id,
    currency,
    ...(subscription?.collection_method === 'send_invoice'
      ? { collection_method: 'send_invoice' as const, days_until_due: subscription.days_until_due ?? 30 }
      : {}),
    ...(plan !== undefined ? { subscription: subscription!.id } : {}),
    ...(subscription?.description ? { description: subscription.description } : {}),
  });
  store.invoices.remove(draft.id);
  customer.currency = previousCurrency;
  const invoice: Stripe.Invoice = { ...draft, id: `upcoming_${draft.id}`, billing_reason: 'upcoming' };
  invoice.lines = { object: 'list', data: [], has_more: false, url: `/v1/invoices/${invoice.id}/lines` };
  if (plan !== undefined) {
    invoice.created = plan.at;
    invoice.period_start = plan.window.start;
    invoice.period_end = plan.window.end;
  }
  invoice.lines.data.push(...pending.map((item) => lineFromItem(store, invoice.id, item)));
  if (plan !== undefined) invoice.lines.data.push(...plan.lines.map((spec) => lineOf(store, invoice.id, subscription!, spec)));
  invoice.lines.data.push(...extraLines(store, params, currency, invoice.id, now));
  if (invoice.lines.data.length === 0 && (plan === undefined || plan.lines.length === 0)) throw nothingUpcoming(customer.id);
  recompute(store, invoice);
  return invoice;
}

export const previewRoutes: Route[] = [
  route('POST', '/v1/invoices/create_preview', (req) => {
    const params = readParams(req, previewShape, { kind: 'invoice' });
    return renderObject('invoice', previewInvoice(req.store, params), req.render, params.expand);
  }),
];
