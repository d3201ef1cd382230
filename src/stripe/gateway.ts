/**
 * Every Stripe call the gateway makes, named for what it does. This module decides `expand`, paging and
 * idempotency keys, maps Stripe's errors to the contract's codes, and caps the calls in flight process-wide.
 * Resolvers never see the SDK: they go through loaders or these methods.
 */
import { createHash, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { DEFAULT_STRIPE_MAX_IN_FLIGHT } from '../config.js';
import { appError } from '../errors.js';
import { toAppError } from './errors.js';

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  /** Stripe's `Request-Id` of the call that returned this page. */
  requestId?: string | undefined;
}

/**
 * Told of every attempt at a Stripe call, with Stripe's `Request-Id` when there was a response (the request log
 * lists them, so that support can match a gateway request with Stripe's dashboard).
 */
export type StripeCallObserver = (call: { requestId: string | undefined; ok: boolean }) => void;

/** The `Request-Id` of an SDK result (objects and lists carry `lastResponse`) or of a page made from one. */
function requestIdOf(result: unknown): string | undefined {
  if (result === null || typeof result !== 'object') return undefined;
  const own = (result as { requestId?: unknown }).requestId;
  if (typeof own === 'string') return own;
  const id = (result as { lastResponse?: { requestId?: unknown } }).lastResponse?.requestId;
  return typeof id === 'string' ? id : undefined;
}

/** Stripe's cursor pagination: `startingAfter` pages forward, `endingBefore` backward (one at a time). */
export interface PageRequest {
  limit: number;
  startingAfter?: string | undefined;
  endingBefore?: string | undefined;
}

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

/**
 * A counting semaphore: at most `max` Stripe calls in flight; the rest wait their turn, first come first served. A
 * waiting call whose `signal` aborts (its client went away) leaves the queue without ever being made.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    // A finished call hands its slot straight to the next in line (`active` unchanged), so none can slip past.
    if (this.active >= this.max) await this.turn(signal);
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }

  private turn(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(take);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      const take = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(take);
    });
  }
}

function page(params: PageRequest): Stripe.PaginationParams {
  return {
    limit: params.limit,
    ...(params.startingAfter !== undefined ? { starting_after: params.startingAfter } : {}),
    ...(params.endingBefore !== undefined ? { ending_before: params.endingBefore } : {}),
  };
}

function toPage<T>(list: Stripe.ApiList<T>): Page<T> {
  return { data: list.data, hasMore: list.has_more, requestId: requestIdOf(list) };
}

/**
 * A caller's idempotency key, made safe to send: scoped to the caller (two callers' equal keys never collide, and
 * one caller cannot replay another's response) and hashed to Stripe's 255-character limit.
 */
export function scopedIdempotencyKey(callerScope: string, key: string): string {
  return `bg-${createHash('sha256').update(`${callerScope}\u0000${key}`).digest('hex')}`;
}

/**
 * The gateway's own retries of Stripe's 429s, which the SDK does not retry unless Stripe says
 * `Stripe-Should-Retry: true` (the SDK already retries connection errors, 409 and 5xx itself).
 */
export interface RateLimitRetry {
  /** Further attempts after a 429 (0: none). */
  retries: number;
  /** First backoff; doubled on each retry, with jitter; never less than `Retry-After`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RATE_LIMIT_RETRY: RateLimitRetry = { retries: 2, baseDelayMs: 500, maxDelayMs: 5_000 };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long to wait before retrying a 429, or undefined when it must not be retried. */
export function rateLimitDelay(error: unknown, attempt: number, policy: RateLimitRetry): number | undefined {
  if (!(error instanceof Stripe.errors.StripeRateLimitError) || attempt >= policy.retries) return undefined;
  const headers = error.headers ?? {};
  if (String(headers['stripe-should-retry'] ?? '') === 'false') return undefined;
  const retryAfter = Number(headers['retry-after']);
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
  const floor = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0;
  return Math.min(policy.maxDelayMs, Math.max(floor, backoff));
}

export class StripeGateway {
  constructor(
    private readonly stripe: Stripe,
    private readonly limiter: Limiter = new Limiter(DEFAULT_STRIPE_MAX_IN_FLIGHT),
    private readonly rateLimitRetry: RateLimitRetry = DEFAULT_RATE_LIMIT_RETRY,
    private readonly observer?: StripeCallObserver,
    private readonly signal?: AbortSignal,
    private readonly forCustomer = false,
  ) {}

  /**
   * The same gateway (client, in-flight cap, retries) for one request: telling `observer` of every call, and
   * dropping the calls still waiting for a slot once `signal` aborts (the client went away: nobody will read them).
   * `forCustomer`: the caller is no admin, so Stripe's errors reach it in the gateway's words (`./errors.ts`).
   */
  forRequest(options: {
    observer?: StripeCallObserver | undefined;
    signal?: AbortSignal | undefined;
    forCustomer?: boolean | undefined;
  }): StripeGateway {
    return new StripeGateway(this.stripe, this.limiter, this.rateLimitRetry, options.observer, options.signal, options.forCustomer ?? false);
  }

  /**
   * One Stripe call: within the in-flight cap, retried on 429 with backoff (the slot is given back while
   * waiting), errors mapped to the contract's codes. `retrieved`: what a retrieve by id asks for (`invoice`).
   */
  private async call<T>(task: () => Promise<T>, retrieved?: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.limiter.run(task, this.signal);
        this.observer?.({ requestId: requestIdOf(result), ok: true });
        return result;
      } catch (error) {
        if (this.observer !== undefined && error instanceof Stripe.errors.StripeError) {
          this.observer({ requestId: error.requestId, ok: false });
        }
        // The client went away: nobody reads this answer, and it is no fault to log.
        if (this.signal?.aborted) throw appError('UPSTREAM_UNAVAILABLE', 'Cancelled: the client closed the request.');
        const delay = rateLimitDelay(error, attempt, this.rateLimitRetry);
        if (delay === undefined) throw toAppError(error, { customer: this.forCustomer, retrieved });
        await sleep(delay);
      }
    }
  }

  retrieveCustomer(id: string): Promise<Stripe.Customer | Stripe.DeletedCustomer> {
    return this.call(() => this.stripe.customers.retrieve(id), 'customer');
  }

  listCustomers(params: PageRequest & { email?: string | undefined }): Promise<Page<Stripe.Customer>> {
    return this.call(async () =>
      toPage(
        await this.stripe.customers.list({
          ...page(params),
          ...(params.email !== undefined ? { email: params.email } : {}),
        }),
      ),
    );
  }

  retrieveInvoice(id: string, options: { expandCustomer?: boolean } = {}): Promise<Stripe.Invoice> {
    return this.call(
      () => this.stripe.invoices.retrieve(id, options.expandCustomer ? { expand: ['customer'] } : undefined),
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
    return this.call(async () =>
      toPage(
        await this.stripe.invoices.list({
          ...page(params),
          ...(params.customer !== undefined ? { customer: params.customer } : {}),
          ...(params.status !== undefined ? { status: params.status } : {}),
          ...(params.subscription !== undefined ? { subscription: params.subscription } : {}),
          ...(params.collectionMethod !== undefined ? { collection_method: params.collectionMethod } : {}),
          ...(created !== undefined ? { created } : {}),
          ...(params.expandCustomer ? { expand: ['data.customer'] } : {}),
        }),
      ),
    );
  }

  listInvoiceLines(invoiceId: string, params: PageRequest): Promise<Page<Stripe.InvoiceLineItem>> {
    return this.call(async () => toPage(await this.stripe.invoices.listLineItems(invoiceId, page(params))), 'invoice');
  }

  retrieveConfiguration(id: string): Promise<Stripe.BillingPortal.Configuration> {
    return this.call(() => this.stripe.billingPortal.configurations.retrieve(id), 'portal configuration');
  }

  listConfigurations(
    params: PageRequest & { active?: boolean | undefined },
  ): Promise<Page<Stripe.BillingPortal.Configuration>> {
    return this.call(async () =>
      toPage(
        await this.stripe.billingPortal.configurations.list({
          ...page(params),
          ...(params.active !== undefined ? { active: params.active } : {}),
        }),
      ),
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
    // One key for every attempt, the gateway's 429 retries included (the SDK makes a fresh one per call), so
    // that a retry can never open a second session.
    const idempotencyKey = options.idempotencyKey ?? `bg-${randomUUID()}`;
    return this.call(() => this.stripe.billingPortal.sessions.create(params, { idempotencyKey }));
  }
}
