/**
 * Invoice lines: the line an invoice item becomes, adding it to a draft and taking it off again, and which draft an
 * invoice item may go on. Lines keep the order they were added in; the totals follow every change.
 */
import type Stripe from 'stripe';
import { invalidParam, invalidState, resourceMissing } from '../errors.js';
import type { Store } from '../store.js';
import { customerIdOf, recompute } from './invoice-shape.js';

/** What the store keeps of an invoice item: Stripe's object plus the `created` the collection orders by. */
export type StoredInvoiceItem = Stripe.InvoiceItem & { created: number };

/** Stripe's limit of invoice items per invoice. */
export const MAX_LINES = 250;

/** The invoice item a line came from (null for lines that never were an invoice item). */
export function lineInvoiceItem(line: Stripe.InvoiceLineItem): string | null {
  return line.parent?.invoice_item_details?.invoice_item ?? line.parent?.subscription_item_details?.invoice_item ?? null;
}

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
