/**
 * Status transitions that follow from invoices and from cancel / resume, as Stripe makes them:
 *
 * - a subscription invoice is finalized and, when charged automatically, paid from the payment method Stripe would
 *   use (`payInvoice`); paid → `incomplete` / `past_due` / `unpaid` become `active`;
 * - a failed first payment leaves the subscription `incomplete` (it expires after 23 hours, `subscription-clock.ts`);
 *   a failed renewal makes it `past_due` and schedules retries on the account's `store.dunning.retryDays` (days after
 *   the previous attempt, default 3, 5 and 7: four attempts over about two weeks); when the last retry fails the
 *   subscription is `canceled` (reason `payment_failed`) or `unpaid`, per `store.dunning.afterLastRetry`;
 * - `pause_collection` on a subscription keeps its new invoices as drafts, voids them or marks them uncollectible;
 * - canceling ends the subscription now (optionally crediting unused time and invoicing what is pending) and stops
 *   collection of its open invoices; resuming a `paused` subscription starts a new period and bills it.
 */
import type Stripe from 'stripe';
import { invalidState, StripeApiError } from '../errors.js';
import type { Store } from '../store.js';
import { finalizeInvoice, markUncollectible, payInvoice, voidInvoice } from './invoice-lifecycle.js';
import { subscriptionIdOf } from './invoice-shape.js';
import {
  addPendingProrations,
  invoicePending,
  periodLines,
  prorations,
  subscriptionInvoice,
  type BillingReason,
} from './subscription-billing.js';
import { currentPeriod, ENDED, periodEnd, recurringOf, setPeriod, type Subscription } from './subscription-shape.js';

const DAY = 86_400;

/** Stripe leaves an `incomplete` subscription 23 hours to be paid before it becomes `incomplete_expired`. */
export const INCOMPLETE_EXPIRY = 23 * 60 * 60;

export type CancellationReason = 'cancellation_requested' | 'payment_disputed' | 'payment_failed';

export interface CancellationDetailsInput {
  comment?: string | null | undefined;
  feedback?: Stripe.Subscription.CancellationDetails.Feedback | null | undefined;
}

function subscriptionOf(store: Store, invoice: Stripe.Invoice): Subscription | undefined {
  const id = subscriptionIdOf(invoice);
  return id === null ? undefined : store.subscriptions.get(id);
}

/** One payment attempt on an open invoice; the charge's error (the attempt recorded) when it fails. */
function attempt(store: Store, invoice: Stripe.Invoice): StripeApiError | null {
  const before = invoice.attempt_count;
  try {
    payInvoice(store, invoice.id, '');
    return null;
  } catch (error) {
    if (!(error instanceof StripeApiError)) throw error;
    if (invoice.attempt_count === before) {
      invoice.attempted = true;
      invoice.attempt_count += 1;
    }
    return error;
  }
}

/** After an invoice of a subscription is paid (here, over the API or on the hosted page): back to `active`. */
export function invoicePaid(store: Store, invoice: Stripe.Invoice): void {
  const subscription = subscriptionOf(store, invoice);
  if (subscription === undefined || invoice.status !== 'paid') return;
  if (!['incomplete', 'past_due', 'unpaid'].includes(subscription.status)) return;
  const stillOpen = [...store.invoices.newestFirst()].some(
    (other) => other.id !== invoice.id && other.status === 'open' && subscriptionIdOf(other) === subscription.id && other.auto_advance === true,
  );
  if (!stillOpen || subscription.latest_invoice === invoice.id) subscription.status = 'active';
}

/**
 * A failed charge: the invoice's next attempt on the retry schedule (none for a subscription's first invoice, which
 * the customer has 23 hours to pay), the subscription `past_due`, and when the retries are spent `canceled` or
 * `unpaid`.
 */
function paymentFailed(store: Store, subscription: Subscription | undefined, invoice: Stripe.Invoice): void {
  const now = store.nowSeconds();
  if (invoice.billing_reason === 'subscription_create') {
    invoice.next_payment_attempt = null;
    return;
  }
  if (subscription?.status === 'active' || subscription?.status === 'trialing') subscription.status = 'past_due';
  const wait = store.dunning.retryDays[invoice.attempt_count - 1];
  invoice.next_payment_attempt = wait === undefined ? null : now + wait * DAY;
  if (wait !== undefined || subscription === undefined || ENDED.has(subscription.status)) return;
  if (store.dunning.afterLastRetry === 'unpaid') subscription.status = 'unpaid';
  else cancelNow(store, subscription, { reason: 'payment_failed' });
}

/**
 * Collects an open invoice of a subscription (charge_automatically) and moves the subscription on from the
 * outcome. Returns the charge's error when it failed, null otherwise.
 */
export function collect(store: Store, invoice: Stripe.Invoice): StripeApiError | null {
  const subscription = subscriptionOf(store, invoice);
  if (invoice.status === 'paid') {
    invoicePaid(store, invoice);
    return null;
  }
  if (invoice.status !== 'open' || invoice.collection_method !== 'charge_automatically') return null;
  const error = attempt(store, invoice);
  if (error === null) invoicePaid(store, invoice);
  else paymentFailed(store, subscription, invoice);
  return error;
}

/**
 * Finalizes a subscription's draft and collects it; `pause_collection` on the subscription keeps it a draft, voids
 * it or marks it uncollectible instead, as Stripe does while collection is paused.
 */
export function finalizeAndCollect(store: Store, invoice: Stripe.Invoice): void {
  const subscription = subscriptionOf(store, invoice);
  const pause = subscription?.pause_collection?.behavior;
  if (pause === 'keep_as_draft') {
    invoice.auto_advance = false;
    invoice.automatically_finalizes_at = null;
    return;
  }
  finalizeInvoice(store, invoice.id, '');
  if (pause === 'void' && invoice.status === 'open') {
    voidInvoice(store, invoice.id);
    return;
  }
  if (pause === 'mark_uncollectible' && invoice.status === 'open') {
    markUncollectible(store, invoice.id);
    return;
  }
  collect(store, invoice);
}

/** Bills what is pending on the subscription now, on an invoice finalized and collected at once. */
export function invoiceNow(store: Store, subscription: Subscription, reason: BillingReason): Stripe.Invoice | undefined {
  const invoice = invoicePending(store, subscription, reason);
  if (invoice !== undefined) finalizeAndCollect(store, invoice);
  return invoice;
}

export interface CancelOptions {
  reason: CancellationReason;
  details?: CancellationDetailsInput | undefined;
  /** Credit the unused time of the current period (pending items, or on the final invoice with `invoiceNow`). */
  prorate?: boolean | undefined;
  invoiceNow?: boolean | undefined;
  /** Ending as scheduled (`cancel_at`, period end): `canceled_at` stays the time the cancellation was asked for. */
  scheduled?: boolean | undefined;
}

/** Ends the subscription now. */
export function cancelNow(store: Store, subscription: Subscription, options: CancelOptions): Subscription {
  if (ENDED.has(subscription.status)) {
    throw invalidState(
      `This subscription has already been canceled (status ${subscription.status}): it cannot be canceled again.`,
      undefined,
      undefined,
    );
  }
  const now = store.nowSeconds();
  const billing = subscription.status === 'active' || subscription.status === 'past_due';
  if (options.prorate && billing) {
    const changes = subscription.items.data.map((item) => ({
      subscriptionItem: item.id,
      from: { price: item.price, quantity: item.quantity ?? 1 },
      to: null,
    }));
    addPendingProrations(store, subscription, prorations(store, changes, currentPeriod(subscription), now));
  }
  if (options.invoiceNow) invoiceNow(store, subscription, 'subscription_update');
  subscription.status = 'canceled';
  subscription.canceled_at = options.scheduled ? (subscription.canceled_at ?? now) : now;
  subscription.ended_at = now;
  subscription.cancellation_details = {
    comment: options.details?.comment ?? subscription.cancellation_details?.comment ?? null,
    feedback: options.details?.feedback ?? subscription.cancellation_details?.feedback ?? null,
    feedback_option: null,
    reason: options.reason,
  };
  // Stripe stops collecting the subscription's open invoices once it is canceled.
  for (const invoice of store.invoices.newestFirst()) {
    if (subscriptionIdOf(invoice) !== subscription.id) continue;
    store.invoices.touch(invoice);
    if (invoice.status === 'open') invoice.next_payment_attempt = null;
    if (invoice.status === 'open' || invoice.status === 'draft') invoice.auto_advance = false;
    invoice.automatically_finalizes_at = null;
  }
  return subscription;
}

/**
 * Starts a new period at `now` and bills it (trial ended, resumed): the first invoice of the period, finalized and
 * collected at once. A failure makes the subscription `past_due` with retries.
 */
export function startPeriodNow(store: Store, subscription: Subscription, reason: BillingReason): Stripe.Invoice {
  const now = store.nowSeconds();
  const end = periodEnd(now, recurringOf(subscription), now);
  const previous = currentPeriod(subscription);
  subscription.billing_cycle_anchor = now;
  setPeriod(subscription, now, end);
  subscription.status = 'active';
  const invoice = subscriptionInvoice(store, subscription, {
    reason,
    window: { start: previous.start, end: now },
    lines: periodLines(store, subscription, { start: now, end }),
  });
  finalizeAndCollect(store, invoice);
  return invoice;
}

/** `POST /v1/subscriptions/:id/resume`: only a `paused` subscription resumes. */
export function resumeSubscription(store: Store, subscription: Subscription): Subscription {
  if (subscription.status !== 'paused') {
    throw invalidState(
      `Subscription ${subscription.id} cannot be resumed because it is not paused (status ${subscription.status}).`,
      undefined,
      undefined,
    );
  }
  startPeriodNow(store, subscription, 'subscription_cycle');
  return subscription;
}
