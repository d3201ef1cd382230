/**
 * The state of one Stripe account in the local Stripe: every object it holds, its clock and its id generator.
 * Handlers mutate objects in place inside one synchronous turn of the event loop, so concurrent requests can
 * never interleave half-way through an update (no lost updates without locks).
 */
import type Stripe from 'stripe';
import { Collection } from './collection.js';
import { EventLog } from './events/event-log.js';
import { Journal } from './events/journal.js';
import { IdGenerator } from './ids.js';

/**
 * How the account retries a failed renewal payment (Stripe's "Smart Retries" settings, made fixed): the days after
 * the first failure at which payment is tried again, and what happens to the subscription when the last retry
 * fails (`canceled`, Stripe's default, or `unpaid`).
 */
export interface DunningSettings {
  retryDays: number[];
  afterLastRetry: 'canceled' | 'unpaid';
}

export const DEFAULT_DUNNING: DunningSettings = { retryDays: [3, 5, 7], afterLastRetry: 'canceled' };

/** What Stripe keeps of a webhook endpoint beside the object: the secret (shown once, on create) and `connect`. */
export interface WebhookEndpointSettings {
  secret: string;
  /** Whether the endpoint hears the connected accounts' events (true) or its own account's (false). */
  connect: boolean;
}

export interface SessionRecord {
  session: Stripe.BillingPortal.Session;
  /** Milliseconds on the store's clock after which an unvisited URL answers as expired. */
  expiresAt: number;
  visitedAt: number | null;
}

/** How long a visited portal session stays usable. */
const SESSION_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand, so that expiry is tested without waiting. */
export function manualClock(startMs = Date.UTC(2026, 10, 25, 12)): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = startMs;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    set: (ms) => {
      now = ms;
    },
  };
}

export class Store {
  readonly customers = new Collection<Stripe.Customer>('customer');
  /** Deleted customers answer retrieve with `{ id, object, deleted: true }`. */
  readonly deletedCustomers = new Set<string>();
  /** Invoices as Stripe returns them, except that `lines.data` holds every line (the response shows the first page). */
  readonly invoices = new Collection<Stripe.Invoice>('invoice');
  readonly invoiceItems = new Collection<Stripe.InvoiceItem & { created: number }>('invoiceitem');
  readonly configurations = new Collection<Stripe.BillingPortal.Configuration>('configuration');
  /** Subscriptions as Stripe returns them, `items.data` holding every item (`resources/subscription-*.ts`). */
  readonly subscriptions = new Collection<Stripe.Subscription>('subscription');
  /** The trial ends (`sub_…:unixSeconds`) whose `customer.subscription.trial_will_end` was sent (`subscription-clock.ts`). */
  readonly trialEndNotices = new Set<string>();
  /** Renewal payment retries; tests and the control API may change them. */
  dunning: DunningSettings = { ...DEFAULT_DUNNING, retryDays: [...DEFAULT_DUNNING.retryDays] };
  /** The catalog: products and their prices (`resources/products.ts`, `resources/prices.ts`). */
  readonly products = new Collection<Stripe.Product>('product');
  readonly prices = new Collection<Stripe.Price>('price');
  /** Payment methods, attached to a customer or not (`resources/payment-methods.ts`). */
  readonly paymentMethods = new Collection<Stripe.PaymentMethod>('PaymentMethod');
  /** Portal sessions by the secret in their URL (Stripe has no retrieve endpoint for sessions). */
  readonly sessions = new Map<string, SessionRecord>();
  /** Hosted invoice page secrets → invoice id. */
  readonly invoiceSecrets = new Map<string, string>();
  /** Webhook endpoints (`/v1/webhook_endpoints`); their secrets are kept beside them, shown only on create. */
  readonly webhookEndpoints = new Collection<Stripe.WebhookEndpoint>('webhook endpoint');
  /** Each endpoint's signing secret and `connect` flag, which its rendered object never shows (`resources/webhook-endpoints.ts`). */
  readonly webhookEndpointSettings = new Map<string, WebhookEndpointSettings>();
  /** The account's events (`events/event-log.ts`); webhook deliveries listen to it. */
  readonly events: EventLog;
  /** Turns each unit of work's changes into `events` (`events/journal.ts`); it watches the collections above. */
  readonly journal: Journal;

  /**
   * The account's clock: the base clock plus the seconds `advanceClock` moved it forward (the `/_local/clock`
   * control). Everything reads time through it, so objects created after an advance carry the new time and
   * portal sessions expire on it.
   */
  readonly clock: Clock;
  private offsetMs = 0;

  constructor(
    readonly accountId: string,
    baseClock: Clock = systemClock,
    readonly ids: IdGenerator = new IdGenerator(),
    /** How long a portal session URL stays valid if not visited. */
    readonly sessionTtlMs = 5 * 60 * 1000,
  ) {
    this.clock = { now: () => baseClock.now() + this.offsetMs };
    this.events = new EventLog(ids, () => this.nowSeconds());
    this.journal = new Journal(this, this.events);
    this.journal.watch(this.customers, 'customer');
    this.journal.watch(this.invoices, 'invoice');
    this.journal.watch(this.invoiceItems, 'invoiceitem');
    this.journal.watch(this.configurations, 'billing_portal.configuration');
    this.journal.watch(this.subscriptions, 'subscription');
    this.journal.watch(this.products, 'product');
    this.journal.watch(this.prices, 'price');
    this.journal.watch(this.paymentMethods, 'payment_method');
  }

  /** Moves the account's time forward (never back); what is due is processed by the caller (`subscription-clock.ts`). */
  advanceClock(seconds: number): void {
    if (!(seconds >= 0)) throw new Error('the clock only moves forward');
    this.offsetMs += Math.round(seconds * 1000);
  }

  private frozenAt: number | undefined;

  /** Unix seconds now, on this store's clock (or the time `at` set, while the demo seed builds history). */
  nowSeconds(): number {
    return this.frozenAt ?? Math.floor(this.clock.now() / 1000);
  }

  /** Runs `fn` as if it were `seconds` (unix): how the seed creates objects in the past. */
  at<T>(seconds: number, fn: () => T): T {
    const previous = this.frozenAt;
    this.frozenAt = seconds;
    try {
      return fn();
    } finally {
      this.frozenAt = previous;
    }
  }

  /**
   * Keeps a portal session under its URL secret. Every thousandth session sweeps out the ones that can no longer
   * be opened (unvisited past expiry, or visited more than a day ago), so long load runs do not grow memory.
   */
  keepSession(secret: string, record: SessionRecord): void {
    this.sessions.set(secret, record);
    if (this.sessions.size % 1000 !== 0) return;
    const now = this.clock.now();
    for (const [key, entry] of this.sessions) {
      const gone = entry.visitedAt === null ? entry.expiresAt < now : entry.visitedAt + SESSION_LIFETIME_MS < now;
      if (gone) this.sessions.delete(key);
    }
  }

  defaultConfiguration(): Stripe.BillingPortal.Configuration | undefined {
    for (const c of this.configurations.newestFirst()) if (c.is_default) return c;
    return undefined;
  }
}
