/**
 * Charging an invoice: which payment method Stripe charges, what a charge attempt records on the invoice, and the
 * invoice's `payments` list (`expand[]=payments`, `Stripe.InvoicePayment`) as the 2026 API shows it — one default
 * payment per invoice (its PaymentIntent), `open` while attempts fail and `paid` once one succeeds.
 *
 * `payInvoice` (`invoice-lifecycle.ts`) is the one caller; the demo seed and subscription renewals go through it.
 */
import type Stripe from 'stripe';
import { invalidParam, invalidState, resourceMissing, type StripeApiError } from '../errors.js';
import type { RenderContext } from '../expand.js';
import type { Store } from '../store.js';
import { chargeDecline, paymentMethodCustomer, usePaymentMethod } from './payment-methods.js';
import { declineError } from './test-cards.js';

const DAY = 24 * 60 * 60;

const payments = new WeakMap<Stripe.Invoice, Stripe.InvoicePayment[]>();

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

/** Stripe's message when an invoice has nothing to charge (no `payment_method`, no default anywhere). */
export function noPaymentMethod(): StripeApiError {
  const error = invalidState(
    'This customer has no attached payment source or default payment method. Please consider adding a default ' +
      'payment method. For more information, visit ' +
      'https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
    'resource_missing',
    'default_payment_method',
  );
  return error;
}

function subscriptionDefault(store: Store, invoice: Stripe.Invoice): string | null {
  const id = idOf(invoice.parent?.subscription_details?.subscription);
  if (id === null) return null;
  // Read loosely: the subscription record grows a `default_payment_method` as subscriptions become Stripe's objects.
  const subscription = store.subscriptions.get(id) as { default_payment_method?: string | { id: string } | null } | undefined;
  return idOf(subscription?.default_payment_method);
}

/**
 * The payment method Stripe charges for `invoice`: the `payment_method` param, else the invoice's
 * `default_payment_method`, else its subscription's, else the customer's `invoice_settings.default_payment_method`.
 * Undefined when there is none. A named method must belong to the invoice's customer (or to nobody).
 */
export function paymentMethodToCharge(
  store: Store,
  invoice: Stripe.Invoice,
  customerId: string,
  explicit: string | undefined,
): Stripe.PaymentMethod | undefined {
  if (explicit !== undefined) {
    const pm = usePaymentMethod(store, explicit, 'payment_method');
    const owner = paymentMethodCustomer(pm);
    if (owner !== null && owner !== customerId) {
      throw invalidParam(
        'payment_method',
        `The PaymentMethod ${pm.id} does not belong to the Customer ${customerId}. Please use a PaymentMethod that ` +
          'belongs to the customer associated with the invoice.',
      );
    }
    return pm;
  }
  const customer = store.customers.get(customerId);
  const id =
    idOf(invoice.default_payment_method) ??
    subscriptionDefault(store, invoice) ??
    idOf(customer?.invoice_settings.default_payment_method);
  if (id === null) return undefined;
  const pm = store.paymentMethods.get(id);
  return pm !== undefined && paymentMethodCustomer(pm) === customerId ? pm : undefined;
}

/** The invoice's default payment (its PaymentIntent), made on the first attempt. */
function defaultPayment(store: Store, invoice: Stripe.Invoice): Stripe.InvoicePayment {
  const list = payments.get(invoice) ?? [];
  payments.set(invoice, list);
  let payment = list.find((p) => p.is_default);
  if (payment === undefined) {
    payment = {
      id: store.ids.id('inpay', 24),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: invoice.amount_remaining,
      created: store.nowSeconds(),
      currency: invoice.currency,
      invoice: invoice.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: store.ids.id('pi', 24) },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    };
    list.unshift(payment);
  }
  payment.amount_requested = invoice.amount_remaining;
  return payment;
}

/** Counts an attempt and schedules the next automatic one on the account's retry schedule (`store.dunning`). */
export function recordAttempt(store: Store, invoice: Stripe.Invoice, failed: boolean): void {
  invoice.attempted = true;
  invoice.attempt_count += 1;
  if (!failed) return;
  const automatic = invoice.collection_method === 'charge_automatically' && invoice.auto_advance === true;
  const delay = store.dunning.retryDays[invoice.attempt_count - 1];
  invoice.next_payment_attempt = automatic && delay !== undefined ? store.nowSeconds() + delay * DAY : null;
}

/**
 * One charge of `pm` for what `invoice` still owes. A decline records the failed attempt and throws the card
 * error (with the charge and payment method Stripe names); success records the payment as paid. The caller marks
 * the invoice paid.
 */
export function chargeInvoice(store: Store, invoice: Stripe.Invoice, pm: Stripe.PaymentMethod | undefined): void {
  if (pm === undefined) {
    recordAttempt(store, invoice, true);
    throw noPaymentMethod();
  }
  const payment = defaultPayment(store, invoice);
  const decline = chargeDecline(pm);
  const charge = store.ids.id('ch', 24);
  if (decline !== undefined) {
    recordAttempt(store, invoice, true);
    throw declineError(decline, { charge, payment_method: { ...pm } });
  }
  recordAttempt(store, invoice, false);
  const now = store.nowSeconds();
  payment.amount_paid = invoice.amount_remaining;
  payment.status = 'paid';
  payment.status_transitions = { ...payment.status_transitions, paid_at: now };
}

/** Refuses a `source` (the local Stripe keeps no legacy sources). */
export function checkSource(source: string | undefined): void {
  if (source !== undefined) throw resourceMissing('source', source, 'source');
}

/** `invoice.payments` for `expand[]=payments`: the stored invoice's payments, newest first. */
export function paymentsOf(invoice: Stripe.Invoice, ctx: RenderContext): Stripe.ApiList<Stripe.InvoicePayment> {
  const stored = ctx.store.invoices.get(invoice.id);
  const data = (stored === undefined ? undefined : payments.get(stored)) ?? [];
  return { object: 'list', data: data.map((p) => ({ ...p })), has_more: false, url: `/v1/invoice_payments?invoice=${invoice.id}` };
}
