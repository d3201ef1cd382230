/**
 * The billing loaders: subscriptions, payment methods, prices and products, the subscription lists and the upcoming
 * invoice. Products are batched: every product the wave needs comes from one `products.list({ ids })` (Stripe has
 * no multi-id retrieve, but that list filters by up to 100 ids). Everything a list or an expansion brings is primed,
 * so that no object Stripe already sent is asked for again.
 */
import DataLoader from 'dataloader';
import type Stripe from 'stripe';
import { appError } from '../errors.js';
import { MAX_PRODUCT_IDS } from '../stripe/catalog.js';
import type { Page, StripeGateway } from '../stripe/gateway.js';
import type { SubscriptionExpansion, SubscriptionListRequest } from '../stripe/subscriptions.js';
import { expandedOf } from '../stripe/expandable.js';

/** A subscription by id, with what the query needs of its related objects expanded. */
export interface SubscriptionKey {
  id: string;
  expand: readonly SubscriptionExpansion[];
}

/** What `subscriptionPage` lists: a page of one customer's (or everyone's) subscriptions. */
export type SubscriptionPageRequest = SubscriptionListRequest;

export interface BillingLoaders {
  /**
   * A subscription by id: one retrieve per id per wave, expanding everything the keys of its batch asked for; a later
   * key is served by any earlier answer that expanded at least as much (a list's, an action's, a retrieve's).
   */
  loadSubscription(key: SubscriptionKey): Promise<Stripe.Subscription>;
  paymentMethod: DataLoader<string, Stripe.PaymentMethod>;
  /** Products by id, batched into one `products.list({ ids })` per wave. */
  product: DataLoader<string, Stripe.Product>;
  /** A price by id; `expandProduct` when the query reads its product. */
  price(id: string, options?: { expandProduct?: boolean }): Promise<Stripe.Price>;
  /** A page of subscriptions, one call per distinct request (a parent may start it for its child field). */
  subscriptionPage(request: SubscriptionPageRequest): Promise<Page<Stripe.Subscription>>;
  /** The customer's upcoming invoice (null: nothing due next), one call per request. */
  upcomingInvoice(customer: string): Promise<Stripe.Invoice | null>;
  primeSubscriptions(subscriptions: readonly Stripe.Subscription[]): void;
  /** A subscription as an action left it: what the request read of it before is forgotten. */
  replaceSubscription(subscription: Stripe.Subscription): void;
  primePrices(prices: readonly Stripe.Price[]): void;
  primeProducts(products: readonly Stripe.Product[]): void;
  primePaymentMethod(paymentMethod: Stripe.PaymentMethod): void;
}

/** What the billing loaders prime in the first-level loaders (customers, invoices). */
export interface PrimeOthers {
  customers(customers: readonly (Stripe.Customer | Stripe.DeletedCustomer)[]): void;
  invoices(invoices: readonly Stripe.Invoice[]): void;
}

/** What a subscription Stripe sent carries expanded (so that a later load wanting no more is served by it). */
function expansionsOf(sub: Stripe.Subscription): SubscriptionExpansion[] {
  const out: SubscriptionExpansion[] = [];
  const customer = expandedOf(sub.customer);
  if (customer !== undefined) {
    out.push('customer');
    if (!customer.deleted && typeof customer.invoice_settings.default_payment_method === 'object') {
      out.push('customer.invoice_settings.default_payment_method');
    }
  }
  if (sub.default_payment_method === null || typeof sub.default_payment_method === 'object') out.push('default_payment_method');
  if (sub.latest_invoice === null || typeof sub.latest_invoice === 'object') out.push('latest_invoice');
  if (sub.items.data.every((item) => typeof item.price.product === 'object')) out.push('items.data.price.product');
  return out;
}

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

export function createBillingLoaders(gateway: StripeGateway, others: PrimeOthers): BillingLoaders {
  const paymentMethod = new DataLoader((ids: readonly string[]) =>
    Promise.all(ids.map((id) => gateway.paymentMethods.retrieve(id).catch(asError))),
  );
  const product = new DataLoader<string, Stripe.Product>(
    async (ids: readonly string[]): Promise<Array<Stripe.Product | Error>> => {
      const found = await gateway.catalog.productsByIds(ids).catch(asError);
      if (found instanceof Error) return ids.map(() => found);
      const byId = new Map(found.data.map((p) => [p.id, p]));
      return ids.map((id) => byId.get(id) ?? appError('NOT_FOUND', `No such product: '${id}'.`));
    },
    { maxBatchSize: MAX_PRODUCT_IDS },
  );
  const primeProducts = (products: readonly Stripe.Product[]) => {
    for (const p of products) product.prime(p.id, p);
  };

  // Prices: the plain retrieve is the cache; one asked with its product expanded also answers the plain key.
  const prices = new Map<string, Promise<Stripe.Price>>();
  const pricesWithProduct = new Map<string, Promise<Stripe.Price>>();
  const primePrice = (price: Stripe.Price) => {
    const resolved = Promise.resolve(price);
    if (!prices.has(price.id)) prices.set(price.id, resolved);
    const expanded = expandedOf(price.product);
    if (expanded !== undefined) {
      if (!pricesWithProduct.has(price.id)) pricesWithProduct.set(price.id, resolved);
      if (!expanded.deleted) primeProducts([expanded]);
    }
  };
  const price = (id: string, options: { expandProduct?: boolean } = {}): Promise<Stripe.Price> => {
    const cache = options.expandProduct ? pricesWithProduct : prices;
    let found = cache.get(id);
    if (found === undefined) {
      found = gateway.catalog.retrievePrice(id, { expandProduct: options.expandProduct ?? false });
      cache.set(id, found);
      if (options.expandProduct && !prices.has(id)) prices.set(id, found);
      found.then(primePrice, () => undefined);
    }
    return found;
  };

  const primePaymentMethod = (pm: Stripe.PaymentMethod) => paymentMethod.prime(pm.id, pm);
  /** Answers per subscription id, with what each expanded. */
  const known = new Map<string, Array<{ expand: ReadonlySet<SubscriptionExpansion>; found: Promise<Stripe.Subscription> }>>();
  const remember = (id: string, expand: Iterable<SubscriptionExpansion>, found: Promise<Stripe.Subscription>) => {
    known.set(id, [...(known.get(id) ?? []), { expand: new Set(expand), found }]);
  };
  const primeSubscription = (sub: Stripe.Subscription) => {
    remember(sub.id, expansionsOf(sub), Promise.resolve(sub));
    for (const item of sub.items.data) primePrice(item.price);
    const customer = expandedOf(sub.customer);
    if (customer !== undefined) others.customers([customer]);
    const pm = expandedOf(sub.default_payment_method);
    if (pm !== undefined) primePaymentMethod(pm);
    const invoice = expandedOf(sub.latest_invoice);
    if (invoice !== undefined) others.invoices([invoice]);
  };
  const subscription: DataLoader<SubscriptionKey, Stripe.Subscription, string> = new DataLoader(
    (keys: readonly SubscriptionKey[]) => {
      const expand = new Map<string, Set<SubscriptionExpansion>>();
      for (const key of keys) {
        const wanted = expand.get(key.id) ?? new Set();
        for (const path of key.expand) wanted.add(path);
        expand.set(key.id, wanted);
      }
      const retrieved = new Map(
        [...expand].map(([id, paths]) => [
          id,
          gateway.subscriptions.retrieve(id, [...paths]).then((found) => {
            primeSubscription(found);
            return found;
          }),
        ]),
      );
      return Promise.all(keys.map((key) => retrieved.get(key.id)!.catch(asError)));
    },
    { cacheKeyFn: (key) => `${key.id}|${[...key.expand].sort().join(',')}` },
  );

  const pages = new Map<string, Promise<Page<Stripe.Subscription>>>();
  const upcoming = new Map<string, Promise<Stripe.Invoice | null>>();
  return {
    loadSubscription(key) {
      const covering = known.get(key.id)?.find((entry) => key.expand.every((path) => entry.expand.has(path)));
      if (covering !== undefined) return covering.found;
      const found = subscription.load(key);
      remember(key.id, key.expand, found);
      return found;
    },
    paymentMethod,
    product,
    price,
    subscriptionPage(request) {
      const key = JSON.stringify([
        request.limit,
        request.startingAfter,
        request.endingBefore,
        request.customer,
        request.status,
        request.price,
        [...(request.expand ?? [])].sort(),
      ]);
      let found = pages.get(key);
      if (found === undefined) {
        found = gateway.subscriptions.list(request);
        pages.set(key, found);
        found.then((page) => page.data.forEach(primeSubscription), () => undefined);
      }
      return found;
    },
    upcomingInvoice(customer) {
      let found = upcoming.get(customer);
      if (found === undefined) {
        found = gateway.invoiceActions.preview(customer);
        upcoming.set(customer, found);
      }
      return found;
    },
    primeSubscriptions: (subs) => subs.forEach(primeSubscription),
    replaceSubscription(sub) {
      known.delete(sub.id);
      primeSubscription(sub);
    },
    primePrices: (list) => list.forEach(primePrice),
    primeProducts,
    primePaymentMethod,
  };
}
