/**
 * `PortalConfiguration` (what the hosted billing portal lets customers do) and `Query.portalConfiguration(s)`.
 * Known by id first, loaded (or taken from an expanded session) only when more than the id is selected.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type Stripe from 'stripe';
import type { Context } from '../context.js';
import { builder } from '../builder.js';
import { connectionArgs, defineConnection, pageRequest, toConnection } from '../connections.js';
import { badInput, forbidden } from '../errors.js';
import { needsMoreThanId } from '../selection.js';
import { stripeCalls, type StripeCallEstimate } from '../stripe-calls.js';
import { MetadataEntryRef, metadataEntries } from './common.js';
import { NodeRef, registerNode } from './node.js';
import { PortalConfigurationRef, type PortalConfigurationModel } from './refs.js';
import { quoteId, stripeId } from '../../stripe/ids.js';

type Configuration = Stripe.BillingPortal.Configuration;
type Features = Stripe.BillingPortal.Configuration.Features;

const CONFIGURATION_ID = stripeId('bpc');

export function checkConfigurationId(id: string, field = 'id'): string {
  if (!CONFIGURATION_ID.test(id)) throw badInput(`${quoteId(id)} is not a Stripe portal configuration id (bpc_…).`, field);
  return id;
}

/** A configuration for `id`, loaded now if the selection needs more than its id. */
export function configurationModel(
  ctx: Context,
  id: string,
  info: GraphQLResolveInfo,
  path: readonly string[] = [],
): PortalConfigurationModel | Promise<PortalConfigurationModel> {
  if (!needsMoreThanId(info, path)) return { id };
  return ctx.loaders.configuration.load(id).then((data) => ({ id, data }));
}

/** One retrieve per configuration, whoever asks (`portalConfiguration(id:)`, `node(id:)`, aliases). */
const configurationByIdCalls: StripeCallEstimate = ({ args }) => ({ calls: 1, key: `configuration:${String(args['id'])}` });

/** A configuration asked for by id: always retrieved, so that an unknown id is NOT_FOUND. */
async function configurationById(ctx: Context, id: string): Promise<PortalConfigurationModel> {
  return { id, data: await ctx.loaders.configuration.load(id) };
}

function read<T>(pick: (configuration: Configuration) => T) {
  return async (parent: PortalConfigurationModel, _args: object, ctx: Context): Promise<T> =>
    pick(parent.data ?? (await ctx.loaders.configuration.load(parent.id)));
}

/** Open Stripe enums as upper-case strings (`at_period_end` → `AT_PERIOD_END`): new values still read. */
const upper = (value: string) => value.toUpperCase();

const BusinessProfileRef = builder.objectRef<Stripe.BillingPortal.Configuration.BusinessProfile>('PortalBusinessProfile').implement({
  description: 'How the portal presents the business.',
  fields: (t) => ({
    headline: t.exposeString('headline', { nullable: true, description: 'The messaging shown to customers in the portal.' }),
    privacyPolicyUrl: t.exposeString('privacy_policy_url', { nullable: true, description: 'Link to the privacy policy.' }),
    termsOfServiceUrl: t.exposeString('terms_of_service_url', { nullable: true, description: 'Link to the terms of service.' }),
  }),
});

const CustomerUpdateRef = builder.objectRef<Stripe.BillingPortal.Configuration.Features.CustomerUpdate>('PortalCustomerUpdateFeature').implement({
  description: 'Whether customers may update their own details, and which.',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', { description: 'Customers may update their details.' }),
    allowedUpdates: t.stringList({
      description: 'Which details: ADDRESS, EMAIL, NAME, PHONE, SHIPPING, TAX_ID.',
      resolve: (f) => f.allowed_updates.map(upper),
    }),
  }),
});

const EnabledRef = builder.objectRef<{ enabled: boolean }>('PortalFeatureToggle').implement({
  description: 'A portal feature that is simply on or off.',
  fields: (t) => ({ enabled: t.exposeBoolean('enabled', { description: 'Whether the feature is on.' }) }),
});

const SubscriptionCancelRef = builder.objectRef<Stripe.BillingPortal.Configuration.Features.SubscriptionCancel>('PortalSubscriptionCancelFeature').implement({
  description: 'Whether and how customers may cancel subscriptions.',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', { description: 'Customers may cancel.' }),
    mode: t.string({ description: 'AT_PERIOD_END or IMMEDIATELY.', resolve: (f) => upper(f.mode) }),
    prorationBehavior: t.string({
      description: 'Prorations on immediate cancellation: NONE, CREATE_PRORATIONS or ALWAYS_INVOICE.',
      resolve: (f) => upper(f.proration_behavior),
    }),
    cancellationReasons: t.stringList({
      description: 'Reasons offered when cancelling (empty when not asked).',
      resolve: (f) => (f.cancellation_reason.enabled ? f.cancellation_reason.options.map(upper) : []),
    }),
  }),
});

const SubscriptionUpdateRef = builder.objectRef<Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate>('PortalSubscriptionUpdateFeature').implement({
  description: 'Whether and how customers may change their subscriptions.',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', { description: 'Customers may change plans or quantities.' }),
    defaultAllowedUpdates: t.stringList({
      description: 'What may change: PRICE, QUANTITY, PROMOTION_CODE.',
      resolve: (f) => f.default_allowed_updates.map(upper),
    }),
    prorationBehavior: t.string({
      description: 'Prorations on a change: NONE, CREATE_PRORATIONS or ALWAYS_INVOICE.',
      resolve: (f) => upper(f.proration_behavior),
    }),
  }),
});

const FeaturesRef = builder.objectRef<Features>('PortalFeatures').implement({
  description: 'What customers may do in the portal.',
  fields: (t) => ({
    customerUpdate: t.field({ type: CustomerUpdateRef, description: 'Updating their details.', resolve: (f) => f.customer_update }),
    invoiceHistory: t.field({ type: EnabledRef, description: 'Seeing their invoice history.', resolve: (f) => f.invoice_history }),
    paymentMethodUpdate: t.field({ type: EnabledRef, description: 'Updating their payment methods.', resolve: (f) => f.payment_method_update }),
    subscriptionCancel: t.field({ type: SubscriptionCancelRef, description: 'Cancelling subscriptions.', resolve: (f) => f.subscription_cancel }),
    subscriptionPause: t.field({ type: EnabledRef, description: 'Pausing subscriptions.', resolve: (f) => f.subscription_pause }),
    subscriptionUpdate: t.field({ type: SubscriptionUpdateRef, description: 'Changing subscriptions.', resolve: (f) => f.subscription_update }),
  }),
});

const LoginPageRef = builder.objectRef<Stripe.BillingPortal.Configuration.LoginPage>('PortalLoginPage').implement({
  description: 'A shareable link where customers log in to the portal by email.',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', { description: 'Whether the login page is on.' }),
    url: t.exposeString('url', { nullable: true, description: 'The login page’s URL, when on.' }),
  }),
});

PortalConfigurationRef.implement({
  description: 'A configuration of Stripe’s hosted billing portal: its features, branding and login page.',
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof (value as PortalConfigurationModel).id === 'string' && (value as PortalConfigurationModel).id.startsWith('bpc_'),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s configuration id (`bpc_…`).' }),
    name: t.string({ nullable: true, description: 'Internal name.', resolve: read((c) => c.name) }),
    isDefault: t.boolean({ description: 'Whether sessions use it when none is named.', resolve: read((c) => c.is_default) }),
    active: t.boolean({ description: 'Whether new sessions may use it.', resolve: read((c) => c.active) }),
    defaultReturnUrl: t.string({
      nullable: true,
      description: 'Where the portal’s “return” link goes when a session names none.',
      resolve: read((c) => c.default_return_url),
    }),
    businessProfile: t.field({ type: BusinessProfileRef, description: 'Branding and legal links.', resolve: read((c) => c.business_profile) }),
    features: t.field({ type: FeaturesRef, description: 'What customers may do.', resolve: read((c) => c.features) }),
    loginPage: t.field({ type: LoginPageRef, description: 'The shareable login page.', resolve: read((c) => c.login_page) }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: read((c) => c.created) }),
    updatedAt: t.field({ type: 'DateTime', description: 'When it was last changed.', resolve: read((c) => c.updated) }),
    metadata: t.field({ type: [MetadataEntryRef], description: 'Its metadata, sorted by key.', resolve: read((c) => metadataEntries(c.metadata)) }),
  }),
});

export const portalConfigurationConnection = defineConnection(PortalConfigurationRef, 'PortalConfiguration', 'portal configuration');

registerNode('bpc', {
  typename: 'PortalConfiguration',
  calls: configurationByIdCalls,
  fetch: (id, ctx) => {
    if (ctx.viewer.role !== 'ADMIN') throw forbidden('Only admins may read portal configurations.');
    return configurationById(ctx, id);
  },
});

builder.queryFields((t) => ({
  portalConfiguration: t.field({
    type: PortalConfigurationRef,
    nullable: true,
    description: 'A billing portal configuration by id (admins only).',
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true, description: 'Stripe configuration id (`bpc_…`).' }) },
    extensions: stripeCalls(configurationByIdCalls, { deduplicated: true }),
    resolve: (_root, args, ctx) => configurationById(ctx, checkConfigurationId(args.id)),
  }),
  portalConfigurations: t.field({
    type: portalConfigurationConnection,
    description: 'Billing portal configurations, newest first (admins only).',
    authScopes: { admin: true },
    extensions: stripeCalls(() => 1),
    args: {
      ...connectionArgs(t),
      active: t.arg.boolean({ required: false, description: 'Only active (true) or inactive (false) ones.' }),
    },
    resolve: async (_root, args, ctx) => {
      const request = pageRequest(ctx, args, 'PortalConfiguration');
      const page = await ctx.stripe.listConfigurations({ ...request, active: args.active ?? undefined });
      for (const configuration of page.data) ctx.loaders.primeConfiguration(configuration);
      return toConnection(ctx, page, request, (data) => ({ id: data.id, data }));
    },
  }),
}));
