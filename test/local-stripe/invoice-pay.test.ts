/**
 * `invoices.pay` charging cards, through the real SDK: the customer's default, an explicit `payment_method` (a
 * magic id too); no payment method (Stripe's error, the attempt counted); a decline
 * (`card_error` with `decline_code`, the invoice left open with `attempted`, `attempt_count` and the next automatic
 * attempt); a later success; and the invoice's `payments` list as the 2026 API shows it.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/local-stripe/index.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;
let stripe: Stripe;
const clock = manualClock(Date.UTC(2026, 10, 25, 12));
const DAY = 86_400;

beforeAll(async () => {
  h = await startHarness({ clock });
  stripe = h.stripe;
});
afterAll(() => h.local.stop());

function now(): number {
  return Math.floor(clock.now() / 1000);
}

/** A customer whose default card is `magic` (`pm_card_visa`, …), or none. */
async function customer(magic?: string): Promise<Stripe.Customer> {
  return stripe.customers.create({
    name: 'Payer',
    ...(magic !== undefined ? { payment_method: magic, invoice_settings: { default_payment_method: magic } } : {}),
  });
}

async function openInvoice(customerId: string, amount: number, params: Partial<Stripe.InvoiceCreateParams> = {}): Promise<Stripe.Invoice> {
  const invoice = await stripe.invoices.create({ customer: customerId, ...params });
  await stripe.invoiceItems.create({ customer: customerId, invoice: invoice.id, amount, description: 'Service' });
  return stripe.invoices.finalizeInvoice(invoice.id);
}

function defaultCard(c: Stripe.Customer): string {
  const pm = c.invoice_settings.default_payment_method;
  if (typeof pm !== 'string') throw new Error('customer has no default card');
  return pm;
}

describe('paying an invoice with a card', () => {
  it('charges the customer’s default card and records the payment', async () => {
    const c = await customer('pm_card_visa');
    const open = await openInvoice(c.id, 2500);
    clock.advance(60_000);
    const paid = await stripe.invoices.pay(open.id, { expand: ['payments'] });
    expect(paid).toMatchObject({
      status: 'paid',
      amount_paid: 2500,
      amount_remaining: 0,
      attempted: true,
      attempt_count: 1,
      next_payment_attempt: null,
      status_transitions: { paid_at: now() },
    });
    const payments = paid.payments?.data ?? [];
    expect(payments).toHaveLength(1);
    const payment: Stripe.InvoicePayment | undefined = payments[0];
    expect(payment).toMatchObject({
      object: 'invoice_payment',
      amount_paid: 2500,
      amount_requested: 2500,
      currency: 'usd',
      invoice: open.id,
      is_default: true,
      livemode: false,
      status: 'paid',
      payment: { type: 'payment_intent', payment_intent: expect.stringMatching(/^pi_/) as unknown as string },
      status_transitions: { canceled_at: null, paid_at: now() },
    });
    expect(payment?.id).toMatch(/^inpay_[A-Za-z0-9]{24}$/);
    // `payments` is shown only when expanded.
    expect('payments' in (await stripe.invoices.retrieve(open.id))).toBe(false);
  });

  it('charges an explicit payment_method of the customer, or a magic test id, instead of the default', async () => {
    const c = await customer('pm_card_chargeCustomerFail');
    const good = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: c.id });
    const first = await openInvoice(c.id, 1000);
    expect((await stripe.invoices.pay(first.id, { payment_method: good.id })).status).toBe('paid');
    const second = await openInvoice(c.id, 1000);
    expect((await stripe.invoices.pay(second.id, { payment_method: 'pm_card_visa' })).status).toBe('paid');

    const stranger = await customer('pm_card_visa');
    const third = await openInvoice(c.id, 1000);
    const error = await stripeError(stripe.invoices.pay(third.id, { payment_method: defaultCard(stranger) }));
    expect(error).toMatchObject({ statusCode: 400, param: 'payment_method' });
    expect(await stripeError(stripe.invoices.pay(third.id, { payment_method: 'pm_missing' }))).toMatchObject({
      code: 'resource_missing',
      param: 'payment_method',
    });
  });

  it('fails as Stripe does when there is no payment method, counting the attempt; out-of-band payment still works', async () => {
    const c = await customer();
    await stripe.paymentMethods.attach('pm_card_visa', { customer: c.id }); // attached, but not the default
    const open = await openInvoice(c.id, 1800);
    const error = await stripeError(stripe.invoices.pay(open.id));
    expect(error).toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      code: 'resource_missing',
      message:
        'This customer has no attached payment source or default payment method. Please consider adding a default ' +
        'payment method. For more information, visit ' +
        'https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
    });
    expect(await stripe.invoices.retrieve(open.id)).toMatchObject({ status: 'open', attempted: true, attempt_count: 1, amount_paid: 0 });
    const outOfBand = await stripe.invoices.pay(open.id, { paid_out_of_band: true });
    expect(outOfBand).toMatchObject({ status: 'paid', attempt_count: 1, amount_paid: 1800 });
  });

  it('leaves a declined invoice open with the attempt counted and the next attempt scheduled, then pays with a new card', async () => {
    const c = await customer('pm_card_chargeCustomerFail');
    const open = await openInvoice(c.id, 4200, { auto_advance: true });
    const error = await stripeError(stripe.invoices.pay(open.id));
    expect(error).toMatchObject({
      type: 'StripeCardError',
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    });
    expect(error.raw).toMatchObject({
      charge: expect.stringMatching(/^ch_/) as unknown as string,
      payment_method: { id: defaultCard(c), card: { last4: '0341' } },
    });
    const afterFirst = await stripe.invoices.retrieve(open.id, { expand: ['payments'] });
    expect(afterFirst).toMatchObject({
      status: 'open',
      attempted: true,
      attempt_count: 1,
      amount_paid: 0,
      amount_remaining: 4200,
      next_payment_attempt: now() + 3 * DAY,
      status_transitions: { paid_at: null },
    });
    expect(afterFirst.payments?.data.map((p) => [p.status, p.amount_paid])).toEqual([['open', null]]);

    clock.advance(3 * DAY * 1000);
    await stripeError(stripe.invoices.pay(open.id));
    expect(await stripe.invoices.retrieve(open.id)).toMatchObject({ attempt_count: 2, next_payment_attempt: now() + 5 * DAY });

    const replacement = await stripe.paymentMethods.attach('pm_card_visa', { customer: c.id });
    await stripe.customers.update(c.id, { invoice_settings: { default_payment_method: replacement.id } });
    const paid = await stripe.invoices.pay(open.id, { expand: ['payments'] });
    expect(paid).toMatchObject({ status: 'paid', attempt_count: 3, amount_paid: 4200, next_payment_attempt: null });
    // One default payment for the invoice, retried until it succeeded.
    expect(paid.payments?.data.map((p) => [p.status, p.amount_paid, p.payment.payment_intent])).toEqual([
      ['paid', 4200, afterFirst.payments?.data[0]?.payment.payment_intent],
    ]);
  });

  it('stops scheduling automatic attempts after the retry schedule, and schedules none for manual invoices', async () => {
    const c = await customer('pm_card_chargeCustomerFail');
    const automatic = await openInvoice(c.id, 900, { auto_advance: true });
    const schedule: Array<number | null> = [];
    for (let i = 0; i < 4; i++) {
      await stripeError(stripe.invoices.pay(automatic.id));
      const next = (await stripe.invoices.retrieve(automatic.id)).next_payment_attempt;
      schedule.push(next === null ? null : (next - now()) / DAY);
    }
    expect(schedule).toEqual([3, 5, 7, null]);

    const manual = await openInvoice(c.id, 900, { auto_advance: false });
    await stripeError(stripe.invoices.pay(manual.id));
    expect(await stripe.invoices.retrieve(manual.id)).toMatchObject({ status: 'open', attempt_count: 1, next_payment_attempt: null });
  });
});
