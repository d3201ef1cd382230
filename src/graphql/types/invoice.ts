/**
 * `Invoice`, `Query.invoice`, `Query.invoices`.
 *
 * Lists ask Stripe for `expand[]=data.customer` only when the query needs customer fields beyond the id, and
 * prime the request's loaders with every invoice and expanded customer. An invoice's lines come from the first
 * page Stripe embeds in the invoice whenever it covers the request, so `lines(first: 5)` usually costs nothing.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type Stripe from 'stripe';
import { canAccessCustomer } from '../../auth/viewer.js';
import type { Context } from '../context.js';
import { expandedOf, idOf } from '../../stripe/expandable.js';
import { notYoursById } from '../../stripe/errors.js';
import type { InvoiceFilter } from '../../stripe/gateway.js';
import { builder } from '../builder.js';
import { connectionArgs, DEFAULT_PAGE_SIZE, defineConnection, pageRequest, toConnection, type ConnectionArgs } from '../connections.js';
import { badInput } from '../errors.js';
import { ID_ONLY, needsMoreThanId } from '../selection.js';
import { stripeCalls, type StripeCallEstimate } from '../stripe-calls.js';
import { MetadataEntryRef, metadataEntries } from './common.js';
import { checkCustomerId } from './customer.js';
import { invoiceLineConnection } from './invoice-line.js';
import { known } from './known.js';
import { money, MoneyRef } from './money.js';
import { NodeRef, registerNode } from './node.js';
import { CustomerRef, InvoiceRef } from './refs.js';
import { quoteId, stripeId } from '../../stripe/ids.js';

const STATUSES = ['draft', 'open', 'paid', 'uncollectible', 'void'] as const;
type Status = (typeof STATUSES)[number];

export const InvoiceStatusEnum = builder.enumType('InvoiceStatus', {
  description: 'Where an invoice is in Stripe’s lifecycle: DRAFT → OPEN → PAID, UNCOLLECTIBLE or VOID.',
  values: {
    DRAFT: { value: 'draft', description: 'Being prepared; can still change. Not yet numbered or sent.' },
    OPEN: { value: 'open', description: 'Finalized and awaiting payment.' },
    PAID: { value: 'paid', description: 'Paid in full (or nothing was due).' },
    UNCOLLECTIBLE: { value: 'uncollectible', description: 'Not expected to be paid; can still be paid or voided.' },
    VOID: { value: 'void', description: 'Cancelled after finalization; kept for the record.' },
  } as const,
});

export const CollectionMethodEnum = builder.enumType('CollectionMethod', {
  description: 'How Stripe collects an invoice.',
  values: {
    CHARGE_AUTOMATICALLY: { value: 'charge_automatically', description: 'Stripe charges the customer’s saved payment method.' },
    SEND_INVOICE: { value: 'send_invoice', description: 'Stripe emails the invoice; the customer pays by its due date.' },
  } as const,
});

const INVOICE_ID = stripeId('in');
const SUBSCRIPTION_ID = stripeId('sub');

function checkInvoiceId(id: string): string {
  if (!INVOICE_ID.test(id)) throw badInput(`${quoteId(id)} is not a Stripe invoice id (in_…).`, 'id');
  return id;
}

/**
 * One invoice, with its customer expanded in the same call when the query needs it; owner checked. A customer gets
 * one answer for another customer's invoice and for none at all (the Stripe layer words a missing one the same).
 */
export async function fetchInvoice(ctx: Context, id: string, info: GraphQLResolveInfo): Promise<Stripe.Invoice> {
  const invoice = await ctx.loaders.invoice.load({ id, expandCustomer: needsMoreThanId(info, ['customer']) });
  // The owner is known only once Stripe answered: check it before anything of the invoice is returned.
  if (!canAccessCustomer(ctx.viewer, idOf(invoice.customer))) throw notYoursById('invoice');
  return invoice;
}

export const invoiceConnection = defineConnection(InvoiceRef, 'Invoice', 'invoice');

/** A page of invoices as a connection; `expandCustomer` when the selection needs the customers' fields. */
export async function listInvoicesConnection(
  ctx: Context,
  args: ConnectionArgs,
  filter: InvoiceFilter,
  expandCustomer: boolean,
) {
  const request = pageRequest(ctx, args, 'Invoice');
  const page = await ctx.loaders.invoicePage({ ...request, ...filter, expandCustomer });
  ctx.loaders.primeInvoices(page.data);
  return toConnection(ctx, page, request, (invoice) => invoice);
}

/**
 * `Invoice.customer`: nothing when only the id is asked, nor when the invoice came from a list or retrieve that
 * expanded it. A customer's own invoices are listed by that customer: their customer is the parent, one load for
 * all of them, and none when the parent is loaded already.
 */
const invoiceCustomerCalls: StripeCallEstimate = ({ selects, ancestors }) => {
  if (!selects([], ID_ONLY)) return 0;
  const list = ancestors.findLastIndex((frame) => frame.coordinate === 'Customer.invoices');
  if (list < 0) return 0;
  return ancestors[list - 1]?.loaded ? 0 : { calls: 1, per: 'Customer.invoices' };
};

/**
 * The lines Stripe embeds in an invoice ("the first handful" in Stripe's words; 10 as observed, and as the local
 * Stripe embeds): `lines(first: n ≤ 10)` never needs a call of its own.
 */
const EMBEDDED_LINES = 10;

const amount = (pick: (invoice: Stripe.Invoice) => number) => (invoice: Stripe.Invoice) => money(pick(invoice), invoice.currency);

InvoiceRef.implement({
  description: 'A Stripe invoice: what a customer owes or paid for a period, with its lines and hosted pages.',
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as Stripe.Invoice).object === 'invoice',
  authScopes: (invoice) => ({ ownsCustomer: idOf(invoice.customer) }),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s invoice id (`in_…`).' }),
    number: t.exposeString('number', { nullable: true, description: 'The invoice number (set at finalization).' }),
    status: t.field({
      type: InvoiceStatusEnum,
      nullable: true,
      description: 'Lifecycle status; null only if Stripe reports a status this gateway does not know yet.',
      resolve: (invoice) => known<Status>(STATUSES, invoice.status),
    }),
    description: t.exposeString('description', { nullable: true, description: 'Memo shown on the invoice.' }),
    currency: t.string({ description: 'ISO 4217 currency code, upper case.', resolve: (i) => i.currency.toUpperCase() }),
    collectionMethod: t.field({
      type: CollectionMethodEnum,
      nullable: true,
      description: 'How Stripe collects it; null only for a method this gateway does not know yet.',
      resolve: (i) => known(['charge_automatically', 'send_invoice'] as const, i.collection_method),
    }),
    billingReason: t.string({
      nullable: true,
      description: 'Why the invoice was created, as Stripe says (`subscription_cycle`, `manual`, …).',
      resolve: (i) => i.billing_reason ?? null,
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: true,
      description: 'The customer billed; null when the customer has been deleted.',
      extensions: stripeCalls(invoiceCustomerCalls),
      resolve: async (invoice, _args, ctx, info) => {
        const id = idOf(invoice.customer);
        if (id === null) return null;
        const expanded = expandedOf(invoice.customer);
        if (expanded !== undefined) return expanded.deleted ? null : { id, data: expanded };
        if (!needsMoreThanId(info)) return { id };
        const found = await ctx.loaders.customer.load(id);
        return found.deleted ? null : { id, data: found };
      },
    }),
    customerName: t.exposeString('customer_name', { nullable: true, description: 'The customer’s name as printed on the invoice (frozen at finalization).' }),
    customerEmail: t.exposeString('customer_email', { nullable: true, description: 'The customer’s email as printed on the invoice (frozen at finalization).' }),
    createdAt: t.field({ type: 'DateTime', description: 'When the invoice was created.', resolve: (i) => i.created }),
    finalizedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was finalized (left draft).', resolve: (i) => i.status_transitions.finalized_at }),
    paidAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was paid.', resolve: (i) => i.status_transitions.paid_at }),
    voidedAt: t.field({ type: 'DateTime', nullable: true, description: 'When it was voided.', resolve: (i) => i.status_transitions.voided_at }),
    markedUncollectibleAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was marked uncollectible.',
      resolve: (i) => i.status_transitions.marked_uncollectible_at,
    }),
    dueDate: t.field({ type: 'DateTime', nullable: true, description: 'When payment is due (invoices sent for payment).', resolve: (i) => i.due_date }),
    nextPaymentAttempt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When Stripe will next try to charge (automatically charged invoices).',
      resolve: (i) => i.next_payment_attempt,
    }),
    periodStart: t.field({ type: 'DateTime', description: 'Start of the period the invoice collects items for.', resolve: (i) => i.period_start }),
    periodEnd: t.field({ type: 'DateTime', description: 'End of the period the invoice collects items for.', resolve: (i) => i.period_end }),
    subtotal: t.field({ type: MoneyRef, description: 'Sum of the lines, before discounts and tax.', resolve: amount((i) => i.subtotal) }),
    total: t.field({ type: MoneyRef, description: 'Total after discounts and tax.', resolve: amount((i) => i.total) }),
    amountDue: t.field({
      type: MoneyRef,
      description: 'What is to be collected: the total after the customer’s balance is applied.',
      resolve: amount((i) => i.amount_due),
    }),
    amountPaid: t.field({ type: MoneyRef, description: 'What has been paid.', resolve: amount((i) => i.amount_paid) }),
    amountRemaining: t.field({ type: MoneyRef, description: 'What is still owed (amount due minus paid).', resolve: amount((i) => i.amount_remaining) }),
    startingBalance: t.field({
      type: MoneyRef,
      description: 'The customer’s balance before this invoice was finalized (current balance while draft).',
      resolve: amount((i) => i.starting_balance),
    }),
    endingBalance: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'The customer’s balance after this invoice was finalized; null while draft.',
      resolve: (i) => (i.ending_balance === null ? null : money(i.ending_balance, i.currency)),
    }),
    hostedInvoiceUrl: t.string({
      nullable: true,
      description: 'Stripe’s page where the customer can view and pay the invoice; null while draft.',
      resolve: (i) => i.hosted_invoice_url ?? null,
    }),
    invoicePdf: t.string({ nullable: true, description: 'Link to the invoice PDF; null while draft.', resolve: (i) => i.invoice_pdf ?? null }),
    subscriptionId: t.string({
      nullable: true,
      description: 'The subscription this invoice bills, if any (`sub_…`).',
      resolve: (i) => idOf(i.parent?.subscription_details?.subscription),
    }),
    attemptCount: t.exposeInt('attempt_count', { description: 'Payment attempts made so far.' }),
    metadata: t.field({ type: [MetadataEntryRef], description: 'The invoice’s metadata, sorted by key.', resolve: (i) => metadataEntries(i.metadata) }),
    lines: t.field({
      type: invoiceLineConnection,
      description: 'The invoice’s line items, in invoice order.',
      args: connectionArgs(t),
      // The first page Stripe embeds in every invoice answers a first page up to its size; anything else is a call.
      extensions: stripeCalls(({ args }) =>
        args['after'] == null && args['last'] == null && args['before'] == null && ((args['first'] as number | null) ?? DEFAULT_PAGE_SIZE) <= EMBEDDED_LINES ? 0 : 1,
      ),
      resolve: async (invoice, args, ctx) => {
        // Each invoice's lines are a list of their own: a cursor of one invoice's lines is no cursor of another's.
        const request = pageRequest(ctx, args, `InvoiceLineItem:${invoice.id}`);
        const embedded = invoice.lines;
        // Stripe embeds the first page of lines in every invoice: use it when it covers what was asked.
        if (request.direction === 'forward' && request.startingAfter === undefined) {
          if (request.limit <= embedded.data.length || !embedded.has_more) {
            const data = embedded.data.slice(0, request.limit);
            return toConnection(ctx, { data, hasMore: embedded.data.length > request.limit || embedded.has_more }, request, (l) => l);
          }
        }
        const page = await ctx.stripe.listInvoiceLines(invoice.id, request);
        return toConnection(ctx, page, request, (line) => line);
      },
    }),
  }),
});

/** One retrieve per invoice, whoever asks (`invoice(id:)`, `node(id:)`, aliases), its customer expanded if anyone needs it. */
const invoiceByIdCalls: StripeCallEstimate = ({ args }) => ({ calls: 1, key: `invoice:${String(args['id'])}` });

registerNode('in', { typename: 'Invoice', calls: invoiceByIdCalls, fetch: (id, ctx, info) => fetchInvoice(ctx, id, info) });

builder.queryFields((t) => ({
  invoice: t.field({
    type: InvoiceRef,
    nullable: true,
    description:
      'An invoice by id. Customers may read only their own: for another customer’s invoice and for one that does not exist ' +
      'they get the same FORBIDDEN answer. Admins get NOT_FOUND for an unknown id.',
    authScopes: { authenticated: true },
    args: { id: t.arg.id({ required: true, description: 'Stripe invoice id (`in_…`).' }) },
    extensions: stripeCalls(invoiceByIdCalls, { deduplicated: true }),
    resolve: (_root, args, ctx, info) => fetchInvoice(ctx, checkInvoiceId(args.id), info),
  }),
  invoices: t.field({
    type: invoiceConnection,
    description: 'Invoices, newest first. Admins see every customer’s; customers only their own.',
    args: {
      ...connectionArgs(t),
      customerId: t.arg.id({ required: false, description: 'Only this customer’s invoices (customers: their own id, or omit).' }),
      status: t.arg({ type: InvoiceStatusEnum, required: false, description: 'Only invoices in this status.' }),
      subscriptionId: t.arg.id({ required: false, description: 'Only invoices of this subscription (`sub_…`).' }),
      collectionMethod: t.arg({ type: CollectionMethodEnum, required: false, description: 'Only invoices collected this way.' }),
      createdAfter: t.arg({ type: 'DateTime', required: false, description: 'Only invoices created at or after this time.' }),
      createdBefore: t.arg({ type: 'DateTime', required: false, description: 'Only invoices created before this time.' }),
    },
    extensions: stripeCalls(() => 1),
    // With a customerId the owner is known up front: a customer asking for another's is refused before any call.
    authScopes: (_root, args) => (args.customerId ? { ownsCustomer: args.customerId } : { authenticated: true }),
    resolve: (_root, args, ctx, info) => {
      const customer =
        args.customerId != null
          ? checkCustomerId(args.customerId, 'customerId')
          : ctx.viewer.role === 'CUSTOMER'
            ? ctx.viewer.customerId
            : undefined;
      if (args.subscriptionId != null && !SUBSCRIPTION_ID.test(args.subscriptionId)) {
        throw badInput(`${quoteId(args.subscriptionId)} is not a Stripe subscription id (sub_…).`, 'subscriptionId');
      }
      const filter: InvoiceFilter = {
        customer,
        status: args.status ?? undefined,
        subscription: args.subscriptionId ?? undefined,
        collectionMethod: args.collectionMethod ?? undefined,
        // Stripe's `created` is whole seconds: `>= 10.5 s` is `>= 11`, `< 10.5 s` is `< 11`.
        createdAfter: args.createdAfter ? Math.ceil(args.createdAfter.getTime() / 1000) : undefined,
        createdBefore: args.createdBefore ? Math.ceil(args.createdBefore.getTime() / 1000) : undefined,
      };
      const expandCustomer = needsMoreThanId(info, ['edges', 'node', 'customer']);
      return listInvoicesConnection(ctx, args, filter, expandCustomer);
    },
  }),
}));

