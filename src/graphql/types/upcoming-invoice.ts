/**
 * `UpcomingInvoice` and `Customer.upcomingInvoice`: what the customer will be billed next — Stripe's invoice preview
 * (`POST /v1/invoices/create_preview` with the customer), one call, started in the same wave as the customer's own
 * retrieve. Null when nothing is due next (Stripe's `invoice_upcoming_none`).
 */
import type Stripe from 'stripe';
import { idOf } from '../../stripe/expandable.js';
import { builder } from '../builder.js';
import { selectedFieldNames } from '../selection.js';
import { stripeCalls } from '../stripe-calls.js';
import { registerCustomerPrefetch } from './customer.js';
import { CollectionMethodEnum } from './invoice.js';
import { known } from './known.js';
import { money, MoneyRef } from './money.js';
import { CustomerRef, InvoiceLineItemRef } from './refs.js';

const amount = (pick: (invoice: Stripe.Invoice) => number) => (invoice: Stripe.Invoice) => money(pick(invoice), invoice.currency);

const UpcomingInvoiceRef = builder.objectRef<Stripe.Invoice>('UpcomingInvoice').implement({
  description:
    'The invoice Stripe would create next for a customer (its subscriptions’ next renewal, pending items), as of now. ' +
    'A preview: it has no id, and changes as the subscription or the customer’s balance does.',
  fields: (t) => ({
    amountDue: t.field({ type: MoneyRef, description: 'What will be collected: the total after the customer’s balance.', resolve: amount((i) => i.amount_due) }),
    total: t.field({ type: MoneyRef, description: 'Total after discounts and tax.', resolve: amount((i) => i.total) }),
    subtotal: t.field({ type: MoneyRef, description: 'Sum of the lines, before discounts and tax.', resolve: amount((i) => i.subtotal) }),
    startingBalance: t.field({
      type: MoneyRef,
      description: 'The customer’s balance it starts from (negative: credit that reduces `amountDue`).',
      resolve: amount((i) => i.starting_balance),
    }),
    currency: t.string({ description: 'ISO 4217 currency code, upper case.', resolve: (i) => i.currency.toUpperCase() }),
    periodStart: t.field({ type: 'DateTime', description: 'Start of the period it collects items for.', resolve: (i) => i.period_start }),
    periodEnd: t.field({ type: 'DateTime', description: 'End of the period it collects items for.', resolve: (i) => i.period_end }),
    nextPaymentAttempt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When Stripe will charge it (automatically charged invoices): the renewal date.',
      resolve: (i) => i.next_payment_attempt,
    }),
    dueDate: t.field({ type: 'DateTime', nullable: true, description: 'When payment will be due (invoices sent for payment).', resolve: (i) => i.due_date }),
    collectionMethod: t.field({
      type: CollectionMethodEnum,
      nullable: true,
      description: 'How Stripe will collect it.',
      resolve: (i) => known(['charge_automatically', 'send_invoice'] as const, i.collection_method),
    }),
    subscriptionId: t.string({
      nullable: true,
      description: 'The subscription it renews, if any (`sub_…`).',
      resolve: (i) => idOf(i.parent?.subscription_details?.subscription),
    }),
    lines: t.field({
      type: [InvoiceLineItemRef],
      description: 'Its lines, as Stripe embeds them in the preview (the first 10; see `hasMoreLines`), prorations flagged.',
      resolve: (i) => i.lines.data,
    }),
    hasMoreLines: t.boolean({ description: 'Whether it has more lines than `lines` holds.', resolve: (i) => i.lines.has_more }),
  }),
});

// Started beside the customer's retrieve: one wave, not two.
registerCustomerPrefetch((ctx, id, info, path) => {
  if (selectedFieldNames(info, path).has('upcomingInvoice')) ctx.loaders.upcomingInvoice(id).catch(() => undefined);
});

builder.objectField(CustomerRef, 'upcomingInvoice', (t) =>
  t.field({
    type: UpcomingInvoiceRef,
    nullable: true,
    description: 'What the customer will be billed next (a preview of the next invoice); null when nothing is due next.',
    extensions: stripeCalls(() => 1, { deduplicated: true }),
    resolve: (customer, _args, ctx) => ctx.loaders.upcomingInvoice(customer.id),
  }),
);
