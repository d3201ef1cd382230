/**
 * `Customer`, `Query.customer`, `Query.customers`.
 *
 * A Customer is known by id first and loaded only when a field other than `id` is asked for, through the
 * request's loader: the same customer under several aliases or paths costs one Stripe call, and
 * `{ customer { id } }` costs none. Customers can read only themselves; admins anyone.
 */
import { GraphQLError, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import type Stripe from 'stripe';
import { canAccessCustomer } from '../../auth/viewer.js';
import type { Context } from '../context.js';
import { builder } from '../builder.js';
import { connectionArgs, defineConnection, pageRequest, toConnection, type Connection, type ConnectionArgs } from '../connections.js';
import { badInput, forbidden, notFound } from '../errors.js';
import { needsMoreThanId, selectedFieldArguments } from '../selection.js';
import { stripeCalls, type StripeCallEstimate } from '../stripe-calls.js';
import { AddressRef, MetadataEntryRef, metadataEntries } from './common.js';
import { invoiceConnection, InvoiceStatusEnum, listInvoicesConnection } from './invoice.js';
import { money, MoneyRef } from './money.js';
import { NodeRef, registerNode } from './node.js';
import { CustomerRef, type CustomerModel } from './refs.js';
import type { InvoiceStatus } from '../../stripe/gateway.js';
import { quoteId, stripeId } from '../../stripe/ids.js';

const CUSTOMER_ID = stripeId('cus');

export function checkCustomerId(id: string, field = 'id'): string {
  if (!CUSTOMER_ID.test(id)) throw badInput(`${quoteId(id)} is not a Stripe customer id (cus_…).`, field);
  return id;
}

/**
 * The customer's Stripe object, through the request's loader; a deleted customer is NOT_FOUND. With `info`, its
 * default payment method comes in the same retrieve when the selection at `path` reads more of it than its id.
 */
export async function fetchCustomer(ctx: Context, id: string, info?: GraphQLResolveInfo, path: readonly string[] = []): Promise<Stripe.Customer> {
  const expandDefaultPaymentMethod = info !== undefined && needsMoreThanId(info, [...path, 'defaultPaymentMethod']);
  const found = await ctx.loaders.loadCustomer(id, { expandDefaultPaymentMethod });
  if (found.deleted) throw notFound(`Customer '${id}' has been deleted.`);
  return found;
}

/**
 * Fields a Customer known by id answers without its Stripe object: `invoices` and `subscriptions` are lists filtered
 * by the id, `upcomingInvoice` a preview for it.
 */
export const WITHOUT_DATA: ReadonlySet<string> = new Set(['id', '__typename', 'invoices', 'subscriptions', 'upcomingInvoice']);

/**
 * Something a Customer field will need that can start with the customer's own retrieve (a list filtered by its id,
 * its upcoming invoice): `subscription.ts` and `upcoming-invoice.ts` register theirs. Each starts only what the
 * selection at `path` asks for, and only for a caller who may read the customer; it drops answers nobody reads.
 */
export type CustomerPrefetch = (ctx: Context, id: string, info: GraphQLResolveInfo, path: readonly string[]) => void;

const prefetches: CustomerPrefetch[] = [];

export function registerCustomerPrefetch(prefetch: CustomerPrefetch): void {
  prefetches.push(prefetch);
}

/** Starts what the registered prefetches need for this customer, beside whatever else runs now. */
export function prefetchForCustomer(ctx: Context, id: string, info: GraphQLResolveInfo, path: readonly string[] = []): void {
  if (!canAccessCustomer(ctx.viewer, id)) return;
  for (const prefetch of prefetches) prefetch(ctx, id, info, path);
}

/** A Customer another object refers to: loaded (one call, shared through the loader) only for fields beyond the id. */
export const referredCustomerCalls: StripeCallEstimate = ({ selects }) => (selects([], WITHOUT_DATA) ? 1 : 0);

/**
 * A Customer asked for by id: retrieved, unless only its invoice lists are selected — a list for a customer Stripe
 * does not know fails with "No such customer", so the lists alone tell whether it exists.
 */
const customerByIdCalls: StripeCallEstimate = ({ args, selects, names }) => ({
  calls: !selects([], WITHOUT_DATA) && names([]).has('invoices') ? 0 : 1,
  key: `customer:${String(args['id'])}`,
});

interface InvoicesArgs extends ConnectionArgs {
  status?: InvoiceStatus | null | undefined;
}

/** `Customer.invoices`: one invoice list filtered by the customer (never expanded: the customer is the parent). */
function customerInvoices(ctx: Context, customer: string, args: InvoicesArgs): Promise<Connection<Stripe.Invoice>> {
  return listInvoicesConnection(ctx, args, { customer, status: args.status ?? undefined }, false);
}

/**
 * Starts the invoice lists the selection at `path` asks of this customer at once, beside the customer's own
 * retrieve: `invoices` then finds its call in flight, and the two go out in one wave instead of two. Bad arguments
 * are left for the field to report; an answer nobody reads (the customer turned out unknown) is dropped.
 */
function prefetchInvoices(ctx: Context, id: string, info: GraphQLResolveInfo, path: readonly string[] = []): Array<Promise<unknown>> {
  if (!canAccessCustomer(ctx.viewer, id)) return [];
  const field = (info.schema.getType('Customer') as GraphQLObjectType).getFields()['invoices']!;
  return selectedFieldArguments(info, [...path, 'invoices'], field).map((args) => {
    const list = customerInvoices(ctx, id, args as InvoicesArgs);
    list.catch(() => undefined);
    return list;
  });
}

/**
 * A Customer referred to by another object (an invoice, a session, the signed-in viewer): loaded now if the
 * selection at `path` needs its fields — so they resolve without waiting one by one — or left as an id.
 */
export function customerModel(
  ctx: Context,
  id: string,
  info: GraphQLResolveInfo,
  path: readonly string[] = [],
): CustomerModel | Promise<CustomerModel> {
  if (!needsMoreThanId(info, path, WITHOUT_DATA)) return { id };
  prefetchInvoices(ctx, id, info, path);
  prefetchForCustomer(ctx, id, info, path);
  return fetchCustomer(ctx, id, info, path).then((data) => ({ id, data }));
}

const isNotFound = (error: unknown) => error instanceof GraphQLError && error.extensions['code'] === 'NOT_FOUND';

/**
 * A Customer asked for by id: an unknown or deleted id is NOT_FOUND. It is retrieved when the selection needs its
 * fields or names nothing else; when it asks only for invoice lists, those lists (already started) are the proof:
 * Stripe answers a list for a customer it does not know with "No such customer" (`customerByIdCalls`).
 */
export async function customerById(ctx: Context, id: string, info: GraphQLResolveInfo, path: readonly string[] = []): Promise<CustomerModel> {
  const lists = prefetchInvoices(ctx, id, info, path);
  prefetchForCustomer(ctx, id, info, path);
  if (lists.length === 0 || needsMoreThanId(info, path, WITHOUT_DATA)) return { id, data: await fetchCustomer(ctx, id, info, path) };
  for (const list of lists) {
    // Any other failure belongs to the list's own field, which reports it at its path.
    await list.catch((error: unknown) => {
      if (isNotFound(error)) throw error;
    });
  }
  return { id };
}

/** A resolver reading one value from the customer's Stripe object, loading it if needed. */
function read<T>(pick: (customer: Stripe.Customer) => T) {
  return (parent: CustomerModel, _args: object, ctx: Context): T | Promise<T> =>
    parent.data !== undefined ? pick(parent.data) : fetchCustomer(ctx, parent.id).then(pick);
}

const ShippingRef = builder
  .objectRef<NonNullable<Stripe.Customer['shipping']>>('CustomerShipping')
  .implement({
    description: 'Where the customer’s goods are shipped.',
    fields: (t) => ({
      name: t.string({ nullable: true, description: 'Recipient name.', resolve: (s) => s.name ?? null }),
      phone: t.string({ nullable: true, description: 'Recipient phone.', resolve: (s) => s.phone ?? null }),
      address: t.field({ type: AddressRef, nullable: true, description: 'Shipping address.', resolve: (s) => s.address ?? null }),
    }),
  });

CustomerRef.implement({
  description: 'A Stripe customer: who is billed, their contact details, credit balance and invoices.',
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof (value as CustomerModel).id === 'string' && (value as CustomerModel).id.startsWith('cus_'),
  // Defence in depth: however a Customer is reached, a customer token sees only its own.
  authScopes: (customer) => ({ ownsCustomer: customer.id }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s customer id (`cus_…`).' }),
    email: t.string({ nullable: true, description: 'Email address.', resolve: read((c) => c.email) }),
    name: t.string({ nullable: true, description: 'Full name or business name.', resolve: read((c) => c.name ?? null) }),
    phone: t.string({ nullable: true, description: 'Phone number.', resolve: read((c) => c.phone ?? null) }),
    description: t.string({ nullable: true, description: 'Internal description.', resolve: read((c) => c.description) }),
    address: t.field({ type: AddressRef, nullable: true, description: 'Billing address.', resolve: read((c) => c.address ?? null) }),
    shipping: t.field({ type: ShippingRef, nullable: true, description: 'Shipping details.', resolve: read((c) => c.shipping) }),
    balance: t.field({
      type: MoneyRef,
      description:
        'Credit balance: negative is credit Stripe applies to the next invoice, positive is owed and added to it.',
      // Stripe leaves `currency` null until the customer is first billed; the balance is then in the default.
      resolve: read((c) => money(c.balance, c.currency ?? 'usd')),
    }),
    currency: t.string({
      nullable: true,
      description: 'The currency the customer is billed in (upper case); null until first billed.',
      resolve: read((c) => c.currency?.toUpperCase() ?? null),
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When the customer was created.', resolve: read((c) => c.created) }),
    delinquent: t.boolean({
      description: 'Whether the customer’s latest invoice is past due (or uncollectible).',
      resolve: read((c) => c.delinquent ?? false),
    }),
    preferredLocales: t.stringList({
      description: 'Languages the customer prefers, in order (used by the billing portal and emails).',
      resolve: read((c) => c.preferred_locales ?? []),
    }),
    invoicePrefix: t.string({
      nullable: true,
      description: 'Prefix of the customer’s invoice numbers.',
      resolve: read((c) => c.invoice_prefix ?? null),
    }),
    metadata: t.field({
      type: [MetadataEntryRef],
      description: 'The customer’s metadata, sorted by key.',
      resolve: read((c) => metadataEntries(c.metadata)),
    }),
    invoices: t.field({
      type: invoiceConnection,
      description: 'The customer’s invoices, newest first.',
      args: {
        ...connectionArgs(t),
        status: t.arg({ type: InvoiceStatusEnum, required: false, description: 'Only invoices in this status.' }),
      },
      // One list per customer; the same arguments twice (aliases) share it.
      extensions: stripeCalls(() => 1, { deduplicated: true }),
      // The customer is this object's parent: its invoices never need it expanded again.
      resolve: (customer, args, ctx) => customerInvoices(ctx, customer.id, args),
    }),
  }),
});

export const customerConnection = defineConnection(CustomerRef, 'Customer', 'customer');

registerNode('cus', {
  typename: 'Customer',
  calls: customerByIdCalls,
  fetch: (id, ctx, info) => {
    if (!canAccessCustomer(ctx.viewer, id)) throw forbidden('You may only read your own customer.');
    return customerById(ctx, id, info);
  },
});

builder.queryFields((t) => ({
  customer: t.field({
    type: CustomerRef,
    nullable: true,
    description: 'A customer by id. Customers may read only themselves.',
    args: { id: t.arg.id({ required: true, description: 'Stripe customer id (`cus_…`).' }) },
    // Checked before any Stripe call: the owner is the id itself.
    authScopes: (_root, args) => ({ ownsCustomer: args.id }),
    extensions: stripeCalls(customerByIdCalls, { deduplicated: true }),
    resolve: (_root, args, ctx, info) => customerById(ctx, checkCustomerId(args.id), info),
  }),
  customers: t.field({
    type: customerConnection,
    description: 'All customers, newest first (admins only).',
    authScopes: { admin: true },
    extensions: stripeCalls(() => 1),
    args: {
      ...connectionArgs(t),
      email: t.arg.string({ required: false, description: 'Only customers with exactly this email (case-sensitive, as Stripe matches).' }),
    },
    resolve: async (_root, args, ctx) => {
      const request = pageRequest(ctx, args, 'Customer');
      const page = await ctx.stripe.listCustomers({ ...request, email: args.email ?? undefined });
      ctx.loaders.primeCustomers(page.data);
      return toConnection(ctx, page, request, (data) => ({ id: data.id, data }));
    },
  }),
}));
