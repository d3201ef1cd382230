/**
 * `Product`, `Query.products` and `node(id: "prod_…")`: what is sold (a plan's name, description, images).
 *
 * The catalog is public to signed-in callers in the way a pricing page is: customers read the active products (what
 * they could subscribe to or switch to), admins every product, archived ones included. A product a customer's own
 * subscription names reaches it through that subscription whatever its state.
 */
import type { GraphQLResolveInfo } from 'graphql';
import type Stripe from 'stripe';
import { notYoursById } from '../../stripe/errors.js';
import { quoteId, stripeId } from '../../stripe/ids.js';
import { builder } from '../builder.js';
import { connectionArgs, defineConnection, pageRequest, toConnection } from '../connections.js';
import type { Context } from '../context.js';
import { badInput, forbidden } from '../errors.js';
import { needsMoreThanId } from '../selection.js';
import { stripeCalls, type StripeCallEstimate } from '../stripe-calls.js';
import { MetadataEntryRef, metadataEntries } from './common.js';
import { NodeRef, registerNode } from './node.js';
import { ProductRef, type ProductModel } from './refs.js';

const PRODUCT_ID = stripeId('prod');

export function checkProductId(id: string, field = 'id'): string {
  if (!PRODUCT_ID.test(id)) throw badInput(`${quoteId(id)} is not a Stripe product id (prod_…).`, field);
  return id;
}

/**
 * Customers read the active catalog only: asking for archived entries is refused before any call; admins read
 * everything. Returns the `active` filter to send.
 */
export function catalogActiveFilter(ctx: Context, active: boolean | null | undefined, noun: string): boolean | undefined {
  if (ctx.viewer.role === 'ADMIN') return active ?? undefined;
  if (active === false) throw forbidden(`Customers may read only active ${noun}.`);
  return true;
}

/** A product named by a price: as it came (an id, or expanded), loaded only for fields beyond the id. */
export function productModel(
  ctx: Context,
  value: string | Stripe.Product | Stripe.DeletedProduct,
  info: GraphQLResolveInfo,
): ProductModel | Promise<ProductModel> {
  if (typeof value !== 'string') return value.deleted ? { id: value.id } : { id: value.id, data: value };
  if (!needsMoreThanId(info)) return { id: value };
  return ctx.loaders.product.load(value).then((data) => ({ id: value, data }));
}

function read<T>(pick: (product: Stripe.Product) => T) {
  return async (model: ProductModel, _args: object, ctx: Context): Promise<T> => pick(model.data ?? (await ctx.loaders.product.load(model.id)));
}

ProductRef.implement({
  description: 'Something sold: a plan or an add-on. Its prices say what it costs and how often.',
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof (value as ProductModel).id === 'string' && (value as ProductModel).id.startsWith('prod_'),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stripe’s product id (`prod_…`).' }),
    name: t.string({ description: 'The name customers see (e.g. on invoices and the portal).', resolve: read((p) => p.name) }),
    description: t.string({ nullable: true, description: 'A longer description.', resolve: read((p) => p.description) }),
    active: t.boolean({ description: 'Whether it can be bought now (archived products cannot).', resolve: read((p) => p.active) }),
    images: t.stringList({ description: 'Image URLs (up to 8).', resolve: read((p) => p.images) }),
    url: t.string({ nullable: true, description: 'A public page about the product.', resolve: read((p) => p.url) }),
    unitLabel: t.string({ nullable: true, description: 'What one unit is called on invoices (e.g. `seat`).', resolve: read((p) => p.unit_label ?? null) }),
    defaultPriceId: t.string({
      nullable: true,
      description: 'The price used by default (`price_…`), if set.',
      resolve: read((p) => (typeof p.default_price === 'string' ? p.default_price : (p.default_price?.id ?? null))),
    }),
    marketingFeatures: t.stringList({
      description: 'The features listed for it on pricing tables and the portal.',
      resolve: read((p) => p.marketing_features.flatMap((f) => (f.name ? [f.name] : []))),
    }),
    createdAt: t.field({ type: 'DateTime', description: 'When it was created.', resolve: read((p) => p.created) }),
    metadata: t.field({ type: [MetadataEntryRef], description: 'Its metadata, sorted by key.', resolve: read((p) => metadataEntries(p.metadata)) }),
  }),
});

export const productConnection = defineConnection(ProductRef, 'Product', 'product');

/** One retrieve, whoever asks (`node(id:)`, aliases). */
const productByIdCalls: StripeCallEstimate = ({ args }) => ({ calls: 1, key: `product:${String(args['id'])}` });

registerNode('prod', {
  typename: 'Product',
  calls: productByIdCalls,
  fetch: async (id, ctx) => {
    const product = await ctx.stripe.catalog.retrieveProduct(id);
    // Customers read the active catalog: an archived product answers as a missing one does.
    if (ctx.viewer.role !== 'ADMIN' && !product.active) throw notYoursById('product');
    ctx.loaders.primeProducts([product]);
    return { id, data: product };
  },
});

builder.queryField('products', (t) =>
  t.field({
    type: productConnection,
    description: 'The catalog’s products, newest first. Customers see the active ones; admins all, archived included.',
    authScopes: { authenticated: true },
    args: {
      ...connectionArgs(t),
      active: t.arg.boolean({ required: false, description: 'Only active (true) or archived (false) products; customers: only true.' }),
    },
    extensions: stripeCalls(() => 1),
    resolve: async (_root, args, ctx) => {
      const active = catalogActiveFilter(ctx, args.active, 'products');
      const request = pageRequest(ctx, args, 'Product');
      const page = await ctx.stripe.catalog.listProducts({ ...request, active });
      ctx.loaders.primeProducts(page.data);
      return toConnection(ctx, page, request, (data) => ({ id: data.id, data }));
    },
  }),
);
