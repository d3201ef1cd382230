/**
 * Invoices and invoice items through the real SDK: every endpoint, the lifecycle and its forbidden transitions,
 * the amount rules (customer balance, minimum charge, zero and negative totals, void), list filters and cursor
 * pagination, search, lines, expand, the hosted page and PDF, and concurrent writes.
 *
 * Objects are arranged over the API; only subscriptions (not served as `/v1` objects) and subscription-item lines
 * (which the public API cannot create) are arranged with the domain functions the demo seed uses.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { manualClock } from '../../src/local-stripe/index.js';
import { createInvoiceItem } from '../../src/local-stripe/resources/invoice-items.js';
import { createSubscription } from '../../src/local-stripe/resources/subscription-create.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';
import { testPrice } from '../support/prices.js';

let h: Harness;
let stripe: Stripe;
const clock = manualClock();

beforeAll(async () => {
  h = await startHarness({ clock });
  stripe = h.stripe;
});
afterAll(() => h.local.stop());

/** A subscription on a test price, without its first invoice (these tests make the invoices they look at). */
function subscribe(input: { customer: string; items: Array<{ price: string; product: string; quantity?: number }>; metadata?: Record<string, string> }) {
  const items = input.items.map((item) => ({ price: testPrice(h.local.store, { id: item.price, product: item.product }).id, quantity: item.quantity ?? 1 }));
  return createSubscription(h.local.store, { customer: input.customer, items, ...(input.metadata ? { metadata: input.metadata } : {}) }, { invoice: false });
}

/** Moves the local Stripe's clock on, so that objects get distinct `created` seconds. */
function tick(seconds = 60): void {
  clock.advance(seconds * 1000);
}

function nowSeconds(): number {
  return Math.floor(clock.now() / 1000);
}

/** A customer with a Visa (Stripe's `pm_card_visa`) as its default, so that `invoices.pay` has a card to charge. */
async function customer(params: Stripe.CustomerCreateParams = {}): Promise<Stripe.Customer> {
  return stripe.customers.create({
    name: 'Test Customer',
    email: 'billing@example.com',
    payment_method: 'pm_card_visa',
    invoice_settings: { default_payment_method: 'pm_card_visa' },
    ...params,
  });
}

/** A draft with one invoice item per amount. */
async function draft(
  customerId: string,
  amounts: number[],
  params: Partial<Stripe.InvoiceCreateParams> = {},
): Promise<Stripe.Invoice> {
  const invoice = await stripe.invoices.create({ customer: customerId, ...params });
  for (const [i, amount] of amounts.entries()) {
    await stripe.invoiceItems.create({ customer: customerId, invoice: invoice.id, amount, description: `item ${i + 1}` });
  }
  return stripe.invoices.retrieve(invoice.id);
}

async function balanceOf(customerId: string): Promise<number> {
  const found = await stripe.customers.retrieve(customerId);
  if (found.deleted) throw new Error('customer deleted');
  return found.balance;
}

async function allLines(invoiceId: string): Promise<Stripe.InvoiceLineItem[]> {
  return stripe.invoices.listLineItems(invoiceId, { limit: 100 }).autoPagingToArray({ limit: 1000 });
}

/** The amount invariants every invoice keeps, in every state. */
async function expectConsistent(invoice: Stripe.Invoice): Promise<void> {
  const lines = invoice.lines.has_more ? await allLines(invoice.id) : invoice.lines.data;
  const sum = lines.reduce((s, line) => s + line.amount, 0);
  expect(invoice.subtotal).toBe(sum);
  expect(invoice.total).toBe(invoice.subtotal);
  expect(invoice.subtotal_excluding_tax).toBe(invoice.subtotal);
  expect(invoice.total_excluding_tax).toBe(invoice.total);
  expect(invoice.amount_due).toBeGreaterThanOrEqual(0);
  expect(invoice.amount_remaining).toBe(invoice.amount_due - invoice.amount_paid);
  if (invoice.status === 'draft') {
    expect(invoice.ending_balance).toBeNull();
    expect(invoice.amount_due).toBe(Math.max(0, invoice.total + invoice.starting_balance));
  } else {
    expect(invoice.ending_balance).not.toBeNull();
    expect(invoice.amount_due).toBe(invoice.total + invoice.starting_balance - (invoice.ending_balance ?? 0));
  }
  for (const line of lines) expect(line.subtotal).toBe(line.amount);
}

/** A 400 `invalid_request_error` with this message (prefix) and code. */
async function expectRejected(
  promise: Promise<unknown>,
  expected: { message: string | RegExp; code?: string; param?: string; status?: number },
): Promise<Stripe.errors.StripeError> {
  const error = await stripeError(promise);
  expect(error.statusCode).toBe(expected.status ?? 400);
  expect(error.type).toBe('StripeInvalidRequestError');
  expect(error.rawType).toBe('invalid_request_error');
  if (typeof expected.message === 'string') expect(error.message).toBe(expected.message);
  else expect(error.message).toMatch(expected.message);
  if (expected.code !== undefined) expect(error.code).toBe(expected.code);
  if (expected.param !== undefined) expect(error.param).toBe(expected.param);
  return error;
}

// -----------------------------------------------------------------------------------------------------------------

describe('invoice items', () => {
  it('creates a pending item with Stripe’s shape', async () => {
    const c = await customer();
    const item = await stripe.invoiceItems.create({
      customer: c.id,
      amount: 1500,
      currency: 'usd',
      description: 'Setup fee',
      period: { start: 1_790_000_000, end: 1_790_086_400 },
      metadata: { order: '42' },
    });
    const typed: Stripe.InvoiceItem = item;
    expectTypeOf(item.quantity_decimal).toEqualTypeOf<Stripe.Decimal>();
    expect(typed.id).toMatch(/^ii_[A-Za-z0-9]{24}$/);
    expect(item).toMatchObject({
      object: 'invoiceitem',
      amount: 1500,
      currency: 'usd',
      customer: c.id,
      customer_account: null,
      date: nowSeconds(),
      description: 'Setup fee',
      discountable: true,
      discounts: [],
      invoice: null,
      livemode: false,
      metadata: { order: '42' },
      parent: null,
      period: { start: 1_790_000_000, end: 1_790_086_400 },
      proration: false,
      quantity: 1,
      tax_rates: [],
      test_clock: null,
    });
    // Stripe's invoice item has `date`; the local Stripe's ordering key must not leak.
    expect(Object.keys(item)).not.toContain('created');
    expect(item.pricing?.type).toBe('price_details');
    expect(item.pricing?.price_details).toEqual({
      price: expect.stringMatching(/^price_[A-Za-z0-9]{24}$/),
      product: expect.stringMatching(/^prod_[A-Za-z0-9]{14}$/),
    });
    expect(item.pricing?.unit_amount_decimal?.toString()).toBe('1500');
    expect(item.quantity_decimal.eq(Stripe.Decimal.from(1))).toBe(true);
  });

  it('computes amount = quantity × unit_amount_decimal, as Stripe.Decimal values', async () => {
    const c = await customer();
    const item = await stripe.invoiceItems.create({
      customer: c.id,
      quantity: 3,
      unit_amount_decimal: Stripe.Decimal.from('12.5'),
    });
    expect(item.amount).toBe(38); // 37.5 rounds half up
    expect(item.quantity).toBe(3);
    expect(item.quantity_decimal.toString()).toBe('3');
    const unit = item.pricing?.unit_amount_decimal;
    expectTypeOf(unit).toEqualTypeOf<Stripe.Decimal | null | undefined>();
    expect(unit?.eq(Stripe.Decimal.from('12.5'))).toBe(true);
    expect(unit?.toFixed(2, 'half-even')).toBe('12.50');

    const whole = await stripe.invoiceItems.create({ customer: c.id, quantity: 4, unit_amount_decimal: Stripe.Decimal.from(250) });
    expect(whole.amount).toBe(1000);
  });

  it('sets the customer’s currency from the first item and refuses to mix currencies', async () => {
    const c = await customer();
    expect(c.currency).toBeNull();
    const item = await stripe.invoiceItems.create({ customer: c.id, amount: 100, currency: 'EUR' });
    expect(item.currency).toBe('eur');
    const after = await stripe.customers.retrieve(c.id);
    expect(after.deleted ? null : after.currency).toBe('eur');
    // Without a currency, the customer's is used.
    expect((await stripe.invoiceItems.create({ customer: c.id, amount: 100 })).currency).toBe('eur');
    await expectRejected(stripe.invoiceItems.create({ customer: c.id, amount: 100, currency: 'usd' }), {
      message: /^You cannot combine currencies on a single customer/,
      param: 'currency',
    });
  });

  it('validates its parameters as Stripe does', async () => {
    const c = await customer();
    await expectRejected(stripe.invoiceItems.create({ amount: 100 }), {
      message: 'Missing required param: customer.',
      code: 'parameter_missing',
      param: 'customer',
    });
    await expectRejected(stripe.invoiceItems.create({ customer: c.id }), {
      message: 'Missing required param: amount.',
      code: 'parameter_missing',
      param: 'amount',
    });
    await expectRejected(
      stripe.invoiceItems.create({ customer: c.id, amount: 100, unit_amount_decimal: Stripe.Decimal.from(100) }),
      { message: /only specify one of these parameters: amount, unit_amount_decimal/, code: 'parameters_exclusive' },
    );
    await expectRejected(stripe.invoiceItems.create({ customer: 'cus_missing', amount: 100 }), {
      message: "No such customer: 'cus_missing'",
      code: 'resource_missing',
      param: 'customer',
      status: 404,
    });
    await expectRejected(stripe.invoiceItems.create({ customer: c.id, amount: 100, invoice: 'in_missing' }), {
      message: "No such invoice: 'in_missing'",
      code: 'resource_missing',
      param: 'invoice',
      status: 404,
    });
    await expectRejected(stripe.invoiceItems.create({ customer: c.id, amount: 100, subscription: 'sub_missing' }), {
      message: "No such subscription: 'sub_missing'",
      code: 'resource_missing',
      param: 'subscription',
      status: 404,
    });
    await expectRejected(
      stripe.invoiceItems.create({ customer: c.id, amount: 100, period: { start: 2_000, end: 1_000 } }),
      { message: /`end` must be greater than or equal to `start`/, param: 'period[end]' },
    );
    await expectRejected(stripe.invoiceItems.create({ customer: c.id, amount: 100, quantity: -1 }), {
      message: /quantity/,
      param: 'quantity',
    });
    // @ts-expect-error an unknown parameter is a type error and a 400
    await expectRejected(stripe.invoiceItems.create({ customer: c.id, amount: 100, colour: 'red' }), {
      message: 'Received unknown parameter: colour',
      code: 'parameter_unknown',
    });
  });

  it('only goes onto a draft invoice of the same customer, in its currency', async () => {
    const a = await customer();
    const b = await customer();
    const invoiceOfA = await stripe.invoices.create({ customer: a.id, currency: 'usd' });
    await expectRejected(stripe.invoiceItems.create({ customer: b.id, amount: 100, invoice: invoiceOfA.id }), {
      message: /belongs to customer/,
      param: 'invoice',
    });
    await expectRejected(
      stripe.invoiceItems.create({ customer: a.id, amount: 100, currency: 'eur', invoice: invoiceOfA.id }),
      { message: /must match the currency of the invoice \(usd\)/, param: 'currency' },
    );
    const item = await stripe.invoiceItems.create({ customer: a.id, amount: 100, invoice: invoiceOfA.id });
    expect(item.invoice).toBe(invoiceOfA.id);
    await stripe.invoices.finalizeInvoice(invoiceOfA.id);
    await expectRejected(stripe.invoiceItems.create({ customer: a.id, amount: 100, invoice: invoiceOfA.id }), {
      message: /no longer a draft/,
      code: 'invoice_not_editable',
      param: 'invoice',
    });
  });

  it('checks that a subscription belongs to the customer and records it as the parent', async () => {
    const a = await customer();
    const b = await customer();
    const subscription = subscribe({
      customer: a.id,
      items: [{ price: 'price_basic', product: 'prod_basic' }],
    });
    await expectRejected(stripe.invoiceItems.create({ customer: b.id, amount: 100, subscription: subscription.id }), {
      message: `The subscription '${subscription.id}' does not belong to the customer '${b.id}'.`,
      param: 'subscription',
    });
    const item = await stripe.invoiceItems.create({ customer: a.id, amount: 100, subscription: subscription.id });
    expect(item.parent).toEqual({
      type: 'subscription_details',
      subscription_details: { subscription: subscription.id },
    });
  });

  it('retrieves, and answers 404 for unknown ids', async () => {
    const c = await customer();
    const item = await stripe.invoiceItems.create({ customer: c.id, amount: 700 });
    const found = await stripe.invoiceItems.retrieve(item.id);
    expect(found.id).toBe(item.id);
    expect(found.amount).toBe(700);
    await expectRejected(stripe.invoiceItems.retrieve('ii_missing'), {
      message: "No such invoiceitem: 'ii_missing'",
      code: 'resource_missing',
      param: 'id',
      status: 404,
    });
  });

  it('expands customer and invoice', async () => {
    const c = await customer({ name: 'Expandable' });
    const invoice = await stripe.invoices.create({ customer: c.id });
    const item = await stripe.invoiceItems.create({ customer: c.id, amount: 300, invoice: invoice.id });
    const expanded = await stripe.invoiceItems.retrieve(item.id, { expand: ['customer', 'invoice', 'invoice.customer'] });
    if (typeof expanded.customer === 'string' || expanded.customer.deleted) throw new Error('customer not expanded');
    expect(expanded.customer.name).toBe('Expandable');
    if (typeof expanded.invoice === 'string' || expanded.invoice === null) throw new Error('invoice not expanded');
    expect(expanded.invoice.id).toBe(invoice.id);
    expect(expanded.invoice.total).toBe(300);
    expect(expanded.invoice.customer).toMatchObject({ id: c.id, object: 'customer' });
    await expectRejected(stripe.invoiceItems.retrieve(item.id, { expand: ['pricing'] }), {
      message: 'This property cannot be expanded (pricing).',
      param: 'expand',
    });
  });

  it('lists by customer, invoice, pending and created, newest first, with cursors', async () => {
    const c = await customer();
    const invoice = await stripe.invoices.create({ customer: c.id });
    const created: Stripe.InvoiceItem[] = [];
    for (let i = 0; i < 5; i++) {
      tick();
      created.push(
        await stripe.invoiceItems.create({
          customer: c.id,
          amount: 100 * (i + 1),
          ...(i % 2 === 0 ? { invoice: invoice.id } : {}),
        }),
      );
    }
    const ids = (list: Stripe.ApiList<Stripe.InvoiceItem>) => list.data.map((item) => item.id);
    const newestFirst = created.map((item) => item.id).reverse();
    expect(ids(await stripe.invoiceItems.list({ customer: c.id }))).toEqual(newestFirst);
    expect(ids(await stripe.invoiceItems.list({ invoice: invoice.id }))).toEqual(
      [created[4], created[2], created[0]].map((item) => item?.id),
    );
    expect(ids(await stripe.invoiceItems.list({ customer: c.id, pending: true }))).toEqual(
      [created[3], created[1]].map((item) => item?.id),
    );
    expect(ids(await stripe.invoiceItems.list({ customer: c.id, pending: false }))).toHaveLength(3);
    const from = created[1]?.date ?? 0;
    const to = created[3]?.date ?? 0;
    expect(ids(await stripe.invoiceItems.list({ customer: c.id, created: { gte: from, lt: to } }))).toEqual(
      [created[2], created[1]].map((item) => item?.id),
    );
    const first = await stripe.invoiceItems.list({ customer: c.id, limit: 2 });
    expect(first.has_more).toBe(true);
    const second = await stripe.invoiceItems.list({ customer: c.id, limit: 2, starting_after: first.data[1]?.id });
    expect(ids(second)).toEqual(newestFirst.slice(2, 4));
    const back = await stripe.invoiceItems.list({ customer: c.id, limit: 2, ending_before: second.data[0]?.id });
    expect(ids(back)).toEqual(newestFirst.slice(0, 2));
    const all = await stripe.invoiceItems.list({ customer: c.id, limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((item) => item.id)).toEqual(newestFirst);
    const withCustomer = await stripe.invoiceItems.list({ customer: c.id, limit: 1, expand: ['data.customer'] });
    expect(withCustomer.data[0]?.customer).toMatchObject({ id: c.id, object: 'customer' });
  });

  it('deletes pending items and items on drafts (the draft’s totals follow), not items on finalized invoices', async () => {
    const c = await customer();
    const pending = await stripe.invoiceItems.create({ customer: c.id, amount: 100 });
    const deleted = await stripe.invoiceItems.del(pending.id);
    const typed: Stripe.DeletedInvoiceItem = deleted;
    expect(typed).toEqual({ id: pending.id, object: 'invoiceitem', deleted: true });
    await expectRejected(stripe.invoiceItems.retrieve(pending.id), { message: /No such invoiceitem/, status: 404 });

    const invoice = await draft(c.id, [1000, 250]);
    expect(invoice.total).toBe(1250);
    const second = invoice.lines.data[1];
    const itemId = second?.parent?.invoice_item_details?.invoice_item;
    if (itemId === undefined) throw new Error('line has no invoice item');
    await stripe.invoiceItems.del(itemId);
    const after = await stripe.invoices.retrieve(invoice.id);
    expect(after.lines.data.map((line) => line.amount)).toEqual([1000]);
    expect(after.total).toBe(1000);
    await expectConsistent(after);

    const first = after.lines.data[0]?.parent?.invoice_item_details?.invoice_item ?? '';
    await stripe.invoices.finalizeInvoice(invoice.id);
    await expectRejected(stripe.invoiceItems.del(first), {
      message: /no longer a draft/,
      code: 'invoice_not_editable',
    });
  });
});

// -----------------------------------------------------------------------------------------------------------------

describe('invoices: create, retrieve, update, delete', () => {
  it('creates a draft with Stripe’s shape and no top-level subscription key', async () => {
    const c = await customer({
      name: 'Grace Hopper',
      email: 'grace@example.com',
      invoice_settings: { footer: 'Thank you', custom_fields: [{ name: 'VAT', value: 'GB123' }] },
    });
    const invoice = await stripe.invoices.create({
      customer: c.id,
      description: 'November',
      metadata: { project: 'cobol' },
      statement_descriptor: 'HOPPER',
    });
    const typed: Stripe.Invoice = invoice;
    expect(typed.id).toMatch(/^in_[A-Za-z0-9]{24}$/);
    expect(invoice).toMatchObject({
      object: 'invoice',
      status: 'draft',
      customer: c.id,
      currency: 'usd',
      collection_method: 'charge_automatically',
      auto_advance: false,
      billing_reason: 'manual',
      description: 'November',
      footer: 'Thank you',
      custom_fields: [{ name: 'VAT', value: 'GB123' }],
      metadata: { project: 'cobol' },
      statement_descriptor: 'HOPPER',
      customer_name: 'Grace Hopper',
      customer_email: 'grace@example.com',
      number: null,
      hosted_invoice_url: null,
      invoice_pdf: null,
      ending_balance: null,
      due_date: null,
      next_payment_attempt: null,
      parent: null,
      amount_due: 0,
      amount_paid: 0,
      amount_remaining: 0,
      attempt_count: 0,
      attempted: false,
      created: nowSeconds(),
      status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
      lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${invoice.id}/lines` },
    });
    // Removed in API 2025-03-31.basil: the subscription lives under `parent`.
    expect(Object.keys(invoice)).not.toContain('subscription');
    // @ts-expect-error `Invoice.subscription` no longer exists in the SDK's types
    expect(invoice.subscription).toBeUndefined();
    // Expand-only / conditional fields stay absent.
    for (const key of ['payments', 'confirmation_secret', 'amount_paid_off_stripe', 'status_details', 'threshold_reason']) {
      expect(Object.keys(invoice)).not.toContain(key);
    }
    await expectConsistent(invoice);
  });

  it('requires an existing customer', async () => {
    await expectRejected(stripe.invoices.create({}), {
      message: 'Missing required param: customer.',
      code: 'parameter_missing',
      param: 'customer',
    });
    await expectRejected(stripe.invoices.create({ customer: 'cus_nobody' }), {
      message: "No such customer: 'cus_nobody'",
      code: 'resource_missing',
      param: 'customer',
      status: 404,
    });
  });

  it('needs days_until_due or due_date for send_invoice, and neither for charge_automatically', async () => {
    const c = await customer();
    await expectRejected(stripe.invoices.create({ customer: c.id, collection_method: 'send_invoice' }), {
      message: /need either `days_until_due` or `due_date`/,
      code: 'parameter_missing',
      param: 'days_until_due',
    });
    await expectRejected(stripe.invoices.create({ customer: c.id, days_until_due: 30 }), {
      message: /only set `days_until_due` on invoices with `collection_method=send_invoice`/,
      param: 'days_until_due',
    });
    await expectRejected(
      stripe.invoices.create({ customer: c.id, collection_method: 'send_invoice', days_until_due: 30, due_date: nowSeconds() }),
      { message: 'You may only specify one of these parameters: days_until_due, due_date.', code: 'parameters_exclusive' },
    );
    const byDays = await stripe.invoices.create({ customer: c.id, collection_method: 'send_invoice', days_until_due: 30 });
    expect(byDays.due_date).toBe(nowSeconds() + 30 * 86_400);
    const byDate = await stripe.invoices.create({
      customer: c.id,
      collection_method: 'send_invoice',
      due_date: nowSeconds() + 7 * 86_400,
    });
    expect(byDate.due_date).toBe(nowSeconds() + 7 * 86_400);
  });

  it('links a subscription under parent.subscription_details', async () => {
    const c = await customer();
    const subscription = subscribe({
      customer: c.id,
      items: [{ price: 'price_pro', product: 'prod_pro' }],
      metadata: { tier: 'pro' },
    });
    const invoice = await stripe.invoices.create({ customer: c.id, subscription: subscription.id });
    expect(invoice.parent).toEqual({
      type: 'subscription_details',
      subscription_details: { subscription: subscription.id, metadata: { tier: 'pro' } },
      quote_details: null,
    });
    expect(Object.keys(invoice)).not.toContain('subscription');
    const other = await customer();
    await expectRejected(stripe.invoices.create({ customer: other.id, subscription: subscription.id }), {
      message: /does not belong to the customer/,
      param: 'subscription',
    });
  });

  it('takes pending items only with pending_invoice_items_behavior=include', async () => {
    const c = await customer();
    const a = await stripe.invoiceItems.create({ customer: c.id, amount: 400 });
    const b = await stripe.invoiceItems.create({ customer: c.id, amount: 600 });
    const excluded = await stripe.invoices.create({ customer: c.id });
    expect(excluded.lines.data).toHaveLength(0);
    const included = await stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include' });
    expect(included.lines.data.map((line) => line.parent?.invoice_item_details?.invoice_item)).toEqual([a.id, b.id]);
    expect(included.total).toBe(1000);
    expect((await stripe.invoiceItems.retrieve(a.id)).invoice).toBe(included.id);
    await expectConsistent(included);
    const nothingLeft = await stripe.invoices.create({ customer: c.id, pending_invoice_items_behavior: 'include' });
    expect(nothingLeft.lines.data).toHaveLength(0);
  });

  it('updates a draft’s fields, and clears them with empty values', async () => {
    const c = await customer();
    const invoice = await stripe.invoices.create({ customer: c.id, description: 'old', metadata: { a: '1', b: '2' } });
    const updated = await stripe.invoices.update(invoice.id, {
      description: 'new',
      footer: 'Footer',
      metadata: { a: '', c: '3' },
      custom_fields: [{ name: 'PO', value: '7' }],
      statement_descriptor: 'NEWDESC',
      auto_advance: true,
      collection_method: 'send_invoice',
      days_until_due: 14,
    });
    expect(updated).toMatchObject({
      description: 'new',
      footer: 'Footer',
      metadata: { b: '2', c: '3' },
      custom_fields: [{ name: 'PO', value: '7' }],
      statement_descriptor: 'NEWDESC',
      auto_advance: true,
      collection_method: 'send_invoice',
      due_date: nowSeconds() + 14 * 86_400,
    });
    const cleared = await stripe.invoices.update(invoice.id, {
      description: '',
      custom_fields: '',
      metadata: '',
      collection_method: 'charge_automatically',
    });
    expect(cleared).toMatchObject({
      description: null,
      custom_fields: null,
      metadata: {},
      collection_method: 'charge_automatically',
      due_date: null,
    });
    await expectRejected(stripe.invoices.update('in_missing', { description: 'x' }), {
      message: "No such invoice: 'in_missing'",
      status: 404,
    });
  });

  it('lets a finalized invoice change only description, footer, metadata, custom fields, auto_advance (and due date)', async () => {
    const c = await customer();
    const invoice = await draft(c.id, [5000], { collection_method: 'send_invoice', days_until_due: 30 });
    const open = await stripe.invoices.finalizeInvoice(invoice.id);
    const updated = await stripe.invoices.update(open.id, {
      description: 'Still editable',
      footer: 'So is this',
      metadata: { ref: 'x' },
      custom_fields: [{ name: 'Ref', value: 'x' }],
      auto_advance: true,
      due_date: nowSeconds() + 86_400,
    });
    expect(updated).toMatchObject({
      description: 'Still editable',
      footer: 'So is this',
      metadata: { ref: 'x' },
      auto_advance: true,
      due_date: nowSeconds() + 86_400,
    });
    for (const params of [
      { collection_method: 'charge_automatically' },
      { statement_descriptor: 'NOPE' },
      { days_until_due: 3 },
    ] satisfies Stripe.InvoiceUpdateParams[]) {
      const key = Object.keys(params)[0];
      await expectRejected(stripe.invoices.update(open.id, params), {
        message: /^Finalized invoices can't be updated in this way/,
        code: 'invoice_not_editable',
        param: key,
      });
    }
    // Charged automatically, or no longer open: the due date is fixed too.
    const charged = await stripe.invoices.finalizeInvoice((await draft(c.id, [5000])).id);
    await expectRejected(stripe.invoices.update(charged.id, { due_date: nowSeconds() + 86_400 }), {
      message: /`due_date` can only change on an open invoice with `collection_method=send_invoice`/,
      code: 'invoice_not_editable',
      param: 'due_date',
    });
    await stripe.invoices.pay(open.id);
    await expectRejected(stripe.invoices.update(open.id, { due_date: nowSeconds() + 2 * 86_400 }), {
      message: /^Finalized invoices can't be updated in this way/,
      code: 'invoice_not_editable',
    });
    expect((await stripe.invoices.update(open.id, { metadata: { paid: 'yes' } })).metadata).toEqual({ ref: 'x', paid: 'yes' });
  });

  it('deletes drafts only, with their invoice items', async () => {
    const c = await customer();
    const invoice = await draft(c.id, [100]);
    const itemId = invoice.lines.data[0]?.parent?.invoice_item_details?.invoice_item ?? '';
    const deleted = await stripe.invoices.del(invoice.id);
    const typed: Stripe.DeletedInvoice = deleted;
    expect(typed).toEqual({ id: invoice.id, object: 'invoice', deleted: true });
    await expectRejected(stripe.invoices.retrieve(invoice.id), {
      message: `No such invoice: '${invoice.id}'`,
      code: 'resource_missing',
      status: 404,
    });
    await expectRejected(stripe.invoiceItems.retrieve(itemId), { message: /No such invoiceitem/, status: 404 });
    const open = await stripe.invoices.finalizeInvoice((await draft(c.id, [100])).id);
    await expectRejected(stripe.invoices.del(open.id), {
      message: /^You can only delete draft invoices/,
      code: 'invoice_not_editable',
    });
  });

  it('expands customer (and a deleted customer as its stub); refuses paths that are not expandable', async () => {
    const c = await customer({ name: 'Expand Me' });
    const invoice = await stripe.invoices.create({ customer: c.id });
    const expanded = await stripe.invoices.retrieve(invoice.id, { expand: ['customer'] });
    const expandedCustomer = expanded.customer;
    if (expandedCustomer === null || typeof expandedCustomer === 'string' || expandedCustomer.deleted) {
      throw new Error('customer not expanded');
    }
    expectTypeOf(expandedCustomer).toEqualTypeOf<Stripe.Customer>();
    expect(expandedCustomer.name).toBe('Expand Me');

    // Fields that are never set expand to null.
    const others = await stripe.invoices.retrieve(invoice.id, {
      expand: ['default_payment_method', 'default_source', 'on_behalf_of', 'application', 'test_clock', 'latest_revision'],
    });
    expect(others).toMatchObject({
      default_payment_method: null,
      default_source: null,
      on_behalf_of: null,
      application: null,
      test_clock: null,
      latest_revision: null,
    });

    for (const path of ['lines', 'customer_name']) {
      await expectRejected(stripe.invoices.retrieve(invoice.id, { expand: [path] }), {
        message: `This property cannot be expanded (${path}).`,
        param: 'expand',
      });
    }

    await stripe.customers.del(c.id);
    const orphan = await stripe.invoices.retrieve(invoice.id, { expand: ['customer'] });
    expect(orphan.customer).toEqual({ id: c.id, object: 'customer', deleted: true });
  });
});

// -----------------------------------------------------------------------------------------------------------------

describe('invoice lifecycle', () => {
  it('finalizes: number, timestamps, hosted URLs, frozen customer details; charge_automatically', async () => {
    const c = await customer({ name: 'Before', invoice_prefix: 'ACME' });
    const invoice = await draft(c.id, [2000]);
    tick();
    const open = await stripe.invoices.finalizeInvoice(invoice.id, { auto_advance: true });
    const now = nowSeconds();
    expect(open).toMatchObject({
      status: 'open',
      number: 'ACME-0001',
      auto_advance: true,
      effective_at: now,
      due_date: null,
      next_payment_attempt: now + 3600,
      amount_due: 2000,
      amount_remaining: 2000,
      starting_balance: 0,
      ending_balance: 0,
      customer_name: 'Before',
      status_transitions: { finalized_at: now, paid_at: null, voided_at: null, marked_uncollectible_at: null },
    });
    expect(open.hosted_invoice_url).toMatch(new RegExp(`^${h.local.url}/i/[A-Za-z0-9_]+$`));
    expect(open.invoice_pdf).toBe(`${open.hosted_invoice_url}/pdf`);
    await expectConsistent(open);

    // The customer's sequence moved on; a draft follows the customer, a finalized invoice does not.
    const next = await draft(c.id, [100]);
    await stripe.customers.update(c.id, { name: 'After', email: 'after@example.com' });
    expect((await stripe.invoices.retrieve(open.id)).customer_name).toBe('Before');
    expect((await stripe.invoices.retrieve(next.id)).customer_name).toBe('After');
    expect((await stripe.invoices.finalizeInvoice(next.id)).number).toBe('ACME-0002');
    const after = await stripe.customers.retrieve(c.id);
    expect(after.deleted ? null : after.next_invoice_sequence).toBe(3);
  });

  it('finalizes a send_invoice invoice with a due date from days_until_due', async () => {
    const c = await customer();
    const invoice = await draft(c.id, [2000], { collection_method: 'send_invoice', days_until_due: 10 });
    tick(3600);
    const open = await stripe.invoices.finalizeInvoice(invoice.id);
    expect(open.due_date).toBe(nowSeconds() + 10 * 86_400);
    expect(open.next_payment_attempt).toBeNull();
  });

  it('pays an open invoice (counting the attempt) and records payments made out of band', async () => {
    const c = await customer();
    const open = await stripe.invoices.finalizeInvoice((await draft(c.id, [3000])).id);
    tick();
    const paid = await stripe.invoices.pay(open.id);
    expect(paid).toMatchObject({
      status: 'paid',
      amount_paid: 3000,
      amount_remaining: 0,
      attempted: true,
      attempt_count: 1,
      next_payment_attempt: null,
      status_transitions: { paid_at: nowSeconds() },
    });
    await expectConsistent(paid);

    const other = await stripe.invoices.finalizeInvoice((await draft(c.id, [3000])).id);
    const outOfBand = await stripe.invoices.pay(other.id, { paid_out_of_band: true });
    expect(outOfBand).toMatchObject({ status: 'paid', amount_paid: 3000, attempted: false, attempt_count: 0 });
  });

  it('finalizes a draft before paying it', async () => {
    const c = await customer();
    const invoice = await draft(c.id, [1200]);
    const paid = await stripe.invoices.pay(invoice.id);
    expect(paid.status).toBe('paid');
    expect(paid.number).not.toBeNull();
    expect(paid.status_transitions.finalized_at).toBe(nowSeconds());
    expect(paid.amount_paid).toBe(1200);
    await expectConsistent(paid);
  });

  it('voids open and uncollectible invoices; marks only open ones uncollectible; uncollectible can still be paid', async () => {
    const c = await customer();
    const a = await stripe.invoices.finalizeInvoice((await draft(c.id, [1000])).id);
    tick();
    const voided = await stripe.invoices.voidInvoice(a.id);
    expect(voided).toMatchObject({ status: 'void', next_payment_attempt: null, status_transitions: { voided_at: nowSeconds() } });

    const b = await stripe.invoices.finalizeInvoice((await draft(c.id, [1000])).id);
    const uncollectible = await stripe.invoices.markUncollectible(b.id);
    expect(uncollectible).toMatchObject({
      status: 'uncollectible',
      status_transitions: { marked_uncollectible_at: nowSeconds() },
    });
    tick();
    const paidLater = await stripe.invoices.pay(b.id);
    expect(paidLater).toMatchObject({ status: 'paid', amount_paid: 1000, status_transitions: { paid_at: nowSeconds() } });
    expect(paidLater.status_transitions.marked_uncollectible_at).not.toBeNull();

    const d = await stripe.invoices.finalizeInvoice((await draft(c.id, [1000])).id);
    await stripe.invoices.markUncollectible(d.id);
    expect((await stripe.invoices.voidInvoice(d.id)).status).toBe('void');
  });

  it('refuses every forbidden transition with Stripe’s error', async () => {
    const c = await customer();
    const makeDraft = async () => (await draft(c.id, [1000])).id;
    const makeOpen = async () => (await stripe.invoices.finalizeInvoice(await makeDraft())).id;
    const makePaid = async () => (await stripe.invoices.pay(await makeOpen())).id;
    const makeVoid = async () => (await stripe.invoices.voidInvoice(await makeOpen())).id;
    const makeUncollectible = async () => (await stripe.invoices.markUncollectible(await makeOpen())).id;

    const refinalize = { message: "This invoice is already finalized, you can't re-finalize a non-draft invoice.", code: 'status_transition_invalid' };
    const cannotVoid = { message: 'You can only void open or uncollectible invoices', code: 'status_transition_invalid' };
    const cannotMark = { message: 'You can only mark open invoices as uncollectible', code: 'status_transition_invalid' };
    const cases: Array<[string, () => Promise<string>, (id: string) => Promise<unknown>, { message: string; code: string }]> = [
      ['finalize open', makeOpen, (id) => stripe.invoices.finalizeInvoice(id), refinalize],
      ['finalize paid', makePaid, (id) => stripe.invoices.finalizeInvoice(id), refinalize],
      ['finalize void', makeVoid, (id) => stripe.invoices.finalizeInvoice(id), refinalize],
      ['finalize uncollectible', makeUncollectible, (id) => stripe.invoices.finalizeInvoice(id), refinalize],
      ['pay paid', makePaid, (id) => stripe.invoices.pay(id), { message: 'This invoice is already paid', code: 'status_transition_invalid' }],
      [
        'pay void',
        makeVoid,
        (id) => stripe.invoices.pay(id),
        { message: 'This invoice has been voided and can no longer be paid', code: 'status_transition_invalid' },
      ],
      ['void draft', makeDraft, (id) => stripe.invoices.voidInvoice(id), cannotVoid],
      ['void paid', makePaid, (id) => stripe.invoices.voidInvoice(id), cannotVoid],
      ['void void', makeVoid, (id) => stripe.invoices.voidInvoice(id), cannotVoid],
      ['uncollectible draft', makeDraft, (id) => stripe.invoices.markUncollectible(id), cannotMark],
      ['uncollectible paid', makePaid, (id) => stripe.invoices.markUncollectible(id), cannotMark],
      ['uncollectible void', makeVoid, (id) => stripe.invoices.markUncollectible(id), cannotMark],
      ['uncollectible uncollectible', makeUncollectible, (id) => stripe.invoices.markUncollectible(id), cannotMark],
    ];
    for (const [name, arrange, act, expected] of cases) {
      const id = await arrange();
      const before = await stripe.invoices.retrieve(id);
      const error = await expectRejected(act(id), expected);
      expect(error.statusCode, name).toBe(400);
      // Nothing changed.
      expect(await stripe.invoices.retrieve(id), name).toEqual(before);
    }
    for (const act of [
      () => stripe.invoices.finalizeInvoice('in_missing'),
      () => stripe.invoices.pay('in_missing'),
      () => stripe.invoices.voidInvoice('in_missing'),
      () => stripe.invoices.markUncollectible('in_missing'),
      () => stripe.invoices.del('in_missing'),
    ]) {
      await expectRejected(act(), { message: "No such invoice: 'in_missing'", code: 'resource_missing', status: 404 });
    }
  });
});

// -----------------------------------------------------------------------------------------------------------------

describe('invoice amounts and the customer balance', () => {
  it('shows the current balance on a draft and follows it until finalization', async () => {
    const c = await customer({ balance: -200 });
    const invoice = await draft(c.id, [1000]);
    expect(invoice).toMatchObject({ starting_balance: -200, amount_due: 800, ending_balance: null });
    await stripe.customers.update(c.id, { balance: 300 });
    const later = await stripe.invoices.retrieve(invoice.id);
    expect(later).toMatchObject({ starting_balance: 300, amount_due: 1300, amount_remaining: 1300 });
    await expectConsistent(later);
    expect(await balanceOf(c.id)).toBe(300); // a draft never changes the balance
  });

  it('applies part of a credit balance', async () => {
    const c = await customer({ balance: -300 });
    const open = await stripe.invoices.finalizeInvoice((await draft(c.id, [1000])).id);
    expect(open).toMatchObject({ status: 'open', starting_balance: -300, ending_balance: 0, amount_due: 700 });
    expect(await balanceOf(c.id)).toBe(0);
    await expectConsistent(open);
  });

  it('applies credit up to the total and keeps the rest; a fully covered invoice is paid at once', async () => {
    const c = await customer({ balance: -5000 });
    const paid = await stripe.invoices.finalizeInvoice((await draft(c.id, [1000])).id);
    expect(paid).toMatchObject({
      status: 'paid',
      starting_balance: -5000,
      ending_balance: -4000,
      amount_due: 0,
      amount_paid: 0,
      amount_remaining: 0,
      attempted: true,
      attempt_count: 0,
      status_transitions: { paid_at: nowSeconds(), finalized_at: nowSeconds() },
    });
    expect(await balanceOf(c.id)).toBe(-4000);
    await expectConsistent(paid);
  });

  it('adds a debit balance to the amount due', async () => {
    const c = await customer({ balance: 250 });
    const open = await stripe.invoices.finalizeInvoice((await draft(c.id, [1000])).id);
    expect(open).toMatchObject({ starting_balance: 250, ending_balance: 0, amount_due: 1250 });
    expect(await balanceOf(c.id)).toBe(0);
    const paid = await stripe.invoices.pay(open.id);
    expect(paid.amount_paid).toBe(1250);
    await expectConsistent(paid);
  });

  it('carries an amount below the minimum charge to the balance as a debit, and collects it next time', async () => {
    const c = await customer();
    const small = await stripe.invoices.finalizeInvoice((await draft(c.id, [30])).id);
    expect(small).toMatchObject({ status: 'paid', amount_due: 0, starting_balance: 0, ending_balance: 30, total: 30 });
    expect(await balanceOf(c.id)).toBe(30);
    await expectConsistent(small);

    const next = await stripe.invoices.finalizeInvoice((await draft(c.id, [1000])).id);
    expect(next).toMatchObject({ status: 'open', starting_balance: 30, ending_balance: 0, amount_due: 1030 });
    await expectConsistent(next);
  });

  it('applies the minimum after the balance, per currency', async () => {
    const credit = await customer({ balance: -980 });
    const leftover = await stripe.invoices.finalizeInvoice((await draft(credit.id, [1000])).id);
    expect(leftover).toMatchObject({ status: 'paid', amount_due: 0, starting_balance: -980, ending_balance: 20 });
    expect(await balanceOf(credit.id)).toBe(20);
    await expectConsistent(leftover);

    const gbp = await customer();
    const below = await stripe.invoices.finalizeInvoice((await draft(gbp.id, [25], { currency: 'gbp' })).id);
    expect(below).toMatchObject({ status: 'paid', amount_due: 0, ending_balance: 25 });
    const above = await stripe.invoices.finalizeInvoice((await draft(gbp.id, [10], { currency: 'gbp' })).id);
    // 10 + the 25 carried over = 35 ≥ 30 (GBP's minimum): charged.
    expect(above).toMatchObject({ status: 'open', amount_due: 35, starting_balance: 25, ending_balance: 0 });
  });

  it('marks a zero total paid at once, and turns a negative total into credit', async () => {
    const c = await customer();
    const empty = await stripe.invoices.finalizeInvoice((await stripe.invoices.create({ customer: c.id })).id);
    expect(empty).toMatchObject({ status: 'paid', total: 0, amount_due: 0, ending_balance: 0 });
    await expectConsistent(empty);

    const refund = await stripe.invoices.finalizeInvoice((await draft(c.id, [1000, -1500])).id);
    expect(refund).toMatchObject({ status: 'paid', total: -500, amount_due: 0, starting_balance: 0, ending_balance: -500 });
    expect(refund.lines.data[1]?.discountable).toBe(false); // negative items are not discountable by default
    expect(await balanceOf(c.id)).toBe(-500);
    await expectConsistent(refund);
  });

  it('returns the applied credit to the customer when an invoice is voided', async () => {
    const c = await customer({ balance: -300 });
    const open = await stripe.invoices.finalizeInvoice((await draft(c.id, [1000])).id);
    expect(await balanceOf(c.id)).toBe(0);
    const voided = await stripe.invoices.voidInvoice(open.id);
    expect(await balanceOf(c.id)).toBe(-300);
    expect(voided).toMatchObject({ starting_balance: -300, ending_balance: 0, amount_due: 700 });
    await expectConsistent(voided);
  });
});

// -----------------------------------------------------------------------------------------------------------------

describe('listing invoices', () => {
  let c: Stripe.Customer;
  /** 25 invoices of one customer, newest first. */
  let expected: string[];

  beforeAll(async () => {
    c = await customer();
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      tick();
      const invoice = await stripe.invoices.create({
        customer: c.id,
        ...(i % 5 === 0 ? { collection_method: 'send_invoice' as const, due_date: 2_000_000_000 + i * 86_400 } : {}),
      });
      ids.push(invoice.id);
    }
    expected = ids.reverse();
  });

  const ids = (list: Stripe.ApiList<Stripe.Invoice>) => list.data.map((invoice) => invoice.id);

  it('pages forward and backward with starting_after / ending_before, newest first', async () => {
    const page1 = await stripe.invoices.list({ customer: c.id, limit: 10 });
    expect(page1).toMatchObject({ object: 'list', has_more: true, url: '/v1/invoices' });
    expect(ids(page1)).toEqual(expected.slice(0, 10));
    const page2 = await stripe.invoices.list({ customer: c.id, limit: 10, starting_after: page1.data[9]?.id });
    expect(ids(page2)).toEqual(expected.slice(10, 20));
    expect(page2.has_more).toBe(true);
    const page3 = await stripe.invoices.list({ customer: c.id, limit: 10, starting_after: page2.data[9]?.id });
    expect(ids(page3)).toEqual(expected.slice(20));
    expect(page3.has_more).toBe(false);

    const back = await stripe.invoices.list({ customer: c.id, limit: 10, ending_before: page3.data[0]?.id });
    expect(ids(back)).toEqual(expected.slice(10, 20));
    expect(back.has_more).toBe(true);
    const backToStart = await stripe.invoices.list({ customer: c.id, limit: 10, ending_before: page2.data[0]?.id });
    expect(ids(backToStart)).toEqual(expected.slice(0, 10));
    expect(backToStart.has_more).toBe(false);
    const partial = await stripe.invoices.list({ customer: c.id, limit: 10, ending_before: expected[3] });
    expect(ids(partial)).toEqual(expected.slice(0, 3));
    expect(partial.has_more).toBe(false);
  });

  it('answers the edges: before the newest, after the oldest, limits, bad cursors', async () => {
    const beforeNewest = await stripe.invoices.list({ customer: c.id, ending_before: expected[0] });
    expect(beforeNewest.data).toEqual([]);
    expect(beforeNewest.has_more).toBe(false);
    const afterOldest = await stripe.invoices.list({ customer: c.id, starting_after: expected[24] });
    expect(afterOldest.data).toEqual([]);
    expect(afterOldest.has_more).toBe(false);
    expect(ids(await stripe.invoices.list({ customer: c.id, limit: 100 }))).toEqual(expected);
    expect((await stripe.invoices.list({ customer: c.id, limit: 25 })).has_more).toBe(false);
    expect((await stripe.invoices.list({ customer: c.id, limit: 24 })).has_more).toBe(true);
    expect(ids(await stripe.invoices.list({ customer: c.id }))).toHaveLength(10); // default limit
    const all = await stripe.invoices.list({ customer: c.id, limit: 7 }).autoPagingToArray({ limit: 100 });
    expect(all.map((invoice) => invoice.id)).toEqual(expected);

    await expectRejected(stripe.invoices.list({ customer: c.id, limit: 0 }), { message: /limit/, param: 'limit' });
    await expectRejected(stripe.invoices.list({ customer: c.id, limit: 101 }), { message: /limit/, param: 'limit' });
    await expectRejected(stripe.invoices.list({ starting_after: 'in_missing' }), {
      message: "No such invoice: 'in_missing'",
      param: 'starting_after',
      status: 404,
    });
    await expectRejected(stripe.invoices.list({ starting_after: expected[1], ending_before: expected[0] }), {
      message: 'You may only specify one of these parameters: ending_before, starting_after.',
    });
  });

  it('filters by status, collection method, created and due date', async () => {
    const sendIds = expected.filter((_, i) => (24 - i) % 5 === 0);
    expect(ids(await stripe.invoices.list({ customer: c.id, collection_method: 'send_invoice', limit: 100 }))).toEqual(sendIds);
    expect(ids(await stripe.invoices.list({ customer: c.id, status: 'draft', limit: 100 }))).toEqual(expected);
    expect((await stripe.invoices.list({ customer: c.id, status: 'open' })).data).toEqual([]);

    const newest = await stripe.invoices.retrieve(expected[0] as string);
    const fifth = await stripe.invoices.retrieve(expected[4] as string);
    const inWindow = await stripe.invoices.list({
      customer: c.id,
      created: { gte: fifth.created, lt: newest.created },
      limit: 100,
    });
    expect(ids(inWindow)).toEqual(expected.slice(1, 5));
    expect(ids(await stripe.invoices.list({ customer: c.id, created: newest.created }))).toEqual([expected[0]]);

    const due = await stripe.invoices.list({ customer: c.id, due_date: { gt: 2_000_000_000 }, limit: 100 });
    expect(ids(due)).toEqual(sendIds.slice(0, sendIds.length - 1)); // the oldest is due exactly at 2e9
  });

  it('filters by subscription', async () => {
    const subscription = subscribe({
      customer: c.id,
      items: [{ price: 'price_x', product: 'prod_x' }],
    });
    const invoice = await stripe.invoices.create({ customer: c.id, subscription: subscription.id });
    expect(ids(await stripe.invoices.list({ subscription: subscription.id }))).toEqual([invoice.id]);
    await stripe.invoices.del(invoice.id);
  });

  it('expands data.customer, and refuses paths without data.', async () => {
    const list = await stripe.invoices.list({ customer: c.id, limit: 3, expand: ['data.customer'] });
    for (const invoice of list.data) expect(invoice.customer).toMatchObject({ id: c.id, object: 'customer' });
    await expectRejected(stripe.invoices.list({ customer: c.id, expand: ['customer'] }), {
      message: "This property cannot be expanded (customer). You may want to try expanding 'data.customer' instead.",
      param: 'expand',
    });
  });
});

// -----------------------------------------------------------------------------------------------------------------

describe('searching invoices', () => {
  it('finds invoices by customer, status, metadata, number, total and currency, and pages', async () => {
    const c = await customer({ invoice_prefix: 'SRCH' });
    const paidOne = await stripe.invoices.pay((await draft(c.id, [4200], { metadata: { region: 'emea' } })).id);
    const openOne = await stripe.invoices.finalizeInvoice((await draft(c.id, [900])).id);
    tick();
    const draftOne = await draft(c.id, [100], { metadata: { region: 'apac' } });

    const search = (query: string, extra: Partial<Stripe.InvoiceSearchParams> = {}) =>
      stripe.invoices.search({ query, ...extra });
    const found = async (query: string) => (await search(query)).data.map((invoice) => invoice.id);

    expect(await found(`customer:'${c.id}'`)).toEqual([draftOne.id, openOne.id, paidOne.id]);
    expect(await found(`customer:'${c.id}' AND status:'paid'`)).toEqual([paidOne.id]);
    expect(await found(`customer:'${c.id}' AND -status:'paid'`)).toEqual([draftOne.id, openOne.id]);
    expect(await found(`customer:'${c.id}' AND metadata['region']:'emea'`)).toEqual([paidOne.id]);
    expect(await found(`number:'${openOne.number}'`)).toEqual([openOne.id]);
    expect(await found(`number~'SRCH'`)).toEqual([openOne.id, paidOne.id]);
    expect(await found(`customer:'${c.id}' AND total>1000`)).toEqual([paidOne.id]);
    expect(await found(`customer:'${c.id}' AND total<=900 AND currency:'usd'`)).toEqual([draftOne.id, openOne.id]);
    expect(await found(`customer:'${c.id}' AND created>=${draftOne.created}`)).toEqual([draftOne.id]);
    expect(await found(`number:'${paidOne.number}' OR number:'${openOne.number}'`)).toEqual([openOne.id, paidOne.id]);
    expect(await found(`customer:'${c.id}' AND number:null`)).toEqual([draftOne.id]);

    const page1 = await search(`customer:'${c.id}'`, { limit: 2, expand: ['total_count', 'data.customer'] });
    expect(page1).toMatchObject({ object: 'search_result', has_more: true, url: '/v1/invoices/search', total_count: 3 });
    expect(page1.data[0]?.customer).toMatchObject({ id: c.id, object: 'customer' });
    expect(page1.next_page).toEqual(expect.any(String));
    const page2 = await search(`customer:'${c.id}'`, { limit: 2, page: page1.next_page ?? '' });
    expect(page2.data.map((invoice) => invoice.id)).toEqual([paidOne.id]);
    expect(page2.has_more).toBe(false);
    expect(page2.next_page).toBeNull();
    const everything = await stripe.invoices.search({ query: `customer:'${c.id}'`, limit: 1 }).autoPagingToArray({ limit: 10 });
    expect(everything).toHaveLength(3);

    await expectRejected(search('amount_due>1'), { message: /unsupported search field/, param: 'query' });
  });

  it('finds invoices by subscription', async () => {
    const c = await customer();
    const subscription = subscribe({ customer: c.id, items: [{ price: 'price_s', product: 'prod_s' }] });
    const invoice = await stripe.invoices.create({ customer: c.id, subscription: subscription.id });
    const result = await stripe.invoices.search({ query: `subscription:'${subscription.id}'` });
    expect(result.data.map((i) => i.id)).toEqual([invoice.id]);
  });
});

// -----------------------------------------------------------------------------------------------------------------

describe('invoice lines', () => {
  it('embeds the first 10 lines and pages the rest in insertion order', async () => {
    const c = await customer();
    const amounts = Array.from({ length: 25 }, (_, i) => (i + 1) * 100);
    const invoice = await draft(c.id, amounts);
    expect(invoice.lines.data).toHaveLength(10);
    expect(invoice.lines.has_more).toBe(true);
    expect(invoice.lines.url).toBe(`/v1/invoices/${invoice.id}/lines`);
    expect(invoice.lines.data.map((line) => line.description)).toEqual(amounts.slice(0, 10).map((_, i) => `item ${i + 1}`));
    await expectConsistent(invoice);
    expect(invoice.total).toBe(amounts.reduce((a, b) => a + b, 0));

    const page1 = await stripe.invoices.listLineItems(invoice.id, { limit: 10 });
    expect(page1).toMatchObject({ object: 'list', has_more: true, url: `/v1/invoices/${invoice.id}/lines` });
    const page2 = await stripe.invoices.listLineItems(invoice.id, { limit: 10, starting_after: page1.data[9]?.id });
    expect(page2.data.map((line) => line.description)).toEqual(amounts.slice(10, 20).map((_, i) => `item ${i + 11}`));
    const page3 = await stripe.invoices.listLineItems(invoice.id, { limit: 10, starting_after: page2.data[9]?.id });
    expect(page3.data).toHaveLength(5);
    expect(page3.has_more).toBe(false);
    const back = await stripe.invoices.listLineItems(invoice.id, { limit: 10, ending_before: page3.data[0]?.id });
    expect(back.data.map((line) => line.id)).toEqual(page2.data.map((line) => line.id));
    expect(back.has_more).toBe(true);
    const start = await stripe.invoices.listLineItems(invoice.id, { ending_before: page1.data[0]?.id });
    expect(start.data).toEqual([]);
    expect(start.has_more).toBe(false);
    expect(await allLines(invoice.id)).toHaveLength(25);
    await expectRejected(stripe.invoices.listLineItems(invoice.id, { starting_after: 'il_missing' }), {
      message: /il_missing/,
      param: 'starting_after',
      status: 404,
    });
    await expectRejected(stripe.invoices.listLineItems('in_missing'), { message: "No such invoice: 'in_missing'", status: 404 });
  });

  it('describes a line from an invoice item with Stripe’s parent, pricing and Decimal fields', async () => {
    const c = await customer();
    const invoice = await stripe.invoices.create({ customer: c.id });
    const item = await stripe.invoiceItems.create({
      customer: c.id,
      invoice: invoice.id,
      quantity: 2,
      unit_amount_decimal: Stripe.Decimal.from('1999.5'),
      description: 'Seats',
      period: { start: 1_790_000_000, end: 1_792_592_000 },
      metadata: { seat: 'yes' },
    });
    const [line] = (await stripe.invoices.listLineItems(invoice.id)).data;
    if (line === undefined) throw new Error('no line');
    const typed: Stripe.InvoiceLineItem = line;
    expectTypeOf(line.quantity_decimal).toEqualTypeOf<Stripe.Decimal | null>();
    expect(typed.id).toMatch(/^il_[A-Za-z0-9]{24}$/);
    expect(line).toMatchObject({
      object: 'line_item',
      amount: 3999,
      subtotal: 3999,
      currency: 'usd',
      description: 'Seats',
      invoice: invoice.id,
      quantity: 2,
      metadata: { seat: 'yes' },
      period: { start: 1_790_000_000, end: 1_792_592_000 },
      discountable: true,
      discounts: [],
      discount_amounts: [],
      subscription: null,
      parent: {
        type: 'invoice_item_details',
        invoice_item_details: { invoice_item: item.id, proration: false, proration_details: { credited_items: null }, subscription: null },
        subscription_item_details: null,
      },
    });
    expect(line.quantity_decimal?.toString()).toBe('2');
    expect(line.pricing).toMatchObject({ type: 'price_details', price_details: item.pricing?.price_details });
    expect(line.pricing?.unit_amount_decimal?.eq(Stripe.Decimal.from('1999.5'))).toBe(true);
    // The lines embedded in the invoice are parsed the same way.
    const embedded = (await stripe.invoices.retrieve(invoice.id)).lines.data[0];
    expect(embedded?.quantity_decimal?.add(Stripe.Decimal.from(1)).toString()).toBe('3');

    const withDiscounts = await stripe.invoices.listLineItems(invoice.id, { expand: ['data.discounts'] });
    expect(withDiscounts.data[0]?.discounts).toEqual([]);
    // A line's subscription expands (served since subscriptions are); this line has none.
    const withSubscription = await stripe.invoices.listLineItems(invoice.id, { expand: ['data.subscription'] });
    expect(withSubscription.data[0]?.subscription).toBeNull();
  });

  it('shows subscription-item and proration lines the seed creates', async () => {
    const c = await customer();
    const subscription = subscribe({
      customer: c.id,
      items: [{ price: 'price_team', product: 'prod_team', quantity: 3 }],
    });
    const itemId = subscription.items.data[0]?.id ?? '';
    const invoice = await stripe.invoices.create({ customer: c.id, subscription: subscription.id });
    createInvoiceItem(
      h.local.store,
      { customer: c.id, invoice: invoice.id, amount: 3000, quantity: 3, subscription: subscription.id, description: 'Team' },
      { subscriptionItem: itemId },
    );
    const proration = createInvoiceItem(
      h.local.store,
      { customer: c.id, invoice: invoice.id, amount: -1000, description: 'Unused time' },
      { proration: true, subscriptionItem: itemId },
    );
    const lines = (await stripe.invoices.retrieve(invoice.id)).lines.data;
    expect(lines[0]).toMatchObject({
      amount: 3000,
      quantity: 3,
      subscription: subscription.id,
      pricing: { type: 'price_details', price_details: { price: 'price_team', product: 'prod_team' } },
      parent: {
        type: 'subscription_item_details',
        invoice_item_details: null,
        subscription_item_details: { subscription: subscription.id, subscription_item: itemId, proration: false },
      },
    });
    expect(lines[0]?.pricing?.unit_amount_decimal?.toString()).toBe('1000');
    expect(lines[1]).toMatchObject({
      amount: -1000,
      discountable: false,
      parent: { subscription_item_details: { invoice_item: proration.id, proration: true, subscription_item: itemId } },
    });
    const finalized = await stripe.invoices.finalizeInvoice(invoice.id);
    expect(finalized.total).toBe(2000);
    await expectConsistent(finalized);
  });
});

// -----------------------------------------------------------------------------------------------------------------

describe('hosted invoice page and PDF', () => {
  /** Checks the PDF's cross-reference table: every object starts where the xref says it does. */
  function expectValidPdf(pdf: Buffer): void {
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    const startxref = Number(/startxref\n(\d+)\n%%EOF/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    const header = /xref\n0 (\d+)\n/.exec(text.slice(startxref));
    const count = Number(header?.[1]);
    const entries = text.slice(startxref + (header?.[0].length ?? 0)).split('\n').slice(0, count);
    expect(entries[0]).toBe('0000000000 65535 f ');
    for (let n = 1; n < count; n++) {
      const offset = Number(entries[n]?.slice(0, 10));
      expect(text.slice(offset, offset + `${n} 0 obj`.length)).toBe(`${n} 0 obj`);
    }
    for (const match of text.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
      const start = (match.index ?? 0) + match[0].length;
      expect(text.slice(start + Number(match[1]), start + Number(match[1]) + '\nendstream'.length)).toBe('\nendstream');
    }
  }

  it('serves the hosted page with the invoice’s number, customer, lines and totals, escaped', async () => {
    const c = await customer({ name: '<script>alert("x")</script> & Co', email: 'ap@example.com', balance: -100 });
    const invoice = await draft(c.id, [1234, 5000], { collection_method: 'send_invoice', days_until_due: 30, footer: 'Pay <soon>' });
    expect(invoice.hosted_invoice_url).toBeNull();
    const open = await stripe.invoices.finalizeInvoice(invoice.id);
    const response = await fetch(open.hosted_invoice_url ?? '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const body = await response.text();
    expect(body).toContain(`Invoice ${open.number}`);
    expect(body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    expect(body).not.toContain('<script>');
    expect(body).toContain('Pay &lt;soon&gt;');
    expect(body).toContain('item 1');
    expect(body).toContain('$12.34');
    expect(body).toContain('$62.34'); // total
    expect(body).toContain('$61.34'); // amount due after the $1.00 credit
    expect(body).toContain('Open');
    expect(body).not.toMatch(/<(link|img|script)\b|https?:\/\//);

    await stripe.invoices.pay(open.id);
    expect(await (await fetch(open.hosted_invoice_url ?? '')).text()).toContain('Paid');
  });

  it('serves a valid PDF with the invoice number, customer, lines and total', async () => {
    const c = await customer({ name: 'Zoë (Ltd)' });
    const amounts = Array.from({ length: 60 }, () => 100); // enough lines for a second page
    const open = await stripe.invoices.finalizeInvoice((await draft(c.id, amounts)).id);
    const response = await fetch(open.invoice_pdf ?? '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await response.arrayBuffer());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expectValidPdf(pdf);
    const text = pdf.toString('latin1');
    expect(text).toContain(`(Invoice number: ${open.number})`);
    expect(text).toContain('(Zo\\353 \\(Ltd\\))'); // WinAnsi ë, escaped parentheses
    expect(text).toContain('(item 60)');
    expect(text).toContain('(60.00 USD)');
    expect(text).toContain('/Count 2');
    expect(text).toContain('/BaseFont /Helvetica');
  });

  it('answers 404 for an unknown secret', async () => {
    const response = await fetch(`${h.local.url}/i/test_doesnotexist`);
    expect(response.status).toBe(404);
    expect((await fetch(`${h.local.url}/i/test_doesnotexist/pdf`)).status).toBe(404);
  });
});

// -----------------------------------------------------------------------------------------------------------------

describe('concurrent writes', () => {
  it('keeps all 50 lines of 50 concurrent invoice item creations on one draft', async () => {
    const c = await customer();
    const invoice = await stripe.invoices.create({ customer: c.id });
    const amounts = Array.from({ length: 50 }, (_, i) => 100 + i);
    const items = await Promise.all(
      amounts.map((amount) => stripe.invoiceItems.create({ customer: c.id, invoice: invoice.id, amount })),
    );
    expect(new Set(items.map((item) => item.id)).size).toBe(50);
    const after = await stripe.invoices.retrieve(invoice.id);
    const lines = await allLines(invoice.id);
    expect(lines).toHaveLength(50);
    expect(new Set(lines.map((line) => line.parent?.invoice_item_details?.invoice_item))).toEqual(
      new Set(items.map((item) => item.id)),
    );
    const sum = amounts.reduce((a, b) => a + b, 0);
    expect(after.total).toBe(sum);
    expect(after.amount_due).toBe(sum);
    await expectConsistent(after);
    expect((await stripe.invoiceItems.list({ invoice: invoice.id, limit: 100 })).data).toHaveLength(50);
  });
});
