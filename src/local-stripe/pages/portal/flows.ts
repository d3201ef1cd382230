/**
 * Deep links (`flow_data` on the session, kept as its `flow`): until the flow is done, the session URL opens
 * straight on the flow's step (the card form, the cancel step for that subscription, the plan choice, the confirm
 * step with the session's item change, …). When that step's action succeeds the flow is complete and
 * `after_completion` decides what follows: `redirect` (303 to its `return_url`), `hosted_confirmation` (a
 * confirmation screen with its `custom_message`), or `portal_homepage` (the home screen with its notice). After
 * completion the session is an ordinary portal session.
 */
import type Stripe from 'stripe';
import { html } from '../../pages.js';
import type { PageResponse } from '../../server.js';
import type { SessionRecord } from '../../store.js';
import { detailsScreen } from './customer-details.js';
import { noticeSection, redirect, returnLink } from './layout.js';
import { cardScreen } from './payment-methods.js';
import { flowStep as planStep } from './plan-change.js';
import { ownSubscription, screen, type Done, type Portal } from './session.js';
import { cancelScreen, pauseScreen } from './subscriptions.js';

type Flow = Stripe.BillingPortal.Session.Flow;

const TITLES: Record<string, string> = {
  customer_update: 'Update your details',
  payment_method_update: 'Update your payment method',
  subscription_cancel: 'Cancel your subscription',
  subscription_pause: 'Pause your subscription',
  subscription_update: 'Change your plan',
  subscription_update_confirm: 'Confirm your plan change',
};

/** Flows whose step has been completed (kept beside the record: page state, not part of Stripe's session). */
const completed = new WeakSet<SessionRecord>();

/** The session's flow while it is still to be done. */
export function openFlow(portal: Portal): Flow | undefined {
  const flow = portal.session.flow;
  return flow === null || completed.has(portal.record) ? undefined : flow;
}

function flowSubscription(flow: Flow): string | null {
  return (
    flow.subscription_cancel?.subscription ??
    flow.subscription_pause?.subscription ??
    flow.subscription_update?.subscription ??
    flow.subscription_update_confirm?.subscription ??
    null
  );
}

/** What the flow is about, above its step. */
function banner(flow: Flow): string {
  const details: string[] = [];
  const subscription = flowSubscription(flow);
  if (subscription !== null) details.push(`Subscription <code>${html(subscription)}</code>`);
  for (const item of flow.subscription_update_confirm?.items ?? []) {
    const parts = [
      item.price !== null ? `price <code>${html(item.price)}</code>` : '',
      item.quantity !== undefined ? `quantity ${html(item.quantity)}` : '',
    ].filter(Boolean);
    details.push(`Item <code>${html(item.id)}</code>${parts.length > 0 ? ` &rarr; ${parts.join(', ')}` : ''}`);
  }
  const after = flow.after_completion;
  if (after.type === 'hosted_confirmation' && after.hosted_confirmation?.custom_message) {
    details.push(`Afterwards: ${html(after.hosted_confirmation.custom_message)}`);
  } else if (after.type === 'redirect' && after.redirect) {
    const url = html(after.redirect.return_url);
    details.push(`Afterwards you return to <a href="${url}">${url}</a>`);
  }
  return (
    `<section id="flow" data-flow="${html(flow.type)}"><h2>In progress</h2>` +
    `<p><strong>${html(TITLES[flow.type] ?? flow.type)}</strong></p>` +
    (details.length > 0 ? `<ul>${details.map((d) => `<li>${d}</li>`).join('')}</ul>` : '') +
    `</section>`
  );
}

/** Puts the flow's banner above a step screen's content (after its header). */
function withBanner(response: PageResponse, flow: Flow): PageResponse {
  if (typeof response.body !== 'string') return response;
  return { ...response, body: response.body.replace('</header>', `</header>${banner(flow)}`) };
}

/** The step the open flow shows at the session URL; undefined when its subscription can no longer be found. */
export function flowScreen(portal: Portal, flow: Flow): PageResponse | undefined {
  let step: PageResponse | undefined;
  if (flow.type === 'payment_method_update') step = cardScreen(portal);
  else if (flow.type === 'customer_update') step = detailsScreen(portal);
  else {
    const id = flowSubscription(flow);
    const subscription = id === null ? undefined : ownSubscription(portal, id);
    if (subscription === undefined) return undefined;
    if (flow.type === 'subscription_cancel') step = cancelScreen(portal, subscription);
    else if (flow.type === 'subscription_pause') step = pauseScreen(portal, subscription);
    else step = planStep(portal, subscription);
  }
  return step === undefined ? undefined : withBanner(step, flow);
}

/**
 * After a successful action: completes an open flow and follows its `after_completion`; otherwise (and for
 * `portal_homepage`) back to the home screen with the action's notice (Post/Redirect/Get).
 */
export function afterAction(portal: Portal, done: Done): PageResponse {
  const flow = openFlow(portal);
  const home = `${portal.base}?notice=${encodeURIComponent(done.notice)}`;
  if (flow === undefined) return redirect(home);
  completed.add(portal.record);
  const after = flow.after_completion;
  if (after.type === 'redirect' && after.redirect !== null) return redirect(after.redirect.return_url);
  if (after.type === 'hosted_confirmation') return redirect(`${portal.base}/confirmation?notice=${encodeURIComponent(done.notice)}`);
  return redirect(home);
}

/** The `hosted_confirmation` screen: the configured message (or the action's notice) and the way back. */
export function confirmationScreen(portal: Portal, notice: string | undefined): PageResponse | undefined {
  const flow = portal.session.flow;
  if (flow === null || flow.after_completion.type !== 'hosted_confirmation' || !completed.has(portal.record)) return undefined;
  const message = flow.after_completion.hosted_confirmation?.custom_message ?? notice ?? 'Your changes have been saved.';
  const back = portal.session.return_url !== null ? `<p>${returnLink(portal.session.return_url, 'confirmation-return')}</p>` : '';
  const body =
    `<section id="confirmation" class="success"><h2>All done</h2><p id="confirmation-message">${html(message)}</p></section>` +
    (notice !== undefined && notice !== message ? noticeSection(notice) : '') +
    back +
    `<p><a id="portal-home" href="${html(portal.base)}">Go to your billing portal</a></p>`;
  return screen(portal, 'Confirmed', body);
}
