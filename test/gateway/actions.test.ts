/**
 * The admin actions end to end (`cancelSubscription`, `resumeSubscription`, `finalizeInvoice`, `payInvoice`,
 * `voidInvoice`, `markInvoiceUncollectible`, `sendInvoice`) through the real SDK against the local Stripe: the
 * GraphQL answer, the state Stripe is left in, and exactly the requests made — one for an admin; for a customer the
 * operator allowed (`CUSTOMER_ACTIONS`), a retrieve to check the object is its own, then the action.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_ACTIONS } from '../../src/auth/actions.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { startGateway, type GatewayHarness } from '../support/gateway.js';
import { dataOf, expectError, run } from '../support/graphql.js';

let h: GatewayHarness;
/** A gateway whose operator allows customers every action (on their own objects). */
let open: GatewayHarness;
let stripe: Stripe;

const client = (g: GatewayHarness) => new Stripe(g.local.secretKey, { ...g.local.stripeConfig, maxNetworkRetries: 0, telemetry: false });

beforeAll(async () => {
  h = await startGateway({}, { gateway: { limits: { maxDepth: 12 } } });
  open = await startGateway({}, { customerActions: CUSTOMER_ACTIONS, gateway: { limits: { maxDepth: 12 } } });
  stripe = client(h);
});
afterAll(async () => {
  await h.stop();
  await open.stop();
});

/** A new subscription (invoiced by email, so nothing is charged) for a new customer of `g`'s local Stripe. */
async function subscriber(g: GatewayHarness, name: string): Promise<{ customer: string; subscription: string }> {
  const sdk = client(g);
  const customer = await sdk.customers.create({ name });
  const sub = await sdk.subscriptions.create({ customer: customer.id, items: [{ price: 'price_NwBasicMonthly000001' }], collection_method: 'send_invoice', days_until_due: 30 });
  return { customer: customer.id, subscription: sub.id };
}

/** A draft invoice of `customer` with one item. */
async function draft(g: GatewayHarness, customer: string, collection: 'send_invoice' | 'charge_automatically' = 'send_invoice'): Promise<string> {
  const sdk = client(g);
  const invoice = await sdk.invoices.create({ customer, currency: 'usd', auto_advance: false, collection_method: collection, ...(collection === 'send_invoice' ? { days_until_due: 14 } : {}) });
  await sdk.invoiceItems.create({ customer, invoice: invoice.id, amount: 2500, currency: 'usd', description: 'Action test' });
  return invoice.id;
}

const CANCEL = `mutation($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) {
  ... on CancelSubscriptionPayload { subscription { id status cancelAtPeriodEnd canceledAt cancellationDetails { feedback comment } customer { name } } } } }`;
const RESUME = `mutation($input: ResumeSubscriptionInput!) { resumeSubscription(input: $input) {
  ... on ResumeSubscriptionPayload { subscription { id status cancelAtPeriodEnd cancelAt } } } }`;
const invoiceAction = (name: string, type: string) => `mutation($input: ${type}Input!) { ${name}(input: $input) {
  ... on ${type}Payload { invoice { id status number amountRemaining { amount } customer { id } } } } }`;

describe('cancelSubscription and resumeSubscription (admin)', () => {
  it('cancels at period end with the customer’s feedback (one update), then resumes (a retrieve and an update)', async () => {
    const { customer, subscription } = await subscriber(h, 'Cancels Later Ltd');
    const cancel = await run(h, CANCEL, { input: { subscriptionId: subscription, atPeriodEnd: true, feedback: 'TOO_EXPENSIVE', comment: 'Over budget' } });
    expect(dataOf(cancel.res).cancelSubscription.subscription).toEqual({
      id: subscription,
      status: 'ACTIVE',
      cancelAtPeriodEnd: true,
      canceledAt: expect.any(String),
      cancellationDetails: { feedback: 'TOO_EXPENSIVE', comment: 'Over budget' },
      customer: { name: 'Cancels Later Ltd' },
    });
    expect(cancel.described).toEqual([`POST /v1/subscriptions/${subscription}?cancel_at_period_end=true expand=customer`]);
    expect(cancel.calls[0]!.params['cancellation_details']).toEqual({ feedback: 'too_expensive', comment: 'Over budget' });
    expect(h.local.store.subscriptions.get(subscription)!.cancel_at_period_end).toBe(true);

    const resume = await run(h, RESUME, { input: { subscriptionId: subscription } });
    expect(dataOf(resume.res).resumeSubscription.subscription).toEqual({ id: subscription, status: 'ACTIVE', cancelAtPeriodEnd: false, cancelAt: null });
    expect(resume.described).toEqual([`GET /v1/subscriptions/${subscription}`, `POST /v1/subscriptions/${subscription}?cancel_at_period_end=false`]);
    expect(resume.res.extensions?.['stripe']).toMatchObject({ estimatedCalls: 2, calls: 2 });
    expect(customer).toMatch(/^cus_/);
  });

  it('cancels now (DELETE), and refuses to resume what has ended', async () => {
    const { subscription } = await subscriber(h, 'Cancels Now Ltd');
    const cancel = await run(h, CANCEL, { input: { subscriptionId: subscription, invoiceNow: false, prorate: false } });
    expect(dataOf(cancel.res).cancelSubscription.subscription).toMatchObject({ id: subscription, status: 'CANCELED', cancelAtPeriodEnd: false });
    expect(cancel.described).toEqual([`DELETE /v1/subscriptions/${subscription}?invoice_now=false&prorate=false expand=customer`]);
    expect(cancel.res.extensions?.['stripe']).toMatchObject({ estimatedCalls: 1, calls: 1 });
    const again = await expectError(h, 'BAD_USER_INPUT', RESUME, { input: { subscriptionId: subscription } });
    expect(again.described).toEqual([`GET /v1/subscriptions/${subscription}`]);
    expect(again.res.errors![0]!.extensions?.['field']).toBe('subscriptionId');
  });

  it('an idempotency key makes one change however often it is sent, with the same answer', async () => {
    const { subscription } = await subscriber(h, 'Retries A Lot Ltd');
    const input = { subscriptionId: subscription, atPeriodEnd: true, idempotencyKey: 'cancel-click-1' };
    const first = await run(h, CANCEL, { input });
    const second = await run(h, CANCEL, { input });
    expect(dataOf(second.res)).toEqual(dataOf(first.res));
    // The same parameters both times (every expansion, whatever the selection), and Stripe answered the second from its record.
    expect(second.calls.map((c) => c.idempotencyKey)).toEqual(first.calls.map((c) => c.idempotencyKey));
    expect(first.calls[0]!.idempotencyKey).toMatch(/^bg-[0-9a-f]{64}$/);
  });

  it('checks the input before any call', async () => {
    for (const [input, field] of [
      [{ subscriptionId: 'in_123' }, 'subscriptionId'],
      [{ subscriptionId: 'sub_123', atPeriodEnd: true, prorate: true }, 'prorate'],
      [{ subscriptionId: 'sub_123', comment: 'x'.repeat(5001) }, 'comment'],
      [{ subscriptionId: 'sub_123', idempotencyKey: '' }, 'idempotencyKey'],
    ] as const) {
      const refused = await expectError(h, 'BAD_USER_INPUT', CANCEL, { input });
      expect(refused.res.errors![0]!.extensions?.['field']).toBe(field);
      expect(refused.calls).toEqual([]);
    }
  });
});

describe('invoice actions (admin): one call each, the customer expanded when read', () => {
  it('finalize → send → mark uncollectible → void', async () => {
    const customer = (await stripe.customers.create({ name: 'Lifecycle Ltd' })).id;
    const id = await draft(h, customer);
    const finalize = await run(h, invoiceAction('finalizeInvoice', 'FinalizeInvoice'), { input: { invoiceId: id } });
    expect(dataOf(finalize.res).finalizeInvoice.invoice).toMatchObject({ id, status: 'OPEN', number: expect.any(String), customer: { id: customer } });
    expect(finalize.described).toEqual([`POST /v1/invoices/${id}/finalize`]);
    const send = await run(h, invoiceAction('sendInvoice', 'SendInvoice'), { input: { invoiceId: id } });
    expect(dataOf(send.res).sendInvoice.invoice).toMatchObject({ id, status: 'OPEN' });
    expect(send.described).toEqual([`POST /v1/invoices/${id}/send`]);
    const mark = await run(h, invoiceAction('markInvoiceUncollectible', 'MarkInvoiceUncollectible'), { input: { invoiceId: id } });
    expect(dataOf(mark.res).markInvoiceUncollectible.invoice.status).toBe('UNCOLLECTIBLE');
    expect(mark.described).toEqual([`POST /v1/invoices/${id}/mark_uncollectible`]);
    const voided = await run(
      h,
      `mutation($input: VoidInvoiceInput!) { voidInvoice(input: $input) { ... on VoidInvoicePayload { invoice { status customer { name } } } } }`,
      { input: { invoiceId: id } },
    );
    expect(dataOf(voided.res).voidInvoice.invoice).toEqual({ status: 'VOID', customer: { name: 'Lifecycle Ltd' } });
    expect(voided.described).toEqual([`POST /v1/invoices/${id}/void expand=customer`]);
    expect(h.local.store.invoices.get(id)!.status).toBe('void');
  });

  it('pays an open invoice with the customer’s default card', async () => {
    const id = await draft(h, DEMO.customer, 'charge_automatically');
    await stripe.invoices.finalizeInvoice(id);
    const pay = await run(h, invoiceAction('payInvoice', 'PayInvoice'), { input: { invoiceId: id } });
    expect(dataOf(pay.res).payInvoice.invoice).toMatchObject({ id, status: 'PAID', amountRemaining: { amount: 0 } });
    expect(pay.described).toEqual([`POST /v1/invoices/${id}/pay`]);
  });

  it('passes Stripe’s refusal on as BAD_USER_INPUT (finalizing what is not a draft)', async () => {
    const id = await draft(h, DEMO.customer);
    await stripe.invoices.finalizeInvoice(id);
    const refused = await expectError(h, 'BAD_USER_INPUT', invoiceAction('finalizeInvoice', 'FinalizeInvoice'), { input: { invoiceId: id } });
    expect(refused.described).toEqual([`POST /v1/invoices/${id}/finalize`]);
  });
});

describe('customers and the actions', () => {
  it('are refused every action when the operator allows none: FORBIDDEN before any call', async () => {
    const { subscription } = await subscriber(h, 'Not Allowed Ltd');
    const cancel = await expectError(h, 'FORBIDDEN', CANCEL, { input: { subscriptionId: subscription } }, { customer: DEMO.customer });
    expect(cancel.calls).toEqual([]);
    const pay = await expectError(h, 'FORBIDDEN', invoiceAction('payInvoice', 'PayInvoice'), { input: { invoiceId: 'in_123' } }, { customer: DEMO.customer });
    expect(pay.calls).toEqual([]);
  });

  it('when allowed, act on their own objects: a retrieve, then the action', async () => {
    const { customer, subscription } = await subscriber(open, 'Self Service Ltd');
    const cancel = await run(open, CANCEL, { input: { subscriptionId: subscription, atPeriodEnd: true } }, { customer });
    expect(dataOf(cancel.res).cancelSubscription.subscription).toMatchObject({ id: subscription, cancelAtPeriodEnd: true });
    expect(cancel.described).toEqual([`GET /v1/subscriptions/${subscription}`, `POST /v1/subscriptions/${subscription}?cancel_at_period_end=true expand=customer`]);
    expect(cancel.res.extensions?.['stripe']).toMatchObject({ estimatedCalls: 2, calls: 2 });

    const id = await draft(open, DEMO.customer, 'charge_automatically');
    await client(open).invoices.finalizeInvoice(id);
    const pay = await run(open, invoiceAction('payInvoice', 'PayInvoice'), { input: { invoiceId: id } }, { customer: DEMO.customer });
    expect(dataOf(pay.res).payInvoice.invoice.status).toBe('PAID');
    expect(pay.described).toEqual([`GET /v1/invoices/${id}`, `POST /v1/invoices/${id}/pay`]);
  });

  it('when allowed, get the same answer for another customer’s object as for a missing one, before the action', async () => {
    const { subscription } = await subscriber(open, 'Someone Else Ltd');
    const as = { customer: DEMO.customer };
    const body = (r: { res: { data?: unknown; errors?: unknown } }) => JSON.stringify({ data: r.res.data, errors: r.res.errors });
    const theirs = await expectError(open, 'FORBIDDEN', CANCEL, { input: { subscriptionId: subscription } }, as);
    const missing = await expectError(open, 'FORBIDDEN', CANCEL, { input: { subscriptionId: 'sub_doesNotExist0000' } }, as);
    expect(body(theirs)).toBe(body(missing));
    expect(theirs.res.errors![0]).toMatchObject({ message: 'No subscription of yours has this id.', extensions: { code: 'FORBIDDEN', field: 'subscriptionId' } });
    expect(theirs.described).toEqual([`GET /v1/subscriptions/${subscription}`]);
    expect(open.local.store.subscriptions.get(subscription)!.cancel_at_period_end).toBe(false);

    const other = await draft(open, DEMO.businessCustomer);
    const theirInvoice = await expectError(open, 'FORBIDDEN', invoiceAction('voidInvoice', 'VoidInvoice'), { input: { invoiceId: other } }, as);
    const noInvoice = await expectError(open, 'FORBIDDEN', invoiceAction('voidInvoice', 'VoidInvoice'), { input: { invoiceId: 'in_doesNotExist000000' } }, as);
    expect(body(theirInvoice)).toBe(body(noInvoice));
    expect(theirInvoice.described).toEqual([`GET /v1/invoices/${other}`]);
  });

  it('when allowed, are told plainly when the state does not allow the action, and may not record an out-of-band payment', async () => {
    const id = await draft(open, DEMO.customer);
    const early = await expectError(open, 'BAD_USER_INPUT', invoiceAction('payInvoice', 'PayInvoice'), { input: { invoiceId: id } }, { customer: DEMO.customer });
    expect(early.res.errors![0]!.message).toBe('Only an open or uncollectible invoice can be paid. This one is draft.');
    expect(early.described).toEqual([`GET /v1/invoices/${id}`]);
    const oob = await expectError(open, 'BAD_USER_INPUT', invoiceAction('payInvoice', 'PayInvoice'), { input: { invoiceId: id, paidOutOfBand: true } }, { customer: DEMO.customer });
    expect(oob.calls).toEqual([]);
  });
});
