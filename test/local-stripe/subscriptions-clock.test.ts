/**
 * Subscriptions under the clock (`local.clock`, `/_local/clock`): renewals make `subscription_cycle` invoices that
 * are finalized an hour later and collected; trials end; scheduled cancellations happen at their time; incomplete
 * subscriptions expire; paused collection and paused subscriptions; the control API's clock endpoints.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../src/local-stripe/index.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';

const HOUR = 3600;
const DAY = 86_400;

let h: Harness;
let stripe: Stripe;
let monthly: Stripe.Price;

beforeAll(async () => {
  h = await startHarness({ clock: manualClock() });
  stripe = h.stripe;
  const product = await stripe.products.create({ name: 'Pro' });
  monthly = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 4900, recurring: { interval: 'month' } });
});
afterAll(() => h.local.stop());

/** A subscription of a customer paying by a Visa 4242 (`card`: another test card, or none). */
async function subscribe(params: Partial<Stripe.SubscriptionCreateParams> = {}, card: string | null = 'pm_card_visa'): Promise<Stripe.Subscription> {
  const customer = await stripe.customers.create({
    name: 'Clocked',
    ...(card !== null ? { payment_method: card, invoice_settings: { default_payment_method: card } } : {}),
  });
  return stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], ...params });
}

const periodEnd = (s: Stripe.Subscription) => s.items.data[0]!.current_period_end;

describe('the clock', () => {
  it('moves the account forward; objects created afterwards carry the new time', async () => {
    const before = h.local.clock.now();
    expect(h.local.clock.advance(3 * DAY)).toBe(before + 3 * DAY);
    const customer = await stripe.customers.create({ name: 'Later' });
    expect(customer.created).toBe(before + 3 * DAY);
    expect(() => h.local.clock.advanceTo(before)).toThrow(/only moves forward/);
  });

  it('is served under /_local/clock', async () => {
    const now = (await (await fetch(`${h.local.url}/_local/clock`)).json()) as { now: number };
    expect(now.now).toBe(h.local.clock.now());
    const moved = await fetch(`${h.local.url}/_local/clock/advance`, { method: 'POST', body: JSON.stringify({ seconds: 60 }) });
    expect(await moved.json()).toEqual({ now: now.now + 60 });
    const to = await fetch(`${h.local.url}/_local/clock/advance`, { method: 'POST', body: JSON.stringify({ to: now.now + 120 }) });
    expect(await to.json()).toEqual({ now: now.now + 120 });
    for (const body of [{}, { seconds: -1 }, { seconds: 1, to: 2 }, { seconds: 'x' }, { to: now.now }]) {
      const refused = await fetch(`${h.local.url}/_local/clock/advance`, { method: 'POST', body: JSON.stringify(body) });
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    expect(h.local.clock.now()).toBe(now.now + 120);
  });
});

describe('renewals', () => {
  it('renews at period end: a draft subscription_cycle invoice, finalized and paid an hour later', async () => {
    const sub = await subscribe({ metadata: { n: '1' } });
    const end = periodEnd(sub);
    h.local.clock.advanceTo(end + 10);
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed.status).toBe('active');
    expect(renewed.items.data[0]!.current_period_start).toBe(end);
    expect(renewed.latest_invoice).not.toBe(sub.latest_invoice);
    const draft = await stripe.invoices.retrieve(renewed.latest_invoice as string);
    expect(draft).toMatchObject({
      status: 'draft',
      created: end,
      billing_reason: 'subscription_cycle',
      period_start: sub.items.data[0]!.current_period_start,
      period_end: end,
      auto_advance: true,
      automatically_finalizes_at: end + HOUR,
      total: 4900,
    });
    expect(draft.lines.data[0]!.period).toEqual({ start: end, end: periodEnd(renewed) });
    h.local.clock.advanceTo(end + HOUR + 1);
    const paid = await stripe.invoices.retrieve(draft.id);
    expect(paid).toMatchObject({ status: 'paid', attempted: true, attempt_count: 1, status_transitions: { finalized_at: end + HOUR, paid_at: end + HOUR } });
    // Three more months: three more invoices, one per period, each in order.
    h.local.clock.advanceTo(end + 92 * DAY);
    const invoices = await stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data.map((i) => i.billing_reason)).toEqual(['subscription_cycle', 'subscription_cycle', 'subscription_cycle', 'subscription_cycle', 'subscription_create']);
    expect(invoices.data.slice(1).every((i) => i.status === 'paid')).toBe(true);
    const starts = invoices.data.map((i) => i.lines.data[0]!.period.start).reverse();
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
  });

  it('ends a trial with the first paid period', async () => {
    const sub = await subscribe({ trial_period_days: 7 });
    const trialEnd = sub.trial_end!;
    h.local.clock.advanceTo(trialEnd + 2 * HOUR);
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after).toMatchObject({ status: 'active', trial_end: trialEnd });
    expect(after.items.data[0]!.current_period_start).toBe(trialEnd);
    const invoice = await stripe.invoices.retrieve(after.latest_invoice as string);
    expect(invoice).toMatchObject({ billing_reason: 'subscription_cycle', total: 4900, status: 'paid', period_start: sub.start_date, period_end: trialEnd });
  });

  it('pauses a trial that ends without a payment method when trial_settings say pause; resume bills a new period', async () => {
    const sub = await subscribe({ trial_period_days: 3, trial_settings: { end_behavior: { missing_payment_method: 'pause' } } }, null);
    h.local.clock.advanceTo(sub.trial_end! + 10);
    const paused = await stripe.subscriptions.retrieve(sub.id);
    expect(paused.status).toBe('paused');
    h.local.clock.advance(40 * DAY);
    expect((await stripe.subscriptions.retrieve(sub.id)).latest_invoice).toBe(sub.latest_invoice);
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: sub.customer as string });
    await stripe.customers.update(sub.customer as string, { invoice_settings: { default_payment_method: card.id } });
    const resumed = await stripe.subscriptions.resume(sub.id);
    expect(resumed.status).toBe('active');
    expect(resumed.items.data[0]!.current_period_start).toBe(h.local.clock.now());
    const invoice = await stripe.invoices.retrieve(resumed.latest_invoice as string);
    expect(invoice).toMatchObject({ total: 4900, status: 'paid' });
  });

  it('cancels at period end instead of renewing, and at cancel_at', async () => {
    const sub = await subscribe();
    const asked = h.local.clock.now();
    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true, cancellation_details: { feedback: 'too_expensive' } });
    h.local.clock.advanceTo(periodEnd(sub) + DAY);
    const ended = await stripe.subscriptions.retrieve(sub.id);
    expect(ended).toMatchObject({
      status: 'canceled',
      canceled_at: asked,
      ended_at: periodEnd(sub),
      cancellation_details: { feedback: 'too_expensive', reason: 'cancellation_requested' },
    });
    expect((await stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);

    const other = await subscribe();
    const at = h.local.clock.now() + 10 * DAY;
    await stripe.subscriptions.update(other.id, { cancel_at: at });
    h.local.clock.advance(11 * DAY);
    expect(await stripe.subscriptions.retrieve(other.id)).toMatchObject({ status: 'canceled', ended_at: at });
  });

  it('expires an incomplete subscription after 23 hours and voids its first invoice', async () => {
    const sub = await subscribe({ payment_behavior: 'default_incomplete' });
    h.local.clock.advance(22 * HOUR);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('incomplete');
    h.local.clock.advance(2 * HOUR);
    const expired = await stripe.subscriptions.retrieve(sub.id);
    expect(expired).toMatchObject({ status: 'incomplete_expired', ended_at: sub.created + 23 * HOUR });
    expect((await stripe.invoices.retrieve(sub.latest_invoice as string)).status).toBe('void');
    expect((await stripe.subscriptions.list({ status: 'ended' })).data.map((s) => s.id)).toContain(sub.id);
    const error = await stripeError(stripe.subscriptions.update(sub.id, { description: 'x' }));
    expect(error.message).toBe('A canceled subscription can only update its cancellation_details and metadata.');
  });

  it('keeps renewal invoices as drafts, voids or marks them uncollectible while collection is paused', async () => {
    const outcomes: Record<string, string> = { keep_as_draft: 'draft', void: 'void', mark_uncollectible: 'uncollectible' };
    for (const [behavior, status] of Object.entries(outcomes)) {
      const sub = await subscribe();
      await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: behavior as 'void' } });
      h.local.clock.advanceTo(periodEnd(sub) + 2 * HOUR);
      const invoice = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
      expect([behavior, invoice.status]).toEqual([behavior, status]);
    }
    const sub = await subscribe();
    const resumesAt = h.local.clock.now() + 5 * DAY;
    await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'void', resumes_at: resumesAt } });
    h.local.clock.advanceTo(resumesAt + 1);
    expect((await stripe.subscriptions.retrieve(sub.id)).pause_collection).toBeNull();
  });
});

describe('failed payments and dunning', () => {
  it('makes a first payment that declines incomplete (allow_incomplete) or fails the request (error_if_incomplete)', async () => {
    const sub = await subscribe({}, 'pm_card_chargeCustomerFail');
    expect(sub.status).toBe('incomplete');
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'open', attempted: true, attempt_count: 1, next_payment_attempt: null });

    const customer = await stripe.customers.create({ payment_method: 'pm_card_chargeCustomerFail', invoice_settings: { default_payment_method: 'pm_card_chargeCustomerFail' } });
    const error = await stripeError(
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], payment_behavior: 'error_if_incomplete' }),
    );
    expect({ status: error.statusCode, type: error.rawType, code: error.code }).toEqual({ status: 402, type: 'card_error', code: 'card_declined' });
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data).toEqual([]);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toEqual([]);
  });

  it('goes past_due when a renewal declines, retries on the schedule, and cancels after the last retry', async () => {
    const sub = await subscribe();
    const pm = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: sub.customer as string });
    await stripe.customers.update(sub.customer as string, { invoice_settings: { default_payment_method: pm.id } });
    const end = periodEnd(sub);
    h.local.clock.advanceTo(end + HOUR + 1);
    const pastDue = await stripe.subscriptions.retrieve(sub.id);
    expect(pastDue.status).toBe('past_due');
    const invoice = await stripe.invoices.retrieve(pastDue.latest_invoice as string);
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, next_payment_attempt: end + HOUR + 3 * DAY });
    h.local.clock.advanceTo(end + HOUR + 3 * DAY + 1);
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ attempt_count: 2, next_payment_attempt: end + HOUR + 8 * DAY });
    h.local.clock.advanceTo(end + HOUR + 15 * DAY + 1);
    const canceled = await stripe.subscriptions.retrieve(sub.id);
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: end + HOUR + 15 * DAY, cancellation_details: { reason: 'payment_failed' } });
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'open', attempt_count: 4, next_payment_attempt: null });
  });

  it('returns to active when the open invoice is paid', async () => {
    const sub = await subscribe();
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: sub.customer as string });
    await stripe.customers.update(sub.customer as string, { invoice_settings: { default_payment_method: failing.id } });
    h.local.clock.advanceTo(periodEnd(sub) + 2 * HOUR);
    const pastDue = await stripe.subscriptions.retrieve(sub.id);
    expect(pastDue.status).toBe('past_due');
    const good = await stripe.paymentMethods.attach('pm_card_visa', { customer: sub.customer as string });
    await stripe.invoices.pay(pastDue.latest_invoice as string, { payment_method: good.id });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  });

  it('leaves the subscription unpaid after the last retry when the account says so', async () => {
    h.local.store.dunning = { retryDays: [1], afterLastRetry: 'unpaid' };
    try {
      const sub = await subscribe({}, 'pm_card_visa');
      const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: sub.customer as string });
      await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
      h.local.clock.advanceTo(periodEnd(sub) + HOUR + DAY + 1);
      expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('unpaid');
    } finally {
      h.local.store.dunning = { retryDays: [3, 5, 7], afterLastRetry: 'canceled' };
    }
  });
});
