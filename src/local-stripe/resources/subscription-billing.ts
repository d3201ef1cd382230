/**
 * The invoices a subscription generates and what goes on them: one line per item for a period (not an invoice
 * item, as on Stripe: `parent.subscription_item_details.invoice_item` is null), proration adjustments for a change
 * in the middle of a period, and the pending invoice items of the customer. The same line builders make the invoice
 * preview (`subscription-preview.ts`), so a preview and the invoice that follows it have the same lines.
 */
import Stripe from 'stripe';
import { formatMoney } from '../../stripe-facts/money.js';
import type { Store } from '../store.js';
import { productIdOf } from './price-create.js';
import { createInvoice, pendingItemsFor } from './invoice-create.js';
import { createInvoiceItem } from './invoice-items.js';
import { recompute } from './invoice-shape.js';
import { customerOf, itemAmount, type Subscription } from './subscription-shape.js';

/** Stripe finalizes an auto-advancing subscription invoice about an hour after creating it. */
export const FINALIZE_DELAY = 60 * 60;

export type BillingReason = 'subscription_create' | 'subscription_cycle' | 'subscription_update';

/** One line a subscription puts on an invoice, before it has an id. */
export interface LineSpec {
  subscriptionItem: string;
  price: Stripe.Price;
  quantity: number;
  amount: number;
  description: string;
  period: { start: number; end: number };
  proration: boolean;
}

export function productName(store: Store, price: Stripe.Price): string {
  return store.products.get(productIdOf(price))?.name ?? price.nickname ?? productIdOf(price);
}

function intervalText(price: Stripe.Price): string {
  const recurring = price.recurring;
  if (recurring === null) return '';
  return recurring.interval_count === 1 ? ` / ${recurring.interval}` : ` every ${recurring.interval_count} ${recurring.interval}s`;
}

/** `1 × Pro (at $49.00 / month)`, as Stripe describes a subscription item's line. */
export function describeItem(store: Store, price: Stripe.Price, quantity: number): string {
  const unit = formatMoney(price.unit_amount ?? 0, price.currency);
  return `${quantity} × ${productName(store, price)} (at ${unit}${intervalText(price)})`;
}

function day(seconds: number): string {
  return new Date(seconds * 1000).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** The line of every item for a full period. */
export function periodLines(store: Store, subscription: Subscription, period: { start: number; end: number }): LineSpec[] {
  return subscription.items.data.map((item) => {
    const quantity = item.quantity ?? 1;
    return {
      subscriptionItem: item.id,
      price: item.price,
      quantity,
      amount: itemAmount(item.price, quantity),
      description: describeItem(store, item.price, quantity),
      period: { ...period },
      proration: false,
    };
  });
}

/** The zero-amount lines of a trial period (`Trial period for Pro`). */
export function trialLines(store: Store, subscription: Subscription, period: { start: number; end: number }): LineSpec[] {
  return periodLines(store, subscription, period).map((line) => ({
    ...line,
    amount: 0,
    description: `Trial period for ${productName(store, line.price)}`,
  }));
}

/** What an item was or becomes in a change: its price and quantity. */
export interface ItemTerms {
  price: Stripe.Price;
  quantity: number;
}

export interface ItemChange {
  subscriptionItem: string;
  /** Null for an item being added. */
  from: ItemTerms | null;
  /** Null for an item being deleted. */
  to: ItemTerms | null;
}

/**
 * Proration adjustments for changes at `at` inside `period`: a credit for the unused time on what the item was, a
 * charge for the remaining time on what it becomes, each the full-period amount times the fraction of the period
 * left (rounded to the minor unit). Unchanged items get nothing.
 */
export function prorations(
  store: Store,
  changes: readonly ItemChange[],
  period: { start: number; end: number },
  at: number,
): LineSpec[] {
  const length = period.end - period.start;
  if (length <= 0 || at >= period.end) return [];
  const fraction = (period.end - Math.max(at, period.start)) / length;
  const remaining = { start: Math.max(at, period.start), end: period.end };
  const lines: LineSpec[] = [];
  const quantityText = (terms: ItemTerms) => (terms.quantity === 1 ? '' : `${terms.quantity} × `);
  for (const change of changes) {
    const { from, to } = change;
    if (from !== null && to !== null && from.price.id === to.price.id && from.quantity === to.quantity) continue;
    if (from !== null) {
      lines.push({
        subscriptionItem: change.subscriptionItem,
        price: from.price,
        quantity: from.quantity,
        amount: -Math.round(itemAmount(from.price, from.quantity) * fraction),
        description: `Unused time on ${quantityText(from)}${productName(store, from.price)} after ${day(remaining.start)}`,
        period: remaining,
        proration: true,
      });
    }
    if (to !== null) {
      lines.push({
        subscriptionItem: change.subscriptionItem,
        price: to.price,
        quantity: to.quantity,
        amount: Math.round(itemAmount(to.price, to.quantity) * fraction),
        description: `Remaining time on ${quantityText(to)}${productName(store, to.price)} after ${day(remaining.start)}`,
        period: remaining,
        proration: true,
      });
    }
  }
  return lines;
}

/** Prorations become pending invoice items of the subscription: its next invoice (or `always_invoice`) bills them. */
export function addPendingProrations(store: Store, subscription: Subscription, lines: readonly LineSpec[]): void {
  for (const line of lines) {
    createInvoiceItem(
      store,
      {
        customer: customerOf(subscription),
        amount: line.amount,
        currency: subscription.currency,
        description: line.description,
        quantity: line.quantity,
        subscription: subscription.id,
        period: line.period,
      },
      { proration: true, subscriptionItem: line.subscriptionItem, price: line.price },
    );
  }
}

/** The invoice line a `LineSpec` becomes on `invoiceId`. */
export function lineOf(store: Store, invoiceId: string, subscription: Subscription, spec: LineSpec): Stripe.InvoiceLineItem {
  return {
    id: store.ids.id('il', 24),
    object: 'line_item',
    amount: spec.amount,
    currency: subscription.currency,
    description: spec.description,
    discount_amounts: [],
    discountable: !spec.proration,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: {},
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: spec.proration,
        proration_details: { credited_items: null },
        subscription: subscription.id,
        subscription_item: spec.subscriptionItem,
      },
    },
    period: { ...spec.period },
    pretax_credit_amounts: [],
    pricing: {
      type: 'price_details',
      price_details: { price: spec.price.id, product: productIdOf(spec.price) },
      unit_amount_decimal: spec.price.unit_amount_decimal,
    },
    quantity: spec.quantity,
    quantity_decimal: Stripe.Decimal.from(spec.quantity),
    subscription: subscription.id,
    subtotal: spec.amount,
    taxes: [],
  };
}

export interface SubscriptionInvoiceInput {
  reason: BillingReason;
  /** The invoice's `period_start`/`period_end`: the window its pending items came from. */
  window: { start: number; end: number };
  lines: readonly LineSpec[];
}

/**
 * A draft invoice of the subscription: the customer's pending items for it first (prorations of earlier changes),
 * then `lines`. Auto-advancing; finalized by the caller (at once on create, an hour later on renewal).
 */
export function subscriptionInvoice(store: Store, subscription: Subscription, input: SubscriptionInvoiceInput): Stripe.Invoice {
  const sendInvoice = subscription.collection_method === 'send_invoice';
  const invoice = createInvoice(store, {
    customer: customerOf(subscription),
    currency: subscription.currency,
    collection_method: sendInvoice ? 'send_invoice' : 'charge_automatically',
    ...(sendInvoice ? { days_until_due: subscription.days_until_due ?? 30 } : {}),
    subscription: subscription.id,
    auto_advance: true,
    pending_invoice_items_behavior: 'include',
    ...(subscription.description !== null ? { description: subscription.description } : {}),
  });
  invoice.billing_reason = input.reason;
  invoice.period_start = input.window.start;
  invoice.period_end = input.window.end;
  for (const spec of input.lines) invoice.lines.data.push(lineOf(store, invoice.id, subscription, spec));
  recompute(store, invoice);
  subscription.latest_invoice = invoice.id;
  return invoice;
}

/** Bills the subscription's pending items on an invoice of their own (`always_invoice`, `invoice_now`). */
export function invoicePending(store: Store, subscription: Subscription, reason: BillingReason): Stripe.Invoice | undefined {
  const pending = pendingItemsFor(store, customerOf(subscription), subscription.currency, subscription.id).filter(
    (item) => item.parent?.subscription_details?.subscription === subscription.id,
  );
  if (pending.length === 0) return undefined;
  const now = store.nowSeconds();
  return subscriptionInvoice(store, subscription, { reason, window: { start: now, end: now }, lines: [] });
}
