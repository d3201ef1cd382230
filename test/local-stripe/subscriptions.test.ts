/**
 * Subscriptions through the real SDK: create (items, trials, collection, the first invoice), retrieve, update of
 * the simple fields, cancel, list filters, search, subscription items, expand, idempotency and Stripe's errors.
 * Changes with prorations, the clock and the preview are in the other `subscriptions-*.test.ts` files.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { manualClock } from '../../src/local-stripe/index.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

let h: Harness;
let stripe: Stripe;
const clock = manualClock();
let product: Stripe.Product;
let monthly: Stripe.Price;
let seat: Stripe.Price;
let yearly: Stripe.Price;

const now = () => Math.floor(clock.now() / 1000);

beforeAll(async () => {
  h = await startHarness({ clock });
  stripe = h.stripe;
  product = await stripe.products.create({ name: 'Pro' });
  monthly = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 4900, recurring: { interval: 'month' } });
  seat = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1500, recurring: { interval: 'month' } });
  yearly = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 49_000, recurring: { interval: 'year' } });
});
afterAll(() => h.local.stop());

/** A customer paying by a Visa 4242 (its default payment method). */
async function customer(params: Stripe.CustomerCreateParams = {}): Promise<Stripe.Customer> {
  return stripe.customers.create({ name: 'Ada', ...CARD, ...params });
}

const CARD = { payment_method: 'pm_card_visa', invoice_settings: { default_payment_method: 'pm_card_visa' } };

async function expectRejected(
  promise: Promise<unknown>,
  expected: { message: string | RegExp; param?: string; code?: string; status?: number },
): Promise<void> {
  const error = await stripeError(promise);
  expect(error.statusCode).toBe(expected.status ?? 400);
  expect(error.rawType).toBe('invalid_request_error');
  if (typeof expected.message === 'string') expect(error.message).toBe(expected.message);
  else expect(error.message).toMatch(expected.message);
  if (expected.param !== undefined) expect(error.param).toBe(expected.param);
  if (expected.code !== undefined) expect(error.code).toBe(expected.code);
}

describe('create', () => {
  it('starts an active subscription whose first period is invoiced and paid at once', async () => {
    const c = await customer();
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id, quantity: 2 }], metadata: { plan: 'pro' } });
    expectTypeOf(sub).toMatchTypeOf<Stripe.Subscription>();
    expect(sub).toMatchObject({
      object: 'subscription',
      status: 'active',
      customer: c.id,
      currency: 'usd',
      collection_method: 'charge_automatically',
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
      ended_at: null,
      trial_end: null,
      start_date: now(),
      billing_cycle_anchor: now(),
      metadata: { plan: 'pro' },
      items: { object: 'list', has_more: false, url: `/v1/subscription_items?subscription=${sub.id}` },
    });
    expect(sub.id).toMatch(/^sub_[A-Za-z0-9]{24}$/);
    const [item] = sub.items.data;
    expect(item).toMatchObject({
      object: 'subscription_item',
      quantity: 2,
      subscription: sub.id,
      current_period_start: now(),
      price: { id: monthly.id, unit_amount: 4900, product: product.id },
      plan: { id: monthly.id, object: 'plan', amount: 4900, interval: 'month', product: product.id },
    });
    // A month on: 25 Nov → 25 Dec.
    expect(item!.current_period_end).toBe(Date.UTC(2026, 11, 25, 12) / 1000);

    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({
      status: 'paid',
      billing_reason: 'subscription_create',
      amount_paid: 9800,
      parent: { type: 'subscription_details', subscription_details: { subscription: sub.id, metadata: { plan: 'pro' } } },
    });
    expect(invoice.lines.data).toHaveLength(1);
    expect(invoice.lines.data[0]).toMatchObject({
      amount: 9800,
      description: '2 × Pro (at $49.00 / month)',
      quantity: 2,
      period: { start: now(), end: item!.current_period_end },
      pricing: { price_details: { price: monthly.id, product: product.id } },
      parent: {
        type: 'subscription_item_details',
        subscription_item_details: { subscription: sub.id, subscription_item: item!.id, proration: false, invoice_item: null },
      },
    });
    expect((await stripe.customers.retrieve(c.id)) as Stripe.Customer).toMatchObject({ currency: 'usd' });
  });

  it('starts a trial with a zero invoice, from trial_period_days or trial_end', async () => {
    const c = await customer();
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }], trial_period_days: 14 });
    expect(sub).toMatchObject({ status: 'trialing', trial_start: now(), trial_end: now() + 14 * 86_400, billing_cycle_anchor: now() + 14 * 86_400 });
    expect(sub.items.data[0]!.current_period_end).toBe(now() + 14 * 86_400);
    expect(sub.trial_settings).toEqual({ end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' } });
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'paid', total: 0, billing_reason: 'subscription_create' });
    expect(invoice.lines.data[0]).toMatchObject({ amount: 0, description: 'Trial period for Pro' });

    const until = now() + 3 * 86_400;
    const other = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }], trial_end: until });
    expect(other).toMatchObject({ status: 'trialing', trial_end: until });
    const none = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }], trial_end: 'now' });
    expect(none.status).toBe('active');
  });

  it('bills send_invoice subscriptions with an open invoice due in days_until_due', async () => {
    const c = await customer({ email: 'ap@acme.example' });
    const sub = await stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: seat.id, quantity: 12 }],
      collection_method: 'send_invoice',
      days_until_due: 30,
    });
    expect(sub).toMatchObject({ status: 'active', collection_method: 'send_invoice', days_until_due: 30 });
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'open', amount_due: 18_000, due_date: now() + 30 * 86_400, collection_method: 'send_invoice' });
  });

  it('makes an inline price from price_data, and prorates up to a billing_cycle_anchor', async () => {
    const c = await customer();
    const anchor = now() + 10 * 86_400;
    const sub = await stripe.subscriptions.create({
      customer: c.id,
      items: [{ price_data: { currency: 'usd', product: product.id, unit_amount: 3000, recurring: { interval: 'month' } } }],
      billing_cycle_anchor: anchor,
    });
    const price = sub.items.data[0]!.price;
    expect(price).toMatchObject({ active: false, unit_amount: 3000, type: 'recurring', product: product.id });
    expect(sub.billing_cycle_anchor).toBe(anchor);
    expect(sub.items.data[0]!.current_period_end).toBe(anchor);
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    // 10 of the 31 days of 25 Nov → 5 Dec's month (5 Nov → 5 Dec has 30 days): 3000 × 10 / 30.
    expect(invoice.total).toBe(1000);
  });

  it('records cancel_at_period_end and cancel_at, description and default_incomplete', async () => {
    const c = await customer();
    const atEnd = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }], cancel_at_period_end: true });
    expect(atEnd).toMatchObject({ cancel_at_period_end: true, cancel_at: atEnd.items.data[0]!.current_period_end, canceled_at: now() });
    const at = now() + 5 * 86_400;
    const later = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }], cancel_at: at, description: 'Team plan' });
    expect(later).toMatchObject({ cancel_at: at, cancel_at_period_end: false, description: 'Team plan' });
    const incomplete = await stripe.subscriptions.create({
      customer: c.id,
      items: [{ price: monthly.id }],
      payment_behavior: 'default_incomplete',
    });
    expect(incomplete.status).toBe('incomplete');
    const invoice = await stripe.invoices.retrieve(incomplete.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'open', attempted: false, next_payment_attempt: null });
    // Paying the first invoice makes it active.
    await stripe.invoices.pay(invoice.id, { paid_out_of_band: true });
    expect((await stripe.subscriptions.retrieve(incomplete.id)).status).toBe('active');
  });

  it('is idempotent by key', async () => {
    const c = await customer();
    const key = `sub-${c.id}`;
    const first = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }] }, { idempotencyKey: key });
    const again = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }] }, { idempotencyKey: key });
    expect(again.id).toBe(first.id);
    expect((await stripe.subscriptions.list({ customer: c.id })).data).toHaveLength(1);
    expect((await stripe.invoices.list({ customer: c.id })).data).toHaveLength(1);
  });

  it('refuses what Stripe refuses, before anything is made', async () => {
    const c = await customer();
    const oneOff = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 500 });
    const eur = await stripe.prices.create({ product: product.id, currency: 'eur', unit_amount: 500, recurring: { interval: 'month' } });
    const inactive = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 500, recurring: { interval: 'month' }, active: false });
    const cases: Array<[Stripe.SubscriptionCreateParams, { message: string | RegExp; param?: string; code?: string; status?: number }]> = [
      [{ customer: c.id }, { message: 'Missing required param: items.', param: 'items', code: 'parameter_missing' }],
      [{ customer: c.id, items: [{ quantity: 1 }] }, { message: 'Missing required param: items[0][price].', param: 'items[0][price]' }],
      [{ customer: c.id, items: [{ price: 'price_nope' }] }, { message: "No such price: 'price_nope'", param: 'items[0][price]', code: 'resource_missing' }],
      [{ customer: c.id, items: [{ price: oneOff.id }] }, { message: /only accepts prices with `type=recurring`/, param: 'items[0][price]' }],
      [{ customer: c.id, items: [{ price: inactive.id }] }, { message: /The price specified is inactive/, param: 'items[0][price]' }],
      [{ customer: c.id, items: [{ price: monthly.id }, { price: eur.id }] }, { message: /Found mismatch in currency field/, param: 'items' }],
      [{ customer: c.id, items: [{ price: monthly.id }, { price: yearly.id }] }, { message: /Found mismatch in interval field/, param: 'items' }],
      [{ customer: c.id, items: [{ price: monthly.id }, { price: monthly.id }] }, { message: /multiple subscription items with the same price/, param: 'items' }],
      [{ customer: c.id, items: [{ price: monthly.id }], collection_method: 'send_invoice' }, { message: 'Missing required param: days_until_due.', param: 'days_until_due' }],
      [{ customer: c.id, items: [{ price: monthly.id }], days_until_due: 30 }, { message: /can only be set when `collection_method` is `send_invoice`/, param: 'days_until_due' }],
      [{ customer: c.id, items: [{ price: monthly.id }], trial_end: now() - 10 }, { message: /must be an integer Unix timestamp in the future/, param: 'trial_end' }],
      [{ customer: c.id, items: [{ price: monthly.id }], trial_end: now() + 100, trial_period_days: 3 }, { message: /only specify one of these parameters: trial_end, trial_period_days/ }],
      [{ customer: c.id, items: [{ price: monthly.id }], cancel_at: now() + 100, cancel_at_period_end: true }, { message: /only specify one of these parameters: cancel_at, cancel_at_period_end/ }],
      [{ customer: c.id, items: [{ price: monthly.id }], billing_cycle_anchor: now() + 40 * 86_400 }, { message: /cannot be later than next natural billing date/, param: 'billing_cycle_anchor' }],
      [{ customer: c.id, items: [{ price: monthly.id }], default_payment_method: 'pm_nope' }, { message: "No such PaymentMethod: 'pm_nope'", param: 'default_payment_method', status: 404 }],
      [{ customer: 'cus_nope', items: [{ price: monthly.id }] }, { message: "No such customer: 'cus_nope'", param: 'customer', code: 'resource_missing', status: 404 }],
      [{ customer: c.id, items: [{ price: monthly.id }], payment_behavior: 'sometimes' as 'allow_incomplete' }, { message: /Invalid payment_behavior/, param: 'payment_behavior' }],
    ];
    for (const [params, expected] of cases) {
      await expectRejected(stripe.subscriptions.create(params), expected);
    }
    expect((await stripe.subscriptions.list({ customer: c.id, status: 'all' })).data).toEqual([]);
    expect((await stripe.invoices.list({ customer: c.id })).data).toEqual([]);
    // The customer was never billed, so it has no currency yet.
    expect(((await stripe.customers.retrieve(c.id)) as Stripe.Customer).currency).toBeNull();
  });
});

describe('retrieve, update, cancel', () => {
  it('retrieves with expand, and 404s an unknown id', async () => {
    const c = await customer();
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }] });
    const expanded = await stripe.subscriptions.retrieve(sub.id, {
      expand: ['customer', 'latest_invoice', 'items.data.price.product'],
    });
    expect((expanded.customer as Stripe.Customer).name).toBe('Ada');
    expect((expanded.latest_invoice as Stripe.Invoice).billing_reason).toBe('subscription_create');
    expect((expanded.items.data[0]!.price.product as Stripe.Product).name).toBe('Pro');
    await expectRejected(stripe.subscriptions.retrieve('sub_nope'), { message: "No such subscription: 'sub_nope'", status: 404, code: 'resource_missing' });
    await expectRejected(stripe.subscriptions.retrieve(sub.id, { expand: ['items'] }), { message: 'This property cannot be expanded (items).', param: 'expand' });
    // An invoice names its subscription, which expands too.
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string, { expand: ['parent.subscription_details.subscription'] });
    expect((invoice.parent?.subscription_details?.subscription as Stripe.Subscription).id).toBe(sub.id);
  });

  it('updates metadata, description, cancel_at_period_end and pause_collection', async () => {
    const c = await customer();
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }] });
    const end = sub.items.data[0]!.current_period_end;
    const updated = await stripe.subscriptions.update(sub.id, {
      metadata: { team: 'blue' },
      description: 'Renamed',
      cancel_at_period_end: true,
      cancellation_details: { comment: 'Too pricey', feedback: 'too_expensive' },
      pause_collection: { behavior: 'void' },
    });
    expect(updated).toMatchObject({
      metadata: { team: 'blue' },
      description: 'Renamed',
      cancel_at_period_end: true,
      cancel_at: end,
      canceled_at: now(),
      status: 'active',
      cancellation_details: { comment: 'Too pricey', feedback: 'too_expensive', reason: null },
      pause_collection: { behavior: 'void', resumes_at: null },
    });
    const undone = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: false, pause_collection: '' });
    expect(undone).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null, pause_collection: null });
    const cleared = await stripe.subscriptions.update(sub.id, { description: '', metadata: '' });
    expect(cleared).toMatchObject({ description: null, metadata: {} });
  });

  it('cancels now with cancellation_details, and then refuses changes but metadata', async () => {
    const c = await customer();
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }] });
    const canceled = await stripe.subscriptions.cancel(sub.id, { cancellation_details: { comment: 'Moving on', feedback: 'unused' } });
    expect(canceled).toMatchObject({
      status: 'canceled',
      canceled_at: now(),
      ended_at: now(),
      cancellation_details: { comment: 'Moving on', feedback: 'unused', reason: 'cancellation_requested' },
    });
    await expectRejected(stripe.subscriptions.update(sub.id, { description: 'x' }), {
      message: 'A canceled subscription can only update its cancellation_details and metadata.',
      param: 'description',
    });
    expect((await stripe.subscriptions.update(sub.id, { metadata: { note: 'gone' } })).metadata).toEqual({ note: 'gone' });
    await expectRejected(stripe.subscriptions.cancel(sub.id), { message: /already been canceled/ });
    await expectRejected(stripe.subscriptions.resume(sub.id), { message: /cannot be resumed because it is not paused/ });
  });

  it('cancels with prorate and invoice_now: a final invoice credits the unused time', async () => {
    const c = await customer();
    const sub = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }] });
    clock.advance(15 * 86_400 * 1000);
    try {
      const canceled = await stripe.subscriptions.cancel(sub.id, { prorate: true, invoice_now: true });
      const final = await stripe.invoices.retrieve(canceled.latest_invoice as string);
      expect(final.id).not.toBe(sub.latest_invoice);
      expect(final.billing_reason).toBe('subscription_update');
      const [line] = final.lines.data;
      // 15 of 30 days left: half of 49.00 back.
      expect(line).toMatchObject({ amount: -2450, parent: { subscription_item_details: { proration: true } } });
      expect(line!.description).toMatch(/^Unused time on Pro after /);
      expect(final.status).toBe('paid');
      expect(((await stripe.customers.retrieve(c.id)) as Stripe.Customer).balance).toBe(-2450);
    } finally {
      clock.advance(0);
    }
  });
});

describe('list, search, subscription items', () => {
  let c: Stripe.Customer;
  let active: Stripe.Subscription;
  let invoiced: Stripe.Subscription;
  let canceled: Stripe.Subscription;

  beforeAll(async () => {
    c = await customer({ name: 'Lister' });
    active = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }], metadata: { tier: 'gold' } });
    clock.advance(1000);
    invoiced = await stripe.subscriptions.create({ customer: c.id, items: [{ price: seat.id, quantity: 3 }], collection_method: 'send_invoice', days_until_due: 7 });
    clock.advance(1000);
    canceled = await stripe.subscriptions.create({ customer: c.id, items: [{ price: monthly.id }] });
    await stripe.subscriptions.cancel(canceled.id);
  });

  const ids = (list: { data: Array<{ id: string }> }) => list.data.map((s) => s.id);

  it('lists newest first without canceled ones by default; status all, ended, canceled', async () => {
    expect(ids(await stripe.subscriptions.list({ customer: c.id }))).toEqual([invoiced.id, active.id]);
    expect(ids(await stripe.subscriptions.list({ customer: c.id, status: 'all' }))).toEqual([canceled.id, invoiced.id, active.id]);
    expect(ids(await stripe.subscriptions.list({ customer: c.id, status: 'ended' }))).toEqual([canceled.id]);
    expect(ids(await stripe.subscriptions.list({ customer: c.id, status: 'canceled' }))).toEqual([canceled.id]);
    expect(ids(await stripe.subscriptions.list({ customer: c.id, status: 'trialing' }))).toEqual([]);
  });

  it('filters by price, collection_method, created and current period; pages', async () => {
    expect(ids(await stripe.subscriptions.list({ customer: c.id, price: seat.id }))).toEqual([invoiced.id]);
    expect(ids(await stripe.subscriptions.list({ customer: c.id, collection_method: 'send_invoice' }))).toEqual([invoiced.id]);
    expect(ids(await stripe.subscriptions.list({ customer: c.id, created: { lt: invoiced.created } }))).toEqual([active.id]);
    const start = active.items.data[0]!.current_period_start;
    expect(ids(await stripe.subscriptions.list({ customer: c.id, current_period_start: { lte: start } }))).toEqual([active.id]);
    expect(ids(await stripe.subscriptions.list({ customer: c.id, current_period_end: { gt: 0 } }))).toEqual([invoiced.id, active.id]);
    const page = await stripe.subscriptions.list({ customer: c.id, limit: 1 });
    expect(page.has_more).toBe(true);
    expect(ids(await stripe.subscriptions.list({ customer: c.id, limit: 1, starting_after: page.data[0]!.id }))).toEqual([active.id]);
    await expectRejected(stripe.subscriptions.list({ customer: 'cus_nope' }), { message: "No such customer: 'cus_nope'", param: 'customer' });
    await expectRejected(stripe.subscriptions.list({ status: 'gone' as 'all' }), { message: /Invalid status/, param: 'status' });
  });

  it('expands within four levels on lists', async () => {
    const list = await stripe.subscriptions.list({ customer: c.id, expand: ['data.customer', 'data.latest_invoice'] });
    expect((list.data[0]!.customer as Stripe.Customer).id).toBe(c.id);
    expect((list.data[0]!.latest_invoice as Stripe.Invoice).object).toBe('invoice');
    await expectRejected(stripe.subscriptions.list({ expand: ['data.items.data.price.product'] }), {
      message: 'You cannot expand more than 4 levels of a property. Property: data.items.data.price.product',
      param: 'expand',
    });
  });

  it('searches by status and metadata', async () => {
    const result = await stripe.subscriptions.search({ query: `status:'active' AND metadata['tier']:'gold'` });
    expect(ids(result)).toEqual([active.id]);
    expect(ids(await stripe.subscriptions.search({ query: `status:'canceled'` }))).toContain(canceled.id);
  });

  it('lists and retrieves subscription items', async () => {
    const items = await stripe.subscriptionItems.list({ subscription: invoiced.id });
    expect(items.data.map((i) => [i.id, i.quantity])).toEqual([[invoiced.items.data[0]!.id, 3]]);
    const item = await stripe.subscriptionItems.retrieve(invoiced.items.data[0]!.id);
    expectTypeOf(item).toMatchTypeOf<Stripe.SubscriptionItem>();
    expect(item).toMatchObject({ object: 'subscription_item', subscription: invoiced.id, price: { id: seat.id } });
    await expectRejected(stripe.subscriptionItems.retrieve('si_nope'), { message: "No such subscription item: 'si_nope'", status: 404 });
    await expectRejected(stripe.subscriptionItems.list({ subscription: 'sub_nope' }), { message: "No such subscription: 'sub_nope'", param: 'subscription' });
  });
});
