/**
 * `PortalSession` and `Mutation.createPortalSession` (its inputs and their checks: `./portal-session-input.ts`).
 *
 * Everything that can be checked is checked before the Stripe call. The configuration is expanded in the same call
 * only when the query selects more than `configuration { id }` (sessions cannot be fetched again). The caller's
 * `idempotencyKey` becomes Stripe's `Idempotency-Key`, scoped to the caller, so a repeated submit returns the same
 * session.
 */
import type Stripe from 'stripe';
import { expandedOf, idOf } from '../../stripe/expandable.js';
import { PORTAL_AFTER_COMPLETION_TYPES, PORTAL_FLOW_TYPES, PORTAL_LOCALES } from '../../stripe-facts/enums.js';
import { builder } from '../builder.js';
import { needsMoreThanId } from '../selection.js';
import { stripeCalls } from '../stripe-calls.js';
import { idempotencyKeyOf } from './actions.js';
import { customerModel, referredCustomerCalls } from './customer.js';
import { configurationModel } from './portal-configuration.js';
import {
  AfterCompletionTypeEnum,
  checkReturnUrl,
  CreatePortalSessionInput,
  flowData,
  operatorChoices,
  PortalFlowTypeEnum,
  PortalLocaleEnum,
  sessionCustomer,
} from './portal-session-input.js';
import { CustomerRef, PortalConfigurationRef, PortalSessionRef } from './refs.js';

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
    description:
      'Open Stripe’s hosted billing portal for a customer. Customers may open it only for themselves, with the ' +
      'configuration and connected account the gateway sets.',
    authScopes: { authenticated: true },
    // One create; the configuration comes expanded in it when its fields are selected.
    extensions: stripeCalls(() => 1),
    args: { input: t.arg({ type: CreatePortalSessionInput, required: true, description: 'Who it is for and how it opens.' }) },
    resolve: async (_root, { input }, ctx, info): Promise<Payload> => {
      const customer = sessionCustomer(ctx.viewer, input.customerId);
      const { configuration, onBehalfOf } = operatorChoices(ctx.viewer, input, ctx.portal);
      const key = idempotencyKeyOf(ctx, input.idempotencyKey);
      const returnUrl =
        input.returnUrl != null ? checkReturnUrl(input.returnUrl, ctx.portal, 'returnUrl') : ctx.portal.defaultReturnUrl;
      const flow = input.flow != null ? flowData(input.flow, ctx.portal) : undefined;
      // With an idempotency key the Stripe parameters must not depend on the selection set (a repeat with a
      // different selection would otherwise be an idempotency conflict): expand then always.
      const expandConfiguration = key !== undefined || needsMoreThanId(info, ['portalSession', 'configuration']);
      const session = await ctx.stripe.createPortalSession(
        {
          customer,
          configuration,
          flowData: flow,
          locale: input.locale ?? undefined,
          onBehalfOf,
          returnUrl,
        },
        {
          expandConfiguration,
          idempotencyKey: key,
        },
      );
      const expanded = expandedOf(session.configuration);
      if (expanded !== undefined) ctx.loaders.primeConfiguration(expanded);
      return { portalSession: session };
    },
  }),
);
