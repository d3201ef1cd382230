/**
 * What subscription changes bill, and the invoice preview: prorations of a plan or quantity change
 * (`create_prorations`, `always_invoice`, `none`, `proration_date`), added and deleted items, a change of interval,
 * ending a trial now; `POST /v1/invoices/create_preview` for the next renewal (equal to the invoice the renewal then
 * creates), for a proposed change, cancel_now, invoice_items, and Stripe's `invoice_upcoming_none`.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/local-stripe/index.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

const DAY = 86_400;

let h: Harness;
let stripe: Stripe;
let basic: Stripe.Price;
let pro: Stripe.Price;
let proYearly: Stripe.Price;
let seat: Stripe.Price;

beforeAll(async () => {
  // 1 Dec 2026 12:00 UTC: December has 31 days.
  h = await startHarness({ clock: manualClock(Date.UTC(2026, 11, 1, 12)) });
  stripe = h.stripe;
  const product = (name: string) => stripe.products.create({ name });
  const [b, p, t] = await Promise.all([product('Basic'), product('Pro'), product('Team')]);
  basic = await stripe.prices.create({ product: b.id, currency: 'usd', unit_amount: 3100, recurring: { interval: 'month' } });
  pro = await stripe.prices.create({ product: p.id, currency: 'usd', unit_amount: 6200, recurring: { interval: 'month' } });
  proYearly = await stripe.prices.create({ product: p.id, currency: 'usd', unit_amount: 62_000, recurring: { interval: 'year' } });
  seat = await stripe.prices.create({ product: t.id, currency: 'usd', unit_amount: 1000, recurring: { interval: 'month' } });
});
afterAll(() => h.local.stop());

async function subscribe(params: Partial<Stripe.SubscriptionCreateParams> = {}): Promise<Stripe.Subscription> {
  const customer = await stripe.customers.create({
    name: 'Billed',
    payment_method: 'pm_card_visa',
    invoice_settings: { default_payment_method: 'pm_card_visa' },
  });
  return stripe.subscriptions.create({ customer: customer.id, items: [{ price: basic.id }], ...params });
}

const isProration = (line: Stripe.InvoiceLineItem) => line.parent?.subscription_item_details?.proration === true;
/** What must agree between a preview and the invoice that follows it. */
const lineView = (line: Stripe.InvoiceLineItem) => ({
  amount: line.amount,
  description: line.description,
  period: line.period,
  quantity: line.quantity,
  price: line.pricing?.price_details?.price,
  proration: line.parent?.subscription_item_details?.proration ?? line.parent?.invoice_item_details?.proration,
  item: line.parent?.subscription_item_details?.subscription_item,
});

describe('changes and prorations', () => {
  it('prorates an upgrade at proration_date: a credit for Basic, a charge for Pro, billed with the next renewal', async () => {
    const sub = await subscribe();
    const item = sub.items.data[0]!;
    const start = item.current_period_start;
    const end = item.current_period_end;
    expect(end - start).toBe(31 * DAY);
    const at = start + 10 * DAY;
    h.local.clock.advanceTo(at + 60);
    const updated = await stripe.subscriptions.update(sub.id, { items: [{ id: item.id, price: pro.id }], proration_date: at });
    expect(updated.items.data.map((i) => [i.id, i.price.id])).toEqual([[item.id, pro.id]]);
    const pending = await stripe.invoiceItems.list({ customer: sub.customer as string, pending: true });
    // 21 of 31 days left: 3100 × 21/31 = 2100 credited, 6200 × 21/31 = 4200 charged (newest first).
    expect(pending.data.map((i) => [i.amount, i.proration, i.period, i.pricing?.price_details?.price])).toEqual([
      [4200, true, { start: at, end }, pro.id],
      [-2100, true, { start: at, end }, basic.id],
    ]);
    // The renewal bills them, before the new period on Pro.
    h.local.clock.advanceTo(end + 1);
    const renewal = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(renewal.lines.data.map((l) => [l.amount, isProration(l)])).toEqual([
      [-2100, true],
      [4200, true],
      [6200, false],
    ]);
    expect((await stripe.invoiceItems.list({ customer: sub.customer as string, pending: true })).data).toEqual([]);
  });

  it('invoices the prorations at once with always_invoice, and makes none with none', async () => {
    const sub = await subscribe();
    const item = sub.items.data[0]!;
    h.local.clock.advance(Math.round(15.5 * DAY));
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: pro.id, quantity: 2 }],
      proration_behavior: 'always_invoice',
    });
    const invoice = await stripe.invoices.retrieve(updated.latest_invoice as string);
    expect(invoice).toMatchObject({ billing_reason: 'subscription_update', status: 'paid' });
    expect(invoice.lines.data.every(isProration)).toBe(true);
    // 15.5 of 31 days left: −1550 on Basic, +6200 on 2 × Pro.
    expect(invoice.lines.data.map((l) => l.amount)).toEqual([-1550, 6200]);
    expect(invoice.lines.data[1]!.description).toMatch(/^Remaining time on 2 × Pro after /);

    const quiet = await subscribe();
    await stripe.subscriptions.update(quiet.id, { items: [{ id: quiet.items.data[0]!.id, quantity: 5 }], proration_behavior: 'none' });
    expect((await stripe.invoiceItems.list({ customer: quiet.customer as string, pending: true })).data).toEqual([]);
  });

  it('adds and deletes items with their prorations', async () => {
    const sub = await subscribe();
    const [basicItem] = sub.items.data;
    h.local.clock.advance(Math.round(31 * DAY * 0.5));
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: basicItem!.id, deleted: true }, { price: seat.id, quantity: 4 }],
    });
    expect(updated.items.data.map((i) => [i.price.id, i.quantity])).toEqual([[seat.id, 4]]);
    const pending = await stripe.invoiceItems.list({ customer: sub.customer as string, pending: true });
    expect(pending.data.map((i) => i.amount).sort((a, b) => a - b)).toEqual([-1550, 2000]);
    const error = await stripeError(stripe.subscriptions.update(sub.id, { items: [{ id: updated.items.data[0]!.id, deleted: true }] }));
    expect(error.param).toBe('items');
    const foreign = await stripeError(stripe.subscriptions.update(sub.id, { items: [{ id: basicItem!.id, quantity: 2 }] }));
    expect(foreign.message).toMatch(/No such subscription item/);
    const mixed = await stripeError(stripe.subscriptions.update(sub.id, { items: [{ price: proYearly.id }] }));
    expect(mixed.message).toMatch(/Found mismatch in interval field/);
  });

  it('starts a new period now on a change of interval, crediting the unused month', async () => {
    const sub = await subscribe({ items: [{ price: pro.id }] });
    h.local.clock.advance(Math.round(31 * DAY * 0.25));
    const now = h.local.clock.now();
    const updated = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: proYearly.id }] });
    expect(updated.billing_cycle_anchor).toBe(now);
    expect(updated.items.data[0]!.current_period_start).toBe(now);
    const invoice = await stripe.invoices.retrieve(updated.latest_invoice as string);
    expect(invoice.billing_reason).toBe('subscription_update');
    const { current_period_start: start, current_period_end: end } = sub.items.data[0]!;
    expect(invoice.lines.data.map((l) => [l.amount, isProration(l)])).toEqual([
      [-Math.round((6200 * (end - now)) / (end - start)), true],
      [62_000, false],
    ]);
  });

  it('ends a trial now with trial_end: now', async () => {
    const sub = await subscribe({ trial_period_days: 14 });
    h.local.clock.advance(DAY);
    const ended = await stripe.subscriptions.update(sub.id, { trial_end: 'now' });
    expect(ended).toMatchObject({ status: 'active', trial_end: h.local.clock.now() });
    const invoice = await stripe.invoices.retrieve(ended.latest_invoice as string);
    expect(invoice).toMatchObject({ billing_reason: 'subscription_update', total: 3100, status: 'paid' });
  });
});

describe('create_preview', () => {
  it('previews the next renewal exactly as the renewal then invoices it', async () => {
    const sub = await subscribe({ items: [{ price: basic.id }, { price: seat.id, quantity: 3 }] });
    // A pending change: its prorations go on the renewal too.
    h.local.clock.advance(5 * DAY);
    await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[1]!.id, quantity: 5 }] });
    const preview = await stripe.invoices.createPreview({ subscription: sub.id });
    expect(preview.id).toMatch(/^upcoming_in_/);
    expect(preview).toMatchObject({ object: 'invoice', billing_reason: 'upcoming', status: 'draft', customer: sub.customer });
    expect(preview.parent?.subscription_details?.subscription).toBe(sub.id);
    await expect(stripe.invoices.retrieve(preview.id)).rejects.toThrow();
    expect((await stripe.invoices.list({ customer: sub.customer as string })).data.map((i) => i.id)).not.toContain(preview.id);

    h.local.clock.advanceTo(sub.items.data[0]!.current_period_end + 1);
    const renewal = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(renewal.billing_reason).toBe('subscription_cycle');
    expect(preview.lines.data.map(lineView)).toEqual(renewal.lines.data.map(lineView));
    for (const key of ['total', 'subtotal', 'amount_due', 'period_start', 'period_end', 'created', 'currency'] as const) {
      expect([key, preview[key]]).toEqual([key, renewal[key]]);
    }
    expect(preview.lines.data.filter(isProration)).toHaveLength(2);
  });

  it('previews a proposed plan change without changing anything', async () => {
    const sub = await subscribe();
    h.local.clock.advance(10 * DAY);
    const at = h.local.clock.now();
    const { current_period_start: start, current_period_end: end } = sub.items.data[0]!;
    const left = (amount: number) => Math.round((amount * (end - at)) / (end - start));
    const preview = await stripe.invoices.createPreview({
      customer: sub.customer as string,
      subscription: sub.id,
      subscription_details: { items: [{ id: sub.items.data[0]!.id, price: pro.id }], proration_date: at },
    });
    const prorations = preview.lines.data.filter(isProration);
    expect(prorations.map((l) => l.amount)).toEqual([-left(3100), left(6200)]);
    const next = preview.lines.data.filter((l) => !isProration(l));
    expect(next.map((l) => [l.amount, l.pricing?.price_details?.price])).toEqual([[6200, pro.id]]);
    expect(preview.total).toBe(-left(3100) + left(6200) + 6200);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data[0]!.price.id).toBe(basic.id);
    expect((await stripe.invoiceItems.list({ customer: sub.customer as string, pending: true })).data).toEqual([]);

    const immediate = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: { items: [{ id: sub.items.data[0]!.id, price: pro.id }], proration_behavior: 'always_invoice', proration_date: at },
    });
    expect(immediate.lines.data.map((l) => l.amount)).toEqual([-left(3100), left(6200)]);
    const cancel = await stripe.invoices.createPreview({ subscription: sub.id, subscription_details: { cancel_now: true, proration_date: at } });
    expect(cancel.lines.data.map((l) => l.amount)).toEqual([-left(3100)]);
  });

  it('adds invoice_items, previews a customer without a subscription, and answers invoice_upcoming_none', async () => {
    const sub = await subscribe();
    const withItem = await stripe.invoices.createPreview({
      subscription: sub.id,
      invoice_items: [{ amount: 1500, description: 'Setup' }],
    });
    expect(withItem.lines.data.map((l) => l.amount)).toEqual([3100, 1500]);

    const lonely = await stripe.customers.create({ name: 'Nobody' });
    const error = await stripeError(stripe.invoices.createPreview({ customer: lonely.id }));
    expect({ status: error.statusCode, code: error.code, message: error.message }).toEqual({
      status: 400,
      code: 'invoice_upcoming_none',
      message: `No upcoming invoices for customer: ${lonely.id}`,
    });
    await stripe.invoiceItems.create({ customer: lonely.id, amount: 700, currency: 'usd', description: 'Extra' });
    const pendingOnly = await stripe.invoices.createPreview({ customer: lonely.id });
    expect(pendingOnly.lines.data.map((l) => [l.amount, l.description])).toEqual([[700, 'Extra']]);

    await stripe.subscriptions.cancel(sub.id);
    const canceled = await stripeError(stripe.invoices.createPreview({ subscription: sub.id }));
    expect(canceled.code).toBe('invoice_upcoming_none');
    const missing = await stripeError(stripe.invoices.createPreview({}));
    expect(missing.param).toBe('customer');
    const other = await stripeError(stripe.invoices.createPreview({ customer: lonely.id, subscription: sub.id }));
    expect(other.message).toMatch(/does not belong to the customer/);
  });
});
