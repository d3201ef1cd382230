/**
 * The Stripe call budget: representative queries must cost exactly the minimum number of Stripe requests that
 * Stripe's API allows — written next to each, with the reasoning — so that a regression to N+1 (a retrieve per
 * list item, a lost expand, a loader bypassed) fails here. The exact requests are pinned too, so an expand
 * that goes missing (or appears where it is not needed) fails even when the count stays the same. And the
 * up-front estimate the budget is held to (`extensions.stripe.estimatedCalls`) is that minimum too: exact for
 * every one of them, not just an upper bound.
 *
 * What Stripe allows, in short (shared/stripe/API.md §3.3–3.4, §7): no multi-id retrieve and no filter on
 * several customers at once; a list can embed its items' customers (`expand[]=data.customer`) and an invoice its
 * customer (`expand[]=customer`); a portal session its configuration (`expand[]=configuration`) but not its
 * customer; an invoice embeds the first 10 of its lines.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { RETURN_ORIGIN, startGateway, type Caller, type GatewayHarness } from '../support/gateway.js';
import { dataOf, run } from '../support/graphql.js';

let h: GatewayHarness;
/** Ids the queries need, from the local Stripe itself. */
let ids: { adaInvoice: string; longInvoice: string; customers: string[]; adaCard: string; adaProducts: string[] };

beforeAll(async () => {
  // Representative documents go deeper than the default depth limit (tested in test/hardening).
  h = await startGateway({}, { gateway: { limits: { maxDepth: 12 } } });
  const stripe = new Stripe(h.local.secretKey, { ...h.local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
  // An invoice with more lines than Stripe embeds, for the paging-past-the-first-page case. It belongs to a new
  // customer created first, so the newest five customers below are this one and four demo customers.
  const customer = await stripe.customers.create({ name: 'Budget Test Ltd' });
  const draft = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
  for (let i = 1; i <= 12; i++) {
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 100 * i, currency: 'usd', description: `Item ${i}` });
  }
  const [adaInvoice] = (await stripe.invoices.list({ customer: DEMO.customer, limit: 1 })).data;
  const customers = (await stripe.customers.list({ limit: 5 })).data.map((c) => c.id);
  const ada = await stripe.customers.retrieve(DEMO.customer);
  const adaCard = (ada as Stripe.Customer).invoice_settings.default_payment_method as string;
  const adaSubscriptions = await stripe.subscriptions.list({ customer: DEMO.customer, limit: 5 });
  const adaProducts = [...new Set(adaSubscriptions.data.flatMap((s) => s.items.data.map((i) => i.price.product as string)))];
  ids = { adaInvoice: adaInvoice!.id, longInvoice: draft.id, customers, adaCard, adaProducts };
});
afterAll(() => h.stop());

interface Budget {
  name: string;
  query: string;
  variables?: () => Record<string, unknown>;
  as?: Caller;
  /** The fewest Stripe requests that can answer the query; the reasoning is in the comment beside it. */
  minimum: number;
  /** The requests, as `describeCall` prints them (order-insensitive: independent calls run in parallel). */
  calls: () => string[];
}

const RETURN = encodeURIComponent(`${RETURN_ORIGIN}/billing`);

const budgets: Budget[] = [
  {
    name: 'a customer with its invoices and each invoice’s customer',
    query: `query($id: ID!) { customer(id: $id) { name invoices(first: 5) { edges { node { id total { formatted } customer { name } } } } } }`,
    variables: () => ({ id: DEMO.customer }),
    // 2: the customer's own fields need a retrieve (an invoice list with expand[]=data.customer would carry it
    // only if the customer had invoices), and its invoices one list filtered by customer. Every invoice's
    // customer is that same customer: served from the request's loader, not retrieved again.
    minimum: 2,
    calls: () => [`GET /v1/customers/${DEMO.customer}`, `GET /v1/invoices?limit=5&customer=${DEMO.customer}`],
  },
  {
    name: 'customers(first: 5) with invoices(first: 3) each',
    query: `{ customers(first: 5) { edges { node { name invoices(first: 3) { edges { node { id customer { name } } } } } } } }`,
    // 1 + 5: one customer list, then one invoice list per customer — Stripe's invoice list filters on a single
    // customer and has no "customer in (…)" filter. The invoices' customers come primed from the first list.
    minimum: 6,
    calls: () => ['GET /v1/customers?limit=5', ...ids.customers.map((id) => `GET /v1/invoices?limit=3&customer=${id}`)],
  },
  {
    name: 'invoices(first: 20) with each customer’s name',
    query: `{ invoices(first: 20) { edges { node { id customer { name email } } } } }`,
    // 1: the list embeds every invoice's customer with expand[]=data.customer; no retrieve per invoice.
    minimum: 1,
    calls: () => ['GET /v1/invoices?limit=20 expand=data.customer'],
  },
  {
    name: 'invoices(first: 20) with only customer { id }',
    query: `{ invoices(first: 20) { edges { node { id customer { id } } } } }`,
    // 1: the customer id is on the invoice already; expanding it would only make the response heavier.
    minimum: 1,
    calls: () => ['GET /v1/invoices?limit=20'],
  },
  {
    name: 'an invoice with its customer',
    query: `query($id: ID!) { invoice(id: $id) { number customer { name } } }`,
    variables: () => ({ id: ids.adaInvoice }),
    // 1: the retrieve expands the customer.
    minimum: 1,
    calls: () => [`GET /v1/invoices/${ids.adaInvoice} expand=customer`],
  },
  {
    name: 'an invoice with lines(first: 10) (the embedded first page covers it)',
    query: `query($id: ID!) { invoice(id: $id) { number lines(first: 10) { edges { node { id amount { formatted } } } pageInfo { hasNextPage } } } }`,
    variables: () => ({ id: ids.longInvoice }),
    // 1: Stripe embeds the first 10 lines (and has_more) in the invoice itself.
    minimum: 1,
    calls: () => [`GET /v1/invoices/${ids.longInvoice}`],
  },
  {
    name: 'an invoice with lines(first: 12) (past the embedded page)',
    query: `query($id: ID!) { invoice(id: $id) { number lines(first: 12) { edges { node { id } } } } }`,
    variables: () => ({ id: ids.longInvoice }),
    // 2: the invoice, then one lines list; the embedded 10 cannot answer 12 (lines cannot be expanded further).
    minimum: 2,
    calls: () => [`GET /v1/invoices/${ids.longInvoice}`, `GET /v1/invoices/${ids.longInvoice}/lines?limit=12`],
  },
  {
    name: 'createPortalSession selecting configuration fields',
    query: `mutation($input: CreatePortalSessionInput!) { createPortalSession(input: $input) {
      ... on CreatePortalSessionPayload { portalSession { url configuration { id isDefault features { invoiceHistory { enabled } } } } } } }`,
    variables: () => ({ input: { customerId: DEMO.customer } }),
    // 1: the create expands the configuration (sessions cannot be fetched again, so it is now or a retrieve).
    minimum: 1,
    calls: () => [`POST /v1/billing_portal/sessions?customer=${DEMO.customer}&return_url=${RETURN} expand=configuration`],
  },
  {
    name: 'createPortalSession selecting only configuration { id }',
    query: `mutation($input: CreatePortalSessionInput!) { createPortalSession(input: $input) {
      ... on CreatePortalSessionPayload { portalSession { url configuration { id } } } } }`,
    variables: () => ({ input: { customerId: DEMO.customer } }),
    // 1: the create, with no expand: the session carries the configuration id.
    minimum: 1,
    calls: () => [`POST /v1/billing_portal/sessions?customer=${DEMO.customer}&return_url=${RETURN}`],
  },
  {
    name: 'the same customer under several aliases and paths',
    query: `query($id: ID!) {
      a: customer(id: $id) { name }
      b: customer(id: $id) { email balance { formatted } }
      c: node(id: $id) { ... on Customer { createdAt } }
      viewer { role } }`,
    variables: () => ({ id: DEMO.customer }),
    // 1: one retrieve, shared by the request's loader.
    minimum: 1,
    calls: () => [`GET /v1/customers/${DEMO.customer}`],
  },
  {
    name: 'node(id:) for a customer',
    query: `query($id: ID!) { node(id: $id) { ... on Customer { name } } }`,
    variables: () => ({ id: DEMO.customer }),
    // 1: the prefix names the type; one retrieve.
    minimum: 1,
    calls: () => [`GET /v1/customers/${DEMO.customer}`],
  },
  {
    name: 'node(id:) for an invoice',
    query: `query($id: ID!) { node(id: $id) { ... on Invoice { number } } }`,
    variables: () => ({ id: ids.adaInvoice }),
    // 1: one retrieve (needed anyway: the invoice names its owner for the permission check).
    minimum: 1,
    calls: () => [`GET /v1/invoices/${ids.adaInvoice}`],
  },
  {
    name: 'node(id:) for a portal configuration',
    query: `query($id: ID!) { node(id: $id) { ... on PortalConfiguration { isDefault } } }`,
    variables: () => ({ id: DEMO.defaultConfiguration }),
    // 1: one retrieve.
    minimum: 1,
    calls: () => [`GET /v1/billing_portal/configurations/${DEMO.defaultConfiguration}`],
  },
  {
    name: 'viewer { customer { name invoices } } as a customer',
    query: `{ viewer { customer { name invoices(first: 10) { edges { node { id status } } } } } }`,
    as: { customer: DEMO.customer },
    // 2: the customer's own fields (a retrieve) and its invoices (a list); a customer has no expandable
    // invoices, and an invoice list cannot carry the customer when it has none.
    minimum: 2,
    calls: () => [`GET /v1/customers/${DEMO.customer}`, `GET /v1/invoices?limit=10&customer=${DEMO.customer}`],
  },
  {
    name: 'customer(id) { id } as admin',
    query: `query($id: ID!) { customer(id: $id) { id } }`,
    variables: () => ({ id: DEMO.customer }),
    // 1: the id is the argument, but whether such a customer exists (and is not deleted) only Stripe knows;
    // an unknown id must be NOT_FOUND, not echoed back.
    minimum: 1,
    calls: () => [`GET /v1/customers/${DEMO.customer}`],
  },
  {
    name: 'customer(id) { invoices } as admin',
    query: `query($id: ID!) { customer(id: $id) { id invoices(first: 10) { edges { node { id status } } } } }`,
    variables: () => ({ id: DEMO.customer }),
    // 1: the invoice list filtered by the customer is proof enough that it exists — Stripe answers a list for a
    // customer it does not know with "No such customer" — so no retrieve (GraphQL Mesh makes 1 too).
    minimum: 1,
    calls: () => [`GET /v1/invoices?limit=10&customer=${DEMO.customer}`],
  },
  {
    name: 'customer(id) { invoices { customer { name } } } as admin',
    query: `query($id: ID!) { customer(id: $id) { invoices(first: 5) { edges { node { id customer { name } } } } } }`,
    variables: () => ({ id: DEMO.customer }),
    // 2: the list, and one retrieve for the invoices' customer (all the same one, loaded once).
    minimum: 2,
    calls: () => [`GET /v1/invoices?limit=5&customer=${DEMO.customer}`, `GET /v1/customers/${DEMO.customer}`],
  },
  {
    name: 'viewer { customer { invoices } } as a customer',
    query: `{ viewer { customer { id invoices(first: 10) { edges { node { id status } } } } } }`,
    as: { customer: DEMO.customer },
    // 1: the token names the customer, and its invoices are a list filtered by that id: no retrieve needed.
    minimum: 1,
    calls: () => [`GET /v1/invoices?limit=10&customer=${DEMO.customer}`],
  },
  {
    name: 'the billing page: the customer, its card, plan (price, product), renewal and next invoice',
    query: `{ viewer { customer { name defaultPaymentMethod { card { brand last4 expMonth expYear } }
      subscriptions(first: 5) { edges { node { status cancelAtPeriodEnd currentPeriodEnd items { quantity price { unitAmount { formatted } recurring { interval } product { name } } } } } }
      upcomingInvoice { amountDue { formatted } nextPaymentAttempt lines { description proration } } } } }`,
    as: { customer: DEMO.customer },
    // 4, in two waves: the customer (its default card expanded in the same retrieve), its subscriptions (a list
    // filtered by the customer) and the preview of its next invoice all go out at once; then the subscriptions'
    // products, all in one `products.list({ ids })` — a list cannot expand `data.items.data.price.product` (5 levels,
    // over Stripe's 4), and Stripe has no other multi-id read. The prices come embedded in the items.
    minimum: 4,
    calls: () => [
      `GET /v1/customers/${DEMO.customer} expand=invoice_settings.default_payment_method`,
      `GET /v1/subscriptions?limit=5&customer=${DEMO.customer}`,
      `POST /v1/invoices/create_preview?customer=${DEMO.customer}`,
      `GET /v1/products?limit=${ids.adaProducts.length}`,
    ],
  },
  {
    name: 'subscription(id) with customer, card, latest invoice, items’ prices and products',
    query: `query($id: ID!) { subscription(id: $id) { status customer { name } defaultPaymentMethod { card { last4 } } latestInvoice { id number }
      items { price { unitAmount { formatted } product { name } } } } }`,
    variables: () => ({ id: DEMO.subscription }),
    // 1: a single retrieve may expand all of them (`items.data.price.product` is 4 levels).
    minimum: 1,
    calls: () => [`GET /v1/subscriptions/${DEMO.subscription} expand=customer,default_payment_method,items.data.price.product,latest_invoice`],
  },
  {
    name: 'customer(id) { subscriptions { customer { name } } } as admin',
    query: `query($id: ID!) { customer(id: $id) { name subscriptions(first: 5) { edges { node { id customer { name } } } } } }`,
    variables: () => ({ id: DEMO.customer }),
    // 2: the customer's retrieve and its list, at once; every subscription's customer is that one, loaded once.
    minimum: 2,
    calls: () => [`GET /v1/customers/${DEMO.customer}`, `GET /v1/subscriptions?limit=5&customer=${DEMO.customer}`],
  },
  {
    name: 'prices(first: 20) with their products',
    query: `{ prices(first: 20, active: true) { edges { node { id unitAmount { formatted } product { name } } } } }`,
    // 1: the price list embeds each product (`expand[]=data.product`).
    minimum: 1,
    calls: () => ['GET /v1/prices?limit=20&active=true expand=data.product'],
  },
  {
    name: 'node(id:) for a payment method',
    query: `query($id: ID!) { node(id: $id) { ... on PaymentMethod { card { brand last4 } } } }`,
    variables: () => ({ id: ids.adaCard }),
    // 1: one retrieve (needed anyway: the payment method names its owner for the permission check).
    minimum: 1,
    calls: () => [`GET /v1/payment_methods/${ids.adaCard}`],
  },
  {
    name: 'viewer { role customer { id } } as a customer',
    query: `{ viewer { role customer { id } } }`,
    as: { customer: DEMO.customer },
    // 0: the token says who the caller is.
    minimum: 0,
    calls: () => [],
  },
];

describe('Stripe call budget: each representative query costs the minimum Stripe allows', () => {
  for (const budget of budgets) {
    it(`${budget.name}: ${budget.minimum}`, async () => {
      const { res, described } = await run(h, budget.query, budget.variables?.() ?? {}, budget.as ?? 'admin');
      dataOf(res);
      expect(budget.calls()).toHaveLength(budget.minimum);
      expect([...described].sort()).toEqual([...budget.calls()].sort());
      expect(res.extensions?.['stripe']).toEqual({ estimatedCalls: budget.minimum, calls: budget.minimum, retries: 0, budget: 100 });
    });
  }

  it('costs the same per page however many invoices a page holds (no per-item calls)', async () => {
    const query = `query($n: Int) { invoices(first: $n) { edges { node { id total { formatted } customer { name } lines(first: 3) { edges { node { id } } } } } } }`;
    for (const n of [1, 10, 50]) {
      const { res, calls } = await run(h, query, { n });
      expect(dataOf(res).invoices.edges).toHaveLength(n);
      expect(calls).toHaveLength(1);
    }
  });
});
