/**
 * "Your plan": each of the customer's subscriptions — what it bills (product, price per interval, quantity), its
 * status badge, and when it renews, ends or ended (and when a trial ends). Wording in `plan-format.ts`.
 */
import { h, type Child } from './dom.js';
import { planDates, planName, priceLabel, quantityLabel, subscriptionBadge, type PlanItem, type PlanSubscription } from './plan-format.js';
import { svgIcon } from './widgets.js';

/** One price of the plan; its product named only when the plan bills several (one is already the plan's name). */
function itemLine(item: PlanItem, showProduct: boolean): HTMLElement {
  const quantity = quantityLabel(item.quantity);
  return h(
    'li',
    { class: 'plan-item', data: { priceId: item.price.id, productId: item.price.product.id } },
    showProduct ? h('span', { class: 'plan-product' }, item.price.product.name) : null,
    h('span', { class: 'plan-price' }, priceLabel(item.price)),
    quantity !== undefined ? h('span', { class: 'plan-quantity' }, quantity) : null,
  );
}

function subscriptionBlock(sub: PlanSubscription): HTMLElement {
  const badge = subscriptionBadge(sub);
  const severalProducts = new Set(sub.items.map((item) => item.price.product.id)).size > 1;
  return h(
    'article',
    { class: 'plan', data: { subscriptionId: sub.id, status: sub.status } },
    h(
      'div',
      { class: 'plan-head' },
      h('h3', { class: 'plan-name' }, planName(sub)),
      h('span', { class: `badge badge-${badge.tone}`, data: { tone: badge.tone } }, badge.label),
    ),
    h('ul', { class: 'plan-items' }, ...sub.items.map((item) => itemLine(item, severalProducts))),
    ...planDates(sub).map((line) => h('p', { class: `plan-date plan-${line.kind}` }, line.text)),
  );
}

/** The section's content for these subscriptions (an empty state when there are none). */
export function planSection(subscriptions: readonly PlanSubscription[]): Child[] {
  const head = h('div', { class: 'card-head' }, h('h2', { id: 'plan-title' }, subscriptions.length > 1 ? 'Your plans' : 'Your plan'));
  if (subscriptions.length === 0) {
    return [
      head,
      h(
        'div',
        { class: 'empty compact', id: 'no-plan' },
        h('div', { class: 'icon' }, svgIcon()),
        h('h3', {}, 'No current plan'),
        h('p', {}, 'Choose a plan in the billing portal (“Manage billing”).'),
      ),
    ];
  }
  return [head, ...subscriptions.map(subscriptionBlock)];
}

export function planSkeleton(): Child[] {
  return [
    h('div', { class: 'card-head' }, h('h2', { id: 'plan-title' }, 'Your plan')),
    h('div', { class: 'plan', attrs: { 'aria-hidden': 'true' } }, h('span', { class: 'skeleton w-l' }), h('span', { class: 'skeleton w-m' })),
  ];
}
