/**
 * The `Subscription` root type — live updates over Server-Sent Events: `invoiceUpdated`, `subscriptionUpdated`,
 * `customerUpdated`. (`subscription.ts` is Stripe's Subscription, `BillingSubscription` in the schema.)
 *
 * Each field opens a stream on the event hub (`src/events/hub.ts`) filtered for the caller: a CUSTOMER hears only
 * its own objects (a `customerId` other than its own is FORBIDDEN before anything; omitted means its own); an ADMIN
 * hears every customer's, or one customer's with `customerId`. For every change the object is read again through
 * the same resolvers, loaders and authorization as `Query.invoice`, `Query.subscription` and `Query.customer` — in a
 * context of its own per event (`src/graphql/live.ts`) — so the payload is always the object as Stripe has it now,
 * selected as the subscriber asked.
 *
 * A deleted object (a draft invoice deleted, a customer deleted) has nothing left to read: its payload is
 * `data: null` with one NOT_FOUND error carrying `extensions.id` and `extensions.deleted: true`, and the stream
 * goes on. So is an object that Stripe no longer has when its (late) event is read.
 */
import type { GraphQLResolveInfo } from 'graphql';
import { callerId } from '../../auth/viewer.js';
import { appError } from '../../errors.js';
import type { ChangedKind } from '../../events/changes.js';
import type { Delivery } from '../../events/hub.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { forbidden, unauthenticated } from '../errors.js';
import { streamRefusal } from '../live.js';
import { stripeCalls } from '../stripe-calls.js';
import { checkCustomerId, customerById } from './customer.js';
import { fetchInvoice } from './invoice.js';
import { BillingSubscriptionRef, CustomerRef, InvoiceRef } from './refs.js';
import { fetchSubscription, needsAt } from './subscription.js';

builder.subscriptionType({
  description:
    'Live updates, over Server-Sent Events (`Accept: text/event-stream` on /graphql): each payload is the changed object, read ' +
    'again when its Stripe event arrives. Customers hear only their own objects; admins every customer’s, or one customer’s.',
});

/** The stream of `kind` changes the caller may hear: its own, or (admins) one customer's or all. */
function openStream(ctx: Context, kind: ChangedKind, customerIdArg: string | null | undefined): AsyncIterable<Delivery> {
  const viewer = ctx.viewer;
  const caller = callerId(viewer);
  if (viewer.role === 'ANONYMOUS' || caller === undefined) throw unauthenticated(viewer.role === 'ANONYMOUS' ? viewer.rejected : undefined);
  const asked = customerIdArg != null ? checkCustomerId(customerIdArg, 'customerId') : undefined;
  let customerId: string | undefined;
  if (viewer.role === 'CUSTOMER') {
    if (asked !== undefined && asked !== viewer.customerId) throw forbidden('You may only subscribe to your own objects.');
    customerId = viewer.customerId;
  } else customerId = asked;
  if (ctx.events === undefined) throw new Error('no event hub: the gateway was built without one');
  try {
    return ctx.events.open({ filter: { kinds: new Set([kind]), customerId }, caller, after: ctx.lastEventId });
  } catch (error) {
    throw streamRefusal(error);
  }
}

/** Nothing left to read of a deleted object: NOT_FOUND, naming it. */
const deleted = (what: string, id: string) => appError('NOT_FOUND', `${what} '${id}' was deleted.`, { id, deleted: true });

const customerIdArg = (t: Parameters<Parameters<typeof builder.subscriptionFields>[0]>[0], what: string) =>
  t.arg.id({
    required: false,
    description: `Only this customer’s ${what} (customers: their own id, or omit it; admins: omit it for every customer’s).`,
  });

/** One retrieve of the changed object per event (its customer expanded in it when the selection needs one). */
const perEvent = stripeCalls(() => 1);

builder.subscriptionFields((t) => ({
  invoiceUpdated: t.field({
    type: InvoiceRef,
    description:
      'An invoice was created or changed (finalized, paid, voided, …): the invoice as it is now. A deleted draft arrives as a ' +
      'NOT_FOUND error with `extensions.deleted`.',
    authScopes: { authenticated: true },
    args: { customerId: customerIdArg(t, 'invoices') },
    extensions: perEvent,
    subscribe: (_root, args, ctx) => openStream(ctx, 'invoice', args.customerId),
    resolve: (delivery: Delivery, _args, ctx, info: GraphQLResolveInfo) =>
      delivery.object.deleted ? Promise.reject(deleted('Invoice', delivery.object.id)) : fetchInvoice(ctx, delivery.object.id, info),
  }),
  subscriptionUpdated: t.field({
    type: BillingSubscriptionRef,
    description:
      'A subscription was created or changed (renewed, canceled, set to cancel, paused, resumed, …): the subscription as it is now.',
    authScopes: { authenticated: true },
    args: { customerId: customerIdArg(t, 'subscriptions') },
    extensions: perEvent,
    subscribe: (_root, args, ctx) => openStream(ctx, 'subscription', args.customerId),
    // A canceled subscription is still retrievable: `customer.subscription.deleted` arrives as the subscription, CANCELED.
    resolve: (delivery: Delivery, _args, ctx, info) => fetchSubscription(ctx, delivery.object.id, needsAt(info)),
  }),
  customerUpdated: t.field({
    type: CustomerRef,
    description:
      'A customer was created or changed (details, balance, default payment method): the customer as it is now. A deleted ' +
      'customer arrives as a NOT_FOUND error with `extensions.deleted`.',
    authScopes: { authenticated: true },
    args: { customerId: customerIdArg(t, 'changes') },
    extensions: perEvent,
    subscribe: (_root, args, ctx) => openStream(ctx, 'customer', args.customerId),
    resolve: (delivery: Delivery, _args, ctx, info) =>
      delivery.object.deleted ? Promise.reject(deleted('Customer', delivery.object.id)) : customerById(ctx, delivery.object.id, info),
  }),
}));
