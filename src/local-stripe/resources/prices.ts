/**
 * Prices: create (see `price-create.ts`), retrieve, update (`active`, `nickname`, `metadata`, `lookup_key` with
 * `transfer_lookup_key`, `tax_behavior` while still unspecified), list (`active`, `currency`, `product`, `type`,
 * `lookup_keys`, `recurring`, `created`), search. A price cannot be deleted, as in Stripe: it is archived.
 */
import type Stripe from 'stripe';
import { pathId, readParams, route, type Route } from '../api.js';
import { invalidParam, invalidState } from '../errors.js';
import { renderList, renderObject } from '../expand.js';
import { currency } from '../money.js';
import { applyMetadata, arr, bool, inRange, listParams, metadata, obj, oneOf, range, str, type InferShape } from '../params.js';
import { searchRoute, type Searchable } from '../search.js';
import type { Store } from '../store.js';
import {
  createPrice,
  INTERVALS,
  lookupKeyHolder,
  priceCreateShape,
  productIdOf,
  requirePrice,
  TAX_BEHAVIORS,
  USAGE_TYPES,
} from './price-create.js';

export { createPrice, requirePrice, productIdOf, type PriceCreate, type PriceOptions } from './price-create.js';

/** Stripe answers at most 10 lookup keys in one list. */
const MAX_LOOKUP_KEYS = 10;

const updateShape = {
  active: bool(),
  lookup_key: str({ max: 200, clearable: true }),
  metadata: metadata(),
  nickname: str({ max: 5000, clearable: true }),
  tax_behavior: oneOf(TAX_BEHAVIORS),
  transfer_lookup_key: bool(),
  expand: listParams.expand,
} as const;

const listShape = {
  ...listParams,
  active: bool(),
  created: range(),
  currency: currency(),
  lookup_keys: arr(str({ max: 200 }), { max: MAX_LOOKUP_KEYS }),
  product: str(),
  recurring: obj({ interval: oneOf(INTERVALS), usage_type: oneOf(USAGE_TYPES), meter: str() }),
  type: oneOf(['one_time', 'recurring'] as const),
} as const;

export type PriceUpdate = InferShape<typeof updateShape>;

export function updatePrice(store: Store, id: string, params: PriceUpdate): Stripe.Price {
  const price = requirePrice(store, id);
  if (params.active === false && price.active) {
    const product = store.products.get(productIdOf(price));
    if (product?.default_price === price.id) {
      throw invalidState('This price cannot be archived because it is the default price of its product.', undefined, 'active');
    }
  }
  if (params.tax_behavior !== undefined && params.tax_behavior !== price.tax_behavior && price.tax_behavior !== 'unspecified') {
    throw invalidParam(
      'tax_behavior',
      `The tax_behavior of a price cannot be changed once it is ${price.tax_behavior}: create a new price instead.`,
    );
  }
  const holder =
    typeof params.lookup_key === 'string'
      ? lookupKeyHolder(store, params.lookup_key, params.transfer_lookup_key ?? false, price.id)
      : undefined;

  if (holder !== undefined) holder.lookup_key = null;
  if (params.active !== undefined) price.active = params.active;
  if (params.lookup_key !== undefined) price.lookup_key = params.lookup_key;
  if (params.metadata !== undefined) price.metadata = applyMetadata(price.metadata, params.metadata);
  if (params.nickname !== undefined) price.nickname = params.nickname;
  if (params.tax_behavior !== undefined) price.tax_behavior = params.tax_behavior;
  return price;
}

const searchable: Searchable<Stripe.Price> = {
  resource: 'prices',
  fields: {
    active: { type: 'token', get: (p) => String(p.active) },
    currency: { type: 'token', get: (p) => p.currency },
    lookup_key: { type: 'text', get: (p) => p.lookup_key },
    product: { type: 'token', get: (p) => productIdOf(p) },
    type: { type: 'token', get: (p) => p.type },
  },
  metadata: (p) => p.metadata,
};

export const priceRoutes: Route[] = [
  route('POST', '/v1/prices', (req) => {
    const params = readParams(req, priceCreateShape, { kind: 'price' });
    return renderObject('price', createPrice(req.store, params), req.render, params.expand);
  }),
  searchRoute('/v1/prices/search', 'price', (store) => store.prices.newestFirst(), searchable),
  route('GET', '/v1/prices', (req) => {
    const params = readParams(req, listShape, { kind: 'price', list: true });
    const keys = params.lookup_keys === undefined ? undefined : new Set(params.lookup_keys);
    const recurring = params.recurring;
    const page = req.store.prices.page(
      params,
      (p) =>
        (params.active === undefined || p.active === params.active) &&
        (params.currency === undefined || p.currency === params.currency) &&
        (params.product === undefined || productIdOf(p) === params.product) &&
        (params.type === undefined || p.type === params.type) &&
        (keys === undefined || (p.lookup_key !== null && keys.has(p.lookup_key))) &&
        (recurring === undefined ||
          (p.recurring !== null &&
            (recurring.interval === undefined || p.recurring.interval === recurring.interval) &&
            (recurring.usage_type === undefined || p.recurring.usage_type === recurring.usage_type) &&
            (recurring.meter === undefined || p.recurring.meter === recurring.meter))) &&
        inRange(p.created, params.created),
    );
    return renderList('price', page.data, page.hasMore, '/v1/prices', req.render, params.expand);
  }),
  route('GET', '/v1/prices/:id(price_)', (req) => {
    const params = readParams(req, { expand: listParams.expand }, { kind: 'price' });
    return renderObject('price', requirePrice(req.store, pathId(req)), req.render, params.expand);
  }),
  route('POST', '/v1/prices/:id(price_)', (req) => {
    const params = readParams(req, updateShape, { kind: 'price' });
    return renderObject('price', updatePrice(req.store, pathId(req), params), req.render, params.expand);
  }),
];
