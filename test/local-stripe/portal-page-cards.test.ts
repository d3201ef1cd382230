/**
 * The hosted portal page replacing the card on file, over real HTTP: a test card number posted as the form sends
 * it becomes a payment method attached to the customer and set as its (and its subscriptions') default; a card
 * that declines changes nothing, and no page ever shows the number. Also the `payment_method_update` flow.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/local-stripe.js';
import { PortalVisit, textOf } from '../support/portal-page.js';

let h: Harness;
let config: Stripe.BillingPortal.Configuration;

beforeAll(async () => {
  h = await startHarness();
  config = await h.stripe.billingPortal.configurations.create({
    features: { payment_method_update: { enabled: true }, invoice_history: { enabled: true } },
  });
});
afterAll(() => h.local.stop());

const YEAR = new Date().getUTCFullYear() + 3;

async function cardholder(): Promise<{ customer: Stripe.Customer; card: Stripe.PaymentMethod }> {
  const customer = await h.stripe.customers.create({ name: 'Katherine Johnson', email: 'katherine@example.com' });
  const card = await h.stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
  await h.stripe.paymentMethods.attach(card.id, { customer: customer.id });
  await h.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
  return { customer, card };
}

async function visit(customer: string, flow?: Stripe.BillingPortal.SessionCreateParams.FlowData): Promise<PortalVisit> {
  const session = await h.stripe.billingPortal.sessions.create({
    customer,
    configuration: config.id,
    return_url: 'https://app.acme.test/account',
    ...(flow !== undefined ? { flow_data: flow } : {}),
  });
  return new PortalVisit(session.url);
}

async function defaultCard(customer: string): Promise<Stripe.PaymentMethod> {
  const retrieved = (await h.stripe.customers.retrieve(customer, { expand: ['invoice_settings.default_payment_method'] })) as Stripe.Customer;
  const method = retrieved.invoice_settings.default_payment_method;
  if (method === null || typeof method === 'string') throw new Error('expected an expanded default payment method');
  return method;
}

describe('the card on file', () => {
  it('shows the default card, and replaces it with a new one that becomes the customer’s and the subscription’s default', async () => {
    const { customer, card } = await cardholder();
    const product = await h.stripe.products.create({ name: 'Pro' });
    const price = await h.stripe.prices.create({ product: product.id, unit_amount: 2500, currency: 'usd', recurring: { interval: 'month' } });
    const subscription = await h.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: card.id });

    const portal = await visit(customer.id);
    const home = await portal.open();
    expect(textOf(home.body, 'default-card')).toMatch(new RegExp(`^Visa •••• 4242 Expires \\d\\d/\\d{4} Default$`));
    expect(home.body).toContain('id="update-payment-method"');

    const form = await portal.open('/payment-method');
    expect(form.body).toContain('autocomplete="cc-number"');
    const after = await portal.act(
      '/payment-method',
      { card_number: '5555 5555 5555 4444', card_expiry: `08 / ${String(YEAR).slice(2)}`, card_cvc: '123' },
      'payment_method_updated',
    );
    expect(after.body).not.toContain('5555555555554444');
    expect(after.body).not.toContain('5555 5555 5555 4444');

    const replaced = await defaultCard(customer.id);
    expect(replaced.id).not.toBe(card.id);
    expect(replaced.card).toMatchObject({ brand: 'mastercard', last4: '4444', exp_month: 8, exp_year: YEAR });
    expect(replaced.customer).toBe(customer.id);
    expect(textOf(after.body, 'default-card')).toBe(`Mastercard •••• 4444 Expires 08/${YEAR} Default`);
    expect((await h.stripe.subscriptions.retrieve(subscription.id)).default_payment_method).toBe(replaced.id);
  });

  it('shows a declined card’s error on the form and changes nothing; never echoes the number', async () => {
    const { customer, card } = await cardholder();
    const portal = await visit(customer.id);
    await portal.open('/payment-method');
    const declined = await portal.post('/payment-method', { card_number: '4000000000000002', card_expiry: `12/${YEAR}`, card_cvc: '123' });
    expect(declined.status).toBe(402);
    expect(textOf(declined.body, 'error')).toBe('Your card was declined.');
    expect(declined.body).not.toContain('4000000000000002');
    expect((await defaultCard(customer.id)).id).toBe(card.id);
    const attached = await h.stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(attached.data.map((m) => m.id)).toEqual([card.id]);

    const unreadable = await portal.post('/payment-method', { card_number: '4242424242424242', card_expiry: 'soon' });
    expect(unreadable.status).toBe(400);
    expect(textOf(unreadable.body, 'error')).toBe('Enter the card’s expiry date as MM / YY.');
    expect(unreadable.body).not.toContain('4242424242424242');
  });

  it('the payment_method_update flow opens on the card form and returns home when done', async () => {
    const { customer } = await cardholder();
    const portal = await visit(customer.id, { type: 'payment_method_update' });
    const step = await portal.open();
    expect(step.body).toContain('data-flow="payment_method_update"');
    expect(step.body).toContain('data-step="payment_method_update"');
    const done = await portal.post('/payment-method', { card_number: '378282246310005', card_expiry: `01/${YEAR}`, card_cvc: '1234' });
    expect([done.status, done.location]).toEqual([303, `${portal.url}?notice=payment_method_updated`]);
    expect((await defaultCard(customer.id)).card).toMatchObject({ brand: 'amex', last4: '0005' });
  });
});
