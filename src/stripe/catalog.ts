/**
 * The catalog: products and prices. Products by id come from one `products.list({ ids })` per batch — Stripe has
 * no multi-id retrieve, but its product list filters by up to 100 ids — so the products of a page of subscriptions
 * (which a subscription list cannot expand: `data.items.data.price.product` is over Stripe's 4 levels) cost one call.
 */
import type Stripe from 'stripe';
import { readKey } from '../cache/read-through.js';
import { listTags } from '../cache/tags.js';
import { page, toPage, type Page, type PageRequest, type StripeCaller } from './call.js';

/** The most ids `products.list` filters on (its `limit` is at most 100, and every id must fit one page). */
export const MAX_PRODUCT_IDS = 100;

export interface ProductListRequest extends PageRequest {
  ids?: readonly string[] | undefined;
  active?: boolean | undefined;
}

export interface PriceListRequest extends PageRequest {
  active?: boolean | undefined;
  product?: string | undefined;
  type?: 'one_time' | 'recurring' | undefined;
  lookupKeys?: readonly string[] | undefined;
  currency?: string | undefined;
  /** The list embeds each price's product (`expand[]=data.product`). */
  expandProduct?: boolean | undefined;
}

export class CatalogCalls {
  constructor(private readonly caller: StripeCaller) {}

  listProducts(request: ProductListRequest): Promise<Page<Stripe.Product>> {
    const params: Stripe.ProductListParams = {
      ...page(request),
      ...(request.ids !== undefined ? { ids: [...request.ids] } : {}),
      ...(request.active !== undefined ? { active: request.active } : {}),
    };
    // Products asked by id that do not exist yet are absent: the list's tag drops it when one is created.
    return this.caller.read({ key: readKey('products.list', params), tags: listTags('product') }, async (options) =>
      toPage(await this.caller.stripe.products.list(params, options)),
    );
  }

  /** Products by id, in one call (at most `MAX_PRODUCT_IDS`); ids Stripe does not know are simply absent. */
  productsByIds(ids: readonly string[]): Promise<Page<Stripe.Product>> {
    if (ids.length > MAX_PRODUCT_IDS) throw new Error(`at most ${MAX_PRODUCT_IDS} product ids per call`);
    return this.listProducts({ ids, limit: Math.max(1, ids.length) });
  }

  retrieveProduct(id: string): Promise<Stripe.Product> {
    return this.caller.read(
      { key: readKey('products.retrieve', id), tags: [] },
      (options) => this.caller.stripe.products.retrieve(id, {}, options),
      'product',
    );
  }

  retrievePrice(id: string, options: { expandProduct?: boolean } = {}): Promise<Stripe.Price> {
    const params = options.expandProduct ? { expand: ['product'] } : {};
    return this.caller.read({ key: readKey('prices.retrieve', id, params), tags: [] }, (o) => this.caller.stripe.prices.retrieve(id, params, o), 'price');
  }

  listPrices(request: PriceListRequest): Promise<Page<Stripe.Price>> {
    const params: Stripe.PriceListParams = {
      ...page(request),
      ...(request.active !== undefined ? { active: request.active } : {}),
      ...(request.product !== undefined ? { product: request.product } : {}),
      ...(request.type !== undefined ? { type: request.type } : {}),
      ...(request.currency !== undefined ? { currency: request.currency } : {}),
      ...(request.lookupKeys !== undefined ? { lookup_keys: [...request.lookupKeys] } : {}),
      ...(request.expandProduct ? { expand: ['data.product'] } : {}),
    };
    return this.caller.read({ key: readKey('prices.list', params), tags: listTags('price') }, async (options) =>
      toPage(await this.caller.stripe.prices.list(params, options)),
    );
  }
}
