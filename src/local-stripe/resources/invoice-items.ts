/**
 * Invoice items: create (pending, or straight onto a draft invoice), retrieve, list (`customer`, `invoice`,
 * `pending`, `created`), delete (while pending or on a draft). An item on an invoice is one of its lines; the
 * invoice's totals follow. `createInvoiceItem` is also how the demo seed makes proration and subscription-item
 * lines, which the public API cannot create.
 */
import Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { invalidParam, invalidState, parameterMissing, resourceMissing } from '../errors.js';
import { defineKind, renderList, renderObject } from '../expand.js';
import { currency as currencySpec, decimal } from '../money.js';
import {
  applyMetadata,
  bool,
  inRange,
  int,
  listParams,
  metadata,
  obj,
  range,
  required,
  str,
  type InferShape,
} from '../params.js';
import type { Store } from '../store.js';
import { productIdOf } from './price-create.js';
import { customerOrDeleted } from './customers.js';
import { claimCustomerCurrency } from './invoice-create.js';
import { attachItem, detachItem, requireDraftOf, type StoredInvoiceItem } from './invoice-lines.js';
import { renderInvoice } from './invoice-shape.js';
import { customerOf, findSubscriptionItem, requireSubscription } from './subscription-shape.js';


const createShape = {
  customer: required(str()),
  amount: int(),
  currency: currencySpec(),
  description: str({ max: 500 }),
  discountable: bool(),
  invoice: str(),
  metadata: metadata(),
  period: obj({ start: required(int({ min: 0 })), end: required(int({ min: 0 })) }),
  quantity: int({ min: 0 }),
  subscription: str(),
  unit_amount_decimal: decimal(),
  expand: listParams.expand,
} as const;

const listShape = {
  ...listParams,
  customer: str(),
  invoice: str(),
  pending: bool(),
  created: range(),
} as const;

export type InvoiceItemCreate = InferShape<typeof createShape>;

export interface InvoiceItemExtra {
  /** A proration adjustment (never discountable). */
  proration?: boolean;
  /** The subscription item (`si_…`) the line bills; its line gets `parent.type: 'subscription_item_details'`. */
  subscriptionItem?: string;
  /** The price the line names, when not the subscription item's current one (the credit for an old price). */
  price?: Stripe.Price;
}

/** `amount` and unit amount as Stripe derives them from `amount` or `quantity × unit_amount_decimal`. */
function amounts(params: InvoiceItemCreate): { amount: number; quantity: number; unit: Stripe.Decimal } {
  const quantity = params.quantity ?? 1;
  if (params.amount !== undefined && params.unit_amount_decimal !== undefined) {
    throw invalidParam(
      'unit_amount_decimal',
      'You may only specify one of these parameters: amount, unit_amount_decimal.',
      'parameters_exclusive',
    );
  }
  if (params.amount !== undefined) {
    if (quantity === 0 && params.amount !== 0) {
      throw invalidParam('quantity', 'Invalid quantity: must be greater than 0 when `amount` is given.');
    }
    const unit =
      quantity <= 1
        ? Stripe.Decimal.from(params.amount)
        : Stripe.Decimal.from(params.amount).div(Stripe.Decimal.from(quantity), 12, 'half-even');
    return { amount: params.amount, quantity, unit };
  }
  if (params.unit_amount_decimal === undefined) throw parameterMissing('amount');
  const unit = params.unit_amount_decimal;
  const amount = Number(Stripe.Decimal.from(quantity).mul(unit).toFixed(0, 'half-up'));
  if (!Number.isSafeInteger(amount)) throw invalidParam('unit_amount_decimal', 'Invalid amount: the total is too large.');
  return { amount, quantity, unit };
}

/**
 * Creates an invoice item for `params.customer`: pending, or on the draft `params.invoice`. The first item or
 * invoice of a customer sets `customer.currency`.
 */
export function createInvoiceItem(
  store: Store,
  params: InvoiceItemCreate,
  extra: InvoiceItemExtra = {},
): StoredInvoiceItem {
  const customer = store.customers.require(params.customer, 'customer');
  const { amount, quantity, unit } = amounts(params);
  const invoice =
    params.invoice !== undefined ? requireDraftOf(store, params.invoice, customer.id, params.currency) : undefined;
  const currency = params.currency ?? invoice?.currency ?? customer.currency ?? 'usd';

  let subscriptionId = params.subscription;
  let priceDetails: Stripe.InvoiceItem.Pricing.PriceDetails;
  if (extra.subscriptionItem !== undefined) {
    const found = findSubscriptionItem(store, extra.subscriptionItem);
    if (found === undefined || (subscriptionId !== undefined && found.subscription.id !== subscriptionId)) {
      if (subscriptionId !== undefined) requireSubscription(store, subscriptionId, 'subscription', customer.id);
      throw resourceMissing('subscription item', extra.subscriptionItem, 'subscription_item');
    }
    const { subscription: owner, item: subscriptionItem } = found;
    if (customerOf(owner) !== customer.id) {
      throw invalidParam('subscription_item', `The subscription item '${subscriptionItem.id}' belongs to another customer.`);
    }
    subscriptionId = owner.id;
    // A proration credit names the price the item had before the change.
    const price = extra.price ?? subscriptionItem.price;
    priceDetails = { price: price.id, product: productIdOf(price) };
  } else {
    if (subscriptionId !== undefined) requireSubscription(store, subscriptionId, 'subscription', customer.id);
    // Like Stripe, an item billed by amount gets an inline one-time price (and product) of its own. Neither is
    // served as an object here.
    priceDetails = { price: store.ids.id('price', 24), product: store.ids.id('prod', 14) };
  }

  const period = params.period ?? { start: store.nowSeconds(), end: store.nowSeconds() };
  if (period.end < period.start) {
    throw invalidParam('period[end]', 'Invalid period: `end` must be greater than or equal to `start`.');
  }
  claimCustomerCurrency(customer, currency);
  const proration = extra.proration ?? false;
  const now = store.nowSeconds();
  const item: StoredInvoiceItem = {
    id: store.ids.id('ii', 24),
    object: 'invoiceitem',
    amount,
    created: now,
    currency,
    customer: customer.id,
    customer_account: null,
    date: now,
    description: params.description ?? null,
    discountable: proration ? false : (params.discountable ?? amount >= 0),
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: applyMetadata({}, params.metadata),
    parent:
      subscriptionId !== undefined
        ? {
            type: 'subscription_details',
            subscription_details: {
              subscription: subscriptionId,
              ...(extra.subscriptionItem !== undefined ? { subscription_item: extra.subscriptionItem } : {}),
            },
          }
        : null,
    period: { start: period.start, end: period.end },
    pricing: { type: 'price_details', price_details: priceDetails, unit_amount_decimal: unit },
    proration,
    proration_details: { credited_items: null, discount_amounts: [] },
    quantity,
    quantity_decimal: Stripe.Decimal.from(quantity),
    tax_rates: [],
    test_clock: null,
  };
  store.invoiceItems.insert(item);
  if (invoice !== undefined) {
    try {
      attachItem(store, invoice, item);
    } catch (error) {
      store.invoiceItems.remove(item.id);
      throw error;
    }
  }
  return item;
}

export function deleteInvoiceItem(store: Store, id: string): Stripe.DeletedInvoiceItem {
  const item = store.invoiceItems.require(id);
  const invoiceId = typeof item.invoice === 'string' ? item.invoice : (item.invoice?.id ?? null);
  if (invoiceId !== null) {
    const invoice = store.invoices.get(invoiceId);
    if (invoice !== undefined && invoice.status !== 'draft') {
      throw invalidState(
        `This invoice item is on invoice ${invoiceId}, which is no longer a draft. Invoice items can only be ` +
          'deleted while pending or on a draft invoice.',
        'invoice_not_editable',
      );
    }
    if (invoice !== undefined) detachItem(store, invoice, id);
  }
  store.invoiceItems.remove(id);
  return { id, object: 'invoiceitem', deleted: true };
}

/** Stripe's invoice item has `date`, not `created`: the collection's ordering key stays internal. */
function publicItem(item: StoredInvoiceItem): Stripe.InvoiceItem {
  const { created: _created, ...rest } = item;
  return rest;
}

defineKind<StoredInvoiceItem>('invoiceitem', {
  render: publicItem,
  expandable: {
    customer: { target: 'customer', resolve: (id, ctx) => customerOrDeleted(ctx.store, id) },
    invoice: {
      target: 'invoice',
      resolve: (id, ctx) => {
        const invoice = ctx.store.invoices.get(id);
        return invoice === undefined ? null : renderInvoice(invoice, ctx);
      },
    },
    discounts: { resolve: () => null },
    test_clock: { resolve: () => null },
  },
});

export const invoiceItemRoutes: Route[] = [
  route('POST', '/v1/invoiceitems', (req) => {
    const params = readParams(req, createShape, { kind: 'invoiceitem' });
    return renderObject('invoiceitem', createInvoiceItem(req.store, params), req.render, params.expand);
  }),
  route('GET', '/v1/invoiceitems', (req) => {
    const params = readParams(req, listShape, { kind: 'invoiceitem', list: true });
    const page = req.store.invoiceItems.page(
      params,
      (item) =>
        (params.customer === undefined || item.customer === params.customer) &&
        (params.invoice === undefined || item.invoice === params.invoice) &&
        (params.pending === undefined || (item.invoice === null) === params.pending) &&
        inRange(item.created, params.created),
    );
    return renderList('invoiceitem', page.data, page.hasMore, '/v1/invoiceitems', req.render, params.expand);
  }),
  route('GET', '/v1/invoiceitems/:id(ii_)', (req) => {
    const params = readParams(req, { expand: listParams.expand }, { kind: 'invoiceitem' });
    return renderObject('invoiceitem', req.store.invoiceItems.require(pathId(req)), req.render, params.expand);
  }),
  route('DELETE', '/v1/invoiceitems/:id(ii_)', (req) => {
    readParams(req, {});
    return deleteInvoiceItem(req.store, pathId(req));
  }),
];
