/**
 * The hosted invoice page's Pay button: an open invoice shows the card Stripe would charge (brand •••• last4) and a
 * form that POSTs to `/i/<secret>/pay`. The POST is dispatched to `POST /v1/invoices/:id/pay` (the API's own route,
 * so `payInvoice` decides what is charged and what a decline records); a decline or a missing card is shown on the
 * page, in Stripe's words, and the invoice stays open.
 *
 * Cross-site posts are refused: a browser's POST carries `Origin`, which must be this server's; the form also
 * carries the page's secret, which must match the URL's (a page can only pay the invoice it shows).
 */
import type Stripe from 'stripe';
import { StripeApiError } from '../errors.js';
import { html } from '../pages.js';
import { paymentMethodToCharge } from '../resources/invoice-payments.js';
import { customerIdOf } from '../resources/invoice-shape.js';
import type { PageRequest } from '../server.js';
import type { Store } from '../store.js';

const BRANDS: Readonly<Record<string, string>> = {
  amex: 'American Express',
  diners: 'Diners Club',
  discover: 'Discover',
  jcb: 'JCB',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

/** What the page says after a POST: a card error or a refusal, shown above the button. */
export interface PayNotice {
  status: number;
  message: string;
}

/** "Visa •••• 4242" */
export function cardLabel(pm: Stripe.PaymentMethod): string {
  const card = pm.card;
  if (card === undefined) return pm.type;
  return `${BRANDS[card.brand] ?? 'Card'} •••• ${card.last4}`;
}

function payable(invoice: Stripe.Invoice): boolean {
  return (invoice.status === 'open' || invoice.status === 'uncollectible') && invoice.amount_remaining > 0;
}

/** The payment section of an invoice's page; empty when there is nothing to pay. */
export function paySection(store: Store, invoice: Stripe.Invoice, secret: string, notice?: PayNotice): string {
  if (!payable(invoice)) return '';
  const pm = paymentMethodToCharge(store, invoice, customerIdOf(invoice), undefined);
  const alert = notice === undefined ? '' : `<p id="pay-error" class="alert" role="alert">${html(notice.message)}</p>`;
  if (pm === undefined) {
    return (
      `<section id="pay"><h2>Payment</h2>${alert}` +
      '<p id="no-card" class="muted">There is no card on file to pay this invoice with. ' +
      'Contact the business that sent it to add one.</p></section>'
    );
  }
  return (
    `<section id="pay"><h2>Payment</h2>${alert}` +
    `<p>Pay with <strong id="card">${html(cardLabel(pm))}</strong></p>` +
    `<form method="post" action="/i/${html(secret)}/pay">` +
    `<input type="hidden" name="secret" value="${html(secret)}">` +
    `<button type="submit" id="pay-button">Pay</button></form></section>`
  );
}

/**
 * Handles the Pay form's POST: refused cross-site or with a stale secret; otherwise `POST /v1/invoices/:id/pay`
 * through the API's route. Returns undefined when the invoice was paid (the page redirects to itself), else what
 * to tell the customer.
 */
export function payFromPage(
  request: PageRequest,
  store: Store,
  invoice: Stripe.Invoice,
  secret: string,
  baseUrl: string,
): PayNotice | undefined {
  if (request.origin !== undefined && request.origin !== baseUrl) {
    return { status: 403, message: 'This payment form was sent from another site and was not processed.' };
  }
  if (request.form['secret'] !== secret) {
    return { status: 400, message: 'This payment form has expired. Reload the page and try again.' };
  }
  if (!payable(invoice)) return { status: 409, message: 'This invoice has nothing left to pay.' };
  try {
    request.dispatch(store, 'POST', `/v1/invoices/${invoice.id}/pay`, {});
    return undefined;
  } catch (error) {
    if (!(error instanceof StripeApiError)) throw error;
    return { status: error.status, message: error.body.message };
  }
}
