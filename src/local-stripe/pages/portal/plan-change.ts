/**
 * Changing a plan (`subscription_update`): choose among the configuration's `products[].prices[]` and / or a new
 * quantity (as `default_allowed_updates` allows), see what it costs (`POST /v1/invoices/create_preview` with
 * `subscription_details`, at a fixed `proration_date`), then confirm: `POST /v1/subscriptions/:id` with the
 * configured `proration_behavior` and the same `proration_date`, so the prorations charged are the ones previewed.
 * The `subscription_update_confirm` flow opens straight on the confirm step with the session's item change.
 */
import type Stripe from 'stripe';
import { formatMoney } from '../../../stripe-facts/money.js';
import type { FormObject } from '../../form.js';
import { html } from '../../pages.js';
import type { PageResponse } from '../../server.js';
import { field, postForm } from './forms.js';
import { date, errorSection } from './layout.js';
import { attempt, onSubscription, screen, type Done, type Portal, type PortalRoute } from './session.js';

type Subscription = Stripe.Subscription;
type ProductOption = Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.Product;

/** A proposed change of the subscription's one item. */
export interface Change {
  price: string;
  quantity: number;
}

function feature(portal: Portal) {
  return portal.features.subscription_update;
}

function productOf(price: Stripe.Price): string {
  return typeof price.product === 'string' ? price.product : price.product.id;
}

function currentItem(subscription: Subscription): Stripe.SubscriptionItem | undefined {
  return subscription.items.data.length === 1 ? subscription.items.data[0] : undefined;
}

function productOption(portal: Portal, product: string): ProductOption | undefined {
  return (feature(portal).products ?? []).find((p) => p.product === product);
}

function allows(portal: Portal, update: 'price' | 'quantity'): boolean {
  return (feature(portal).default_allowed_updates as string[]).includes(update);
}

function quantityBounds(portal: Portal, product: string): { min: number; max: number | null } | undefined {
  const adjustable = productOption(portal, product)?.adjustable_quantity;
  if (adjustable?.enabled) return { min: Math.max(1, adjustable.minimum), max: adjustable.maximum };
  return allows(portal, 'quantity') ? { min: 1, max: null } : undefined;
}

/** Whether the portal offers "Update plan" for this subscription: one item, of a product the configuration lists. */
export function canChangePlan(portal: Portal, subscription: Subscription): boolean {
  const item = currentItem(subscription);
  if (!feature(portal).enabled || item === undefined) return false;
  if (subscription.status === 'canceled' || subscription.status === 'incomplete_expired') return false;
  return productOption(portal, productOf(item.price)) !== undefined && (allows(portal, 'price') || allows(portal, 'quantity'));
}

/** The prices a customer may switch to: the configuration's, as the API has them now (inactive ones left out). */
function priceChoices(portal: Portal): Stripe.Price[] {
  const prices: Stripe.Price[] = [];
  for (const option of feature(portal).products ?? []) {
    for (const id of option.prices) {
      const price = attempt(() => portal.call<Stripe.Price>('GET', `/v1/prices/${id}`, { expand: { 0: 'product' } }));
      if (price.ok && price.value.active && price.value.recurring !== null) prices.push(price.value);
    }
  }
  return prices;
}

/**
 * The product's name: from an expanded `product`, else retrieved (a subscription list cannot expand
 * `data.items.data.price.product`, past Stripe's four levels); the price's nickname or the id if it is gone.
 */
export function productName(portal: Portal, price: Stripe.Price): string {
  const given = price.product;
  if (typeof given === 'object' && 'name' in given) return given.name;
  const product = attempt(() => portal.call<Stripe.Product>('GET', `/v1/products/${productOf(price)}`));
  return product.ok ? product.value.name : (price.nickname ?? productOf(price));
}

/** "$29.00 / month", "$290.00 / 12 months". */
export function priceLabel(price: Stripe.Price): string {
  const amount = price.unit_amount === null ? 'Custom price' : formatMoney(price.unit_amount, price.currency);
  const r = price.recurring;
  return r === null ? amount : `${amount} / ${r.interval_count === 1 ? r.interval : `${r.interval_count} ${r.interval}s`}`;
}

/** The session's own `subscription_update_confirm` change for this subscription, if any. */
function flowChange(portal: Portal, subscription: Subscription): Change | undefined {
  const confirm = portal.session.flow?.subscription_update_confirm;
  const item = currentItem(subscription);
  const given = confirm?.items[0];
  if (confirm?.subscription !== subscription.id || item === undefined || given === undefined) return undefined;
  return { price: given.price ?? item.price.id, quantity: given.quantity ?? item.quantity ?? 1 };
}

/** Reads and checks a change from form or query fields; a string is what is wrong with it. */
function readChange(portal: Portal, subscription: Subscription, fields: (name: string) => string | undefined): Change | string {
  const item = currentItem(subscription);
  if (item === undefined) return 'This plan cannot be changed here.';
  const price = fields('price') ?? item.price.id;
  const quantityText = fields('quantity');
  const quantity = quantityText === undefined || quantityText === '' ? (item.quantity ?? 1) : Number(quantityText);
  const change = { price, quantity };
  const fromFlow = flowChange(portal, subscription);
  if (fromFlow !== undefined && fromFlow.price === price && fromFlow.quantity === quantity) return change;
  if (price !== item.price.id) {
    const listed = (feature(portal).products ?? []).some((p) => p.prices.includes(price));
    if (!allows(portal, 'price') || !listed) return 'That plan is not available.';
  }
  if (!Number.isInteger(quantity)) return 'Enter a whole number for the quantity.';
  if (quantity !== (item.quantity ?? 1)) {
    const bounds = quantityBounds(portal, productOf(item.price));
    if (bounds === undefined) return 'The quantity of this plan cannot be changed.';
    if (quantity < bounds.min || (bounds.max !== null && quantity > bounds.max)) {
      return bounds.max === null
        ? `Choose a quantity of at least ${bounds.min}.`
        : `Choose a quantity between ${bounds.min} and ${bounds.max}.`;
    }
  }
  if (price === item.price.id && quantity === (item.quantity ?? 1)) return 'Choose a different plan or quantity.';
  return change;
}

export function chooseScreen(portal: Portal, subscription: Subscription, error?: string, status = 200): PageResponse {
  const item = currentItem(subscription) as Stripe.SubscriptionItem;
  const choices = allows(portal, 'price')
    ? priceChoices(portal)
        .map(
          (price) =>
            `<label class="choice"><input type="radio" name="price" value="${html(price.id)}"` +
            `${price.id === item.price.id ? ' checked' : ''}> <strong>${html(productName(portal, price))}</strong> ` +
            `${html(priceLabel(price))}${price.id === item.price.id ? ' <span class="muted">(current)</span>' : ''}</label>`,
        )
        .join('')
    : `<input type="hidden" name="price" value="${html(item.price.id)}">`;
  const bounds = quantityBounds(portal, productOf(item.price));
  const quantity =
    bounds === undefined
      ? ''
      : `<label for="quantity">Quantity</label><input id="quantity" name="quantity" type="number" min="${bounds.min}"` +
        `${bounds.max !== null ? ` max="${bounds.max}"` : ''} value="${html(item.quantity ?? 1)}">`;
  const body =
    (error !== undefined ? errorSection(error) : '') +
    `<section id="update" data-step="subscription_update" data-subscription="${html(subscription.id)}"><h2>Update your plan</h2>` +
    `<form method="get" action="${html(`${portal.base}/subscriptions/${subscription.id}/update/confirm`)}">` +
    choices +
    quantity +
    `<button type="submit" id="continue-update">Continue</button></form>` +
    `<p><a href="${html(portal.base)}">Go back</a></p></section>`;
  return screen(portal, 'Update your plan', body, status);
}

/**
 * The discounts a `subscription_update_confirm` flow names. The local Stripe models no coupons, so they are shown
 * on the confirm step but not sent (the API would refuse them).
 */
function flowDiscounts(portal: Portal, subscription: Subscription): string {
  const confirm = portal.session.flow?.subscription_update_confirm;
  if (confirm?.subscription !== subscription.id || confirm.discounts === null) return '';
  const names = confirm.discounts.map((d) => d.coupon ?? d.promotion_code ?? '').filter(Boolean);
  return names.length === 0 ? '' : `<p class="muted" id="flow-discounts">Discount offered: ${names.map((n) => `<code>${html(n)}</code>`).join(', ')}</p>`;
}

function itemParams(subscription: Subscription, change: Change): FormObject {
  const item = currentItem(subscription) as Stripe.SubscriptionItem;
  return { 0: { id: item.id, price: change.price, quantity: String(change.quantity) } };
}

function previewLines(invoice: Stripe.Invoice): string {
  const rows = invoice.lines.data
    .map((line) => `<tr><td>${html(line.description ?? '')}</td><td class="amount">${html(formatMoney(line.amount, line.currency))}</td></tr>`)
    .join('');
  return (
    `<table id="preview-lines"><tbody>${rows}` +
    `<tr class="total"><td>Total</td><td class="amount" id="preview-total">${html(formatMoney(invoice.total, invoice.currency))}</td></tr>` +
    `</tbody></table>`
  );
}

export function confirmScreen(portal: Portal, subscription: Subscription, change: Change, error?: string, status = 200): PageResponse {
  const behavior = feature(portal).proration_behavior;
  const prorationDate = portal.store.nowSeconds();
  const preview = attempt(() =>
    portal.call<Stripe.Invoice>('POST', '/v1/invoices/create_preview', {
      customer: portal.session.customer,
      subscription: subscription.id,
      subscription_details: { items: itemParams(subscription, change), proration_behavior: behavior, proration_date: String(prorationDate) },
    }),
  );
  if (!preview.ok) return chooseScreen(portal, subscription, preview.message, preview.status);
  const price = attempt(() => portal.call<Stripe.Price>('GET', `/v1/prices/${change.price}`, { expand: { 0: 'product' } }));
  const plan = price.ok ? `${productName(portal, price.value)} — ${priceLabel(price.value)}` : change.price;
  const invoice = preview.value;
  const heading =
    behavior === 'always_invoice' ? 'Amount due today' : `Your next invoice${invoice.period_end ? `, on ${date(invoice.next_payment_attempt ?? invoice.period_end)}` : ''}`;
  const body =
    (error !== undefined ? errorSection(error) : '') +
    `<section id="confirm-update" data-step="subscription_update_confirm" data-subscription="${html(subscription.id)}">` +
    `<h2>Confirm your new plan</h2>` +
    `<p id="new-plan"><strong>${html(plan)}</strong>${change.quantity !== 1 ? ` × ${html(change.quantity)}` : ''}</p>` +
    `<h3>${html(heading)}</h3>` +
    previewLines(invoice) +
    flowDiscounts(portal, subscription) +
    postForm(
      portal,
      `/subscriptions/${subscription.id}/update`,
      `<input type="hidden" name="price" value="${html(change.price)}">` +
        `<input type="hidden" name="quantity" value="${html(change.quantity)}">` +
        `<input type="hidden" name="proration_date" value="${prorationDate}">` +
        `<button type="submit" id="confirm-update-button">Confirm</button>`,
    ) +
    `<p><a href="${html(`${portal.base}/subscriptions/${subscription.id}/update`)}">Go back</a></p></section>`;
  return screen(portal, 'Confirm your new plan', body, status);
}

function apply(portal: Portal, subscription: Subscription): PageResponse | Done {
  const form = portal.request.form;
  const change = readChange(portal, subscription, (name) => field(form, name));
  if (typeof change === 'string') return chooseScreen(portal, subscription, change, 400);
  const settings = feature(portal);
  const prorationDate = field(form, 'proration_date');
  const params: FormObject = {
    items: itemParams(subscription, change),
    proration_behavior: settings.proration_behavior,
    ...(prorationDate !== undefined && /^\d+$/.test(prorationDate) ? { proration_date: prorationDate } : {}),
    ...(subscription.status === 'trialing' && settings.trial_update_behavior === 'end_trial' ? { trial_end: 'now' } : {}),
    ...(settings.billing_cycle_anchor === 'now' ? { billing_cycle_anchor: 'now' } : {}),
  };
  const result = attempt(() => portal.call('POST', `/v1/subscriptions/${subscription.id}`, params));
  if (!result.ok) return confirmScreen(portal, subscription, change, result.message, result.status);
  return { notice: 'plan_updated' };
}

/** The step a `subscription_update` / `subscription_update_confirm` flow opens on. */
export function flowStep(portal: Portal, subscription: Subscription): PageResponse {
  const change = flowChange(portal, subscription);
  return change === undefined ? chooseScreen(portal, subscription) : confirmScreen(portal, subscription, change);
}

const enabled = (f: Stripe.BillingPortal.Configuration['features']) => f.subscription_update.enabled;

/** A plan-change route: only for a subscription the portal offers "Update plan" for. */
function onUpdatable(method: PortalRoute['method'], action: string, run: (portal: Portal, subscription: Subscription) => PageResponse | Done): PortalRoute {
  return onSubscription(method, action, enabled, (portal, subscription) =>
    canChangePlan(portal, subscription) ? run(portal, subscription) : undefined,
  );
}

export const planChangeRoutes: PortalRoute[] = [
  onUpdatable('GET', 'update', (portal, subscription) => chooseScreen(portal, subscription)),
  onUpdatable('GET', 'update/confirm', (portal, subscription) => {
    const query = portal.request.query;
    const change = readChange(portal, subscription, (name) => query.get(name) ?? undefined);
    return typeof change === 'string' ? chooseScreen(portal, subscription, change, 400) : confirmScreen(portal, subscription, change);
  }),
  onUpdatable('POST', 'update', apply),
];

export const planChangeNotices = { plan_updated: 'Your plan has been updated.' };
