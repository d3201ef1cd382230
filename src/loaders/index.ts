/**
 * Per-request DataLoaders, created fresh in `createContext()` so that nothing one caller loaded is ever seen by
 * another. Stripe has no multi-id retrieve, so a loader buys de-duplication (the same id under several aliases
 * or paths costs one call), a per-request cache, priming from list results and expanded objects, and parallel
 * retrieves (capped process-wide by the gateway's limiter). Each key gets its own result or `Error`.
 */
import DataLoader from 'dataloader';
import type Stripe from 'stripe';
import { expandedOf } from '../stripe/expandable.js';
import type { InvoiceFilter, Page, PageRequest, StripeGateway } from '../stripe/gateway.js';
import { createBillingLoaders, type BillingLoaders } from './billing.js';

export type { BillingLoaders, SubscriptionKey, SubscriptionPageRequest } from './billing.js';

/** What `Loaders.invoicePage` lists: a page of invoices, filtered, with or without their customers expanded. */
export type InvoicePageRequest = PageRequest & InvoiceFilter & { expandCustomer: boolean };

/** An invoice by id, with its customer expanded or not. */
export interface InvoiceKey {
  id: string;
  expandCustomer: boolean;
}

export interface Loaders extends BillingLoaders {
  customer: DataLoader<string, Stripe.Customer | Stripe.DeletedCustomer>;
  /**
   * The customer through `customer`, its default payment method expanded in the same retrieve when
   * `expandDefaultPaymentMethod` (asked before the batch goes out; a customer already loaded stays as it is).
   */
  loadCustomer(id: string, options?: { expandDefaultPaymentMethod?: boolean }): Promise<Stripe.Customer | Stripe.DeletedCustomer>;
  /**
   * Invoices by id, `expand[]=customer` for queries that read the customer too. One retrieve per id whatever the
   * keys asked: the same invoice wanted with and without its customer in one request is retrieved once, expanded.
   */
  invoice: DataLoader<InvoiceKey, Stripe.Invoice, string>;
  configuration: DataLoader<string, Stripe.BillingPortal.Configuration>;
  /**
   * A page of invoices, one Stripe call per distinct request: a resolver may start a list its child field will
   * need (so that both go out in one wave), and the child gets the same call's answer.
   */
  invoicePage(request: InvoicePageRequest): Promise<Page<Stripe.Invoice>>;
  /** Caches invoices from a list (and the customers expanded on them). */
  primeInvoices(invoices: readonly Stripe.Invoice[]): void;
  /** An invoice as an action left it: what the request read of it before is forgotten. */
  replaceInvoice(invoice: Stripe.Invoice): void;
  primeCustomers(customers: readonly (Stripe.Customer | Stripe.DeletedCustomer)[]): void;
  primeConfiguration(configuration: Stripe.BillingPortal.Configuration): void;
}

function retrieveEach<T>(retrieve: (id: string) => Promise<T>) {
  return (ids: readonly string[]): Promise<Array<T | Error>> =>
    Promise.all(ids.map((id) => retrieve(id).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
}

const invoiceKey = (key: InvoiceKey) => `${key.id}|${key.expandCustomer ? 'customer' : ''}`;

export function createLoaders(gateway: StripeGateway): Loaders {
  /** Customers whose retrieve should bring their default payment method along. */
  const withDefaultPaymentMethod = new Set<string>();
  const customer: DataLoader<string, Stripe.Customer | Stripe.DeletedCustomer> = new DataLoader(
    retrieveEach((id) =>
      gateway.retrieveCustomer(id, { expandDefaultPaymentMethod: withDefaultPaymentMethod.has(id) }).then((found) => {
        primeCustomers([found]);
        return found;
      }),
    ),
  );
  const invoice: DataLoader<InvoiceKey, Stripe.Invoice, string> = new DataLoader(
    (keys: readonly InvoiceKey[]) => {
      const expand = new Map<string, boolean>();
      for (const key of keys) expand.set(key.id, (expand.get(key.id) ?? false) || key.expandCustomer);
      const retrieved = new Map(
        [...expand].map(([id, expandCustomer]) => [
          id,
          gateway.retrieveInvoice(id, { expandCustomer }).then((found) => {
            primeInvoice(found);
            return found;
          }),
        ]),
      );
      return Promise.all(keys.map((key) => retrieved.get(key.id)!.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
    },
    { cacheKeyFn: invoiceKey },
  );
  /** An invoice answers its plain key, and its expanded one too when it carries its customer (which is primed). */
  const primeInvoice = (found: Stripe.Invoice) => {
    invoice.prime({ id: found.id, expandCustomer: false }, found);
    const expanded = expandedOf(found.customer);
    if (expanded !== undefined) {
      invoice.prime({ id: found.id, expandCustomer: true }, found);
      primeCustomers([expanded]);
    }
  };
  const configuration = new DataLoader(retrieveEach((id) => gateway.retrieveConfiguration(id)));
  const invoicePages = new Map<string, Promise<Page<Stripe.Invoice>>>();
  const primeCustomers = (customers: readonly (Stripe.Customer | Stripe.DeletedCustomer)[]) => {
    for (const c of customers) {
      customer.prime(c.id, c);
      const pm = c.deleted ? undefined : expandedOf(c.invoice_settings.default_payment_method);
      if (pm !== undefined) billing.primePaymentMethod(pm);
    }
  };
  const billing = createBillingLoaders(gateway, { customers: primeCustomers, invoices: (list) => list.forEach(primeInvoice) });
  return {
    ...billing,
    customer,
    loadCustomer(id, options = {}) {
      if (options.expandDefaultPaymentMethod) withDefaultPaymentMethod.add(id);
      return customer.load(id);
    },
    invoice,
    configuration,
    invoicePage(request) {
      const key = [
        request.limit,
        request.startingAfter,
        request.endingBefore,
        request.customer,
        request.status,
        request.subscription,
        request.collectionMethod,
        request.createdAfter,
        request.createdBefore,
        request.expandCustomer,
      ].join('|');
      let page = invoicePages.get(key);
      if (page === undefined) {
        page = gateway.listInvoices(request);
        invoicePages.set(key, page);
      }
      return page;
    },
    primeCustomers,
    primeInvoices(invoices) {
      for (const inv of invoices) primeInvoice(inv);
    },
    replaceInvoice(found) {
      invoice.clear({ id: found.id, expandCustomer: false }).clear({ id: found.id, expandCustomer: true });
      primeInvoice(found);
    },
    primeConfiguration(value) {
      configuration.prime(value.id, value);
    },
  };
}
