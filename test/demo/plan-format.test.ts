/**
 * The billing page's wording of plans, cards and the next invoice (`src/demo/page/plan-format.ts`): every
 * subscription status and its badge, the dates each shows, prices per interval, card labels and expiry. The browser
 * test (`test/e2e/portal-journey.test.ts`) checks the same words on screen against the local Stripe's state.
 */
import { describe, expect, it } from 'vitest';
import {
  brandName,
  cardExpiryLabel,
  cardNumberLabel,
  linePeriod,
  nextInvoiceDate,
  planDates,
  planName,
  priceLabel,
  quantityLabel,
  subscriptionBadge,
  type NextInvoice,
  type PlanItem,
  type PlanSubscription,
} from '../../src/demo/page/plan-format.js';

const usd = (amount: number) => ({ amount, currency: 'USD', formatted: `$${(amount / 100).toFixed(2)}` });

function item(name: string, amount: number | null, interval: PlanItem['price']['recurring'] = { interval: 'MONTH', intervalCount: 1 }, quantity: number | null = 1): PlanItem {
  return { id: `si_${name}`, quantity, price: { id: `price_${name}`, unitAmount: amount === null ? null : usd(amount), recurring: interval, product: { id: `prod_${name}`, name } } };
}

function sub(overrides: Partial<PlanSubscription> = {}): PlanSubscription {
  return {
    id: 'sub_1',
    status: 'ACTIVE',
    cancelAtPeriodEnd: false,
    cancelAt: null,
    canceledAt: null,
    endedAt: null,
    currentPeriodEnd: '2026-03-05T00:00:00.000Z',
    trialEnd: null,
    items: [item('Pro', 2900)],
    ...overrides,
  };
}

describe('subscription badges', () => {
  it('names each status', () => {
    expect(subscriptionBadge(sub())).toEqual({ label: 'Active', tone: 'active' });
    expect(subscriptionBadge(sub({ status: 'TRIALING', trialEnd: '2026-02-01T00:00:00Z' }))).toEqual({ label: 'Trialing', tone: 'trialing' });
    expect(subscriptionBadge(sub({ status: 'PAST_DUE' }))).toEqual({ label: 'Past due', tone: 'past-due' });
    expect(subscriptionBadge(sub({ status: 'UNPAID' }))).toEqual({ label: 'Unpaid', tone: 'past-due' });
    expect(subscriptionBadge(sub({ status: 'CANCELED', endedAt: '2026-01-01T00:00:00Z' }))).toEqual({ label: 'Canceled', tone: 'canceled' });
    expect(subscriptionBadge(sub({ status: 'INCOMPLETE_EXPIRED' }))).toEqual({ label: 'Expired', tone: 'canceled' });
    expect(subscriptionBadge(sub({ status: 'PAUSED' }))).toEqual({ label: 'Paused', tone: 'paused' });
    expect(subscriptionBadge(sub({ status: 'INCOMPLETE' }))).toEqual({ label: 'Incomplete', tone: 'incomplete' });
  });

  it('says "Canceling on <date>" for one set to end: at period end, or at its cancel_at', () => {
    expect(subscriptionBadge(sub({ cancelAtPeriodEnd: true, cancelAt: '2026-03-05T00:00:00Z' }))).toEqual({ label: 'Canceling on Mar 5, 2026', tone: 'canceling' });
    // Stripe sets cancel_at with cancel_at_period_end; an older object may carry the flag alone.
    expect(subscriptionBadge(sub({ cancelAtPeriodEnd: true }))).toEqual({ label: 'Canceling on Mar 5, 2026', tone: 'canceling' });
    expect(subscriptionBadge(sub({ cancelAt: '2026-04-10T12:00:00Z' }))).toEqual({ label: 'Canceling on Apr 10, 2026', tone: 'canceling' });
    expect(subscriptionBadge(sub({ status: 'TRIALING', cancelAtPeriodEnd: true }))).toMatchObject({ tone: 'canceling' });
    // Past due stays the louder news; a canceled one has ended whatever its flags say.
    expect(subscriptionBadge(sub({ status: 'PAST_DUE', cancelAtPeriodEnd: true }))).toMatchObject({ tone: 'past-due' });
    expect(subscriptionBadge(sub({ status: 'CANCELED', cancelAtPeriodEnd: true }))).toMatchObject({ tone: 'canceled' });
  });
});

describe('plan dates', () => {
  it('shows when an active plan renews', () => {
    expect(planDates(sub())).toEqual([{ kind: 'renews', text: 'Renews on Mar 5, 2026' }]);
  });

  it('shows when a trial ends, and then that it renews', () => {
    expect(planDates(sub({ status: 'TRIALING', trialEnd: '2026-02-14T00:00:00Z', currentPeriodEnd: '2026-02-14T00:00:00Z' }))).toEqual([
      { kind: 'trial-ends', text: 'Trial ends on Feb 14, 2026' },
      { kind: 'renews', text: 'Renews on Feb 14, 2026' },
    ]);
  });

  it('shows the end date instead of a renewal when set to cancel', () => {
    expect(planDates(sub({ cancelAtPeriodEnd: true, cancelAt: '2026-03-05T00:00:00Z' }))).toEqual([
      { kind: 'ends', text: 'Ends on Mar 5, 2026; it will not renew' },
    ]);
  });

  it('shows when a canceled plan ended, and nothing more', () => {
    expect(planDates(sub({ status: 'CANCELED', canceledAt: '2026-01-02T00:00:00Z', endedAt: '2026-01-03T00:00:00Z' }))).toEqual([
      { kind: 'ended', text: 'Ended on Jan 3, 2026' },
    ]);
    expect(planDates(sub({ status: 'CANCELED', canceledAt: '2026-01-02T00:00:00Z' }))).toEqual([{ kind: 'ended', text: 'Ended on Jan 2, 2026' }]);
  });

  it('says a past-due plan is being retried', () => {
    expect(planDates(sub({ status: 'PAST_DUE' })).map((l) => l.kind)).toEqual(['retrying', 'renews']);
  });
});

describe('prices and plan names', () => {
  it('words a price per interval', () => {
    expect(priceLabel(item('Pro', 2900).price)).toBe('$29.00 / month');
    expect(priceLabel(item('Pro', 29000, { interval: 'YEAR', intervalCount: 1 }).price)).toBe('$290.00 / year');
    expect(priceLabel(item('Pro', 7500, { interval: 'MONTH', intervalCount: 3 }).price)).toBe('$75.00 every 3 months');
    expect(priceLabel(item('Setup', 5000, null).price)).toBe('$50.00');
    expect(priceLabel(item('Enterprise', null).price)).toBe('Custom price / month');
  });

  it('shows a quantity only when it is not one', () => {
    expect(quantityLabel(1)).toBeUndefined();
    expect(quantityLabel(null)).toBeUndefined();
    expect(quantityLabel(5)).toBe('× 5');
  });

  it('names a plan by its products, each once', () => {
    expect(planName(sub({ items: [item('Team', 1500), item('Support', 900), item('Team', 1500)] }))).toBe('Team + Support');
    expect(planName(sub({ items: [] }))).toBe('Subscription');
  });
});

describe('cards', () => {
  const visa = { brand: 'VISA', last4: '4242', expMonth: 12, expYear: 2030 };

  it('shows brand and last 4, never more', () => {
    expect(cardNumberLabel(visa)).toBe('Visa •••• 4242');
    expect(brandName('AMEX')).toBe('American Express');
    expect(brandName('UNKNOWN')).toBe('Card');
  });

  it('says when a card expires, or that it has', () => {
    const now = new Date('2026-03-15T00:00:00Z');
    expect(cardExpiryLabel(visa, now)).toEqual({ text: 'Expires 12/2030', expired: false });
    // A card works through its expiry month.
    expect(cardExpiryLabel({ ...visa, expMonth: 3, expYear: 2026 }, now)).toEqual({ text: 'Expires 03/2026', expired: false });
    expect(cardExpiryLabel({ ...visa, expMonth: 2, expYear: 2026 }, now)).toEqual({ text: 'Expired 02/2026', expired: true });
  });
});

describe('the next invoice', () => {
  const invoice: NextInvoice = {
    amountDue: usd(2900),
    total: usd(2900),
    periodEnd: '2026-03-05T00:00:00Z',
    nextPaymentAttempt: '2026-03-05T01:00:00Z',
    lines: [],
    hasMoreLines: false,
  };

  it('is billed at the next payment attempt, else at its period end', () => {
    expect(nextInvoiceDate(invoice)).toBe('Mar 5, 2026');
    expect(nextInvoiceDate({ ...invoice, nextPaymentAttempt: null, periodEnd: '2026-04-01T00:00:00Z' })).toBe('Apr 1, 2026');
  });

  it('words a line’s period', () => {
    const line = { id: 'il_1', description: 'Pro', amount: usd(2900), proration: false, period: { start: '2026-03-05T00:00:00Z', end: '2026-04-05T00:00:00Z' } };
    expect(linePeriod(line)).toBe('Mar 5, 2026 – Apr 5, 2026');
    expect(linePeriod({ ...line, period: { start: line.period.start, end: line.period.start } })).toBe('Mar 5, 2026');
  });
});
