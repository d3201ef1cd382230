/**
 * Payment methods through the real SDK: cards from Stripe's test tokens and test numbers (brand, last4, expiry,
 * funding, fingerprint — never the number or CVC, in responses or the request log), Stripe's card errors, attach and
 * detach (decline cards refused on attach, 0341 accepted), magic `pm_card_…` ids, update, the lists, and the
 * customer's `invoice_settings.default_payment_method` (attached only, expandable, cleared on detach).
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/local-stripe/index.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;
let stripe: Stripe;
const clock = manualClock(Date.UTC(2026, 10, 25, 12));

beforeAll(async () => {
  h = await startHarness({ clock });
  stripe = h.stripe;
});
afterAll(() => h.local.stop());

function card(number: string, extra: Partial<Stripe.PaymentMethodCreateParams.Card> = {}): Stripe.PaymentMethodCreateParams {
  return { type: 'card', card: { number, exp_month: 8, exp_year: 2030, cvc: number.length === 15 ? '1234' : '123', ...extra } };
}

async function newCustomer(params: Stripe.CustomerCreateParams = {}): Promise<Stripe.Customer> {
  return stripe.customers.create({ name: 'Card Holder', email: 'holder@example.com', ...params });
}

describe('creating card payment methods', () => {
  it('makes cards from Stripe’s test tokens, with Stripe’s card shape', async () => {
    const cases: Array<[string, string, string, string, string]> = [
      ['tok_visa', 'visa', '4242', 'credit', 'visa'],
      ['tok_visa_debit', 'visa', '5556', 'debit', 'visa'],
      ['tok_mastercard', 'mastercard', '4444', 'credit', 'mastercard'],
      ['tok_amex', 'amex', '0005', 'credit', 'american_express'],
    ];
    for (const [token, brand, last4, funding, displayBrand] of cases) {
      const pm: Stripe.PaymentMethod = await stripe.paymentMethods.create({ type: 'card', card: { token } });
      expect(pm.id, token).toMatch(/^pm_[A-Za-z0-9]{24}$/);
      expect(pm, token).toMatchObject({
        object: 'payment_method',
        type: 'card',
        customer: null,
        customer_account: null,
        livemode: false,
        metadata: {},
        allow_redisplay: 'unspecified',
        billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
        created: Math.floor(clock.now() / 1000),
      });
      expect(pm.card, token).toEqual({
        brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'unchecked' },
        country: 'US',
        display_brand: displayBrand,
        exp_month: 12,
        exp_year: 2027,
        fingerprint: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
        funding,
        generated_from: null,
        last4,
        networks: { available: [brand], preferred: null },
        regulated_status: 'unregulated',
        three_d_secure_usage: { supported: true },
        wallet: null,
      });
    }
  });

  it('makes cards from raw test numbers, with billing details and metadata, and never echoes the number or CVC', async () => {
    const pm = await stripe.paymentMethods.create({
      ...card('5555555555554444', { exp_month: 3, exp_year: 2031, cvc: '987' }),
      billing_details: { name: 'Ada Lovelace', email: 'ada@example.com', address: { line1: '1 St James Sq', postal_code: 'SW1Y', country: 'GB' } },
      metadata: { source: 'test' },
    });
    expect(pm.card).toMatchObject({
      brand: 'mastercard',
      last4: '4444',
      exp_month: 3,
      exp_year: 2031,
      funding: 'credit',
      checks: { address_line1_check: 'unchecked', address_postal_code_check: 'unchecked', cvc_check: 'unchecked' },
    });
    expect(pm.billing_details).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      phone: null,
      tax_id: null,
      address: { line1: '1 St James Sq', line2: null, city: null, state: null, postal_code: 'SW1Y', country: 'GB' },
    });
    expect(pm.metadata).toEqual({ source: 'test' });

    const again = await stripe.paymentMethods.create(card('5555555555554444'));
    const other = await stripe.paymentMethods.create(card('4242424242424242'));
    expect(again.card?.fingerprint).toBe(pm.card?.fingerprint);
    expect(other.card?.fingerprint).not.toBe(pm.card?.fingerprint);

    const everything = JSON.stringify([pm, again, other, await stripe.paymentMethods.retrieve(pm.id)]);
    expect(everything).not.toContain('5555555555554444');
    expect(everything).not.toContain('4242424242424242');
    expect(everything).not.toContain('987');
    // The request log masks them as Stripe's logs do: the last four digits, the CVC starred.
    const logged = JSON.stringify(h.local.requests);
    expect(logged).not.toContain('5555555555554444');
    expect(logged).not.toContain('"987"');
    const create = h.local.requests.find((r) => r.path === '/v1/payment_methods' && JSON.stringify(r.params).includes('2031'));
    expect(create?.params['card']).toEqual({ number: '************4444', exp_month: '3', exp_year: '2031', cvc: '***' });
    const fromControl = await (await fetch(`${h.local.url}/_local/requests`)).text();
    expect(fromControl).not.toContain('5555555555554444');
  });

  it('answers Stripe’s card errors for bad numbers, expiry and CVC, and its errors for tokens and missing fields', async () => {
    const cases: Array<[Stripe.PaymentMethodCreateParams, { code: string; param?: string; message: string; decline_code?: string }]> = [
      [card('4242424242424241'), { code: 'incorrect_number', param: 'number', message: 'Your card number is incorrect.' }],
      [card('42424242'), { code: 'incorrect_number', param: 'number', message: 'Your card number is incorrect.' }],
      [
        card('4111111111111111'),
        { code: 'card_declined', decline_code: 'test_mode_live_card', message: expect.stringContaining('non test (live) card') as unknown as string },
      ],
      [card('4242424242424242', { exp_month: 13 }), { code: 'invalid_expiry_month', param: 'exp_month', message: "Your card's expiration month is invalid." }],
      [card('4242424242424242', { exp_year: 2025 }), { code: 'invalid_expiry_year', param: 'exp_year', message: "Your card's expiration year is invalid." }],
      [card('4242424242424242', { exp_month: 10, exp_year: 2026 }), { code: 'invalid_expiry_month', param: 'exp_month', message: "Your card's expiration month is invalid." }],
      [card('4242424242424242', { cvc: '12' }), { code: 'invalid_cvc', param: 'cvc', message: "Your card's security code is invalid." }],
      [card('378282246310005', { cvc: '123' }), { code: 'invalid_cvc', param: 'cvc', message: "Your card's security code is invalid." }],
    ];
    for (const [params, expected] of cases) {
      const error = await stripeError(stripe.paymentMethods.create(params));
      expect(error.type, JSON.stringify(expected)).toBe('StripeCardError');
      expect(error.statusCode).toBe(402);
      expect(error).toMatchObject(expected);
      expect(JSON.stringify(error.raw)).not.toContain(params.card && 'number' in params.card ? String(params.card.number) : '#');
    }
    expect(await stripeError(stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_nope' } }))).toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      message: "No such token: 'tok_nope'",
      param: 'card[token]',
    });
    expect(await stripeError(stripe.paymentMethods.create({ card: { token: 'tok_visa' } }))).toMatchObject({
      code: 'parameter_missing',
      param: 'type',
    });
    expect(await stripeError(stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_year: 2030 } }))).toMatchObject({
      code: 'parameter_missing',
      message: 'Missing required param: card[exp_month].',
    });
  });
});

describe('attaching, detaching, updating and listing', () => {
  it('attaches to a customer (checks pass), lists it for the customer, and detaches it for good', async () => {
    const customer = await newCustomer();
    const created = await stripe.paymentMethods.create(card('4242424242424242'));
    const attached = await stripe.paymentMethods.attach(created.id, { customer: customer.id });
    expect(attached.customer).toBe(customer.id);
    expect(attached.card?.checks?.cvc_check).toBe('pass');
    const second = await stripe.paymentMethods.attach('pm_card_amex', { customer: customer.id });
    expect(second.id).toMatch(/^pm_[A-Za-z0-9]{24}$/);
    expect(second).toMatchObject({ customer: customer.id, card: { brand: 'amex', last4: '0005' } });

    const listed = await stripe.customers.listPaymentMethods(customer.id);
    expect(listed.data.map((pm) => pm.id)).toEqual([second.id, attached.id]);
    expect(listed.url).toBe(`/v1/customers/${customer.id}/payment_methods`);
    expect((await stripe.customers.listPaymentMethods(customer.id, { type: 'card', limit: 1 })).has_more).toBe(true);
    expect((await stripe.paymentMethods.list({ customer: customer.id })).data.map((pm) => pm.id)).toEqual([second.id, attached.id]);
    expect((await stripe.paymentMethods.list({ customer: customer.id, type: 'sepa_debit' })).data).toEqual([]);
    expect((await stripe.customers.retrievePaymentMethod(customer.id, attached.id)).id).toBe(attached.id);
    const stranger = await newCustomer();
    expect(await stripeError(stripe.customers.retrievePaymentMethod(stranger.id, attached.id))).toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      message: `No such PaymentMethod: '${attached.id}'`,
    });
    const expanded = await stripe.paymentMethods.retrieve(attached.id, { expand: ['customer'] });
    expect((expanded.customer as Stripe.Customer).email).toBe('holder@example.com');

    expect(await stripeError(stripe.paymentMethods.attach(attached.id, { customer: stranger.id }))).toMatchObject({
      statusCode: 400,
      message: 'The payment method you provided has already been attached to a customer.',
    });
    const detached = await stripe.paymentMethods.detach(attached.id);
    expect(detached.customer).toBeNull();
    expect((await stripe.customers.listPaymentMethods(customer.id)).data.map((pm) => pm.id)).toEqual([second.id]);
    expect(await stripeError(stripe.paymentMethods.attach(attached.id, { customer: customer.id }))).toMatchObject({
      message: expect.stringContaining('was detached from a Customer, and may not be used again') as unknown as string,
    });
    expect(await stripeError(stripe.paymentMethods.detach(attached.id))).toMatchObject({
      message: 'The payment method you provided is not attached to a customer so detachment is impossible.',
    });
    expect(await stripeError(stripe.paymentMethods.attach(second.id, {}))).toMatchObject({ code: 'parameter_missing', param: 'customer' });
    expect(await stripeError(stripe.paymentMethods.attach(second.id, { customer: 'cus_missing' }))).toMatchObject({
      code: 'resource_missing',
      param: 'customer',
    });
    expect(await stripeError(stripe.paymentMethods.retrieve('pm_missing'))).toMatchObject({
      statusCode: 404,
      message: "No such PaymentMethod: 'pm_missing'",
    });
  });

  it('refuses decline cards on attach with their card error, and attaches 4000 0000 0000 0341', async () => {
    const customer = await newCustomer();
    const cases: Array<[string, { code: string; decline_code: string }]> = [
      ['pm_card_visa_chargeDeclined', { code: 'card_declined', decline_code: 'generic_decline' }],
      ['pm_card_chargeDeclined', { code: 'card_declined', decline_code: 'generic_decline' }],
      ['pm_card_visa_chargeDeclinedInsufficientFunds', { code: 'card_declined', decline_code: 'insufficient_funds' }],
      ['pm_card_chargeDeclinedExpiredCard', { code: 'expired_card', decline_code: 'expired_card' }],
    ];
    for (const [id, expected] of cases) {
      const error = await stripeError(stripe.paymentMethods.attach(id, { customer: customer.id }));
      expect(error, id).toMatchObject({ type: 'StripeCardError', statusCode: 402, ...expected });
    }
    const fromNumber = await stripe.paymentMethods.create(card('4000000000009995'));
    expect(await stripeError(stripe.paymentMethods.attach(fromNumber.id, { customer: customer.id }))).toMatchObject({
      decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    });
    const failing = await stripe.paymentMethods.create(card('4000000000000341'));
    expect((await stripe.paymentMethods.attach(failing.id, { customer: customer.id })).customer).toBe(customer.id);
    expect((await stripe.customers.listPaymentMethods(customer.id)).data.map((pm) => pm.id)).toEqual([failing.id]);
  });

  it('updates billing details, metadata and expiry of an attached card only', async () => {
    const customer = await newCustomer();
    const pm = await stripe.paymentMethods.create(card('4242424242424242'));
    expect(await stripeError(stripe.paymentMethods.update(pm.id, { metadata: { a: 'b' } }))).toMatchObject({
      message: 'You must save this PaymentMethod to a customer before you can update it.',
    });
    await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
    const updated = await stripe.paymentMethods.update(pm.id, {
      billing_details: { name: 'New Name', address: { city: 'Paris' } },
      metadata: { a: 'b' },
      card: { exp_month: 2, exp_year: 2032 },
    });
    expect(updated).toMatchObject({
      billing_details: { name: 'New Name', address: { city: 'Paris', country: null } },
      metadata: { a: 'b' },
      card: { exp_month: 2, exp_year: 2032, last4: '4242' },
    });
    expect(await stripeError(stripe.paymentMethods.update(pm.id, { card: { exp_year: 2020 } }))).toMatchObject({
      code: 'invalid_expiry_year',
    });
    const cleared = await stripe.paymentMethods.update(pm.id, { billing_details: { name: '' }, metadata: '' });
    expect([cleared.billing_details.name, cleared.metadata]).toEqual([null, {}]);
  });
});

describe('the customer’s default payment method', () => {
  it('must be attached to the customer, expands, and is cleared when detached', async () => {
    const customer = await newCustomer();
    const pm = await stripe.paymentMethods.create(card('4242424242424242'));
    expect(await stripeError(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } }))).toMatchObject({
      statusCode: 400,
      code: 'resource_missing',
      param: 'invoice_settings[default_payment_method]',
      message: `The customer does not have a payment method with the ID ${pm.id}. The payment method must be attached to the customer.`,
    });
    expect(await stripeError(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_missing' } }))).toMatchObject({
      code: 'resource_missing',
      message: "No such PaymentMethod: 'pm_missing'",
    });
    await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
    const updated = await stripe.customers.update(customer.id, {
      invoice_settings: { default_payment_method: pm.id },
      expand: ['invoice_settings.default_payment_method'],
    });
    const expanded = updated.invoice_settings.default_payment_method as Stripe.PaymentMethod;
    expect(expanded).toMatchObject({ id: pm.id, object: 'payment_method', card: { last4: '4242' } });
    const plain = await stripe.customers.retrieve(customer.id);
    expect(plain.deleted ? null : plain.invoice_settings.default_payment_method).toBe(pm.id);

    await stripe.paymentMethods.detach(pm.id);
    const after = await stripe.customers.retrieve(customer.id);
    expect(after.deleted ? 'deleted' : after.invoice_settings.default_payment_method).toBeNull();
  });

  it('attaches a payment_method given on create, and makes it the default when named so', async () => {
    const withDefault = await newCustomer({
      payment_method: 'pm_card_mastercard',
      invoice_settings: { default_payment_method: 'pm_card_mastercard' },
      expand: ['invoice_settings.default_payment_method'],
    });
    const pm = withDefault.invoice_settings.default_payment_method as Stripe.PaymentMethod;
    expect(pm).toMatchObject({ customer: withDefault.id, card: { brand: 'mastercard', last4: '4444' } });
    expect(pm.id).toMatch(/^pm_[A-Za-z0-9]{24}$/);

    const attachedOnly = await newCustomer({ payment_method: 'pm_card_visa' });
    expect(attachedOnly.invoice_settings.default_payment_method).toBeNull();
    expect((await stripe.customers.listPaymentMethods(attachedOnly.id)).data).toHaveLength(1);

    const before = (await stripe.customers.list({ limit: 100 })).data.length;
    expect(await stripeError(newCustomer({ payment_method: 'pm_card_chargeDeclined' }))).toMatchObject({ code: 'card_declined' });
    const other = await stripe.paymentMethods.create(card('4242424242424242'));
    expect(await stripeError(newCustomer({ invoice_settings: { default_payment_method: other.id } }))).toMatchObject({
      param: 'invoice_settings[default_payment_method]',
    });
    // A refused create created no customer.
    expect((await stripe.customers.list({ limit: 100 })).data.length).toBe(before);
  });
});
