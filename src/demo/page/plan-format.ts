/**
 * How the billing page words a customer's plans, card and next invoice: plain functions of the gateway's data
 * (no DOM), so that the wording is tested on its own (`test/demo/plan-format.test.ts`) and the sections
 * (`plan-section.ts`, `card-section.ts`, `upcoming-section.ts`) only lay it out.
 *
 * The shapes below are what the page reads of `BillingSubscription`, `PaymentMethod` and `UpcomingInvoice`
 * (the contract's names); the generated `BillingPage` result types are assignable to them.
 */
import { formatDate } from './format.js';

export type SubscriptionStatus = 'INCOMPLETE' | 'INCOMPLETE_EXPIRED' | 'TRIALING' | 'ACTIVE' | 'PAST_DUE' | 'CANCELED' | 'UNPAID' | 'PAUSED';
export type Interval = 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';

export interface ViewMoney {
  amount: number;
  currency: string;
  formatted: string;
}

export interface PlanItem {
  id: string;
  quantity: number | null;
  price: {
    id: string;
    unitAmount: ViewMoney | null;
    recurring: { interval: Interval | null; intervalCount: number } | null;
    product: { id: string; name: string };
  };
}

export interface PlanSubscription {
  id: string;
  status: SubscriptionStatus;
  cancelAtPeriodEnd: boolean;
  cancelAt: string | null;
  canceledAt: string | null;
  /** When it ended; read when selected (a customer's list holds no canceled subscription unless asked for one). */
  endedAt?: string | null;
  currentPeriodEnd: string | null;
  trialEnd: string | null;
  items: readonly PlanItem[];
}

export interface CardOnFile {
  id: string;
  card: { brand: string; last4: string; expMonth: number; expYear: number } | null;
}

export interface NextInvoiceLine {
  id: string;
  description: string | null;
  amount: { formatted: string };
  proration: boolean;
  period: { start: string; end: string };
}

export interface NextInvoice {
  amountDue: { formatted: string };
  total: { formatted: string };
  periodEnd: string;
  nextPaymentAttempt: string | null;
  lines: readonly NextInvoiceLine[];
  /** Whether the preview has more lines than `lines` (read when selected). */
  hasMoreLines?: boolean;
}

/** The badge a subscription wears: its words, and a tone the stylesheet colours (`badge-<tone>`). */
export interface Badge {
  label: string;
  tone: 'active' | 'trialing' | 'past-due' | 'canceling' | 'canceled' | 'paused' | 'incomplete';
}

/** When a subscription set to cancel ends: Stripe's `cancel_at`, else (cancel at period end) its period's end. */
export function cancelsOn(sub: PlanSubscription): string | null {
  if (sub.status === 'CANCELED' || sub.status === 'INCOMPLETE_EXPIRED') return null;
  if (sub.cancelAt !== null) return sub.cancelAt;
  return sub.cancelAtPeriodEnd ? sub.currentPeriodEnd : null;
}

export function subscriptionBadge(sub: PlanSubscription): Badge {
  const ending = cancelsOn(sub);
  // A subscription set to end says so first: that is what the customer chose, whatever else holds until then.
  if (ending !== null && sub.status !== 'PAST_DUE' && sub.status !== 'UNPAID') {
    const on = formatDate(ending);
    return { label: on !== undefined ? `Canceling on ${on}` : 'Canceling', tone: 'canceling' };
  }
  switch (sub.status) {
    case 'ACTIVE':
      return { label: 'Active', tone: 'active' };
    case 'TRIALING':
      return { label: 'Trialing', tone: 'trialing' };
    case 'PAST_DUE':
      return { label: 'Past due', tone: 'past-due' };
    case 'UNPAID':
      return { label: 'Unpaid', tone: 'past-due' };
    case 'CANCELED':
      return { label: 'Canceled', tone: 'canceled' };
    case 'INCOMPLETE_EXPIRED':
      return { label: 'Expired', tone: 'canceled' };
    case 'PAUSED':
      return { label: 'Paused', tone: 'paused' };
    case 'INCOMPLETE':
      return { label: 'Incomplete', tone: 'incomplete' };
  }
}

const INTERVAL_WORDS: Record<Interval, [one: string, many: string]> = {
  DAY: ['day', 'days'],
  WEEK: ['week', 'weeks'],
  MONTH: ['month', 'months'],
  YEAR: ['year', 'years'],
};

/** `$29.00 / month`, `$290.00 / year`, `$75.00 every 3 months`; a one-off price is its amount alone. */
export function priceLabel(price: PlanItem['price']): string {
  const amount = price.unitAmount?.formatted ?? 'Custom price';
  const recurring = price.recurring;
  if (recurring === null || recurring.interval === null) return amount;
  const [one, many] = INTERVAL_WORDS[recurring.interval];
  return recurring.intervalCount > 1 ? `${amount} every ${recurring.intervalCount} ${many}` : `${amount} / ${one}`;
}

/** `× 3` for several of a price (seats); nothing for one. */
export function quantityLabel(quantity: number | null): string | undefined {
  return quantity !== null && quantity !== 1 ? `× ${quantity}` : undefined;
}

/** The plan's name: its products' names, in item order, each once. */
export function planName(sub: PlanSubscription): string {
  const names = [...new Set(sub.items.map((item) => item.price.product.name))];
  return names.length > 0 ? names.join(' + ') : 'Subscription';
}

/** The dates a plan shows, each a line: when it renews, or ends, or ended; when the trial ends. */
export function planDates(sub: PlanSubscription): Array<{ kind: 'renews' | 'trial-ends' | 'ends' | 'ended' | 'retrying'; text: string }> {
  const lines: Array<{ kind: 'renews' | 'trial-ends' | 'ends' | 'ended' | 'retrying'; text: string }> = [];
  if (sub.status === 'CANCELED' || sub.status === 'INCOMPLETE_EXPIRED') {
    const ended = formatDate(sub.endedAt ?? sub.canceledAt);
    if (ended !== undefined) lines.push({ kind: 'ended', text: `Ended on ${ended}` });
    return lines;
  }
  const trialEnd = sub.status === 'TRIALING' ? formatDate(sub.trialEnd) : undefined;
  if (trialEnd !== undefined) lines.push({ kind: 'trial-ends', text: `Trial ends on ${trialEnd}` });
  if (sub.status === 'PAST_DUE') lines.push({ kind: 'retrying', text: 'The last payment failed; it will be retried. Check your card.' });
  const ending = formatDate(cancelsOn(sub));
  if (ending !== undefined) {
    lines.push({ kind: 'ends', text: `Ends on ${ending}; it will not renew` });
  } else if (sub.status !== 'PAUSED' && sub.status !== 'UNPAID') {
    const renews = formatDate(sub.currentPeriodEnd);
    if (renews !== undefined) lines.push({ kind: 'renews', text: `Renews on ${renews}` });
  }
  return lines;
}

const BRANDS: Record<string, string> = {
  AMEX: 'American Express',
  CARTES_BANCAIRES: 'Cartes Bancaires',
  DINERS: 'Diners Club',
  DISCOVER: 'Discover',
  EFTPOS_AU: 'eftpos',
  JCB: 'JCB',
  LINK: 'Link',
  MASTERCARD: 'Mastercard',
  UNIONPAY: 'UnionPay',
  VISA: 'Visa',
};

/** `VISA` → `Visa`; a brand this page does not know is just "Card". */
export function brandName(brand: string): string {
  return BRANDS[brand.toUpperCase()] ?? 'Card';
}

/** `Visa •••• 4242`. */
export function cardNumberLabel(card: NonNullable<CardOnFile['card']>): string {
  return `${brandName(card.brand)} •••• ${card.last4}`;
}

/** `Expires 12/2030`, or `Expired 01/2020` once the month has passed (cards work through their expiry month). */
export function cardExpiryLabel(card: NonNullable<CardOnFile['card']>, now: Date = new Date()): { text: string; expired: boolean } {
  const when = `${String(card.expMonth).padStart(2, '0')}/${card.expYear}`;
  const expired = card.expYear < now.getUTCFullYear() || (card.expYear === now.getUTCFullYear() && card.expMonth < now.getUTCMonth() + 1);
  return { text: expired ? `Expired ${when}` : `Expires ${when}`, expired };
}

/** When the next invoice is billed: Stripe's next payment attempt, else the end of the period it collects for. */
export function nextInvoiceDate(invoice: NextInvoice): string | undefined {
  return formatDate(invoice.nextPaymentAttempt ?? invoice.periodEnd);
}

/** `Mar 5 – Apr 5, 2026`-style service period of a line (both dates in full: periods may span years). */
export function linePeriod(line: NextInvoiceLine): string | undefined {
  const start = formatDate(line.period.start);
  const end = formatDate(line.period.end);
  if (start === undefined || end === undefined) return undefined;
  return start === end ? start : `${start} – ${end}`;
}
