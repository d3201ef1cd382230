/**
 * Creating, updating and deleting invoices: the parameters, Stripe's one-currency-per-customer rule, due dates as
 * Stripe checks them, what a finalized invoice still lets you change, and pending items pulled onto a new draft.
 * Used by the routes (`invoices.ts`) and by the demo seed.
 */
import type Stripe from 'stripe';
import { invalidParam, invalidState } from '../errors.js';
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
} from '../params.js';
import type { Store } from '../store.js';
import { attachItem, MAX_LINES, type StoredInvoiceItem } from './invoice-lines.js';
import { customerSnapshot, extraOf, idOf, recompute, requireInvoice } from './invoice-shape.js';
import { requireSubscription } from './subscription-shape.js';

export const DAY = 24 * 60 * 60;

const customFields = arr(obj({ name: required(str({ max: 40 })), value: required(str({ max: 140 })) }), { max: 4 });
export const collectionMethod = oneOf(['charge_automatically', 'send_invoice'] as const);

export const createShape = {
  customer: required(str()),
  auto_advance: bool(),
  collection_method: collectionMethod,
  currency: currencySpec(),
  custom_fields: customFields,
  days_until_due: int({ min: 0 }),
  description: str({ max: 1500 }),
  due_date: int({ min: 0 }),
  footer: str({ max: 5000 }),
  metadata: metadata(),
  pending_invoice_items_behavior: oneOf(['exclude', 'include'] as const),
  statement_descriptor: str({ max: 22 }),
  subscription: str(),
  expand: listParams.expand,
} as const;

export const updateShape = {
  auto_advance: bool(),
  collection_method: collectionMethod,
  custom_fields: customFields,
  days_until_due: int({ min: 0 }),
  description: str({ max: 1500, clearable: true }),
  due_date: int({ min: 0 }),
  footer: str({ max: 5000, clearable: true }),
  metadata: metadata(),
  statement_descriptor: str({ max: 22, clearable: true }),
  expand: listParams.expand,
} as const;


export type InvoiceCreate = InferShape<typeof createShape>;
export type InvoiceUpdate = InferShape<typeof updateShape>;

/**
 * Stripe's rule: a customer has one currency once something has been billed. `currency` is set from the first
 * invoice or invoice item when still null.
 */
export function claimCustomerCurrency(customer: Stripe.Customer, currency: string, param = 'currency'): void {
  if (customer.currency === null || customer.currency === undefined) {
    customer.currency = currency;
    return;
  }
  if (customer.currency !== currency) {
    throw invalidParam(
      param,
      `You cannot combine currencies on a single customer. This customer has had an invoice or invoice item ` +
        `with currency ${customer.currency}, so it cannot be billed in ${currency}.`,
    );
  }
}

/** The due date and days-until-due an invoice ends up with, checked as Stripe checks them. */
function resolveDue(
  collection: string,
  params: { days_until_due?: number | undefined; due_date?: number | undefined },
  current: { days: number | null; due: number | null },
  now: number,
): { days: number | null; due: number | null } {
  if (params.days_until_due !== undefined && params.due_date !== undefined) {
    throw invalidParam(
      'due_date',
      'You may only specify one of these parameters: days_until_due, due_date.',
      'parameters_exclusive',
    );
  }
  if (collection === 'charge_automatically') {
    for (const param of ['days_until_due', 'due_date'] as const) {
      if (params[param] !== undefined) {
        throw invalidParam(
          param,
          `You can only set \`${param}\` on invoices with \`collection_method=send_invoice\`; this invoice is ` +
            'charged automatically.',
        );
      }
    }
    return { days: null, due: null };
  }
  let { days, due } = current;
  if (params.days_until_due !== undefined) {
    days = params.days_until_due;
    due = now + days * DAY;
  } else if (params.due_date !== undefined) {
    days = null;
    due = params.due_date;
  }
  if (days === null && due === null) {
    throw invalidParam(
      'days_until_due',
      'Invoices with `collection_method=send_invoice` need either `days_until_due` or `due_date`.',
      'parameter_missing',
    );
  }
  return { days, due };
}

export function createInvoice(store: Store, params: InvoiceCreate): Stripe.Invoice {
  const customer = store.customers.require(params.customer, 'customer');
  const subscription =
    params.subscription !== undefined
      ? requireSubscription(store, params.subscription, 'subscription', customer.id)
      : undefined;
  const collection = params.collection_method ?? 'charge_automatically';
  const now = store.nowSeconds();
  const due = resolveDue(collection, params, { days: null, due: null }, now);
  const currency = params.currency ?? customer.currency ?? 'usd';
  claimCustomerCurrency(customer, currency);
  const customFieldList = params.custom_fields ?? customer.invoice_settings.custom_fields ?? [];

  const invoice: Stripe.Invoice = {
    id: store.ids.id('in', 24),
    object: 'invoice',
    account_country: 'US',
    account_name: null,
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: params.auto_advance ?? false,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'manual',
    collection_method: collection,
    created: now,
    currency,
    custom_fields: customFieldList.length > 0 ? customFieldList.map((f) => ({ ...f })) : null,
    customer: customer.id,
    customer_account: null,
    ...customerSnapshot(customer),
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: params.description ?? null,
    discounts: [],
    due_date: due.due,
    effective_at: null,
    ending_balance: null,
    footer: params.footer ?? customer.invoice_settings.footer ?? null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: '' },
    livemode: false,
    metadata: applyMetadata({}, params.metadata),
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent:
      subscription !== undefined
        ? {
            type: 'subscription_details',
            subscription_details: { subscription: subscription.id, metadata: { ...subscription.metadata } },
            quote_details: null,
          }
        : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: now,
    period_start: now,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: { amount_tax_display: null, pdf: { page_size: 'auto' }, template: null, template_version: null },
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: params.statement_descriptor ?? null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: now,
  };
  invoice.lines.url = `/v1/invoices/${invoice.id}/lines`;
  extraOf(invoice).daysUntilDue = due.days;
  store.invoices.insert(invoice);

  if (params.pending_invoice_items_behavior === 'include') {
    const pending = pendingItemsFor(store, customer.id, currency, subscription?.id ?? null);
    for (const item of pending.slice(0, MAX_LINES)) attachItem(store, invoice, item);
  }
  recompute(store, invoice);
  return invoice;
}

/**
 * The pending invoice items a new invoice of `customer` in `currency` pulls in, oldest first (also what an invoice
 * preview shows).
 */
export function pendingItemsFor(
  store: Store,
  customer: string,
  currency: string,
  subscription: string | null,
): StoredInvoiceItem[] {
  return [...store.invoiceItems.newestFirst()]
    .reverse()
    .filter(
      (item) =>
        item.invoice === null &&
        idOf(item.customer) === customer &&
        item.currency === currency &&
        includesSubscription(item, subscription),
    );
}

/** A pending item tagged with a subscription only goes on that subscription's invoices (or a standalone one). */
function includesSubscription(item: StoredInvoiceItem, subscription: string | null): boolean {
  const itemSubscription = item.parent?.subscription_details?.subscription ?? null;
  return itemSubscription === null || subscription === null || itemSubscription === subscription;
}

/** What a finalized invoice still lets you change. */
const FINALIZED_EDITABLE = new Set(['auto_advance', 'custom_fields', 'description', 'expand', 'footer', 'metadata']);

export function updateInvoice(store: Store, id: string, params: InvoiceUpdate): Stripe.Invoice {
  const invoice = requireInvoice(store, id);
  const extra = extraOf(invoice);
  if (invoice.status === 'draft') {
    const collection = params.collection_method ?? invoice.collection_method;
    const due = resolveDue(collection, params, { days: extra.daysUntilDue, due: invoice.due_date }, store.nowSeconds());
    invoice.collection_method = collection;
    invoice.due_date = due.due;
    extra.daysUntilDue = due.days;
    if (params.statement_descriptor !== undefined) invoice.statement_descriptor = params.statement_descriptor;
  } else {
    for (const key of Object.keys(params)) {
      if (FINALIZED_EDITABLE.has(key)) continue;
      if (key === 'due_date' && invoice.status === 'open' && invoice.collection_method === 'send_invoice') continue;
      throw invalidState(
        key === 'due_date'
          ? "Finalized invoices can't be updated in this way: `due_date` can only change on an open invoice " +
              'with `collection_method=send_invoice`.'
          : `Finalized invoices can't be updated in this way: \`${key}\` can only change while the invoice is a draft.`,
        'invoice_not_editable',
        key,
      );
    }
    if (params.due_date !== undefined) {
      invoice.due_date = params.due_date;
      extra.daysUntilDue = null;
    }
  }
  if (params.auto_advance !== undefined) invoice.auto_advance = params.auto_advance;
  if (params.custom_fields !== undefined) {
    invoice.custom_fields = params.custom_fields.length > 0 ? params.custom_fields.map((f) => ({ ...f })) : null;
  }
  if (params.description !== undefined) invoice.description = params.description;
  if (params.footer !== undefined) invoice.footer = params.footer;
  if (params.metadata !== undefined) invoice.metadata = applyMetadata(invoice.metadata, params.metadata);
  recompute(store, invoice);
  return invoice;
}

/** Deletes a draft; the invoice items on it are deleted with it. */
export function deleteInvoice(store: Store, id: string): Stripe.DeletedInvoice {
  const invoice = requireInvoice(store, id);
  if (invoice.status !== 'draft') {
    throw invalidState(
      'You can only delete draft invoices. Finalized invoices can be voided instead.',
      'invoice_not_editable',
    );
  }
  const attached = [...store.invoiceItems.newestFirst()].filter((item) => item.invoice === id);
  for (const item of attached) store.invoiceItems.remove(item.id);
  store.invoices.remove(id);
  return { id, object: 'invoice', deleted: true };
}
