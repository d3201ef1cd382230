/**
 * `PortalSession`, its typed inputs, and `Mutation.createPortalSession`.
 *
 * Everything that can be checked is checked before the Stripe call: who the session is for (a customer only for
 * itself), ids, the flow's shape for its type, the return URLs against `ALLOWED_RETURN_URL_ORIGINS` (no open
 * redirect), the idempotency key. The configuration is expanded in the same call only when the query selects
 * more than `configuration { id }` (sessions cannot be fetched again). The caller's `idempotencyKey` becomes
 * Stripe's `Idempotency-Key`, scoped to the caller, so a repeated submit returns the same session.
 */
import type Stripe from 'stripe';
import { idempotencyScope, type Viewer } from '../../auth/viewer.js';
import type { PortalSettings } from '../context.js';
import { expandedOf, idOf } from '../../stripe/expandable.js';
import { PORTAL_AFTER_COMPLETION_TYPES, PORTAL_FLOW_TYPES, PORTAL_LOCALES } from '../../stripe-facts/enums.js';
import { scopedIdempotencyKey } from '../../stripe/gateway.js';
import { builder } from '../builder.js';
import { badInput, forbidden } from '../errors.js';
import { needsMoreThanId } from '../selection.js';
import { stripeCalls } from '../stripe-calls.js';
import { checkCustomerId, customerModel, referredCustomerCalls } from './customer.js';
import { checkConfigurationId, configurationModel } from './portal-configuration.js';
import { CustomerRef, PortalConfigurationRef, PortalSessionRef } from './refs.js';
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

const CreatePortalSessionInput = builder.inputType('CreatePortalSessionInput', {
  description: 'Who the portal session is for and how it opens.',
  fields: (t) => ({
    customerId: t.id({ required: false, description: 'The customer (`cus_…`). Admins: required. Customers: optional, and must be their own.' }),
    configurationId: t.id({ required: false, description: 'The portal configuration (`bpc_…`); the default one when omitted.' }),
    flow: t.field({ type: FlowInput, required: false, description: 'Open on one task instead of the portal’s home page.' }),
    locale: t.field({ type: PortalLocaleEnum, required: false, description: 'The portal’s language.' }),
    onBehalfOf: t.string({ required: false, description: 'A connected account (`acct_…`) whose branding and objects the portal shows.' }),
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

/** The customer the session is for: a customer token only for itself; admins must name one. */
function sessionCustomer(viewer: Viewer, customerId: string | null | undefined): string {
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

function flowData(flow: FlowInputShape, settings: PortalSettings): FlowData {
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

// ---------------------------------------------------------------------------------------------------------------
// Output

type Flow = Stripe.BillingPortal.Session.Flow;

const AfterCompletionRef = builder.objectRef<Stripe.BillingPortal.Session.Flow.AfterCompletion>('PortalFlowAfterCompletion').implement({
  description: 'What happens when the flow is done.',
  fields: (t) => ({
    type: t.field({
      type: AfterCompletionTypeEnum,
      nullable: true,
      description: 'Where the customer goes.',
      resolve: (a) => PORTAL_AFTER_COMPLETION_TYPES.find((v) => v === a.type) ?? null,
    }),
    redirectReturnUrl: t.string({ nullable: true, description: 'With REDIRECT: where to.', resolve: (a) => a.redirect?.return_url ?? null }),
    hostedConfirmationMessage: t.string({
      nullable: true,
      description: 'With HOSTED_CONFIRMATION: the custom message.',
      resolve: (a) => a.hosted_confirmation?.custom_message ?? null,
    }),
  }),
});

const FlowItemRef = builder.objectRef<Stripe.BillingPortal.Session.Flow.SubscriptionUpdateConfirm.Item>('PortalFlowSubscriptionItem').implement({
  description: 'The change to one subscription item being confirmed.',
  fields: (t) => ({
    id: t.string({ nullable: true, description: 'Subscription item id (`si_…`).', resolve: (i) => i.id }),
    priceId: t.string({ nullable: true, description: 'The new price.', resolve: (i) => i.price }),
    quantity: t.int({ nullable: true, description: 'The new quantity.', resolve: (i) => i.quantity ?? null }),
  }),
});

const FlowRef = builder.objectRef<Flow>('PortalFlow').implement({
  description: 'The task a portal session opens on.',
  fields: (t) => ({
    type: t.field({
      type: PortalFlowTypeEnum,
      nullable: true,
      description: 'The task; null only for a type this gateway does not know yet.',
      resolve: (f) => PORTAL_FLOW_TYPES.find((v) => v === f.type) ?? null,
    }),
    afterCompletion: t.field({ type: AfterCompletionRef, description: 'What happens when it is done.', resolve: (f) => f.after_completion }),
    subscriptionId: t.string({
      nullable: true,
      description: 'The subscription the task acts on, if any.',
      resolve: (f) =>
        f.subscription_cancel?.subscription ??
        f.subscription_pause?.subscription ??
        f.subscription_update?.subscription ??
        f.subscription_update_confirm?.subscription ??
        null,
    }),
    retentionCouponId: t.string({
      nullable: true,
      description: 'The coupon offered to keep the customer (SUBSCRIPTION_CANCEL).',
      resolve: (f) => f.subscription_cancel?.retention?.coupon_offer?.coupon ?? null,
    }),
    items: t.field({
      type: [FlowItemRef],
      description: 'The item changes to confirm (SUBSCRIPTION_UPDATE_CONFIRM); empty otherwise.',
      resolve: (f) => f.subscription_update_confirm?.items ?? [],
    }),
  }),
});

PortalSessionRef.implement({
  description: 'A short-lived session of Stripe’s hosted billing portal: send the customer to `url`.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s session id (`bps_…`).' }),
    url: t.exposeString('url', { description: 'The portal’s URL for this customer. Short-lived: redirect to it right away.' }),
    returnUrl: t.exposeString('return_url', { nullable: true, description: 'Where the portal’s “return” link goes.' }),
    createdAt: t.field({ type: 'DateTime', description: 'When the session was created.', resolve: (s) => s.created }),
    livemode: t.exposeBoolean('livemode', { description: 'Whether this is a live-mode session (false in test mode).' }),
    customer: t.field({
      type: CustomerRef,
      description: 'The customer the portal is for.',
      extensions: stripeCalls(referredCustomerCalls),
      resolve: (s, _args, ctx, info) => customerModel(ctx, s.customer, info),
    }),
    configuration: t.field({
      type: PortalConfigurationRef,
      description: 'The configuration the portal uses.',
      resolve: (s, _args, ctx, info) => {
        const expanded = expandedOf(s.configuration);
        if (expanded !== undefined) return { id: expanded.id, data: expanded };
        return configurationModel(ctx, idOf(s.configuration) ?? '', info);
      },
    }),
    flow: t.field({ type: FlowRef, nullable: true, description: 'The task the session opens on, if any.', resolve: (s) => s.flow }),
    locale: t.field({
      type: PortalLocaleEnum,
      nullable: true,
      description: 'The portal’s language, if set.',
      resolve: (s) => PORTAL_LOCALES.find((l) => l === s.locale) ?? null,
    }),
    onBehalfOf: t.exposeString('on_behalf_of', { nullable: true, description: 'The connected account the portal acts for, if any.' }),
  }),
});

interface Payload {
  portalSession: Stripe.BillingPortal.Session;
}

const PayloadRef = builder.objectRef<Payload>('CreatePortalSessionPayload').implement({
  description: 'The portal session that was opened.',
  fields: (t) => ({
    portalSession: t.field({ type: PortalSessionRef, description: 'The new session: send the customer to its `url`.', resolve: (p) => p.portalSession }),
  }),
});

const ResultRef = builder.unionType('CreatePortalSessionResult', {
  description:
    'The result of `createPortalSession`. Select `... on CreatePortalSessionPayload`; failures are GraphQL errors with a code.',
  types: [PayloadRef],
  resolveType: () => PayloadRef,
});

builder.mutationField('createPortalSession', (t) =>
  t.field({
    type: ResultRef,
    description: 'Open Stripe’s hosted billing portal for a customer. Customers may open it only for themselves.',
    authScopes: { authenticated: true },
    // One create; the configuration comes expanded in it when its fields are selected.
    extensions: stripeCalls(() => 1),
    args: { input: t.arg({ type: CreatePortalSessionInput, required: true, description: 'Who it is for and how it opens.' }) },
    resolve: async (_root, { input }, ctx, info): Promise<Payload> => {
      const customer = sessionCustomer(ctx.viewer, input.customerId);
      const configuration = input.configurationId != null ? checkConfigurationId(input.configurationId, 'configurationId') : undefined;
      if (input.onBehalfOf != null && !ACCOUNT_ID.test(input.onBehalfOf)) {
        throw badInput(`${quoteId(input.onBehalfOf)} is not a Stripe account id (acct_…).`, 'onBehalfOf');
      }
      const key = input.idempotencyKey;
      if (key != null && (key.length === 0 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key))) {
        throw badInput('idempotencyKey must be 1–255 printable ASCII characters.', 'idempotencyKey');
      }
      const returnUrl =
        input.returnUrl != null ? checkReturnUrl(input.returnUrl, ctx.portal, 'returnUrl') : ctx.portal.defaultReturnUrl;
      const flow = input.flow != null ? flowData(input.flow, ctx.portal) : undefined;
      // With an idempotency key the Stripe parameters must not depend on the selection set (a repeat with a
      // different selection would otherwise be an idempotency conflict): expand then always.
      const expandConfiguration = key != null || needsMoreThanId(info, ['portalSession', 'configuration']);
      const session = await ctx.stripe.createPortalSession(
        {
          customer,
          configuration,
          flowData: flow,
          locale: input.locale ?? undefined,
          onBehalfOf: input.onBehalfOf ?? undefined,
          returnUrl,
        },
        {
          expandConfiguration,
          idempotencyKey: key != null ? scopedIdempotencyKey(idempotencyScope(ctx.viewer), key) : undefined,
        },
      );
      const expanded = expandedOf(session.configuration);
      if (expanded !== undefined) ctx.loaders.primeConfiguration(expanded);
      return { portalSession: session };
    },
  }),
);
