/**
 * `GET /v1/invoices?customer=…` as Stripe answers it: a customer the account never had is a 400 `resource_missing`
 * on `customer` (not an empty list), so that the invoice list alone tells whether a customer exists; a customer
 * with no invoices gets an empty list; a deleted customer's invoices remain and are listed.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.local.stop());

describe('invoices.list({ customer })', () => {
  it('refuses a customer that does not exist: 400 resource_missing on customer', async () => {
    const error = await stripeError(h.stripe.invoices.list({ customer: 'cus_missing' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect({
      status: error.statusCode,
      type: error.rawType,
      code: error.code,
      param: error.param,
      message: error.message,
    }).toEqual({
      status: 400,
      type: 'invalid_request_error',
      code: 'resource_missing',
      param: 'customer',
      message: "No such customer: 'cus_missing'",
    });
  });

  it('lists nothing for a customer without invoices', async () => {
    const customer = await h.stripe.customers.create({ name: 'No Invoices Yet' });
    const list = await h.stripe.invoices.list({ customer: customer.id });
    expect(list.data).toEqual([]);
    expect(list.has_more).toBe(false);
  });

  it('still lists the invoices of a deleted customer', async () => {
    const customer = await h.stripe.customers.create({ name: 'Soon Gone' });
    const invoice = await h.stripe.invoices.create({ customer: customer.id });
    await h.stripe.customers.del(customer.id);
    const list = await h.stripe.invoices.list({ customer: customer.id });
    expect(list.data.map((i) => i.id)).toEqual([invoice.id]);
  });
});
