/**
 * `BillingSubscription` (Stripe's Subscription; the GraphQL root type `Subscription` keeps its name),
 * `BillingSubscriptionItem`, `Query.subscription` and `node(id: "sub_…")`. Lists: `subscription-list.ts`; actions:
 * `subscription-actions.ts`.
 *
 * A retrieve expands what the selection reads of the related objects — `customer` (with its default payment
 * method when that is read), `default_payment_method`, `latest_invoice`, `items.data.price.product` — so a
 * subscription with all of them costs one call. Periods live on the items in this API version: the subscription's
 * current period is that of the item that renews first.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type Stripe from 'stripe';
import { canAccessCustomer } from '../../auth/viewer.js';
import { expandedOf, idOf } from '../../stripe/expandable.js';
import { notYoursById } from '../../stripe/errors.js';
import { quoteId, stripeId } from '../../stripe/ids.js';
import type { SubscriptionExpansion } from '../../stripe/subscriptions.js';
import { builder } from '../builder.js';
import { connectionArgs, defineConnection } from '../connections.js';
import type { Context } from '../context.js';
import { badInput } from '../errors.js';
import { needsMoreThanId, type SelectedField } from '../selection.js';
import { stripeCalls, type StripeCallEstimate } from '../stripe-calls.js';
import { MetadataEntryRef, metadataEntries } from './common.js';
import { customerModel, WITHOUT_DATA } from './customer.js';
import { CollectionMethodEnum, invoiceConnection, InvoiceStatusEnum, listInvoicesConnection } from './invoice.js';
import { known } from './known.js';
import { NodeRef, registerNode } from './node.js';
import { paymentMethodModel } from './payment-method.js';
import { BillingSubscriptionRef, CustomerRef, InvoiceRef, PaymentMethodRef, PriceRef } from './refs.js';

const STATUSES = ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused'] as const;

export const BillingSubscriptionStatusEnum = builder.enumType('BillingSubscriptionStatus', {
  description: 'Where a subscription is in Stripe’s lifecycle.',
  values: {
    INCOMPLETE: { value: 'incomplete', description: 'The first payment failed or needs action; nothing is active yet.' },
    INCOMPLETE_EXPIRED: { value: 'incomplete_expired', description: 'The first payment never succeeded (final).' },
    TRIALING: { value: 'trialing', description: 'In its free trial; becomes ACTIVE when the trial ends and is paid.' },
    ACTIVE: { value: 'active', description: 'In good standing.' },
    PAST_DUE: { value: 'past_due', description: 'The latest renewal is unpaid; Stripe is retrying.' },
    CANCELED: { value: 'canceled', description: 'Ended (final).' },
    UNPAID: { value: 'unpaid', description: 'Retries exhausted; invoices are created but not attempted.' },
    PAUSED: { value: 'paused', description: 'Paused (e.g. a trial ended without a payment method); no invoices until resumed.' },
  } as const,
});

const CancellationReasonEnum = builder.enumType('CancellationReason', {
  description: 'Why Stripe canceled (or will cancel) a subscription.',
  values: {
    CANCELLATION_REQUESTED: { value: 'cancellation_requested', description: 'Someone asked for it (the customer, or you through the API).' },
    PAYMENT_FAILED: { value: 'payment_failed', description: 'Its payments failed.' },
    PAYMENT_DISPUTED: { value: 'payment_disputed', description: 'A payment was disputed.' },
    CANCELED_BY_RETENTION_POLICY: { value: 'canceled_by_retention_policy', description: 'Stripe’s retention policy ended it.' },
  } as const,
});

export const FEEDBACK = ['customer_service', 'low_quality', 'missing_features', 'other', 'switched_service', 'too_complex', 'too_expensive', 'unused'] as const;

export const CancellationFeedbackEnum = builder.enumType('CancellationFeedback', {
  description: 'The reason a customer gave for canceling.',
  values: {
    CUSTOMER_SERVICE: { value: 'customer_service', description: 'Unhappy with customer service.' },
    LOW_QUALITY: { value: 'low_quality', description: 'Quality was lower than expected.' },
    MISSING_FEATURES: { value: 'missing_features', description: 'Some features are missing.' },
    OTHER: { value: 'other', description: 'Another reason.' },
    SWITCHED_SERVICE: { value: 'switched_service', description: 'Switched to another service.' },
    TOO_COMPLEX: { value: 'too_complex', description: 'Too complex to use.' },
    TOO_EXPENSIVE: { value: 'too_expensive', description: 'Too expensive.' },
    UNUSED: { value: 'unused', description: 'Not used enough.' },
  } as const,
});

const CancellationDetailsRef = builder.objectRef<Stripe.Subscription.CancellationDetails>('CancellationDetails').implement({
  description: 'Why a subscription was canceled, or is set to be.',
  fields: (t) => ({
    reason: t.field({
      type: CancellationReasonEnum,
      nullable: true,
      description: 'Why, as Stripe records it.',
      resolve: (d) => known(['cancellation_requested', 'payment_failed', 'payment_disputed', 'canceled_by_retention_policy'] as const, d.reason),
    }),
    feedback: t.field({ type: CancellationFeedbackEnum, nullable: true, description: 'The reason the customer chose.', resolve: (d) => known(FEEDBACK, d.feedback) }),
    comment: t.string({ nullable: true, description: 'What the customer wrote.', resolve: (d) => d.comment }),
  }),
});

const ItemRef = builder.objectRef<Stripe.SubscriptionItem>('BillingSubscriptionItem').implement({
  description: 'One price a subscription bills, with its quantity and current period.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s subscription item id (`si_…`).' }),
    price: t.field({ type: PriceRef, description: 'The price billed (Stripe always embeds it).', resolve: (i) => i.price }),
    quantity: t.int({ nullable: true, description: 'How many (seats, units); null for metered prices.', resolve: (i) => i.quantity ?? null }),
    currentPeriodStart: t.field({ type: 'DateTime', description: 'Start of the item’s current period.', resolve: (i) => i.current_period_start }),
    currentPeriodEnd: t.field({ type: 'DateTime', description: 'End of the item’s current period: when it renews.', resolve: (i) => i.current_period_end }),
    createdAt: t.field({ type: 'DateTime', description: 'When the item was added.', resolve: (i) => i.created }),
  }),
});

/** The item that renews first: its period is the subscription's current one. */
function firstToRenew(sub: Stripe.Subscription): Stripe.SubscriptionItem | undefined {
  return [...sub.items.data].sort((a, b) => a.current_period_end - b.current_period_end)[0];
}

/** Stripe's limit of items on one subscription: what a subscription's `items` can hold. */
const MAX_ITEMS = 20;

/** `customer` on a subscription of a customer's list is that customer (loaded once, or already); elsewhere expanded. */
const subscriptionCustomerCalls: StripeCallEstimate = ({ selects, ancestors }) => {
  if (!selects([], WITHOUT_DATA)) return 0;
  const list = ancestors.findLastIndex((frame) => frame.coordinate === 'Customer.subscriptions');
  if (list < 0) return 0;
  return ancestors[list - 1]?.loaded ? 0 : { calls: 1, per: 'Customer.subscriptions' };
};

/** Any selection at all: an `Invoice` is Stripe's whole object, so `latestInvoice { id }` expands it too (same call). */
export const ANYTHING: ReadonlySet<string> = new Set();

/** What a retrieve of one subscription expands, from what the selection (at the subscription) reads. */
export function retrieveExpansions(needs: SelectedField['needs']): SubscriptionExpansion[] {
  const out: SubscriptionExpansion[] = [];
  if (needs(['customer'], WITHOUT_DATA)) out.push('customer');
  if (needs(['customer', 'defaultPaymentMethod'])) out.push('customer.invoice_settings.default_payment_method');
  if (needs(['defaultPaymentMethod'])) out.push('default_payment_method');
  if (needs(['latestInvoice'], ANYTHING)) out.push('latest_invoice');
  if (needs(['items', 'price', 'product'])) out.push('items.data.price.product');
  return out;
}

/** What the selection at `path` below the field being resolved reads of a subscription, as a `needs`. */
export const needsAt =
  (info: GraphQLResolveInfo, path: readonly string[] = []): SelectedField['needs'] =>
  (sub, free) =>
    needsMoreThanId(info, [...path, ...sub], free);

BillingSubscriptionRef.implement({
  description: 'A Stripe subscription: what a customer pays for every period, and where it is in its lifecycle.',
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as Stripe.Subscription).object === 'subscription',
  // Defence in depth: however a subscription is reached, a customer token sees only its own.
  authScopes: (sub) => ({ ownsCustomer: idOf(sub.customer) }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s subscription id (`sub_…`).' }),
    status: t.field({
      type: BillingSubscriptionStatusEnum,
      description: 'Lifecycle status.',
      resolve: (s) => {
        const status = known(STATUSES, s.status);
        if (status === null) throw new Error(`Stripe reported a subscription status this gateway does not know: ${s.status}`);
        return status;
      },
    }),
    customer: t.field({
      type: CustomerRef,
      description: 'The customer who pays.',
      extensions: stripeCalls(subscriptionCustomerCalls),
      resolve: (s, _args, ctx, info) => {
        const expanded = expandedOf(s.customer);
        if (expanded !== undefined && !expanded.deleted) return { id: expanded.id, data: expanded };
        return customerModel(ctx, idOf(s.customer)!, info);
      },
    }),
    items: t.field({
      type: [ItemRef],
      description: 'What it bills: one item per price.',
      extensions: stripeCalls(undefined, { listSize: MAX_ITEMS }),
      resolve: (s) => s.items.data,
    }),
    currentPeriodStart: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Start of the current period (of the item that renews first; periods live on items).',
      resolve: (s) => firstToRenew(s)?.current_period_start ?? null,
    }),
    currentPeriodEnd: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'End of the current period: when it renews next — or ends, when `cancelAtPeriodEnd`.',
      resolve: (s) => firstToRenew(s)?.current_period_end ?? null,
    }),
    trialStart: t.field({ type: 'DateTime', nullable: true, description: 'Start of its trial, if it has one.', resolve: (s) => s.trial_start }),
    trialEnd: t.field({ type: 'DateTime', nullable: true, description: 'End of its trial, if it has one.', resolve: (s) => s.trial_end }),
    cancelAtPeriodEnd: t.exposeBoolean('cancel_at_period_end', { description: 'Whether it ends at the end of the current period instead of renewing.' }),
    cancelAt: t.field({ type: 'DateTime', nullable: true, description: 'When it is set to end, if it is.', resolve: (s) => s.cancel_at }),
    canceledAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was canceled (for one canceling at period end: when that was asked).',
      resolve: (s) => s.canceled_at,
    }),
    endedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it ended, if it has.', resolve: (s) => s.ended_at }),
    startDate: t.field({ type: 'DateTime', description: 'When it started.', resolve: (s) => s.start_date }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (s) => s.created }),
    cancellationDetails: t.field({
      type: CancellationDetailsRef,
      nullable: true,
      description: 'Why it was canceled (or is set to be).',
      resolve: (s) => s.cancellation_details,
    }),
    collectionMethod: t.field({
      type: CollectionMethodEnum,
      nullable: true,
      description: 'How its invoices are collected.',
      resolve: (s) => known(['charge_automatically', 'send_invoice'] as const, s.collection_method),
    }),
    daysUntilDue: t.int({ nullable: true, description: 'With SEND_INVOICE: days a customer has to pay each invoice.', resolve: (s) => s.days_until_due }),
    currency: t.string({ description: 'ISO 4217 currency code, upper case.', resolve: (s) => s.currency.toUpperCase() }),
    description: t.string({ nullable: true, description: 'Its description (shown on invoices and the portal).', resolve: (s) => s.description }),
    defaultPaymentMethod: t.field({
      type: PaymentMethodRef,
      nullable: true,
      description: 'The payment method its invoices are charged to, when set on the subscription (else the customer’s).',
      // Expanded in the subscription's own retrieve or list when the selection reads it.
      resolve: (s, _args, ctx, info) => paymentMethodModel(ctx, s.default_payment_method, info),
    }),
    latestInvoice: t.field({
      type: InvoiceRef,
      nullable: true,
      description: 'The most recent invoice it generated.',
      // Expanded in the subscription's own retrieve or list when the selection reads more than its id.
      resolve: async (s, _args, ctx, info) => {
        const expanded = expandedOf(s.latest_invoice);
        if (expanded !== undefined) return expanded;
        const id = idOf(s.latest_invoice);
        return id === null ? null : ctx.loaders.invoice.load({ id, expandCustomer: needsMoreThanId(info, ['customer']) });
      },
    }),
    invoices: t.field({
      type: invoiceConnection,
      description: 'The invoices it generated, newest first.',
      args: { ...connectionArgs(t), status: t.arg({ type: InvoiceStatusEnum, required: false, description: 'Only invoices in this status.' }) },
      extensions: stripeCalls(() => 1, { deduplicated: true }),
      resolve: (s, args, ctx, info) =>
        listInvoicesConnection(ctx, args, { subscription: s.id, status: args.status ?? undefined }, needsMoreThanId(info, ['edges', 'node', 'customer'])),
    }),
    metadata: t.field({ type: [MetadataEntryRef], description: 'Its metadata, sorted by key.', resolve: (s) => metadataEntries(s.metadata) }),
  }),
});

export const subscriptionConnection = defineConnection(BillingSubscriptionRef, 'BillingSubscription', 'subscription');

const SUBSCRIPTION_ID = stripeId('sub');

export function checkSubscriptionId(id: string, field = 'id'): string {
  if (!SUBSCRIPTION_ID.test(id)) throw badInput(`${quoteId(id)} is not a Stripe subscription id (sub_…).`, field);
  return id;
}

/**
 * One subscription, what the selection reads of its related objects expanded in the same call; owner checked. A
 * customer gets one answer for another customer's subscription and for none at all (the Stripe layer words a
 * missing one the same).
 */
export async function fetchSubscription(ctx: Context, id: string, needs: SelectedField['needs']): Promise<Stripe.Subscription> {
  const sub = await ctx.loaders.loadSubscription({ id, expand: retrieveExpansions(needs) });
  // The owner is known only once Stripe answered: checked before anything of the subscription is returned.
  if (!canAccessCustomer(ctx.viewer, idOf(sub.customer))) throw notYoursById('subscription');
  return sub;
}

/** One retrieve per subscription, whoever asks (`subscription(id:)`, `node(id:)`, aliases). */
const subscriptionByIdCalls: StripeCallEstimate = ({ args }) => ({ calls: 1, key: `subscription:${String(args['id'])}` });

registerNode('sub', { typename: 'BillingSubscription', calls: subscriptionByIdCalls, fetch: (id, ctx, info) => fetchSubscription(ctx, id, needsAt(info)) });

builder.queryField('subscription', (t) =>
  t.field({
    type: BillingSubscriptionRef,
    nullable: true,
    description:
      'A subscription by id. Customers may read only their own: for another customer’s subscription and for one that does not ' +
      'exist they get the same FORBIDDEN answer. Admins get NOT_FOUND for an unknown id.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true, description: 'Stripe subscription id (`sub_…`).' }) },
    extensions: stripeCalls(subscriptionByIdCalls, { deduplicated: true }),
    resolve: (_root, args, ctx, info) => fetchSubscription(ctx, checkSubscriptionId(args.id), needsAt(info)),
  }),
);
