/**
 * What an invoice looks like: the derived fields (customer snapshot, totals, the balance a draft follows), the state
 * Stripe keeps but does not show, and the response shape with its expandable fields. The other invoice modules
 * (`invoice-create`, `invoice-lines`, `invoice-lifecycle`, and the routes in `invoices`) build on these.
 *
 * The stored invoice is a `Stripe.Invoice` whose `lines.data` holds every line; responses show the first
 * `LINES_PAGE` lines with `has_more` and the `/lines` URL, as Stripe embeds them. While an invoice is a draft its
 * customer fields and balance follow the customer (`draftFields`); finalization freezes them.
 *
 * Amount invariants (checked by the conformance tests): `subtotal` = Σ line amounts = `total` (no tax or
 * discounts here); `amount_due` = `total` + `starting_balance` − `ending_balance`, never negative;
 * `amount_remaining` = `amount_due` − `amount_paid`.
 */
import type Stripe from 'stripe';
import { defineKind, renderObject, type RenderContext } from '../expand.js';
import type { Store } from '../store.js';
import { customerOrDeleted } from './customers.js';
import { paymentsOf } from './invoice-payments.js';

/** How many lines an invoice response embeds (Stripe: "the first handful"). */
export const LINES_PAGE = 10;

/** Invoice state Stripe does not show on the object: how the due date was asked for. */
export interface InvoiceExtra {
  daysUntilDue: number | null;
}
const extras = new WeakMap<Stripe.Invoice, InvoiceExtra>();

export function extraOf(invoice: Stripe.Invoice): InvoiceExtra {
  let extra = extras.get(invoice);
  if (extra === undefined) {
    extra = { daysUntilDue: null };
    extras.set(invoice, extra);
  }
  return extra;
}

/** The id of an expandable field that the store always keeps as an id. */
export function idOf(value: string | { id?: string } | null | undefined): string | null {
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


export type CustomerSnapshot = Pick<
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
export function customerSnapshot(customer: Stripe.Customer): CustomerSnapshot {
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
export function recompute(store: Store, invoice: Stripe.Invoice): void {
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

export function requireInvoice(store: Store, id: string, param = 'id'): Stripe.Invoice {
  return store.invoices.require(id, param);
}

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

/** A subscription, rendered (the kind is defined in `subscription-shape.ts`; looked up by name, no import cycle). */
function subscriptionOrNull(id: string, ctx: RenderContext): unknown {
  const subscription = ctx.store.subscriptions.get(id);
  return subscription === undefined ? null : renderObject('subscription', subscription, ctx);
}

defineKind<Stripe.Invoice>('invoice', {
  render: renderInvoice,
  expandable: {
    customer: { target: 'customer', resolve: (id, ctx) => customerOrDeleted(ctx.store, id) },
    latest_revision: { target: 'invoice', resolve: invoiceOrNull },
    'from_invoice.invoice': { target: 'invoice', resolve: invoiceOrNull },
    account_tax_ids: { resolve: () => null },
    application: { resolve: () => null },
    default_payment_method: { target: 'payment_method', resolve: (id, ctx) => ctx.store.paymentMethods.get(id) ?? null },
    default_source: { resolve: () => null },
    discounts: { resolve: () => null },
    on_behalf_of: { resolve: () => null },
    test_clock: { resolve: () => null },
    'parent.subscription_details.subscription': { target: 'subscription', resolve: subscriptionOrNull },
  },
  includable: { payments: paymentsOf },
});

defineKind<Stripe.InvoiceLineItem>('line_item', {
  expandable: {
    subscription: { target: 'subscription', resolve: subscriptionOrNull },
    discounts: { resolve: () => null },
  },
});
