/**
 * The card on file: the home screen shows the customer's default payment method (brand •••• last4, expiry), and
 * the `payment_method_update` feature's form replaces it. The form takes a test card number, expiry and CVC and
 * does what Stripe Elements and the portal do with them, as API calls: create a card payment method, attach it to
 * the customer (where a declining test card is refused), make it `invoice_settings.default_payment_method`, and
 * move the subscriptions that had a default of their own onto it.
 *
 * The card number is never rendered back, logged or kept beyond the payment method's brand / last4 / expiry.
 */
import type Stripe from 'stripe';
import type { FormObject } from '../../form.js';
import { html } from '../../pages.js';
import type { PageResponse } from '../../server.js';
import { field, postForm } from './forms.js';
import { errorSection, idOf } from './layout.js';
import { listSubscriptions } from './subscriptions.js';
import { attempt, screen, type Done, type Portal, type PortalRoute } from './session.js';

const BRANDS: Record<string, string> = {
  amex: 'American Express',
  diners: 'Diners Club',
  discover: 'Discover',
  eftpos_au: 'EFTPOS',
  jcb: 'JCB',
  link: 'Link',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

export function cardLabel(method: Stripe.PaymentMethod): string {
  const card = method.card;
  if (card === undefined || card === null) return method.type;
  const brand = BRANDS[card.brand] ?? card.brand;
  return `${brand} •••• ${card.last4}`;
}

function expiry(card: Stripe.PaymentMethod.Card): string {
  return `Expires ${String(card.exp_month).padStart(2, '0')}/${card.exp_year}`;
}

/** The customer's default payment method, expanded (the customer was retrieved with that expansion). */
function defaultMethod(customer: Stripe.Customer | undefined): Stripe.PaymentMethod | undefined {
  const value = customer?.invoice_settings.default_payment_method;
  return value !== null && value !== undefined && typeof value === 'object' ? value : undefined;
}

export function paymentMethodSection(portal: Portal, customer: Stripe.Customer | undefined): string {
  const method = defaultMethod(customer);
  const enabled = portal.features.payment_method_update.enabled && customer !== undefined;
  if (method === undefined && !enabled) return '';
  const shown =
    method === undefined
      ? '<p class="muted" id="no-payment-method">No payment method on file.</p>'
      : `<p id="default-card" data-payment-method="${html(method.id)}"><strong>${html(cardLabel(method))}</strong>` +
        (method.card ? ` <span class="muted" id="card-expiry">${html(expiry(method.card))}</span>` : '') +
        ` <span class="status">Default</span></p>`;
  const link = enabled
    ? `<div class="actions"><a id="update-payment-method" href="${html(portal.base)}/payment-method">` +
      `${method === undefined ? 'Add payment method' : 'Update payment method'}</a></div>`
    : '';
  return `<section id="payment-method"><h2>Payment method</h2>${shown}${link}</section>`;
}

export function cardScreen(portal: Portal, error?: string, status = 200): PageResponse {
  // The fields keep nothing the customer typed: a number must never travel back into HTML.
  const body =
    (error !== undefined ? errorSection(error) : '') +
    `<section id="card-form" data-step="payment_method_update"><h2>Add a card</h2>` +
    postForm(
      portal,
      '/payment-method',
      `<label for="card-number">Card number</label>` +
        `<input id="card-number" name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" required>` +
        `<div class="grid"><div><label for="card-expiry-input">Expiry (MM / YY)</label>` +
        `<input id="card-expiry-input" name="card_expiry" autocomplete="cc-exp" placeholder="MM / YY" required></div>` +
        `<div><label for="card-cvc">CVC</label>` +
        `<input id="card-cvc" name="card_cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" required></div></div>` +
        `<button type="submit" id="save-card">Save card</button>`,
      'autocomplete="off"',
    ) +
    `<p class="muted">Test mode: use a Stripe test card number, e.g. 4242 4242 4242 4242.</p>` +
    `<p><a href="${html(portal.base)}">Cancel</a></p></section>`;
  return screen(portal, 'Update payment method', body, status);
}

/** The card fields as the API takes them (`card[number]` …); a string when they cannot be read at all. */
function cardParams(form: FormObject): FormObject | string {
  const number = (field(form, 'card_number') ?? '').replaceAll(/[\s-]/g, '');
  const expiryText = (field(form, 'card_expiry') ?? '').replaceAll(/\s/g, '');
  const cvc = (field(form, 'card_cvc') ?? '').trim();
  if (number === '') return 'Enter your card number.';
  const match = /^(\d{1,2})\/?(\d{2}|\d{4})$/.exec(expiryText);
  if (match === null) return 'Enter the card’s expiry date as MM / YY.';
  const year = (match[2] as string).length === 2 ? `20${match[2]}` : (match[2] as string);
  return { number, exp_month: String(Number(match[1])), exp_year: year, ...(cvc !== '' ? { cvc } : {}) };
}

function replaceCard(portal: Portal): PageResponse | Done | undefined {
  const customer = portal.store.customers.get(portal.session.customer);
  if (customer === undefined) return undefined;
  const card = cardParams(portal.request.form);
  if (typeof card === 'string') return cardScreen(portal, card, 400);
  const result = attempt(() => {
    const method = portal.call<Stripe.PaymentMethod>('POST', '/v1/payment_methods', { type: 'card', card });
    portal.call('POST', `/v1/payment_methods/${method.id}/attach`, { customer: customer.id });
    portal.call('POST', `/v1/customers/${customer.id}`, { invoice_settings: { default_payment_method: method.id } });
    // A subscription with its own default (usually the card it was started with) would keep charging the old
    // card; the portal moves those onto the new one, as Stripe's does.
    for (const subscription of listSubscriptions(portal)) {
      if (idOf(subscription.default_payment_method) !== null) {
        portal.call('POST', `/v1/subscriptions/${subscription.id}`, { default_payment_method: method.id });
      }
    }
    return method;
  });
  if (!result.ok) return cardScreen(portal, result.message, result.status);
  return { notice: 'payment_method_updated' };
}

const enabled = (f: Stripe.BillingPortal.Configuration['features']) => f.payment_method_update.enabled;

export const paymentMethodRoutes: PortalRoute[] = [
  { method: 'GET', path: /^\/payment-method$/, feature: enabled, handle: (portal) => cardScreen(portal) },
  { method: 'POST', path: /^\/payment-method$/, feature: enabled, handle: replaceCard },
];

export const paymentMethodNotices = { payment_method_updated: 'Your payment method was updated.' };
