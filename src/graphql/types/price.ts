/**
 * `Price`, `Query.prices` and `node(id: "price_…")`: what a product costs, once or every interval.
 *
 * A price's product comes expanded whenever Stripe allows it in the same call (`expand[]=data.product` on the price
 * list, `product` on a retrieve, `items.data.price.product` on a subscription's retrieve). A subscription *list*
 * cannot (`data.items.data.price.product` is over Stripe's 4 levels): its products are loaded in one
 * `products.list({ ids })` per list (`subscription.ts`). Who reads the catalog: see `product.ts`.
 */
import type Stripe from 'stripe';
import { notYoursById } from '../../stripe/errors.js';
import { quoteId, stripeId } from '../../stripe/ids.js';
import { builder } from '../builder.js';
import { connectionArgs, defineConnection, pageRequest, toConnection } from '../connections.js';
import { badInput } from '../errors.js';
import { ID_ONLY, needsMoreThanId } from '../selection.js';
import { stripeCalls, type StripeCallEstimate } from '../stripe-calls.js';
import { MetadataEntryRef, metadataEntries } from './common.js';
import { known } from './known.js';
import { money, MoneyRef } from './money.js';
import { NodeRef, registerNode } from './node.js';
import { catalogActiveFilter, checkProductId, productModel } from './product.js';
import { PriceRef, ProductRef } from './refs.js';

const PRICE_ID = stripeId('price');

export function checkPriceId(id: string, field = 'id'): string {
  if (!PRICE_ID.test(id)) throw badInput(`${quoteId(id)} is not a Stripe price id (price_…).`, field);
  return id;
}

export const PriceTypeEnum = builder.enumType('PriceType', {
  description: 'Whether a price is paid once or every interval.',
  values: {
    ONE_TIME: { value: 'one_time', description: 'Paid once (e.g. a set-up fee).' },
    RECURRING: { value: 'recurring', description: 'Paid every interval by a subscription.' },
  } as const,
});

const INTERVALS = ['day', 'week', 'month', 'year'] as const;

const PriceIntervalEnum = builder.enumType('PriceInterval', {
  description: 'How often a recurring price bills.',
  values: {
    DAY: { value: 'day', description: 'Daily.' },
    WEEK: { value: 'week', description: 'Weekly.' },
    MONTH: { value: 'month', description: 'Monthly.' },
    YEAR: { value: 'year', description: 'Yearly.' },
  } as const,
});

const RecurringRef = builder.objectRef<Stripe.Price.Recurring>('PriceRecurring').implement({
  description: 'How a recurring price bills: every `intervalCount` `interval`s (e.g. every 3 months).',
  fields: (t) => ({
    interval: t.field({
      type: PriceIntervalEnum,
      nullable: true,
      description: 'The billing interval; null only for one this gateway does not know yet.',
      resolve: (r) => known(INTERVALS, r.interval),
    }),
    intervalCount: t.exposeInt('interval_count', { description: 'How many intervals between bills (1 for every interval).' }),
    usageType: t.string({ description: 'Stripe’s usage type: `licensed` (by quantity) or `metered` (by usage).', resolve: (r) => r.usage_type }),
    trialPeriodDays: t.int({ nullable: true, description: 'Trial days a subscription to it gets by default.', resolve: (r) => r.trial_period_days }),
  }),
});

/** Where a price's product came expanded: only a subscription list's items cannot carry it (their call is counted there). */
const priceProductCalls: StripeCallEstimate = ({ selects, ancestors }) => {
  if (!selects([], ID_ONLY)) return 0;
  return ancestors.some((frame) => frame.coordinate === 'Customer.subscriptions') ? { calls: 1, per: 'Customer.subscriptions' } : 0;
};

PriceRef.implement({
  description: 'What a product costs: an amount in a currency, once or every interval.',
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as Stripe.Price).object === 'price',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s price id (`price_…`).' }),
    active: t.exposeBoolean('active', { description: 'Whether new subscriptions and invoices can use it.' }),
    currency: t.string({ description: 'ISO 4217 currency code, upper case.', resolve: (p) => p.currency.toUpperCase() }),
    unitAmount: t.field({
      type: MoneyRef,
      nullable: true,
      description: 'The amount per unit; null for tiered or customer-chosen prices.',
      resolve: (p) => (p.unit_amount === null ? null : money(p.unit_amount, p.currency)),
    }),
    unitAmountDecimal: t.string({
      nullable: true,
      description: 'The amount per unit in the minor unit as a decimal string (may have sub-cent precision).',
      resolve: (p) => p.unit_amount_decimal?.toString() ?? null,
    }),
    type: t.field({ type: PriceTypeEnum, nullable: true, description: 'Once or recurring.', resolve: (p) => known(['one_time', 'recurring'] as const, p.type) }),
    recurring: t.field({ type: RecurringRef, nullable: true, description: 'How often it bills; null for a one-time price.', resolve: (p) => p.recurring }),
    billingScheme: t.string({ description: 'Stripe’s billing scheme: `per_unit` or `tiered`.', resolve: (p) => p.billing_scheme }),
    nickname: t.exposeString('nickname', { nullable: true, description: 'An internal name, not shown to customers.' }),
    lookupKey: t.exposeString('lookup_key', { nullable: true, description: 'A stable key to find the price by (e.g. `pro_monthly`).' }),
    product: t.field({
      type: ProductRef,
      description: 'The product this price is for.',
      extensions: stripeCalls(priceProductCalls),
      resolve: (p, _args, ctx, info) => productModel(ctx, p.product, info),
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: (p) => p.created }),
    metadata: t.field({ type: [MetadataEntryRef], description: 'Its metadata, sorted by key.', resolve: (p) => metadataEntries(p.metadata) }),
  }),
});

export const priceConnection = defineConnection(PriceRef, 'Price', 'price');

/** One retrieve (its product expanded in it when selected), whoever asks. */
const priceByIdCalls: StripeCallEstimate = ({ args }) => ({ calls: 1, key: `price:${String(args['id'])}` });

registerNode('price', {
  typename: 'Price',
  calls: priceByIdCalls,
  fetch: async (id, ctx, info) => {
    const price = await ctx.loaders.price(id, { expandProduct: needsMoreThanId(info, ['product']) });
    // Customers read the active catalog: an archived price answers as a missing one does.
    if (ctx.viewer.role !== 'ADMIN' && !price.active) throw notYoursById('price');
    return price as Stripe.Price & { id: string };
  },
});

/** Stripe's limits on `lookup_keys`: at most 10 keys, each at most 200 characters. */
const MAX_LOOKUP_KEYS = 10;
const MAX_LOOKUP_KEY_LENGTH = 200;

builder.queryField('prices', (t) =>
  t.field({
    type: priceConnection,
    description: 'The catalog’s prices, newest first. Customers see the active ones; admins all, archived included.',
    authScopes: { authenticated: true },
    args: {
      ...connectionArgs(t),
      active: t.arg.boolean({ required: false, description: 'Only active (true) or archived (false) prices; customers: only true.' }),
      productId: t.arg.id({ required: false, description: 'Only prices of this product (`prod_…`).' }),
      type: t.arg({ type: PriceTypeEnum, required: false, description: 'Only one-time or only recurring prices.' }),
      lookupKeys: t.arg.stringList({ required: false, description: `Only prices with these lookup keys (at most ${MAX_LOOKUP_KEYS}).` }),
      currency: t.arg.string({ required: false, description: 'Only prices in this currency (ISO 4217, any case).' }),
    },
    extensions: stripeCalls(() => 1),
    resolve: async (_root, args, ctx, info) => {
      const active = catalogActiveFilter(ctx, args.active, 'prices');
      const product = args.productId != null ? checkProductId(args.productId, 'productId') : undefined;
      const keys = args.lookupKeys ?? undefined;
      if (keys !== undefined) {
        if (keys.length > MAX_LOOKUP_KEYS) throw badInput(`lookupKeys takes at most ${MAX_LOOKUP_KEYS} keys.`, 'lookupKeys');
        if (keys.some((k) => k.length === 0 || k.length > MAX_LOOKUP_KEY_LENGTH)) {
          throw badInput(`Each lookup key must be 1–${MAX_LOOKUP_KEY_LENGTH} characters.`, 'lookupKeys');
        }
      }
      const currency = args.currency != null ? args.currency.toLowerCase() : undefined;
      if (currency !== undefined && !/^[a-z]{3}$/.test(currency)) throw badInput(`${quoteId(args.currency!)} is not an ISO 4217 currency code.`, 'currency');
      const request = pageRequest(ctx, args, 'Price');
      const page = await ctx.stripe.catalog.listPrices({
        ...request,
        active,
        product,
        type: args.type ?? undefined,
        lookupKeys: keys,
        currency,
        expandProduct: needsMoreThanId(info, ['edges', 'node', 'product']),
      });
      ctx.loaders.primePrices(page.data);
      return toConnection(ctx, page, request, (price) => price);
    },
  }),
);
