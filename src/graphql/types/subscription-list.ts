/**
 * `Customer.subscriptions` and `Invoice.subscription`.
 *
 * A customer's subscriptions are one list filtered by the customer, started in the same wave as the customer's own
 * retrieve (`registerCustomerPrefetch`). The list expands `data.default_payment_method` and `data.latest_invoice`
 * when they are read; it cannot expand the items' products (`data.items.data.price.product` is 5 levels, over
 * Stripe's 4), so every product of the page comes from one `products.list({ ids })` as soon as the page is in.
 */
import type { GraphQLObjectType } from 'graphql';
import type Stripe from 'stripe';
import { idOf } from '../../stripe/expandable.js';
import type { SubscriptionExpansion, SubscriptionListStatus } from '../../stripe/subscriptions.js';
import { builder } from '../builder.js';
import { connectionArgs, pageRequest, toConnection, type Connection, type ConnectionArgs } from '../connections.js';
import type { Context } from '../context.js';
import { badInput } from '../errors.js';
import { selectedFields, type SelectedField } from '../selection.js';
import { stripeCalls } from '../stripe-calls.js';
import { registerCustomerPrefetch } from './customer.js';
import { CustomerRef, InvoiceRef, BillingSubscriptionRef } from './refs.js';
import { ANYTHING, BillingSubscriptionStatusEnum, fetchSubscription, needsAt, subscriptionConnection } from './subscription.js';

interface SubscriptionsArgs extends ConnectionArgs {
  status?: Stripe.Subscription.Status | null | undefined;
  includeCanceled?: boolean | null | undefined;
}

/** What a subscription list expands, from what the selection (at each subscription) reads. */
function listExpansions(needs: SelectedField['needs']): SubscriptionExpansion[] {
  const out: SubscriptionExpansion[] = [];
  if (needs(['defaultPaymentMethod'])) out.push('default_payment_method');
  if (needs(['latestInvoice'], ANYTHING)) out.push('latest_invoice');
  return out;
}

function statusFilter(args: SubscriptionsArgs): SubscriptionListStatus | undefined {
  if (args.status != null && args.includeCanceled != null) throw badInput('Use either status or includeCanceled, not both.', 'includeCanceled');
  return args.status ?? (args.includeCanceled ? 'all' : undefined);
}

/**
 * One customer's subscriptions as a connection. `needs` reads the selection at the connection. The page's products
 * are asked for at once when the selection reads them (one batched call), so the fields find them loaded.
 */
async function customerSubscriptions(
  ctx: Context,
  customer: string,
  args: SubscriptionsArgs,
  needs: SelectedField['needs'],
): Promise<Connection<Stripe.Subscription>> {
  const request = pageRequest(ctx, args, 'BillingSubscription');
  const node: SelectedField['needs'] = (path, free) => needs(['edges', 'node', ...path], free);
  const page = await ctx.loaders.subscriptionPage({ ...request, customer, status: statusFilter(args), expand: listExpansions(node) });
  if (node(['items', 'price', 'product'])) {
    const ids = page.data.flatMap((sub) => sub.items.data.flatMap((item) => (typeof item.price.product === 'string' ? [item.price.product] : [])));
    // The fields report a failure at their own paths; nobody awaits this.
    ctx.loaders.product.loadMany([...new Set(ids)]).catch(() => undefined);
  }
  return toConnection(ctx, page, request, (sub) => sub);
}

// Started beside the customer's retrieve: `subscriptions` then finds its call in flight (one wave, not two).
registerCustomerPrefetch((ctx, id, info, path) => {
  const field = (info.schema.getType('Customer') as GraphQLObjectType).getFields()['subscriptions']!;
  for (const selected of selectedFields(info, [...path, 'subscriptions'], field)) {
    try {
      customerSubscriptions(ctx, id, selected.args as SubscriptionsArgs, selected.needs).catch(() => undefined);
    } catch {
      // Bad arguments: the field itself reports them.
    }
  }
});

builder.objectField(CustomerRef, 'subscriptions', (t) =>
  t.field({
    type: subscriptionConnection,
    description:
      'The customer’s subscriptions, newest first. As Stripe lists them: every status but CANCELED unless `status` or ' +
      '`includeCanceled` says otherwise.',
    args: {
      ...connectionArgs(t),
      status: t.arg({ type: BillingSubscriptionStatusEnum, required: false, description: 'Only subscriptions in this status.' }),
      includeCanceled: t.arg.boolean({ required: false, description: 'Canceled ones too (every status); not with `status`.' }),
    },
    // One list per customer; the same arguments twice (aliases) share it.
    extensions: stripeCalls(() => 1, { deduplicated: true }),
    resolve: (customer, args, ctx, info) => customerSubscriptions(ctx, customer.id, args, needsAt(info)),
  }),
);

builder.objectField(InvoiceRef, 'subscription', (t) =>
  t.field({
    type: BillingSubscriptionRef,
    nullable: true,
    description: 'The subscription this invoice bills, if any.',
    // One retrieve per subscription (invoices of the same one share it), its related objects expanded in it.
    extensions: stripeCalls(() => 1),
    resolve: (invoice, _args, ctx, info) => {
      const id = idOf(invoice.parent?.subscription_details?.subscription);
      return id === null ? null : fetchSubscription(ctx, id, needsAt(info));
    },
  }),
);
