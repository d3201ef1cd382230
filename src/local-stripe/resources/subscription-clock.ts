/**
 * Time moving forward on an account (`POST /_local/clock/advance`, `local.clock.advance(seconds)`): everything that
 * falls due until the new time happens in order, each at its own time (objects it creates carry that time):
 *
 * 1. a scheduled cancellation (`cancel_at`, `cancel_at_period_end`) ends the subscription;
 * 2. an `incomplete` subscription 23 hours old becomes `incomplete_expired` (its first invoice voided);
 * 3. a trial ends: without a payment method and `trial_settings.end_behavior.missing_payment_method` `pause` the
 *    subscription is `paused`, with `cancel` it is canceled; otherwise it renews as below;
 * 4. a period ends (`active`, `past_due`, `unpaid`; a trial's end): the next period starts and a draft invoice for
 *    it is made (`subscription_cycle`, with the pending items), finalized an hour later;
 * 5. `pause_collection[resumes_at]` passes: collection resumes;
 * 6. an auto-advancing draft is finalized (an hour after creation) and collected when charged automatically;
 * 7. a payment retry of an open invoice is due (the account's `dunning` schedule).
 *
 * Before all these, three days before a trial ends, `customer.subscription.trial_will_end` is sent (once per trial end).
 * Events at the same second run in that order. `nextRenewal` is what step 4 bills; the invoice preview uses it too.
 */
import type Stripe from 'stripe';
import type { Store } from '../store.js';
import { voidInvoice } from './invoice-lifecycle.js';
import { FINALIZE_DELAY, periodLines, subscriptionInvoice, type LineSpec } from './subscription-billing.js';
import { cancelNow, collect, finalizeAndCollect, INCOMPLETE_EXPIRY } from './subscription-lifecycle.js';
import {
  currentPeriod,
  ENDED,
  paymentMethodFor,
  periodEnd,
  recurringOf,
  setPeriod,
  type Subscription,
} from './subscription-shape.js';

/** A runaway guard: no advance processes more events than this. */
const MAX_EVENTS = 100_000;

interface Due {
  at: number;
  order: number;
  run: () => void;
}

/** The period a renewal at the end of the current one starts, its invoice's window and lines. */
export function nextRenewal(
  store: Store,
  subscription: Subscription,
): { at: number; window: { start: number; end: number }; period: { start: number; end: number }; lines: LineSpec[] } {
  const window = currentPeriod(subscription);
  const period = { start: window.end, end: periodEnd(window.end, recurringOf(subscription), subscription.billing_cycle_anchor) };
  return { at: window.end, window, period, lines: periodLines(store, subscription, period) };
}

function renew(store: Store, subscription: Subscription): void {
  const renewal = nextRenewal(store, subscription);
  setPeriod(subscription, renewal.period.start, renewal.period.end);
  if (subscription.status === 'trialing') subscription.status = 'active';
  const invoice = subscriptionInvoice(store, subscription, {
    reason: 'subscription_cycle',
    window: renewal.window,
    lines: renewal.lines,
  });
  if (subscription.status === 'unpaid') {
    // Stripe keeps an unpaid subscription's new invoices as drafts.
    invoice.auto_advance = false;
  } else {
    invoice.automatically_finalizes_at = renewal.at + FINALIZE_DELAY;
  }
}

function endTrial(store: Store, subscription: Subscription): void {
  const missing = subscription.trial_settings?.end_behavior.missing_payment_method;
  if (paymentMethodFor(store, subscription) === null && missing === 'pause') {
    subscription.status = 'paused';
    return;
  }
  if (paymentMethodFor(store, subscription) === null && missing === 'cancel') {
    cancelNow(store, subscription, { reason: 'cancellation_requested', scheduled: true });
    return;
  }
  renew(store, subscription);
}

function expire(store: Store, subscription: Subscription): void {
  subscription.status = 'incomplete_expired';
  subscription.ended_at = store.nowSeconds();
  const latest = subscription.latest_invoice;
  const invoice = latest === null ? undefined : store.invoices.get(typeof latest === 'string' ? latest : latest.id);
  if (invoice?.status === 'open') voidInvoice(store, invoice.id);
}

/** Stripe tells of a trial's end three days ahead (`customer.subscription.trial_will_end`). */
const TRIAL_WILL_END_NOTICE = 3 * 24 * 60 * 60;

function subscriptionEvents(store: Store, subscription: Subscription): Due[] {
  if (ENDED.has(subscription.status)) return [];
  const due: Due[] = [];
  const { end } = currentPeriod(subscription);
  const trialEnd = subscription.status === 'trialing' ? subscription.trial_end : null;
  const notice = `${subscription.id}:${trialEnd}`;
  if (trialEnd !== null && !store.trialEndNotices.has(notice)) {
    // A trial shorter than the notice is told of at once (at the subscription's creation).
    const at = Math.max(trialEnd - TRIAL_WILL_END_NOTICE, subscription.created);
    due.push({
      at,
      order: 0,
      run: () => {
        store.trialEndNotices.add(notice);
        store.journal.notice('customer.subscription.trial_will_end', 'subscription', subscription);
      },
    });
  }
  if (subscription.cancel_at !== null) {
    due.push({ at: subscription.cancel_at, order: 1, run: () => cancelNow(store, subscription, { reason: 'cancellation_requested', scheduled: true }) });
  }
  if (subscription.status === 'incomplete') {
    due.push({ at: subscription.created + INCOMPLETE_EXPIRY, order: 2, run: () => expire(store, subscription) });
  }
  if (subscription.status === 'trialing' && subscription.trial_end !== null) {
    due.push({ at: subscription.trial_end, order: 3, run: () => endTrial(store, subscription) });
  }
  if (['active', 'past_due', 'unpaid'].includes(subscription.status)) {
    due.push({ at: end, order: 4, run: () => renew(store, subscription) });
  }
  const resumesAt = subscription.pause_collection?.resumes_at ?? null;
  if (resumesAt !== null) {
    due.push({ at: resumesAt, order: 5, run: () => void (subscription.pause_collection = null) });
  }
  return due;
}

function invoiceEvents(store: Store, invoice: Stripe.Invoice): Due[] {
  if (invoice.auto_advance !== true) return [];
  if (invoice.status === 'draft') {
    const at = invoice.automatically_finalizes_at ?? invoice.created + FINALIZE_DELAY;
    return [{ at, order: 6, run: () => finalizeAndCollect(store, invoice) }];
  }
  const retry = invoice.next_payment_attempt;
  if (invoice.status === 'open' && invoice.collection_method === 'charge_automatically' && retry !== null) {
    return [{ at: retry, order: 7, run: () => void collect(store, invoice) }];
  }
  return [];
}

/** The earliest step due by `until`, and the object it acts on (told to the change journal before it runs). */
function earliest(store: Store, until: number): { due: Due; touch: () => void } | undefined {
  let best: { due: Due; touch: () => void } | undefined;
  const consider = (due: Due, touch: () => void) => {
    if (due.at > until) return;
    if (best === undefined || due.at < best.due.at || (due.at === best.due.at && due.order < best.due.order)) best = { due, touch };
  };
  for (const subscription of store.subscriptions.newestFirst()) {
    for (const due of subscriptionEvents(store, subscription)) consider(due, () => store.subscriptions.touch(subscription));
  }
  for (const invoice of store.invoices.newestFirst()) {
    for (const due of invoiceEvents(store, invoice)) consider(due, () => store.invoices.touch(invoice));
  }
  return best;
}

/**
 * Processes everything due up to `until` (unix seconds), in order, each at its own time and each its own unit of
 * work of the change journal (its events carry that time and no request).
 */
export function runUntil(store: Store, until: number): void {
  for (let n = 0; n < MAX_EVENTS; n++) {
    const next = earliest(store, until);
    if (next === undefined) return;
    store.at(Math.max(next.due.at, 0), () =>
      store.journal.run(null, () => {
        next.touch();
        next.due.run();
      }),
    );
  }
  throw new Error(`local Stripe clock: more than ${MAX_EVENTS} events before ${until}`);
}

/** Moves the account's clock forward by `seconds` (or to `to`), processing what falls due; returns the new now. */
export function advanceAccount(store: Store, target: { seconds?: number; to?: number }): number {
  const now = store.nowSeconds();
  const to = target.to ?? now + (target.seconds ?? 0);
  if (!Number.isFinite(to) || to < now) throw new Error(`the clock only moves forward (now ${now}, asked for ${to})`);
  runUntil(store, to);
  store.advanceClock(to - now);
  return store.nowSeconds();
}
