/**
 * Updating a subscription (`POST /v1/subscriptions/:id`): item changes (price, quantity, added, `deleted: true`) with
 * their prorations, trial changes, scheduled cancellation, paused collection, the payment method and the rest.
 *
 * Prorations (`proration_behavior`, default `create_prorations`) are computed at `proration_date` (default now) to
 * the end of the current period: a credit for the unused time on what an item was, a charge for the remaining time on
 * what it becomes. They become pending invoice items that the next invoice bills (`create_prorations`), or are
 * invoiced and collected at once (`always_invoice`); `none` makes none. A trialing subscription is not prorated. A
 * change of billing interval starts a new period now and invoices it at once, crediting the unused time.
 *
 * `payment_behavior` is accepted; a failed payment on an update invoice makes the subscription `past_due` whatever it
 * says (the local Stripe keeps no `pending_update`).
 */
import { invalidParam, invalidState, missingReference, parameterMissing } from '../errors.js';
import type { FormValue } from '../form.js';
import {
  applyMetadata,
  arr,
  bool,
  clearableObj,
  int,
  listParams,
  metadata,
  obj,
  oneOf,
  required,
  str,
  type InferShape,
  type Spec,
} from '../params.js';
import type { Store } from '../store.js';
import { collectionMethod } from './invoice-create.js';
import {
  addPendingProrations,
  periodLines,
  prorations,
  subscriptionInvoice,
  type ItemChange,
} from './subscription-billing.js';
import {
  checkCompatible,
  checkFuture,
  checkPaymentMethod,
  itemPrice,
  newItem,
  priceDataShape,
  prorationBehavior,
  timestampOrNow,
  trialSettingsShape,
} from './subscription-create.js';
import { finalizeAndCollect, invoiceNow, startPeriodNow } from './subscription-lifecycle.js';
import {
  currentPeriod,
  customerOf,
  ENDED,
  findSubscriptionItem,
  periodEnd,
  planOf,
  recurringOf,
  setPeriod,
  type Subscription,
  type SubscriptionItem,
} from './subscription-shape.js';
import { CANCELLATION_FEEDBACK } from './portal-configuration-params.js';

/** `''` unsets the field (null); anything else is read by `spec`. */
function clearable<T>(spec: Spec<T>): Spec<T | null, false> {
  return { required: false, parse: (value: FormValue, path: string) => (value === '' ? null : spec.parse(value, path)) };
}

export const itemUpdateShape = {
  id: str(),
  price: str(),
  price_data: obj(priceDataShape),
  quantity: int({ min: 0 }),
  deleted: bool(),
  clear_usage: bool(),
  metadata: metadata(),
} as const;

export const cancellationDetailsShape = obj({
  comment: str({ max: 5000, clearable: true }),
  feedback: clearable(oneOf(CANCELLATION_FEEDBACK)),
});

export const updateShape = {
  items: arr(obj(itemUpdateShape), { max: 20 }),
  billing_cycle_anchor: oneOf(['now', 'unchanged'] as const),
  cancel_at: clearable(int({ min: 0 })),
  cancel_at_period_end: bool(),
  cancellation_details: cancellationDetailsShape,
  collection_method: collectionMethod,
  days_until_due: int({ min: 0, max: 730 }),
  default_payment_method: str({ clearable: true }),
  description: str({ max: 500, clearable: true }),
  metadata: metadata(),
  off_session: bool(),
  pause_collection: clearableObj({
    behavior: required(oneOf(['keep_as_draft', 'mark_uncollectible', 'void'] as const)),
    resumes_at: int({ min: 0 }),
  }),
  payment_behavior: oneOf(['allow_incomplete', 'default_incomplete', 'error_if_incomplete', 'pending_if_incomplete'] as const),
  proration_behavior: prorationBehavior,
  proration_date: int({ min: 0 }),
  trial_end: timestampOrNow(),
  trial_settings: trialSettingsShape,
  expand: listParams.expand,
} as const;

export type SubscriptionUpdate = InferShape<typeof updateShape>;
export type ItemUpdate = InferShape<typeof itemUpdateShape>;

/** What the subscription's items become, and the change each item goes through. */
export interface ItemPlan {
  items: SubscriptionItem[];
  removed: SubscriptionItem[];
  changes: ItemChange[];
  /** The new items bill on another interval: a new period starts now. */
  intervalChanged: boolean;
}

/** Plans `items[]` of an update (or of a preview's `subscription_details[items]`) without changing anything. */
export function planItems(store: Store, subscription: Subscription, updates: readonly ItemUpdate[], path = 'items'): ItemPlan {
  const items = [...subscription.items.data];
  const removed: SubscriptionItem[] = [];
  const changes: ItemChange[] = [];
  const period = currentPeriod(subscription);
  updates.forEach((update, i) => {
    const itemPath = `${path}[${i}]`;
    if (update.id === undefined) {
      if (update.deleted) throw parameterMissing(`${itemPath}[id]`);
      const price = itemPrice(store, update, itemPath);
      const item = newItem(store, subscription.id, price, update.quantity ?? 1, applyMetadata({}, update.metadata), period);
      items.push(item);
      changes.push({ subscriptionItem: item.id, from: null, to: { price, quantity: item.quantity ?? 1 } });
      return;
    }
    const index = items.findIndex((item) => item.id === update.id);
    const current = items[index];
    if (current === undefined) {
      if (findSubscriptionItem(store, update.id) === undefined) {
        throw missingReference('subscription item', update.id, `${itemPath}[id]`);
      }
      throw invalidParam(`${itemPath}[id]`, `The subscription item '${update.id}' does not belong to the subscription '${subscription.id}'.`);
    }
    const from = { price: current.price, quantity: current.quantity ?? 1 };
    if (update.deleted) {
      items.splice(index, 1);
      removed.push(current);
      changes.push({ subscriptionItem: current.id, from, to: null });
      return;
    }
    const price = update.price !== undefined || update.price_data !== undefined ? itemPrice(store, update, itemPath) : current.price;
    const next: SubscriptionItem = {
      ...current,
      price,
      plan: planOf(price),
      quantity: update.quantity ?? current.quantity ?? 1,
      metadata: applyMetadata(current.metadata, update.metadata),
    };
    items[index] = next;
    changes.push({ subscriptionItem: current.id, from, to: { price, quantity: next.quantity ?? 1 } });
  });
  if (items.length === 0) {
    throw invalidParam(path, 'A subscription must have at least one item. To end the subscription, cancel it instead.');
  }
  checkCompatible(
    items.map((item) => item.price),
    subscription.currency,
  );
  const before = recurringOf(subscription);
  const after = items[0]!.price.recurring!;
  const intervalChanged = before.interval !== after.interval || before.interval_count !== after.interval_count;
  return { items, removed, changes, intervalChanged };
}

/** The proration date, which must fall within the current period. */
export function prorationDateOf(subscription: Subscription, given: number | undefined, now: number, param = 'proration_date'): number {
  if (given === undefined) return now;
  const { start, end } = currentPeriod(subscription);
  if (given < start || given > end) {
    throw invalidParam(param, `Invalid ${param}: must be within the subscription's current period (${start} to ${end}).`);
  }
  return given;
}

/** Whether a change now is prorated: only while the subscription is being billed (not in a trial). */
export function prorates(subscription: Subscription, behavior: string | undefined): boolean {
  return behavior !== 'none' && (subscription.status === 'active' || subscription.status === 'past_due');
}

function applyItems(store: Store, subscription: Subscription, params: SubscriptionUpdate, plan: ItemPlan): void {
  const now = store.nowSeconds();
  const behavior = params.proration_behavior ?? 'create_prorations';
  const at = prorationDateOf(subscription, params.proration_date, now);
  const period = currentPeriod(subscription);
  // The removed items stay findable while their credit lines are made.
  subscription.items.data = [...plan.items, ...plan.removed];
  if (plan.intervalChanged) {
    if (prorates(subscription, behavior)) {
      const credits = plan.changes.flatMap((c) => (c.from === null ? [] : [{ ...c, to: null }]));
      addPendingProrations(store, subscription, prorations(store, credits, period, now));
    }
    subscription.items.data = plan.items;
    const end = periodEnd(now, recurringOf(subscription), now);
    subscription.billing_cycle_anchor = now;
    setPeriod(subscription, now, end);
    if (subscription.status === 'trialing') return;
    const invoice = subscriptionInvoice(store, subscription, {
      reason: 'subscription_update',
      window: { start: period.start, end: now },
      lines: periodLines(store, subscription, { start: now, end }),
    });
    finalizeAndCollect(store, invoice);
    return;
  }
  if (prorates(subscription, behavior)) addPendingProrations(store, subscription, prorations(store, plan.changes, period, at));
  subscription.items.data = plan.items;
  if (behavior === 'always_invoice' && prorates(subscription, behavior)) invoiceNow(store, subscription, 'subscription_update');
}

function applyCancellation(subscription: Subscription, params: SubscriptionUpdate, now: number): void {
  if (params.cancel_at !== undefined && params.cancel_at_period_end !== undefined) {
    throw invalidParam('cancel_at', 'You may only specify one of these parameters: cancel_at, cancel_at_period_end.', 'parameters_exclusive');
  }
  if (params.cancel_at_period_end !== undefined) {
    subscription.cancel_at_period_end = params.cancel_at_period_end;
    subscription.cancel_at = params.cancel_at_period_end ? currentPeriod(subscription).end : null;
    subscription.canceled_at = params.cancel_at_period_end ? now : null;
  }
  if (params.cancel_at !== undefined) {
    if (params.cancel_at !== null) checkFuture(params.cancel_at, now, 'cancel_at');
    subscription.cancel_at = params.cancel_at;
    subscription.cancel_at_period_end = false;
    subscription.canceled_at = params.cancel_at === null ? null : now;
  }
}

function applyTrial(store: Store, subscription: Subscription, trialEnd: number | 'now', now: number): void {
  if (trialEnd === 'now') {
    if (subscription.status !== 'trialing') return;
    subscription.trial_end = now;
    startPeriodNow(store, subscription, 'subscription_update');
    return;
  }
  checkFuture(trialEnd, now, 'trial_end');
  if (subscription.status !== 'trialing') {
    throw invalidState('Only a trialing subscription can have its trial_end changed here.', undefined, 'trial_end');
  }
  subscription.trial_end = trialEnd;
  subscription.billing_cycle_anchor = trialEnd;
  setPeriod(subscription, currentPeriod(subscription).start, trialEnd);
}

/** What a canceled subscription still lets you change. */
const ENDED_EDITABLE = new Set(['cancellation_details', 'metadata', 'expand']);

export function updateSubscription(store: Store, subscription: Subscription, params: SubscriptionUpdate): Subscription {
  const now = store.nowSeconds();
  if (ENDED.has(subscription.status)) {
    const key = Object.keys(params).find((k) => !ENDED_EDITABLE.has(k));
    if (key !== undefined) {
      throw invalidState('A canceled subscription can only update its cancellation_details and metadata.', undefined, key);
    }
  }
  const collection = params.collection_method ?? subscription.collection_method;
  if (collection === 'send_invoice' && params.days_until_due === undefined && subscription.days_until_due === null) {
    throw parameterMissing('days_until_due');
  }
  if (collection !== 'send_invoice' && params.days_until_due !== undefined) {
    throw invalidParam('days_until_due', '`days_until_due` can only be set when `collection_method` is `send_invoice`.');
  }
  if (params.pause_collection?.resumes_at !== undefined) checkFuture(params.pause_collection.resumes_at, now, 'pause_collection[resumes_at]');
  const paymentMethod =
    params.default_payment_method === undefined || params.default_payment_method === null
      ? params.default_payment_method
      : checkPaymentMethod(store, params.default_payment_method, customerOf(subscription), 'default_payment_method');
  const plan = params.items !== undefined ? planItems(store, subscription, params.items) : undefined;
  prorationDateOf(subscription, params.proration_date, now);

  // Everything is checked: change the subscription.
  if (paymentMethod !== undefined) subscription.default_payment_method = paymentMethod;
  subscription.collection_method = collection;
  subscription.days_until_due = collection === 'send_invoice' ? (params.days_until_due ?? subscription.days_until_due) : null;
  if (params.description !== undefined) subscription.description = params.description;
  if (params.metadata !== undefined) subscription.metadata = applyMetadata(subscription.metadata, params.metadata);
  if (params.cancellation_details !== undefined) {
    const details = subscription.cancellation_details ?? { comment: null, feedback: null, feedback_option: null, reason: null };
    subscription.cancellation_details = {
      ...details,
      ...(params.cancellation_details.comment !== undefined ? { comment: params.cancellation_details.comment } : {}),
      ...(params.cancellation_details.feedback !== undefined ? { feedback: params.cancellation_details.feedback } : {}),
    };
  }
  if (params.pause_collection !== undefined) {
    subscription.pause_collection =
      params.pause_collection === null
        ? null
        : { behavior: params.pause_collection.behavior, resumes_at: params.pause_collection.resumes_at ?? null };
  }
  if (params.trial_settings !== undefined) {
    subscription.trial_settings = {
      end_behavior: { billing_cycle_anchor: null, missing_payment_method: params.trial_settings.end_behavior.missing_payment_method },
    };
  }
  if (plan !== undefined) applyItems(store, subscription, params, plan);
  if (params.trial_end !== undefined) applyTrial(store, subscription, params.trial_end, now);
  if (params.billing_cycle_anchor === 'now' && subscription.status === 'active' && plan?.intervalChanged !== true) {
    startPeriodNow(store, subscription, 'subscription_update');
  }
  applyCancellation(subscription, params, now);
  return subscription;
}
