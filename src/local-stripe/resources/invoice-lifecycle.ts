/**
 * The invoice lifecycle: draft → open (finalize) → paid / uncollectible / void, with Stripe's amounts and
 * customer-balance rules. Used by the routes (`invoices.ts`) and by the demo seed.
 */
import type Stripe from 'stripe';
import { invalidState } from '../errors.js';
import { minimumCharge } from '../money.js';
import { bool, listParams, str, type InferShape } from '../params.js';
import type { Store } from '../store.js';
import { DAY } from './invoice-create.js';
import { customerIdOf, customerSnapshot, extraOf, recompute, requireInvoice } from './invoice-shape.js';
import { chargeInvoice, checkSource, paymentMethodToCharge } from './invoice-payments.js';

/** Stripe attempts automatic collection about an hour after finalization. */
const PAYMENT_ATTEMPT_DELAY = 60 * 60;

export const finalizeShape = { auto_advance: bool(), expand: listParams.expand } as const;

export const payShape = {
  forgive: bool(),
  mandate: str({ clearable: true }),
  off_session: bool(),
  paid_out_of_band: bool(),
  payment_method: str(),
  source: str(),
  expand: listParams.expand,
} as const;

export type InvoicePay = InferShape<typeof payShape>;

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
 * open / uncollectible → paid (a draft is finalized first): the one way an invoice is paid. Charges the payment
 * method Stripe would (`paymentMethodToCharge`: the `payment_method` param, the invoice's default, its
 * subscription's, the customer's `invoice_settings.default_payment_method`). With none, or when the card declines,
 * the attempt is recorded (`attempted`, `attempt_count`, `next_payment_attempt`) and Stripe's error is thrown — a
 * `StripeApiError` that renewals catch to move a subscription to `past_due`. `paid_out_of_band` records a payment
 * made outside Stripe: nothing is charged and no attempt is counted.
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
    checkSource(params.source);
    const pm = paymentMethodToCharge(store, invoice, customerIdOf(invoice), params.payment_method);
    chargeInvoice(store, invoice, pm);
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

/**
 * `POST /v1/invoices/:id/send`: emails an open invoice to its customer (the local Stripe sends no mail); nothing of
 * the invoice changes. Stripe refuses anything but an open invoice.
 */
export function sendInvoice(store: Store, id: string): Stripe.Invoice {
  const invoice = requireInvoice(store, id);
  if (invoice.status !== 'open') throw invalidState('You can only send invoices that are open', 'invoice_not_editable');
  // Sending changes no field: the change journal is told (Stripe's `invoice.sent`).
  store.journal.notice('invoice.sent', 'invoice', invoice);
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
