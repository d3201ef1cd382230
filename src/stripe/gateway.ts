/**
 * Every Stripe call the gateway makes, named for what it does. This module decides `expand`, paging and
 * idempotency keys for customers, invoices and portal sessions; `subscriptions.ts`, `catalog.ts`,
 * `payment-methods.ts` and `invoice-actions.ts` do the same for theirs, and all of them call Stripe through the one
 * `StripeCaller` (`./call.ts`: budget, deadline, in-flight cap, 429 retries, error mapping).
 * Resolvers never see the SDK: they go through loaders or these methods.
 */
import type Stripe from 'stripe';
import { readKey, type SharedCache } from '../cache/read-through.js';
import { listTags, objectTag } from '../cache/tags.js';
import { DEFAULT_STRIPE_MAX_IN_FLIGHT } from '../config.js';
import {
  DEFAULT_RATE_LIMIT_RETRY,
  page,
  StripeCaller,
  toPage,
  writeKey,
  type Page,
  type PageRequest,
  type RateLimitRetry,
  type RequestScope,
} from './call.js';
import { CatalogCalls } from './catalog.js';
import { InvoiceActions } from './invoice-actions.js';
import { Limiter } from './limiter.js';
import { PaymentMethodCalls } from './payment-methods.js';
import { SubscriptionCalls } from './subscriptions.js';

export { Limiter };
export {
  DEFAULT_RATE_LIMIT_RETRY,
  overBudget,
  rateLimitDelay,
  scopedIdempotencyKey,
  type Page,
  type PageRequest,
  type RateLimitRetry,
  type RequestScope,
  type StripeCallCount,
  type StripeCallObserver,
} from './call.js';

export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';

export interface InvoiceFilter {
  customer?: string | undefined;
  status?: InvoiceStatus | undefined;
  subscription?: string | undefined;
  collectionMethod?: 'charge_automatically' | 'send_invoice' | undefined;
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
}

export interface PortalSessionRequest {
  customer: string;
  configuration?: string | undefined;
  flowData?: Stripe.BillingPortal.SessionCreateParams.FlowData | undefined;
  locale?: Stripe.BillingPortal.SessionCreateParams.Locale | undefined;
  onBehalfOf?: string | undefined;
  returnUrl?: string | undefined;
}

/** Where a customer keeps its default payment method. */
const DEFAULT_PAYMENT_METHOD = 'invoice_settings.default_payment_method';

export class StripeGateway {
  private readonly caller: StripeCaller;
  /** Subscriptions: retrieve, list, cancel, resume (`./subscriptions.ts`). */
  readonly subscriptions: SubscriptionCalls;
  /** Products and prices (`./catalog.ts`). */
  readonly catalog: CatalogCalls;
  /** Payment methods (`./payment-methods.ts`). */
  readonly paymentMethods: PaymentMethodCalls;
  /** Finalize, pay, void, mark uncollectible, send; the upcoming invoice (`./invoice-actions.ts`). */
  readonly invoiceActions: InvoiceActions;

  /** Built once at start-up from the client (or, by `forRequest`, over one request's caller). */
  constructor(
    stripe: Stripe | StripeCaller,
    limiter: Limiter = new Limiter(DEFAULT_STRIPE_MAX_IN_FLIGHT),
    rateLimitRetry: RateLimitRetry = DEFAULT_RATE_LIMIT_RETRY,
    scope: RequestScope = {},
  ) {
    this.caller = stripe instanceof StripeCaller ? stripe : new StripeCaller(stripe, limiter, rateLimitRetry, scope);
    this.subscriptions = new SubscriptionCalls(this.caller);
    this.catalog = new CatalogCalls(this.caller);
    this.paymentMethods = new PaymentMethodCalls(this.caller);
    this.invoiceActions = new InvoiceActions(this.caller);
  }

  /** The same gateway (client, in-flight cap, retries) for one request's calls. */
  forRequest(scope: RequestScope): StripeGateway {
    return new StripeGateway(this.caller.forRequest(scope));
  }

  /** The same gateway, its reads through the shared cache (`src/cache/`); undefined: none. */
  withCache(cache: SharedCache | undefined): StripeGateway {
    return new StripeGateway(this.caller.withCache(cache));
  }

  /**
   * `expandDefaultPaymentMethod`: the customer's default payment method (`invoice_settings.default_payment_method`)
   * comes in the same call, for queries that read more of it than its id.
   */
  retrieveCustomer(id: string, options: { expandDefaultPaymentMethod?: boolean } = {}): Promise<Stripe.Customer | Stripe.DeletedCustomer> {
    const params = options.expandDefaultPaymentMethod ? { expand: [DEFAULT_PAYMENT_METHOD] } : {};
    return this.caller.read(
      { key: readKey('customers.retrieve', id, params), tags: [] },
      (requestOptions) => this.caller.stripe.customers.retrieve(id, params, requestOptions),
      'customer',
    );
  }

  listCustomers(params: PageRequest & { email?: string | undefined }): Promise<Page<Stripe.Customer>> {
    const request = {
      ...page(params),
      ...(params.email !== undefined ? { email: params.email } : {}),
    };
    return this.caller.read({ key: readKey('customers.list', request), tags: listTags('customer') }, async (options) =>
      toPage(await this.caller.stripe.customers.list(request, options)),
    );
  }

  retrieveInvoice(id: string, options: { expandCustomer?: boolean } = {}): Promise<Stripe.Invoice> {
    const params = options.expandCustomer ? { expand: ['customer'] } : {};
    return this.caller.read(
      { key: readKey('invoices.retrieve', id, params), tags: [] },
      (requestOptions) => this.caller.stripe.invoices.retrieve(id, params, requestOptions),
      'invoice',
    );
  }

  listInvoices(params: PageRequest & InvoiceFilter & { expandCustomer?: boolean }): Promise<Page<Stripe.Invoice>> {
    const created =
      params.createdAfter !== undefined || params.createdBefore !== undefined
        ? {
            ...(params.createdAfter !== undefined ? { gte: params.createdAfter } : {}),
            ...(params.createdBefore !== undefined ? { lt: params.createdBefore } : {}),
          }
        : undefined;
    const request: Stripe.InvoiceListParams = {
      ...page(params),
      ...(params.customer !== undefined ? { customer: params.customer } : {}),
      ...(params.status !== undefined ? { status: params.status } : {}),
      ...(params.subscription !== undefined ? { subscription: params.subscription } : {}),
      ...(params.collectionMethod !== undefined ? { collection_method: params.collectionMethod } : {}),
      ...(created !== undefined ? { created } : {}),
      ...(params.expandCustomer ? { expand: ['data.customer'] } : {}),
    };
    return this.caller.read({ key: readKey('invoices.list', request), tags: listTags('invoice', params.customer) }, async (options) =>
      toPage(await this.caller.stripe.invoices.list(request, options)),
    );
  }

  listInvoiceLines(invoiceId: string, params: PageRequest): Promise<Page<Stripe.InvoiceLineItem>> {
    const request = page(params);
    // The lines change with their invoice (an invoice item's event names its invoice too).
    return this.caller.read(
      { key: readKey('invoices.listLineItems', invoiceId, request), tags: [objectTag(invoiceId)] },
      async (options) => toPage(await this.caller.stripe.invoices.listLineItems(invoiceId, request, options)),
      'invoice',
    );
  }

  retrieveConfiguration(id: string): Promise<Stripe.BillingPortal.Configuration> {
    return this.caller.read(
      { key: readKey('billingPortal.configurations.retrieve', id), tags: [] },
      (options) => this.caller.stripe.billingPortal.configurations.retrieve(id, {}, options),
      'portal configuration',
    );
  }

  listConfigurations(
    params: PageRequest & { active?: boolean | undefined },
  ): Promise<Page<Stripe.BillingPortal.Configuration>> {
    const request = {
      ...page(params),
      ...(params.active !== undefined ? { active: params.active } : {}),
    };
    return this.caller.read(
      { key: readKey('billingPortal.configurations.list', request), tags: listTags('billing_portal.configuration') },
      async (options) => toPage(await this.caller.stripe.billingPortal.configurations.list(request, options)),
    );
  }

  /**
   * Opens a portal session. `expandConfiguration` asks Stripe for the configuration object in the same call
   * (sessions cannot be retrieved later); `idempotencyKey` is already scoped to the caller.
   */
  createPortalSession(
    request: PortalSessionRequest,
    options: { expandConfiguration: boolean; idempotencyKey?: string | undefined },
  ): Promise<Stripe.BillingPortal.Session> {
    const params: Stripe.BillingPortal.SessionCreateParams = {
      customer: request.customer,
      ...(request.configuration !== undefined ? { configuration: request.configuration } : {}),
      ...(request.flowData !== undefined ? { flow_data: request.flowData } : {}),
      ...(request.locale !== undefined ? { locale: request.locale } : {}),
      ...(request.onBehalfOf !== undefined ? { on_behalf_of: request.onBehalfOf } : {}),
      ...(request.returnUrl !== undefined ? { return_url: request.returnUrl } : {}),
      ...(options.expandConfiguration ? { expand: ['configuration'] } : {}),
    };
    // One key for every attempt, so that a retry can never open a second session.
    const idempotencyKey = writeKey(options.idempotencyKey);
    return this.caller.call((options) => this.caller.stripe.billingPortal.sessions.create(params, { ...options, idempotencyKey }));
  }
}
