/**
 * The customer's subscriptions on the portal home (plan, price, quantity, status, renewal / end / trial dates),
 * and the actions on one: cancel (`subscription_cancel`: now or at period end, with the configured reasons),
 * renew one that is set to cancel, pause and resume (`subscription_pause`). Plan and quantity changes are in
 * `plan-change.ts`. Every action is the API's: `POST /v1/subscriptions/:id`, `DELETE /v1/subscriptions/:id`.
 */
import type Stripe from 'stripe';
import type { FormObject } from '../../form.js';
import { html } from '../../pages.js';
import type { PageResponse } from '../../server.js';
import { buttonForm, field, postForm } from './forms.js';
import { date, errorSection } from './layout.js';
import { canChangePlan, priceLabel, productName } from './plan-change.js';
import { attempt, onSubscription as on, screen, type Done, type Portal, type PortalRoute } from './session.js';

type Subscription = Stripe.Subscription;
type Feedback = NonNullable<Stripe.SubscriptionUpdateParams.CancellationDetails['feedback']>;

/** Stripe's wording for each cancellation reason the configuration may offer. */
const REASONS: Record<string, string> = {
  too_expensive: 'It’s too expensive',
  missing_features: 'Some features are missing',
  switched_service: 'I’m switching to a different service',
  unused: 'I don’t use the service enough',
  customer_service: 'Customer service was less than expected',
  too_complex: 'Ease of use was less than expected',
  low_quality: 'Quality was less than expected',
  other: 'Other reason',
};

/** Subscriptions the portal still manages: a canceled or expired one is history, not a plan. */
const ENDED = new Set(['canceled', 'incomplete_expired']);

export function listSubscriptions(portal: Portal): Subscription[] {
  const list = portal.call<Stripe.ApiList<Subscription>>('GET', '/v1/subscriptions', {
    customer: portal.session.customer,
    status: 'all',
    limit: '100',
  });
  return list.data.filter((s) => !ENDED.has(s.status));
}

/** The line under a plan that says what happens next. */
function nextEvent(subscription: Subscription): string {
  const periodEnd = subscription.items.data[0]?.current_period_end;
  if (subscription.cancel_at !== null) return `Cancels on ${date(subscription.cancel_at)}`;
  if (subscription.cancel_at_period_end && periodEnd !== undefined) return `Cancels on ${date(periodEnd)}`;
  if (subscription.status === 'paused') return 'Paused';
  const pause = subscription.pause_collection;
  if (pause !== null) return pause.resumes_at !== null ? `Paused until ${date(pause.resumes_at)}` : 'Paused';
  if (subscription.status === 'trialing' && subscription.trial_end !== null) return `Trial ends ${date(subscription.trial_end)}`;
  return periodEnd !== undefined ? `Renews on ${date(periodEnd)}` : '';
}

function isCanceling(subscription: Subscription): boolean {
  return subscription.cancel_at_period_end || subscription.cancel_at !== null;
}

function isPaused(subscription: Subscription): boolean {
  return subscription.status === 'paused' || subscription.pause_collection !== null;
}

function canCancel(portal: Portal, subscription: Subscription): boolean {
  return portal.features.subscription_cancel.enabled && !ENDED.has(subscription.status) && !isCanceling(subscription);
}

function canPause(portal: Portal, subscription: Subscription): boolean {
  return (
    portal.features.subscription_pause.enabled &&
    (subscription.status === 'active' || subscription.status === 'trialing') &&
    !isPaused(subscription) &&
    !isCanceling(subscription)
  );
}

function subscriptionCard(portal: Portal, subscription: Subscription): string {
  const path = `/subscriptions/${subscription.id}`;
  const items = subscription.items.data
    .map(
      (item) =>
        `<h3 class="plan-name">${html(productName(portal, item.price))}</h3>` +
        `<p><span class="plan-price">${html(priceLabel(item.price))}</span>` +
        (item.quantity !== undefined && item.quantity !== 1 ? ` <span class="plan-quantity">× ${html(item.quantity)}</span>` : '') +
        `</p>`,
    )
    .join('');
  const actions: string[] = [];
  const link = (suffix: string, id: string, label: string) =>
    `<a id="${id}-${html(subscription.id)}" href="${html(portal.base + path + suffix)}">${html(label)}</a>`;
  if (canChangePlan(portal, subscription)) actions.push(link('/update', 'update', 'Update plan'));
  if (isCanceling(subscription)) actions.push(buttonForm(portal, `${path}/renew`, 'Renew plan', `renew-${subscription.id}`));
  if (isPaused(subscription)) actions.push(buttonForm(portal, `${path}/resume`, 'Resume', `resume-${subscription.id}`));
  if (canPause(portal, subscription)) actions.push(link('/pause', 'pause', 'Pause plan'));
  if (canCancel(portal, subscription)) actions.push(link('/cancel', 'cancel', 'Cancel plan'));
  return (
    `<div class="item" data-subscription="${html(subscription.id)}">` +
    items +
    `<p><span class="status status-${html(subscription.status)}">${html(subscription.status.replace('_', ' '))}</span> ` +
    `<span class="muted next-event">${html(nextEvent(subscription))}</span></p>` +
    (actions.length > 0 ? `<div class="actions">${actions.join('')}</div>` : '') +
    `</div>`
  );
}

export function subscriptionsSection(portal: Portal): string {
  const subscriptions = listSubscriptions(portal);
  const body =
    subscriptions.length === 0
      ? '<p class="muted">No current subscriptions.</p>'
      : subscriptions.map((s) => subscriptionCard(portal, s)).join('');
  return `<section id="subscriptions"><h2>Current plan</h2>${body}</section>`;
}

// --- cancel ----------------------------------------------------------------------------------------------------

/**
 * The `retention` coupon offer of a `subscription_cancel` flow, shown before the cancel step. The local Stripe
 * models no coupons or discounts, so the offer is stated but cannot be accepted here.
 */
function retentionOffer(portal: Portal, subscription: Subscription): string {
  const flow = portal.session.flow?.subscription_cancel;
  const coupon = flow?.subscription === subscription.id ? flow.retention?.coupon_offer?.coupon : undefined;
  if (coupon === undefined || coupon === null) return '';
  return (
    `<section id="retention" class="notice"><h2>Before you go</h2>` +
    `<p>Coupon <code>${html(coupon)}</code> is on offer if you stay.</p></section>`
  );
}

export function cancelScreen(portal: Portal, subscription: Subscription, error?: string, status = 200): PageResponse {
  const feature = portal.features.subscription_cancel;
  const periodEnd = subscription.items.data[0]?.current_period_end;
  const when =
    feature.mode === 'immediately' || periodEnd === undefined
      ? 'Your plan will be canceled immediately.'
      : `Your plan will be canceled, but is still available until the end of your billing period on ${date(periodEnd)}.`;
  const reasons = feature.cancellation_reason.enabled
    ? `<h3>Tell us why you are canceling</h3>` +
      feature.cancellation_reason.options
        .map(
          (option) =>
            `<label class="choice"><input type="radio" name="reason" value="${html(option)}"> ${html(REASONS[option] ?? option)}</label>`,
        )
        .join('') +
      `<label for="cancel-comment">Anything else? (optional)</label><textarea id="cancel-comment" name="comment" rows="3" maxlength="500"></textarea>`
    : '';
  const body =
    (error !== undefined ? errorSection(error) : '') +
    retentionOffer(portal, subscription) +
    `<section id="cancel" data-step="subscription_cancel" data-subscription="${html(subscription.id)}"><h2>Cancel your plan</h2>` +
    subscription.items.data.map((i) => `<h3>${html(productName(portal, i.price))}</h3><p>${html(priceLabel(i.price))}</p>`).join('') +
    `<p>${html(when)}</p>` +
    postForm(portal, `/subscriptions/${subscription.id}/cancel`, reasons + `<button type="submit" id="confirm-cancel" class="danger">Cancel plan</button>`) +
    `<p><a href="${html(portal.base)}">Go back</a></p></section>`;
  return screen(portal, 'Cancel your plan', body, status);
}

function cancellationDetails(portal: Portal, form: FormObject): FormObject | string {
  const reasonFeature = portal.features.subscription_cancel.cancellation_reason;
  if (!reasonFeature.enabled) return {};
  const details: FormObject = {};
  const reason = field(form, 'reason');
  if (reason !== undefined && reason !== '') {
    if (!reasonFeature.options.includes(reason as Feedback)) return 'Choose one of the reasons offered.';
    details['feedback'] = reason;
  }
  const comment = (field(form, 'comment') ?? '').trim();
  if (comment !== '') details['comment'] = comment.slice(0, 500);
  return details;
}

function cancel(portal: Portal, subscription: Subscription): PageResponse | Done {
  if (!canCancel(portal, subscription)) return cancelScreen(portal, subscription, 'This plan can no longer be canceled.', 409);
  const details = cancellationDetails(portal, portal.request.form);
  if (typeof details === 'string') return cancelScreen(portal, subscription, details, 400);
  const feature = portal.features.subscription_cancel;
  const withDetails: FormObject = Object.keys(details).length > 0 ? { cancellation_details: details } : {};
  const result = attempt(() => {
    if (feature.mode === 'immediately') {
      const behavior = feature.proration_behavior;
      return portal.call('DELETE', `/v1/subscriptions/${subscription.id}`, {
        ...withDetails,
        prorate: behavior === 'none' ? 'false' : 'true',
        ...(behavior === 'always_invoice' ? { invoice_now: 'true' } : {}),
      });
    }
    return portal.call('POST', `/v1/subscriptions/${subscription.id}`, { cancel_at_period_end: 'true', ...withDetails });
  });
  if (!result.ok) return cancelScreen(portal, subscription, result.message, result.status);
  return { notice: feature.mode === 'immediately' ? 'canceled' : 'cancels_at_period_end' };
}

// --- pause -----------------------------------------------------------------------------------------------------

type IntervalOption = Stripe.BillingPortal.Configuration.Features.SubscriptionPause.Duration.IntervalOption;

function durationLabel(option: IntervalOption): string {
  return `${option.interval_count} ${option.interval}${option.interval_count === 1 ? '' : 's'}`;
}

/** `seconds` plus the option, in calendar units (UTC), as a pause of "1 month" means. */
function addInterval(seconds: number, option: IntervalOption): number {
  const d = new Date(seconds * 1000);
  const n = option.interval_count;
  if (option.interval === 'day') d.setUTCDate(d.getUTCDate() + n);
  else if (option.interval === 'week') d.setUTCDate(d.getUTCDate() + 7 * n);
  else {
    // Months and years keep the day of the month, clamped to the target month's last day (Jan 31 + 1 month is
    // Feb 28), as Stripe's calendar arithmetic does.
    const months = option.interval === 'month' ? n : 12 * n;
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + months);
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, last));
  }
  return Math.floor(d.getTime() / 1000);
}

function pauseOptions(portal: Portal): IntervalOption[] {
  const duration = portal.features.subscription_pause.duration;
  return duration.type === 'interval_options' ? duration.interval_options : [];
}

export function pauseScreen(portal: Portal, subscription: Subscription, error?: string, status = 200): PageResponse {
  const options = pauseOptions(portal);
  const choices =
    options.length === 0
      ? '<p>Your plan stays paused until you resume it. You will not be billed while it is paused.</p>'
      : `<h3>Pause for</h3>` +
        options
          .map(
            (o, i) =>
              `<label class="choice"><input type="radio" name="duration" value="${i}"${i === 0 ? ' checked' : ''}> ${html(durationLabel(o))}</label>`,
          )
          .join('');
  const body =
    (error !== undefined ? errorSection(error) : '') +
    `<section id="pause" data-step="subscription_pause" data-subscription="${html(subscription.id)}"><h2>Pause your plan</h2>` +
    postForm(portal, `/subscriptions/${subscription.id}/pause`, choices + `<button type="submit" id="confirm-pause">Pause plan</button>`) +
    `<p><a href="${html(portal.base)}">Go back</a></p></section>`;
  return screen(portal, 'Pause your plan', body, status);
}

function pause(portal: Portal, subscription: Subscription): PageResponse | Done {
  if (!canPause(portal, subscription)) return pauseScreen(portal, subscription, 'This plan cannot be paused.', 409);
  const options = pauseOptions(portal);
  let resumesAt: number | undefined;
  if (options.length > 0) {
    const option = options[Number(field(portal.request.form, 'duration') ?? '-1')];
    if (option === undefined) return pauseScreen(portal, subscription, 'Choose how long to pause for.', 400);
    resumesAt = addInterval(portal.store.nowSeconds(), option);
  }
  // Collection is paused with its invoices voided, and resumes by itself when the chosen time is up: what the
  // portal's pause with a duration means (Stripe's `pause_collection`).
  const result = attempt(() =>
    portal.call('POST', `/v1/subscriptions/${subscription.id}`, {
      pause_collection: { behavior: 'void', ...(resumesAt !== undefined ? { resumes_at: String(resumesAt) } : {}) },
    }),
  );
  if (!result.ok) return pauseScreen(portal, subscription, result.message, result.status);
  return { notice: 'paused' };
}

function resume(portal: Portal, subscription: Subscription): PageResponse | Done {
  if (!isPaused(subscription)) return { notice: 'resumed' };
  const result = attempt(() =>
    subscription.status === 'paused'
      ? portal.call('POST', `/v1/subscriptions/${subscription.id}/resume`, {})
      : portal.call('POST', `/v1/subscriptions/${subscription.id}`, { pause_collection: '' }),
  );
  return result.ok ? { notice: 'resumed' } : screen(portal, 'Resume', errorSection(result.message), result.status);
}

function renew(portal: Portal, subscription: Subscription): PageResponse | Done {
  const params: FormObject = subscription.cancel_at !== null && !subscription.cancel_at_period_end ? { cancel_at: '' } : { cancel_at_period_end: 'false' };
  const result = attempt(() => portal.call('POST', `/v1/subscriptions/${subscription.id}`, params));
  return result.ok ? { notice: 'renewed' } : screen(portal, 'Renew plan', errorSection(result.message), result.status);
}

const always = () => true;

export const subscriptionRoutes: PortalRoute[] = [
  on('GET', 'cancel', (f) => f.subscription_cancel.enabled, (p, s) => cancelScreen(p, s)),
  on('POST', 'cancel', (f) => f.subscription_cancel.enabled, cancel),
  on('POST', 'renew', always, renew),
  on('GET', 'pause', (f) => f.subscription_pause.enabled, (p, s) => pauseScreen(p, s)),
  on('POST', 'pause', (f) => f.subscription_pause.enabled, pause),
  on('POST', 'resume', always, resume),
];

export const subscriptionNotices = {
  canceled: 'Your plan has been canceled.',
  cancels_at_period_end: 'Your plan will be canceled at the end of the billing period.',
  renewed: 'Your plan has been renewed.',
  paused: 'Your plan has been paused.',
  resumed: 'Your plan has been resumed.',
};
