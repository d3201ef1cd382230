/**
 * The inputs of `Mutation.createPortalSession` (and the portal enums they share with the output), and their checks
 * before any Stripe call: who the session is for (a customer only for itself), what only the operator chooses for
 * customers (the configuration and `on_behalf_of`: `PORTAL_CONFIGURATION_ID`, `PORTAL_ON_BEHALF_OF`), ids, the
 * flow's shape for its type, and the return URLs against `ALLOWED_RETURN_URL_ORIGINS` (no open redirect).
 */
import type Stripe from 'stripe';
import type { Viewer } from '../../auth/viewer.js';
import { appError } from '../../errors.js';
import type { PortalSettings } from '../context.js';
import { PORTAL_FLOW_TYPES, PORTAL_LOCALES } from '../../stripe-facts/enums.js';
import { builder } from '../builder.js';
import { badInput, forbidden } from '../errors.js';
import { checkCustomerId } from './customer.js';
import { checkConfigurationId } from './portal-configuration.js';
import { OPAQUE_ID, quoteId, stripeId } from '../../stripe/ids.js';

type FlowData = Stripe.BillingPortal.SessionCreateParams.FlowData;

export const PortalLocaleEnum = builder.enumType('PortalLocale', {
  description: 'The language of the portal. AUTO follows the customer’s preferred locales, then the browser.',
  values: Object.fromEntries(
    PORTAL_LOCALES.map((locale) => [locale.toUpperCase().replaceAll('-', '_'), { value: locale, description: `Stripe locale \`${locale}\`.` }]),
  ) as Record<string, { value: (typeof PORTAL_LOCALES)[number]; description: string }>,
});

type FlowType = (typeof PORTAL_FLOW_TYPES)[number];

export const PortalFlowTypeEnum = builder.enumType('PortalFlowType', {
  description: 'A deep link into one task of the portal.',
  values: {
    PAYMENT_METHOD_UPDATE: { value: 'payment_method_update', description: 'Add or change a payment method.' },
    CUSTOMER_UPDATE: { value: 'customer_update', description: 'Update the customer’s details.' },
    SUBSCRIPTION_CANCEL: { value: 'subscription_cancel', description: 'Cancel a subscription (with an optional retention offer).' },
    SUBSCRIPTION_PAUSE: { value: 'subscription_pause', description: 'Pause a subscription.' },
    SUBSCRIPTION_UPDATE: { value: 'subscription_update', description: 'Choose a new plan for a subscription.' },
    SUBSCRIPTION_UPDATE_CONFIRM: { value: 'subscription_update_confirm', description: 'Confirm a given change to a subscription.' },
  } as const,
});

export const AfterCompletionTypeEnum = builder.enumType('PortalFlowAfterCompletionType', {
  description: 'Where the customer goes once the flow is done.',
  values: {
    HOSTED_CONFIRMATION: { value: 'hosted_confirmation', description: 'A confirmation page in the portal.' },
    PORTAL_HOMEPAGE: { value: 'portal_homepage', description: 'The portal’s home page.' },
    REDIRECT: { value: 'redirect', description: 'Back to your site (`redirectReturnUrl`).' },
  } as const,
});

// ---------------------------------------------------------------------------------------------------------------
// Inputs

const AfterCompletionInput = builder.inputType('PortalFlowAfterCompletionInput', {
  description: 'What happens when the flow is done.',
  fields: (t) => ({
    type: t.field({ type: AfterCompletionTypeEnum, required: true, description: 'Where the customer goes.' }),
    redirectReturnUrl: t.string({ required: false, description: 'With REDIRECT: where to (an allowed return-URL origin).' }),
    hostedConfirmationMessage: t.string({ required: false, description: 'With HOSTED_CONFIRMATION: a custom message (at most 500 characters).' }),
  }),
});

const SubscriptionInput = builder.inputType('PortalFlowSubscriptionInput', {
  description: 'The subscription a flow acts on.',
  fields: (t) => ({ subscriptionId: t.id({ required: true, description: 'Stripe subscription id (`sub_…`).' }) }),
});

const SubscriptionCancelInput = builder.inputType('PortalFlowSubscriptionCancelInput', {
  description: 'The subscription to cancel, and an optional retention offer.',
  fields: (t) => ({
    subscriptionId: t.id({ required: true, description: 'Stripe subscription id (`sub_…`).' }),
    retentionCouponId: t.string({ required: false, description: 'A coupon offered to keep the customer.' }),
  }),
});

const SubscriptionItemInput = builder.inputType('PortalFlowSubscriptionItemInput', {
  description: 'The change to one subscription item.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'Subscription item id (`si_…`).' }),
    priceId: t.string({ required: false, description: 'The new price (`price_…`).' }),
    quantity: t.int({ required: false, description: 'The new quantity.' }),
  }),
});

const DiscountInput = builder.inputType('PortalFlowDiscountInput', {
  description: 'A discount to apply with the change: a coupon or a promotion code.',
  fields: (t) => ({
    couponId: t.string({ required: false, description: 'A coupon id.' }),
    promotionCodeId: t.string({ required: false, description: 'A promotion code id.' }),
  }),
});

const SubscriptionUpdateConfirmInput = builder.inputType('PortalFlowSubscriptionUpdateConfirmInput', {
  description: 'A given change to a subscription, for the customer to confirm.',
  fields: (t) => ({
    subscriptionId: t.id({ required: true, description: 'Stripe subscription id (`sub_…`).' }),
    items: t.field({ type: [SubscriptionItemInput], required: true, description: 'The item to change (Stripe allows exactly one).' }),
    discounts: t.field({ type: [DiscountInput], required: false, description: 'At most one discount.' }),
  }),
});

const FlowInput = builder.inputType('PortalFlowInput', {
  description:
    'Open the portal on one task (Stripe’s `flow_data`). Give the sub-input that matches `type`, and no other.',
  fields: (t) => ({
    type: t.field({ type: PortalFlowTypeEnum, required: true, description: 'The task.' }),
    afterCompletion: t.field({ type: AfterCompletionInput, required: false, description: 'What happens when it is done.' }),
    subscriptionCancel: t.field({ type: SubscriptionCancelInput, required: false, description: 'With SUBSCRIPTION_CANCEL.' }),
    subscriptionPause: t.field({ type: SubscriptionInput, required: false, description: 'With SUBSCRIPTION_PAUSE.' }),
    subscriptionUpdate: t.field({ type: SubscriptionInput, required: false, description: 'With SUBSCRIPTION_UPDATE.' }),
    subscriptionUpdateConfirm: t.field({
      type: SubscriptionUpdateConfirmInput,
      required: false,
      description: 'With SUBSCRIPTION_UPDATE_CONFIRM.',
    }),
  }),
});

export const CreatePortalSessionInput = builder.inputType('CreatePortalSessionInput', {
  description: 'Who the portal session is for and how it opens.',
  fields: (t) => ({
    customerId: t.id({ required: false, description: 'The customer (`cus_…`). Admins: required. Customers: optional, and must be their own.' }),
    configurationId: t.id({
      required: false,
      description:
        'Admins only: the portal configuration (`bpc_…`); when omitted, the gateway’s (PORTAL_CONFIGURATION_ID), else ' +
        'Stripe’s default. Customers get the gateway’s and may not name one (FORBIDDEN, whatever the value).',
    }),
    flow: t.field({ type: FlowInput, required: false, description: 'Open on one task instead of the portal’s home page.' }),
    locale: t.field({ type: PortalLocaleEnum, required: false, description: 'The portal’s language.' }),
    onBehalfOf: t.string({
      required: false,
      description:
        'Admins only: a connected account (`acct_…`) whose branding and objects the portal shows; when omitted, the ' +
        'gateway’s (PORTAL_ON_BEHALF_OF), else none. Customers get the gateway’s and may not name one (FORBIDDEN, ' +
        'whatever the value).',
    }),
    returnUrl: t.string({
      required: false,
      description: 'Where the portal’s “return” link goes; must be on an allowed origin. Defaults to the gateway’s configured return URL.',
    }),
    idempotencyKey: t.string({
      required: false,
      description: 'Makes the request safe to repeat: the same key from the same caller returns the same session (1–255 characters).',
    }),
  }),
});

// ---------------------------------------------------------------------------------------------------------------
// Validation, before any Stripe call

const SUBSCRIPTION_ID = stripeId('sub');
const SUBSCRIPTION_ITEM_ID = stripeId('si');
const ACCOUNT_ID = stripeId('acct');

function subscriptionId(value: string, field: string): string {
  if (!SUBSCRIPTION_ID.test(value)) throw badInput(`${quoteId(value)} is not a Stripe subscription id (sub_…).`, field);
  return value;
}

/**
 * A return URL the portal may send the customer to: http(s), no credentials, on an allowed origin (compared as
 * parsed origins, so `https://good.example@evil.example` or `https://good.example.evil.example` do not pass).
 */
export function checkReturnUrl(value: string, settings: PortalSettings, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badInput(`${field} must be an absolute http(s) URL.`, field);
  }
  if (value.length > 2048) throw badInput(`${field} must be at most 2048 characters.`, field);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badInput(`${field} must be an http(s) URL.`, field);
  if (url.username !== '' || url.password !== '') throw badInput(`${field} must not contain credentials.`, field);
  if (!settings.allowedReturnUrlOrigins.includes(url.origin)) {
    throw badInput(`${field} must be on an allowed origin (${settings.allowedReturnUrlOrigins.join(', ') || 'none configured'}).`, field);
  }
  return url.toString();
}

/**
 * The configuration and connected account of the session. A customer gets the operator's (`PortalSettings`): naming
 * either is refused before anything else is looked at, with one answer whatever the value, so that it can neither
 * open an admin-only configuration nor learn which ids exist. Admins may name both; the operator's are defaults.
 */
export function operatorChoices(
  viewer: Viewer,
  input: { configurationId?: string | null | undefined; onBehalfOf?: string | null | undefined },
  settings: PortalSettings,
): { configuration: string | undefined; onBehalfOf: string | undefined } {
  if (viewer.role !== 'ADMIN') {
    for (const field of ['configurationId', 'onBehalfOf'] as const) {
      if (input[field] != null) {
        throw appError('FORBIDDEN', `Only admins may choose ${field}: the gateway sets it for customers.`, { field });
      }
    }
    return { configuration: settings.configuration, onBehalfOf: settings.onBehalfOf };
  }
  if (input.onBehalfOf != null && !ACCOUNT_ID.test(input.onBehalfOf)) {
    throw badInput(`${quoteId(input.onBehalfOf)} is not a Stripe account id (acct_…).`, 'onBehalfOf');
  }
  return {
    configuration: input.configurationId != null ? checkConfigurationId(input.configurationId, 'configurationId') : settings.configuration,
    onBehalfOf: input.onBehalfOf ?? settings.onBehalfOf,
  };
}

/** The customer the session is for: a customer token only for itself; admins must name one. */
export function sessionCustomer(viewer: Viewer, customerId: string | null | undefined): string {
  if (viewer.role === 'CUSTOMER') {
    if (customerId != null && customerId !== viewer.customerId) {
      throw forbidden('You may open the billing portal only for yourself.');
    }
    return viewer.customerId;
  }
  if (customerId == null) throw badInput('customerId is required for admin callers.', 'customerId');
  return checkCustomerId(customerId, 'customerId');
}

type FlowInputShape = typeof FlowInput.$inferInput;

export function flowData(flow: FlowInputShape, settings: PortalSettings): FlowData {
  const type = flow.type as FlowType;
  const given = {
    subscription_cancel: flow.subscriptionCancel,
    subscription_pause: flow.subscriptionPause,
    subscription_update: flow.subscriptionUpdate,
    subscription_update_confirm: flow.subscriptionUpdateConfirm,
  };
  const camel = (key: string) => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  for (const [key, value] of Object.entries(given)) {
    if (value != null && key !== type) {
      throw badInput(`flow.${camel(key)} belongs to type ${key.toUpperCase()}, not ${type.toUpperCase()}.`, `flow.${camel(key)}`);
    }
  }
  const data: FlowData = { type };
  const after = flow.afterCompletion;
  if (after != null) {
    if (after.type === 'redirect') {
      if (after.redirectReturnUrl == null) throw badInput('REDIRECT needs flow.afterCompletion.redirectReturnUrl.', 'flow.afterCompletion.redirectReturnUrl');
      data.after_completion = {
        type: 'redirect',
        redirect: { return_url: checkReturnUrl(after.redirectReturnUrl, settings, 'flow.afterCompletion.redirectReturnUrl') },
      };
    } else if (after.redirectReturnUrl != null) {
      throw badInput('redirectReturnUrl goes with REDIRECT only.', 'flow.afterCompletion.redirectReturnUrl');
    }
    if (after.type === 'hosted_confirmation') {
      const message = after.hostedConfirmationMessage;
      if (message != null && message.length > 500) {
        throw badInput('hostedConfirmationMessage must be at most 500 characters.', 'flow.afterCompletion.hostedConfirmationMessage');
      }
      data.after_completion = { type: 'hosted_confirmation', ...(message != null ? { hosted_confirmation: { custom_message: message } } : {}) };
    } else if (after.hostedConfirmationMessage != null) {
      throw badInput('hostedConfirmationMessage goes with HOSTED_CONFIRMATION only.', 'flow.afterCompletion.hostedConfirmationMessage');
    }
    if (after.type === 'portal_homepage') data.after_completion = { type: 'portal_homepage' };
  }
  const required = <T>(value: T | null | undefined, key: string): T => {
    if (value == null) throw badInput(`Type ${type.toUpperCase()} needs flow.${key}.`, `flow.${key}`);
    return value;
  };
  switch (type) {
    case 'subscription_cancel': {
      const input = required(flow.subscriptionCancel, 'subscriptionCancel');
      const coupon = input.retentionCouponId;
      if (coupon != null && !OPAQUE_ID.test(coupon)) throw badInput('retentionCouponId is not a coupon id.', 'flow.subscriptionCancel.retentionCouponId');
      data.subscription_cancel = {
        subscription: subscriptionId(input.subscriptionId, 'flow.subscriptionCancel.subscriptionId'),
        ...(coupon != null ? { retention: { type: 'coupon_offer', coupon_offer: { coupon } } } : {}),
      };
      break;
    }
    case 'subscription_pause':
      data.subscription_pause = {
        subscription: subscriptionId(required(flow.subscriptionPause, 'subscriptionPause').subscriptionId, 'flow.subscriptionPause.subscriptionId'),
      };
      break;
    case 'subscription_update':
      data.subscription_update = {
        subscription: subscriptionId(required(flow.subscriptionUpdate, 'subscriptionUpdate').subscriptionId, 'flow.subscriptionUpdate.subscriptionId'),
      };
      break;
    case 'subscription_update_confirm': {
      const input = required(flow.subscriptionUpdateConfirm, 'subscriptionUpdateConfirm');
      if (input.items.length !== 1) {
        throw badInput('Stripe confirms a change to exactly one subscription item.', 'flow.subscriptionUpdateConfirm.items');
      }
      const discounts = input.discounts ?? [];
      if (discounts.length > 1) throw badInput('At most one discount.', 'flow.subscriptionUpdateConfirm.discounts');
      data.subscription_update_confirm = {
        subscription: subscriptionId(input.subscriptionId, 'flow.subscriptionUpdateConfirm.subscriptionId'),
        items: input.items.map((item, i) => {
          if (!SUBSCRIPTION_ITEM_ID.test(item.id)) throw badInput(`${quoteId(item.id)} is not a subscription item id (si_…).`, `flow.subscriptionUpdateConfirm.items.${i}.id`);
          if (item.quantity != null && item.quantity < 0) throw badInput('quantity must not be negative.', `flow.subscriptionUpdateConfirm.items.${i}.quantity`);
          if (item.priceId != null && !OPAQUE_ID.test(item.priceId)) throw badInput('priceId is not a price id.', `flow.subscriptionUpdateConfirm.items.${i}.priceId`);
          return { id: item.id, ...(item.priceId != null ? { price: item.priceId } : {}), ...(item.quantity != null ? { quantity: item.quantity } : {}) };
        }),
        ...(discounts.length > 0
          ? {
              discounts: discounts.map((d) => {
                if ((d.couponId == null) === (d.promotionCodeId == null)) {
                  throw badInput('A discount has either couponId or promotionCodeId.', 'flow.subscriptionUpdateConfirm.discounts');
                }
                const id = d.couponId ?? d.promotionCodeId ?? '';
                if (!OPAQUE_ID.test(id)) throw badInput(`${quoteId(id)} is not a coupon or promotion code id.`, 'flow.subscriptionUpdateConfirm.discounts');
                return d.couponId != null ? { coupon: d.couponId } : { promotion_code: d.promotionCodeId ?? '' };
              }),
            }
          : {}),
      };
      break;
    }
    case 'payment_method_update':
    case 'customer_update':
      break;
  }
  return data;
}

