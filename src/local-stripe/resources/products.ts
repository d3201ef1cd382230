/**
 * Products: create (a custom `id` if the caller wants one; `default_price_data` makes the default price with it),
 * retrieve, update (`default_price` must be one of the product's own prices), delete (only a product without
 * prices, as Stripe has it), list (`active`, `ids`, `shippable`, `type`, `url`, `created`), search.
 */
import type Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { invalidParam, invalidState, parameterMissing } from '../errors.js';
import { renderList, renderObject } from '../expand.js';
import {
  applyMetadata,
  arr,
  bool,
  inRange,
  int,
  listParams,
  metadata,
  obj,
  oneOf,
  range,
  required,
  str,
  type InferShape,
} from '../params.js';
import { searchRoute, type Searchable } from '../search.js';
import type { Store } from '../store.js';
import { createPrice, INTERVALS, priceTermsShape, productIdOf, recurringOf } from './price-create.js';
import { checkStatementDescriptor, insertProduct, productCreateShape, requireProduct } from './product-create.js';

export { requireProduct } from './product-create.js';

const createShape = {
  ...productCreateShape,
  default_price_data: obj({
    ...priceTermsShape,
    recurring: obj({ interval: required(oneOf(INTERVALS)), interval_count: int({ min: 1 }) }),
  }),
  expand: listParams.expand,
} as const;

const updateShape = {
  active: bool(),
  default_price: str({ clearable: true }),
  description: str({ max: 40_000, clearable: true }),
  images: arr(str({ max: 2048 }), { max: 8 }),
  marketing_features: arr(obj({ name: str({ max: 80 }) }), { max: 15 }),
  metadata: metadata(),
  name: str({ max: 5000 }),
  shippable: bool(),
  statement_descriptor: str({ max: 22 }),
  tax_code: str({ clearable: true }),
  unit_label: str({ max: 12, clearable: true }),
  url: str({ max: 5000, clearable: true }),
  expand: listParams.expand,
} as const;

const listShape = {
  ...listParams,
  active: bool(),
  created: range(),
  ids: arr(str()),
  shippable: bool(),
  type: oneOf(['good', 'service'] as const),
  url: str(),
} as const;

export type ProductCreate = InferShape<typeof createShape>;
export type ProductUpdate = InferShape<typeof updateShape>;

/** Creates a product now (on the store's clock), and its default price when `default_price_data` is given. */
export function createProduct(store: Store, params: ProductCreate): Stripe.Product {
  const priceData = params.default_price_data;
  if (priceData !== undefined) {
    // What would make the price fail is checked before the product exists, so a refused request makes nothing.
    if (priceData.unit_amount === undefined && priceData.unit_amount_decimal === undefined) {
      throw parameterMissing('default_price_data[unit_amount]');
    }
    recurringOf(priceData.recurring, 'default_price_data[recurring]');
  }
  const product = insertProduct(store, params);
  if (priceData !== undefined) product.default_price = createPrice(store, { ...priceData, product: product.id }).id;
  return product;
}

export function updateProduct(store: Store, id: string, params: ProductUpdate): Stripe.Product {
  const product = requireProduct(store, id);
  if (typeof params.default_price === 'string') {
    const price = store.prices.get(params.default_price);
    if (price === undefined || productIdOf(price) !== product.id) {
      throw invalidParam(
        'default_price',
        `The price \`${params.default_price}\` cannot be the default price of \`${product.id}\`: it is not one of its prices.`,
      );
    }
  }
  checkStatementDescriptor(params.statement_descriptor);
  const features = params.marketing_features?.map((f, i) => {
    if (f.name === undefined) throw parameterMissing(`marketing_features[${i}][name]`);
    return { name: f.name };
  });

  if (params.active !== undefined) product.active = params.active;
  if (params.default_price !== undefined) product.default_price = params.default_price;
  if (params.description !== undefined) product.description = params.description;
  if (params.images !== undefined) product.images = params.images;
  if (features !== undefined) product.marketing_features = features;
  if (params.metadata !== undefined) product.metadata = applyMetadata(product.metadata, params.metadata);
  if (params.name !== undefined) product.name = params.name;
  if (params.shippable !== undefined) product.shippable = params.shippable;
  if (params.statement_descriptor !== undefined) product.statement_descriptor = params.statement_descriptor;
  if (params.tax_code !== undefined) product.tax_code = params.tax_code;
  if (params.unit_label !== undefined) product.unit_label = params.unit_label;
  if (params.url !== undefined) product.url = params.url;
  product.updated = store.nowSeconds();
  return product;
}

/** Stripe deletes only a product no price was ever made for; the others can only be archived (`active: false`). */
export function deleteProduct(store: Store, id: string): Stripe.DeletedProduct {
  requireProduct(store, id);
  for (const price of store.prices.newestFirst()) {
    if (productIdOf(price) === id) {
      throw invalidState('This product cannot be deleted because it has one or more user-created prices.');
    }
  }
  store.products.remove(id);
  return { id, object: 'product', deleted: true };
}

const searchable: Searchable<Stripe.Product> = {
  resource: 'products',
  fields: {
    active: { type: 'token', get: (p) => String(p.active) },
    description: { type: 'text', get: (p) => p.description },
    name: { type: 'text', get: (p) => p.name },
    shippable: { type: 'token', get: (p) => (p.shippable === null ? null : String(p.shippable)) },
    url: { type: 'text', get: (p) => p.url },
  },
  metadata: (p) => p.metadata,
};

export const productRoutes: Route[] = [
  route('POST', '/v1/products', (req) => {
    const params = readParams(req, createShape, { kind: 'product' });
    return renderObject('product', createProduct(req.store, params), req.render, params.expand);
  }),
  searchRoute('/v1/products/search', 'product', (store) => store.products.newestFirst(), searchable),
  route('GET', '/v1/products', (req) => {
    const params = readParams(req, listShape, { kind: 'product', list: true });
    const ids = params.ids === undefined ? undefined : new Set(params.ids);
    const page = req.store.products.page(
      params,
      (p) =>
        (params.active === undefined || p.active === params.active) &&
        (ids === undefined || ids.has(p.id)) &&
        (params.shippable === undefined || p.shippable === params.shippable) &&
        (params.type === undefined || p.type === params.type) &&
        (params.url === undefined || p.url === params.url) &&
        inRange(p.created, params.created),
    );
    return renderList('product', page.data, page.hasMore, '/v1/products', req.render, params.expand);
  }),
  route('GET', '/v1/products/:id(*)', (req) => {
    const params = readParams(req, { expand: listParams.expand }, { kind: 'product' });
    return renderObject('product', requireProduct(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', '/v1/products/:id(*)', (req) => {
    const params = readParams(req, updateShape, { kind: 'product' });
    return renderObject('product', updateProduct(req.store, pathId(req), params), req.render, params.expand);
  }),
  route('DELETE', '/v1/products/:id(*)', (req) => {
    readParams(req, {});
    return deleteProduct(req.store, pathId(req));
  }),
];
