/**
 * Invoices: create, retrieve, update, delete (drafts), list, search, lines, and the lifecycle
 * draft → open → paid / uncollectible / void with Stripe's amounts and customer-balance rules.
 *
 * The stored invoice is a `Stripe.Invoice` whose `lines.data` holds every line; responses show the first
 * `LINES_PAGE` lines with `has_more` and the `/lines` URL, as Stripe embeds them. While an invoice is a draft its
 * customer fields and balance follow the customer (`draftFields`); finalization freezes them.
 *
 * Amount invariants (checked by the conformance tests): `subtotal` = Σ line amounts = `total` (no tax or
 * discounts here); `amount_due` = `total` + `starting_balance` − `ending_balance`, never negative;
 * `amount_remaining` = `amount_due` − `amount_paid`.
 */
import Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { pageArray } from '../collection.js';
import { invalidParam, invalidState, resourceMissing } from '../errors.js';
import { defineKind, renderList, renderObject, type RenderContext } from '../expand.js';
import { currency as currencySpec, minimumCharge } from '../money.js';
import {
  applyMetadata,
  arr,
  bool,
  inRange,
  int,
  listParams,
  metadata,
  obj,
  oneOf,
  range,
  required,
  str,
  type InferShape,
} from '../params.js';
import { searchRoute, type Searchable } from '../search.js';
import type { Store } from '../store.js';
import { customerOrDeleted } from './customers.js';
import { requireSubscription } from './subscriptions.js';

/** What the store keeps of an invoice item: Stripe's object plus the `created` the collection orders by. */
export type StoredInvoiceItem = Stripe.InvoiceItem & { created: number };

/** How many lines an invoice response embeds (Stripe: "the first handful"). */
export const LINES_PAGE = 10;
/** Stripe's limit of invoice items per invoice. */
export const MAX_LINES = 250;

const DAY = 24 * 60 * 60;
/** Stripe attempts automatic collection about an hour after finalization. */
const PAYMENT_ATTEMPT_DELAY = 60 * 60;

/** Invoice state Stripe does not show on the object: how the due date was asked for. */
interface InvoiceExtra {
  daysUntilDue: number | null;
}
const extras = new WeakMap<Stripe.Invoice, InvoiceExtra>();

function extraOf(invoice: Stripe.Invoice): InvoiceExtra {
  let extra = extras.get(invoice);
  if (extra === undefined) {
    extra = { daysUntilDue: null };
    extras.set(invoice, extra);
  }
  return extra;
}

// ---------------------------------------------------------------------------------------------------------------
// Parameters

const customFields = arr(obj({ name: required(str({ max: 40 })), value: required(str({ max: 140 })) }), { max: 4 });
const collectionMethod = oneOf(['charge_automatically', 'send_invoice'] as const);

const createShape = {
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

const updateShape = {
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

const finalizeShape = { auto_advance: bool(), expand: listParams.expand } as const;

const payShape = {
  forgive: bool(),
  mandate: str({ clearable: true }),
  off_session: bool(),
  paid_out_of_band: bool(),
  payment_method: str(),
  source: str(),
  expand: listParams.expand,
} as const;

const expandOnly = { expand: listParams.expand } as const;

const listShape = {
  ...listParams,
  customer: str(),
  status: oneOf(['draft', 'open', 'paid', 'uncollectible', 'void'] as const),
  subscription: str(),
  collection_method: collectionMethod,
  created: range(),
  due_date: range(),
} as const;

export type InvoiceCreate = InferShape<typeof createShape>;
export type InvoiceUpdate = InferShape<typeof updateShape>;
export type InvoicePay = InferShape<typeof payShape>;

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** The id of an expandable field that the store always keeps as an id. */
function idOf(value: string | { id?: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : (value.id ?? null);
}

export function customerIdOf(invoice: Stripe.Invoice): string {
  const id = idOf(invoice.customer);
  if (id === null) throw new Error(`local Stripe: invoice ${invoice.id} has no customer`);
  return id;
}

export function subscriptionIdOf(invoice: Stripe.Invoice): string | null {
  return idOf(invoice.parent?.subscription_details?.subscription);
}

/** The invoice item a line came from (null for lines that never were an invoice item). */
export function lineInvoiceItem(line: Stripe.InvoiceLineItem): string | null {
  return line.parent?.invoice_item_details?.invoice_item ?? line.parent?.subscription_item_details?.invoice_item ?? null;
}

type CustomerSnapshot = Pick<
  Stripe.Invoice,
  | 'customer_address'
  | 'customer_email'
  | 'customer_name'
  | 'customer_phone'
  | 'customer_shipping'
  | 'customer_tax_exempt'
  | 'customer_tax_ids'
>;

/** Copies, not references: a finalized invoice must not change when the customer does. */
function customerSnapshot(customer: Stripe.Customer): CustomerSnapshot {
  const shipping = customer.shipping;
  return {
    customer_address: customer.address ? { ...customer.address } : null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: shipping
      ? {
          ...(shipping.address ? { address: { ...shipping.address } } : {}),
          carrier: shipping.carrier ?? null,
          ...(shipping.name !== undefined ? { name: shipping.name } : {}),
          phone: shipping.phone ?? null,
          tracking_number: shipping.tracking_number ?? null,
        }
      : null,
    customer_tax_exempt: customer.tax_exempt ?? null,
    customer_tax_ids: [],
  };
}

type DraftFields = CustomerSnapshot & Pick<Stripe.Invoice, 'starting_balance' | 'amount_due' | 'amount_remaining'>;

/**
 * What a draft shows from its customer right now: the current balance (applied to `amount_due`) and contact
 * details. A deleted customer leaves the last values in place.
 */
function draftFields(store: Store, invoice: Stripe.Invoice): DraftFields | undefined {
  const customer = store.customers.get(customerIdOf(invoice));
  if (customer === undefined) return undefined;
  const amountDue = Math.max(0, invoice.total + customer.balance);
  return {
    ...customerSnapshot(customer),
    starting_balance: customer.balance,
    amount_due: amountDue,
    amount_remaining: amountDue - invoice.amount_paid,
  };
}

/** Totals from the lines; for drafts also the balance-dependent amounts. */
function recompute(store: Store, invoice: Stripe.Invoice): void {
  const subtotal = invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total = subtotal;
  invoice.total_excluding_tax = subtotal;
  if (invoice.status === 'draft') {
    const fields = draftFields(store, invoice);
    if (fields !== undefined) Object.assign(invoice, fields);
  }
}

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

function requireInvoice(store: Store, id: string, param = 'id'): Stripe.Invoice {
  return store.invoices.require(id, param);
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

// ---------------------------------------------------------------------------------------------------------------
// Lines

/** The line an invoice item becomes on `invoiceId`. */
export function lineFromItem(store: Store, invoiceId: string, item: StoredInvoiceItem): Stripe.InvoiceLineItem {
  const subscription = item.parent?.subscription_details?.subscription ?? null;
  const subscriptionItem = item.parent?.subscription_details?.subscription_item;
  const prorationDetails = { credited_items: null };
  const parent: Stripe.InvoiceLineItem.Parent =
    subscriptionItem !== undefined
      ? {
          type: 'subscription_item_details',
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: item.id,
            proration: item.proration,
            proration_details: prorationDetails,
            subscription,
            subscription_item: subscriptionItem,
          },
        }
      : {
          type: 'invoice_item_details',
          invoice_item_details: {
            invoice_item: item.id,
            proration: item.proration,
            proration_details: prorationDetails,
            subscription,
          },
          subscription_item_details: null,
        };
  const line: Stripe.InvoiceLineItem = {
    id: store.ids.id('il', 24),
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: item.discountable,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: { ...(item.metadata ?? {}) },
    parent,
    period: { ...item.period },
    pretax_credit_amounts: [],
    pricing: item.pricing === null ? null : { ...item.pricing },
    quantity: item.quantity,
    quantity_decimal: item.quantity_decimal,
    subscription,
    subtotal: item.amount,
    taxes: [],
  };
  return line;
}

/** Adds an invoice item's line to a draft (checks done by the caller) and updates the totals. */
export function attachItem(store: Store, invoice: Stripe.Invoice, item: StoredInvoiceItem): void {
  if (invoice.lines.data.length >= MAX_LINES) {
    throw invalidState(`An invoice can have at most ${MAX_LINES} invoice items.`, undefined, 'invoice');
  }
  item.invoice = invoice.id;
  invoice.lines.data.push(lineFromItem(store, invoice.id, item));
  recompute(store, invoice);
}

/** Removes the line of a deleted invoice item from its draft. */
export function detachItem(store: Store, invoice: Stripe.Invoice, itemId: string): void {
  invoice.lines.data = invoice.lines.data.filter((line) => lineInvoiceItem(line) !== itemId);
  recompute(store, invoice);
}

// ---------------------------------------------------------------------------------------------------------------
// Domain functions (used by the routes and by the demo seed)

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
    const pending = [...store.invoiceItems.newestFirst()]
      .reverse()
      .filter(
        (item) =>
          item.invoice === null &&
          idOf(item.customer) === customer.id &&
          item.currency === currency &&
          includesSubscription(item, subscription?.id ?? null),
      );
    for (const item of pending.slice(0, MAX_LINES)) attachItem(store, invoice, item);
  }
  recompute(store, invoice);
  return invoice;
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

function markPaid(invoice: Stripe.Invoice, now: number): void {
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions = { ...invoice.status_transitions, paid_at: now };
}

/**
 * draft → open. Applies the customer's balance (credit up to the total, debit added), carries an amount below the
 * currency's minimum charge to the balance as a debit, and marks the invoice paid at once when nothing is due.
 * `baseUrl` prefixes the hosted page and PDF URLs (may be '' before the server listens; responses then add it).
 */
export function finalizeInvoice(
  store: Store,
  id: string,
  baseUrl: string,
  options: { auto_advance?: boolean | undefined } = {},
): Stripe.Invoice {
  const invoice = requireInvoice(store, id);
  if (invoice.status !== 'draft') {
    throw invalidState(
      "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
      'status_transition_invalid',
    );
  }
  const customer = store.customers.require(customerIdOf(invoice), 'customer');
  const now = store.nowSeconds();
  recompute(store, invoice);

  const starting = customer.balance;
  const net = invoice.total + starting;
  let amountDue = Math.max(0, net);
  let ending = Math.min(0, net);
  if (amountDue > 0 && amountDue < minimumCharge(invoice.currency)) {
    // Too small to charge: carried to the customer's balance as a debit, collected with the next invoice.
    ending += amountDue;
    amountDue = 0;
  }
  customer.balance = ending;

  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  const secret = `test_${store.ids.chars(40)}`;
  store.invoiceSecrets.set(secret, invoice.id);
  const extra = extraOf(invoice);

  Object.assign(invoice, customerSnapshot(customer));
  if (options.auto_advance !== undefined) invoice.auto_advance = options.auto_advance;
  invoice.starting_balance = starting;
  invoice.ending_balance = ending;
  invoice.amount_due = amountDue;
  invoice.amount_paid = 0;
  invoice.amount_remaining = amountDue;
  invoice.number = `${customer.invoice_prefix ?? 'INV'}-${String(sequence).padStart(4, '0')}`;
  invoice.effective_at = now;
  invoice.status_transitions = { ...invoice.status_transitions, finalized_at: now };
  invoice.hosted_invoice_url = `${baseUrl}/i/${secret}`;
  invoice.invoice_pdf = `${baseUrl}/i/${secret}/pdf`;
  invoice.automatically_finalizes_at = null;
  if (invoice.collection_method === 'send_invoice') {
    if (extra.daysUntilDue !== null) invoice.due_date = now + extra.daysUntilDue * DAY;
    invoice.next_payment_attempt = null;
  } else {
    invoice.due_date = null;
    invoice.next_payment_attempt = now + PAYMENT_ATTEMPT_DELAY;
  }
  invoice.status = 'open';
  if (amountDue === 0) {
    // Nothing to collect (credit, zero or negative total, below the minimum): paid on finalization.
    invoice.attempted = true;
    markPaid(invoice, now);
  }
  return invoice;
}

/**
 * open / uncollectible → paid (a draft is finalized first). The local Stripe has no payment methods to fail:
 * a payment always succeeds. `paid_out_of_band` records a payment made outside Stripe (no attempt counted).
 */
export function payInvoice(store: Store, id: string, baseUrl: string, params: InvoicePay = {}): Stripe.Invoice {
  const invoice = requireInvoice(store, id);
  if (invoice.status === 'draft') {
    finalizeInvoice(store, id, baseUrl);
    if (invoice.status === 'paid') return invoice;
  }
  if (invoice.status === 'paid') throw invalidState('This invoice is already paid', 'status_transition_invalid');
  if (invoice.status === 'void') {
    throw invalidState('This invoice has been voided and can no longer be paid', 'status_transition_invalid');
  }
  if (!params.paid_out_of_band) {
    invoice.attempted = true;
    invoice.attempt_count += 1;
  }
  markPaid(invoice, store.nowSeconds());
  return invoice;
}

/** open / uncollectible → void. The balance the invoice applied (credit or debit) goes back to the customer. */
export function voidInvoice(store: Store, id: string): Stripe.Invoice {
  const invoice = requireInvoice(store, id);
  if (invoice.status !== 'open' && invoice.status !== 'uncollectible') {
    throw invalidState('You can only void open or uncollectible invoices', 'status_transition_invalid');
  }
  const customer = store.customers.get(customerIdOf(invoice));
  if (customer !== undefined) customer.balance += invoice.starting_balance - (invoice.ending_balance ?? 0);
  invoice.status = 'void';
  invoice.next_payment_attempt = null;
  invoice.status_transitions = { ...invoice.status_transitions, voided_at: store.nowSeconds() };
  return invoice;
}

/** open → uncollectible (which can still be paid or voided). */
export function markUncollectible(store: Store, id: string): Stripe.Invoice {
  const invoice = requireInvoice(store, id);
  if (invoice.status !== 'open') {
    throw invalidState('You can only mark open invoices as uncollectible', 'status_transition_invalid');
  }
  invoice.status = 'uncollectible';
  invoice.next_payment_attempt = null;
  invoice.status_transitions = { ...invoice.status_transitions, marked_uncollectible_at: store.nowSeconds() };
  return invoice;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering and expand

function absoluteUrl(url: string | null | undefined, baseUrl: string): string | null {
  if (url === null || url === undefined) return null;
  return url.startsWith('/') ? `${baseUrl}${url}` : url;
}

/** The response shape: the first page of lines, live draft fields, absolute hosted URLs. */
export function renderInvoice(invoice: Stripe.Invoice, ctx: RenderContext): Stripe.Invoice {
  const lines = invoice.lines.data;
  const view: Stripe.Invoice = {
    ...invoice,
    ...(invoice.status === 'draft' ? draftFields(ctx.store, invoice) : undefined),
    hosted_invoice_url: absoluteUrl(invoice.hosted_invoice_url, ctx.baseUrl),
    invoice_pdf: absoluteUrl(invoice.invoice_pdf, ctx.baseUrl),
    lines: {
      object: 'list',
      data: lines.slice(0, LINES_PAGE),
      has_more: lines.length > LINES_PAGE,
      url: `/v1/invoices/${invoice.id}/lines`,
    },
  };
  return view;
}

function invoiceOrNull(id: string, ctx: RenderContext): Stripe.Invoice | null {
  const invoice = ctx.store.invoices.get(id);
  return invoice === undefined ? null : renderInvoice(invoice, ctx);
}

defineKind<Stripe.Invoice>('invoice', {
  render: renderInvoice,
  expandable: {
    customer: { target: 'customer', resolve: (id, ctx) => customerOrDeleted(ctx.store, id) },
    latest_revision: { target: 'invoice', resolve: invoiceOrNull },
    'from_invoice.invoice': { target: 'invoice', resolve: invoiceOrNull },
    account_tax_ids: { resolve: () => null },
    application: { resolve: () => null },
    default_payment_method: { resolve: () => null },
    default_source: { resolve: () => null },
    discounts: { resolve: () => null },
    on_behalf_of: { resolve: () => null },
    test_clock: { resolve: () => null },
    // `parent.subscription_details.subscription` is left out on purpose: subscriptions are not served as objects.
  },
});

defineKind<Stripe.InvoiceLineItem>('line_item', {
  expandable: {
    discounts: { resolve: () => null },
  },
});

const searchable: Searchable<Stripe.Invoice> = {
  resource: 'invoices',
  fields: {
    created: { type: 'number', get: (i) => i.created },
    currency: { type: 'token', get: (i) => i.currency },
    customer: { type: 'token', get: (i) => idOf(i.customer) },
    last_finalization_error_code: { type: 'token', get: (i) => i.last_finalization_error?.code ?? null },
    last_finalization_error_type: { type: 'token', get: (i) => i.last_finalization_error?.type ?? null },
    number: { type: 'text', get: (i) => i.number },
    receipt_number: { type: 'text', get: (i) => i.receipt_number },
    status: { type: 'token', get: (i) => i.status },
    subscription: { type: 'token', get: subscriptionIdOf },
    total: { type: 'number', get: (i) => i.total },
  },
  metadata: (i) => i.metadata,
};

// ---------------------------------------------------------------------------------------------------------------
// Routes

export const invoiceRoutes: Route[] = [
  route('POST', '/v1/invoices', (req) => {
    const params = readParams(req, createShape, { kind: 'invoice' });
    return renderObject('invoice', createInvoice(req.store, params), req.render, params.expand);
  }),
  searchRoute('/v1/invoices/search', 'invoice', (store) => store.invoices.newestFirst(), searchable),
  route('GET', '/v1/invoices', (req) => {
    const params = readParams(req, listShape, { kind: 'invoice', list: true });
    const page = req.store.invoices.page(
      params,
      (i) =>
        (params.customer === undefined || idOf(i.customer) === params.customer) &&
        (params.status === undefined || i.status === params.status) &&
        (params.subscription === undefined || subscriptionIdOf(i) === params.subscription) &&
        (params.collection_method === undefined || i.collection_method === params.collection_method) &&
        inRange(i.created, params.created) &&
        inRange(i.due_date, params.due_date),
    );
    return renderList('invoice', page.data, page.hasMore, '/v1/invoices', req.render, params.expand);
  }),
  route('GET', '/v1/invoices/:id', (req) => {
    const params = readParams(req, expandOnly, { kind: 'invoice' });
    return renderObject('invoice', requireInvoice(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', '/v1/invoices/:id', (req) => {
    const params = readParams(req, updateShape, { kind: 'invoice' });
    return renderObject('invoice', updateInvoice(req.store, pathId(req), params), req.render, params.expand);
  }),
  route('DELETE', '/v1/invoices/:id', (req) => {
    readParams(req, {});
    return deleteInvoice(req.store, pathId(req));
  }),
  route('POST', '/v1/invoices/:id/finalize', (req) => {
    const params = readParams(req, finalizeShape, { kind: 'invoice' });
    const invoice = finalizeInvoice(req.store, pathId(req), req.render.baseUrl, params);
    return renderObject('invoice', invoice, req.render, params.expand);
  }),
  route('POST', '/v1/invoices/:id/pay', (req) => {
    const params = readParams(req, payShape, { kind: 'invoice' });
    const invoice = payInvoice(req.store, pathId(req), req.render.baseUrl, params);
    return renderObject('invoice', invoice, req.render, params.expand);
  }),
  route('POST', '/v1/invoices/:id/void', (req) => {
    const params = readParams(req, expandOnly, { kind: 'invoice' });
    return renderObject('invoice', voidInvoice(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', '/v1/invoices/:id/mark_uncollectible', (req) => {
    const params = readParams(req, expandOnly, { kind: 'invoice' });
    return renderObject('invoice', markUncollectible(req.store, pathId(req)), req.render, params.expand);
  }),
  route('GET', '/v1/invoices/:id/lines', (req) => {
    const params = readParams(req, listParams, { kind: 'line_item', list: true });
    const invoice = requireInvoice(req.store, pathId(req));
    const page = pageArray(invoice.lines.data, params, 'line_item');
    const url = `/v1/invoices/${invoice.id}/lines`;
    return renderList('line_item', page.data, page.hasMore, url, req.render, params.expand);
  }),
];

/** Used by the hosted pages: the invoice a page secret names, with its store. */
export function invoiceBySecret(stores: readonly Store[], secret: string): { store: Store; invoice: Stripe.Invoice } | undefined {
  for (const store of stores) {
    const id = store.invoiceSecrets.get(secret);
    const invoice = id === undefined ? undefined : store.invoices.get(id);
    if (invoice !== undefined) return { store, invoice };
  }
  return undefined;
}

/**
 * The draft an invoice item may be added to (`invoice` param of `POST /v1/invoiceitems`): it must exist, belong
 * to the item's customer, be a draft and, when the item names a currency, bill in that currency.
 */
export function requireDraftOf(
  store: Store,
  invoiceId: string,
  customerId: string,
  itemCurrency: string | undefined,
): Stripe.Invoice {
  const invoice = store.invoices.get(invoiceId);
  if (invoice === undefined) throw resourceMissing('invoice', invoiceId, 'invoice');
  if (customerIdOf(invoice) !== customerId) {
    throw invalidParam(
      'invoice',
      `The invoice ${invoiceId} belongs to customer ${customerIdOf(invoice)}, not to ${customerId}. ` +
        'An invoice item can only be added to an invoice of the same customer.',
    );
  }
  if (invoice.status !== 'draft') {
    throw invalidState(
      `Invoice ${invoiceId} is no longer a draft: invoice items can only be added to draft invoices.`,
      'invoice_not_editable',
      'invoice',
    );
  }
  if (itemCurrency !== undefined && invoice.currency !== itemCurrency) {
    throw invalidParam(
      'currency',
      `The currency of the invoice item (${itemCurrency}) must match the currency of the invoice (${invoice.currency}).`,
    );
  }
  return invoice;
}
