/**
 * A production-configured gateway with the shared cache on (a webhook secret, the local Stripe forwarding its events
 * to the gateway), in memory or on a real redis-server: GraphQL over HTTP as an admin or a customer, and the Stripe
 * requests a step made (the local Stripe's request log).
 */
import Stripe from 'stripe';
import type { StartOptions } from '../../src/app.js';
import { loadExampleOperations } from '../../src/http/examples.js';
import type { LoggedRequest } from '../../src/local-stripe/index.js';
import { startProductionApp, type ProductionApp } from '../support/app.js';
import { ADMIN_KEY, signCustomerToken } from '../support/gateway.js';
import { until } from '../support/live.js';
import { SECRET_A } from '../support/webhooks.js';

export interface Answer {
  status: number;
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
  extensions?: { stripe?: { calls: number; cacheHits?: number } } & Record<string, any>;
}

export type As = 'admin' | { customer: string };

export interface CachedApp extends ProductionApp {
  /** The real SDK on the same local Stripe (changes made behind the gateway's back, as a dashboard would). */
  sdk: Stripe;
  gql(query: string, variables?: Record<string, unknown>, as?: As): Promise<Answer>;
  /** The billing page (`schema/operations/billing-page.graphql`) as `customer` sees it. */
  billingPage(customer: string): Promise<Answer>;
  /** The Stripe requests made while `fn` ran. */
  stripeCalls(fn: () => Promise<unknown>): Promise<LoggedRequest[]>;
}

/** GraphQL over HTTP at `url`, as an admin (the support's key) or a customer (a token signed for it). */
export function graphqlAt(url: string): CachedApp['gql'] {
  return async (query, variables = {}, as = 'admin') => {
    const authorization = as === 'admin' ? `Bearer ${ADMIN_KEY}` : `Bearer ${await signCustomerToken(as.customer)}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
  };
}

export async function startCachedApp(env: Record<string, string> = {}, options: StartOptions = {}): Promise<CachedApp> {
  const p = await startProductionApp({ STRIPE_WEBHOOK_SECRET: SECRET_A, TRUSTED_DOCUMENTS: 'false', ...env }, options);
  if (env['STRIPE_WEBHOOK_SECRET'] !== '') p.stripe.forwardWebhooks({ url: p.app.webhooks.url, secret: SECRET_A });
  const billing = (await loadExampleOperations()).find((operation) => operation.name === 'BillingPage');
  if (billing === undefined) throw new Error('schema/operations/ has no BillingPage');
  const gql = graphqlAt(p.app.graphqlUrl);
  return {
    ...p,
    sdk: new Stripe(p.stripe.secretKey, { ...p.stripe.stripeConfig, maxNetworkRetries: 0, telemetry: false }),
    gql,
    billingPage: (customer) => gql(billing.document, { first: 5 }, { customer }),
    async stripeCalls(fn) {
      const before = p.stripe.requests.length;
      await fn();
      return p.stripe.requests.slice(before);
    },
  };
}

/** The newest event of `type` the local Stripe recorded. */
export function newestEvent(p: ProductionApp, type: string): Stripe.Event {
  for (const event of p.stripe.store.events.events.newestFirst()) if (event.type === type) return event;
  throw new Error(`no ${type} event was recorded`);
}

/** Waits until the gateway answered the forwarded delivery of `eventId` with a 2xx. */
export function delivered(p: ProductionApp, eventId: string): Promise<void> {
  return until(
    () => p.stripe.webhooks.attempts.some((a) => a.eventId === eventId && a.status !== null && a.status >= 200 && a.status < 300),
    `the delivery of ${eventId} answered 2xx`,
  );
}
