/**
 * A product as stored and rendered, and how one is made (`insertProduct`): by `POST /v1/products` (see
 * `products.ts`, which adds `default_price_data`) and by a price's `product_data` (see `price-create.ts`). Kept apart
 * from the routes so that prices can make products without importing the module that makes prices.
 */
import type Stripe from 'stripe';
import { invalidParam, invalidState } from '../errors.js';
import { defineKind } from '../expand.js';
import { applyMetadata, arr, bool, metadata, obj, oneOf, required, str, type InferShape } from '../params.js';
import type { Store } from '../store.js';

/** Stripe's limits: 8 images, 15 marketing features of up to 80 characters. */
const MAX_IMAGES = 8;
const MAX_FEATURES = 15;

/** The fields of a product that create takes alike from `POST /v1/products` and a price's `product_data`. */
export const productDataShape = {
  id: str({ max: 255 }),
  name: required(str({ max: 5000 })),
  active: bool(),
  metadata: metadata(),
  statement_descriptor: str({ max: 22 }),
  tax_code: str(),
  unit_label: str({ max: 12 }),
} as const;

export const productCreateShape = {
  ...productDataShape,
  description: str({ max: 40_000 }),
  images: arr(str({ max: 2048 }), { max: MAX_IMAGES }),
  marketing_features: arr(obj({ name: required(str({ max: 80 })) }), { max: MAX_FEATURES }),
  shippable: bool(),
  type: oneOf(['good', 'service'] as const),
  url: str({ max: 5000 }),
} as const;

export type ProductData = InferShape<typeof productDataShape>;
export type ProductFields = InferShape<typeof productCreateShape>;

/** Ids a caller may choose: Stripe's own characters, so that the id is usable as one path segment. */
const CUSTOM_ID = /^[A-Za-z0-9_-]+$/;

/** Stripe refuses these characters in statement descriptors. */
const DESCRIPTOR_FORBIDDEN = /[<>\\'"*]/;

export function checkStatementDescriptor(value: string | null | undefined, param = 'statement_descriptor'): void {
  if (typeof value !== 'string') return;
  if (DESCRIPTOR_FORBIDDEN.test(value)) {
    throw invalidParam(param, `Invalid ${param}: the statement descriptor cannot contain any of < > \\ ' " *`);
  }
  if (!/[A-Za-z]/.test(value)) {
    throw invalidParam(param, `Invalid ${param}: the statement descriptor must contain at least one letter`);
  }
}

/** Creates a product now (on the store's clock), under the caller's `id` if given (which draws no random id). */
export function insertProduct(store: Store, params: ProductFields): Stripe.Product {
  if (params.id !== undefined) {
    if (!CUSTOM_ID.test(params.id)) {
      throw invalidParam('id', 'Invalid id: a product id may contain only letters, digits, `_` and `-`.');
    }
    if (store.products.get(params.id) !== undefined) {
      throw invalidState('Product already exists.', 'resource_already_exists', 'id');
    }
  }
  checkStatementDescriptor(params.statement_descriptor);
  const now = store.nowSeconds();
  const product: Stripe.Product = {
    id: params.id ?? store.ids.id('prod', 14),
    object: 'product',
    active: params.active ?? true,
    created: now,
    default_price: null,
    description: params.description ?? null,
    images: params.images ?? [],
    livemode: false,
    marketing_features: (params.marketing_features ?? []).map((f) => ({ name: f.name })),
    metadata: applyMetadata({}, params.metadata),
    name: params.name,
    package_dimensions: null,
    shippable: params.shippable ?? null,
    statement_descriptor: params.statement_descriptor ?? null,
    tax_code: params.tax_code ?? null,
    tax_details: null,
    type: params.type ?? 'service',
    unit_label: params.unit_label ?? null,
    updated: now,
    url: params.url ?? null,
  };
  return store.products.insert(product);
}

/** The product or Stripe's `resource_missing` naming `param`. */
export function requireProduct(store: Store, id: string, param = 'id'): Stripe.Product {
  return store.products.require(id, param);
}

defineKind<Stripe.Product>('product', {
  expandable: {
    default_price: { target: 'price', resolve: (id, ctx) => ctx.store.prices.get(id) ?? null },
    tax_code: { resolve: () => null },
  },
});
