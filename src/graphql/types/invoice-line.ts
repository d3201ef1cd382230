/** `InvoiceLineItem`: one line of an invoice — what was billed, for which period, and why. */
import type Stripe from 'stripe';
import { idOf } from '../../stripe/expandable.js';
import { builder } from '../builder.js';
import { defineConnection } from '../connections.js';
import { MetadataEntryRef, metadataEntries } from './common.js';
import { money, MoneyRef } from './money.js';
import { InvoiceLineItemRef } from './refs.js';

const LinePeriodRef = builder.objectRef<Stripe.InvoiceLineItem.Period>('LinePeriod').implement({
  description: 'The service period a line bills for (both ends inclusive).',
  fields: (t) => ({
    start: t.field({ type: 'DateTime', description: 'Start of the period.', resolve: (p) => p.start }),
    end: t.field({ type: 'DateTime', description: 'End of the period.', resolve: (p) => p.end }),
  }),
});

export const LineSourceEnum = builder.enumType('InvoiceLineSource', {
  description: 'What a line bills.',
  values: {
    INVOICE_ITEM: { value: 'invoice_item_details', description: 'A one-off invoice item.' },
    SUBSCRIPTION_ITEM: { value: 'subscription_item_details', description: 'A subscription item for the period.' },
  } as const,
});

function details(line: Stripe.InvoiceLineItem) {
  return line.parent?.subscription_item_details ?? line.parent?.invoice_item_details ?? null;
}

InvoiceLineItemRef.implement({
  description: 'One line of an invoice.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s line item id (`il_…`).' }),
    description: t.exposeString('description', { nullable: true, description: 'What the line is for, as printed.' }),
    amount: t.field({ type: MoneyRef, description: 'The line’s amount (negative for credits).', resolve: (l) => money(l.amount, l.currency) }),
    quantity: t.exposeInt('quantity', { nullable: true, description: 'Quantity billed.' }),
    unitAmountDecimal: t.string({
      nullable: true,
      description: 'Unit amount in the minor unit, as a decimal string (may have sub-cent precision).',
      resolve: (l) => l.pricing?.unit_amount_decimal?.toString() ?? null,
    }),
    period: t.field({ type: LinePeriodRef, description: 'The service period.', resolve: (l) => l.period }),
    proration: t.boolean({
      description: 'Whether the line is a proration (a credit or charge for a mid-period plan change).',
      resolve: (l) => details(l)?.proration ?? false,
    }),
    source: t.field({
      type: LineSourceEnum,
      nullable: true,
      description: 'Whether the line bills a one-off item or a subscription item.',
      resolve: (l) => {
        const type: string | undefined = l.parent?.type;
        return type === 'invoice_item_details' || type === 'subscription_item_details' ? type : null;
      },
    }),
    discountable: t.exposeBoolean('discountable', { description: 'Whether discounts apply to this line (never for prorations).' }),
    subscriptionId: t.string({
      nullable: true,
      description: 'The subscription billed (`sub_…`), if any.',
      resolve: (l) => idOf(l.subscription) ?? details(l)?.subscription ?? null,
    }),
    subscriptionItemId: t.string({
      nullable: true,
      description: 'The subscription item billed (`si_…`), if any.',
      resolve: (l) => l.parent?.subscription_item_details?.subscription_item ?? null,
    }),
    invoiceItemId: t.string({ nullable: true, description: 'The invoice item behind the line (`ii_…`), if any.', resolve: (l) => details(l)?.invoice_item ?? null }),
    priceId: t.string({
      nullable: true,
      description: 'The price billed (`price_…`), if any.',
      resolve: (l) => idOf(l.pricing?.price_details?.price),
    }),
    productId: t.string({ nullable: true, description: 'The product billed (`prod_…`), if any.', resolve: (l) => l.pricing?.price_details?.product ?? null }),
    metadata: t.field({ type: [MetadataEntryRef], description: 'The line’s metadata, sorted by key.', resolve: (l) => metadataEntries(l.metadata) }),
  }),
});

export const invoiceLineConnection = defineConnection(InvoiceLineItemRef, 'InvoiceLineItem', 'invoice line');
