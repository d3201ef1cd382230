/**
 * The benchmark's representative operations. Each has its GraphQL document, the fewest Stripe calls Stripe's API
 * allows for it and the fewest dependent waves of calls (with the reasoning), and a hand-written baseline: the same
 * Stripe calls through the same SDK client, returning the same JSON, with no GraphQL at all. The bench checks that
 * baseline and gateway answer identically before it measures either.
 *
 * The minimum calls are pinned by `test/gateway/call-budget.test.ts` ("bench scenarios"), which imports this file.
 */
import type Stripe from 'stripe';
import { formatMoney } from '../src/stripe-facts/money.js';
import { BILLING_PAGE } from './scenario-billing-page.js';

/** Ids the scenarios need, made by `bench/fixture.ts` in the local Stripe. */
export interface BenchIds {
  /** A customer with at least five invoices. */
  customer: string;
  /** An invoice with more lines than Stripe embeds (25). */
  longInvoice: string;
  /** The id of the 100th newest invoice: a cursor deep into the list. */
  deepCursor: string;
  /** A customer with a card, a subscription and a next invoice (the demo seed's). */
  subscriber: string;
  /** How many distinct products its subscriptions bill. */
  subscriberProducts: number;
}

/** What a baseline handler works with: the SDK client, an in-flight cap shared with every request, the ids. */
export interface BaselineDeps {
  stripe: Stripe;
  /** Runs one Stripe call within the process-wide in-flight cap (the gateway's cap, for a like-for-like run). */
  call<T>(task: () => Promise<T>): Promise<T>;
  returnUrl: string;
  /** The cursor the gateway gives an admin for `id` on `list` (the gateway's own codec, keyed the same way). */
  cursor(id: string, list: string): string;
}

export interface Scenario {
  name: string;
  /** Single-call or nested: the overhead targets differ (≥ 0.8× and ≥ 0.7× at 0 ms). */
  kind: 'single' | 'nested';
  operationName: string;
  query: string;
  variables(ids: BenchIds): Record<string, unknown>;
  /** The fewest Stripe calls Stripe allows, and why. */
  minStripeCalls: number;
  /** The fewest dependent waves of calls, given the in-flight cap (`cap`), and why. */
  minWaves(cap: number): number;
  reasoning: string;
  /**
   * The requests, as `describeCall` prints them in tests (order-insensitive); `customer=…` stands for any customer.
   * `returnUrl`: the gateway's default portal return URL.
   */
  calls(ids: BenchIds, returnUrl: string): string[];
  /** The baseline: the same Stripe calls and the same `data`, by hand. */
  baseline(deps: BaselineDeps, variables: Record<string, unknown>): Promise<unknown>;
}

const money = (amount: number, currency: string) => ({ formatted: formatMoney(amount, currency) });
const status = (value: string | null) => (value === null ? null : value.toUpperCase());
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const idOf = (value: string | { id: string } | null) => (value === null ? null : typeof value === 'string' ? value : value.id);
const str = (value: unknown) => String(value);
const int = (value: unknown) => Number(value);

/** A customer, found by id, or an error as the gateway reports it (the baseline only needs the happy path). */
function live(customer: Stripe.Customer | Stripe.DeletedCustomer): Stripe.Customer {
  if (customer.deleted) throw new Error(`customer ${customer.id} is deleted`);
  return customer;
}

export const PORTAL_RETURN_URL = 'https://example.com/billing';

export const SCENARIOS: Scenario[] = [
  {
    name: 'customer + invoices + their customer',
    kind: 'nested',
    operationName: 'CustomerWithInvoices',
    query: `query CustomerWithInvoices($id: ID!) {
  customer(id: $id) { id name email
    invoices(first: 5) { edges { node { id number status total { formatted } customer { id name } } } } } }`,
    variables: (ids) => ({ id: ids.customer }),
    minStripeCalls: 2,
    minWaves: () => 1,
    reasoning:
      'a retrieve for the customer’s fields and one invoice list filtered by customer; both need only the id, so ' +
      'they go out together (1 wave). Every invoice’s customer is that customer: no further call.',
    calls: (ids) => [`GET /v1/customers/${ids.customer}`, `GET /v1/invoices?limit=5&customer=${ids.customer}`],
    async baseline({ stripe, call }, variables) {
      const id = str(variables['id']);
      const [customer, invoices] = await Promise.all([
        call(() => stripe.customers.retrieve(id)).then(live),
        call(() => stripe.invoices.list({ customer: id, limit: 5 })),
      ]);
      return {
        customer: {
          id: customer.id,
          name: customer.name ?? null,
          email: customer.email ?? null,
          invoices: {
            edges: invoices.data.map((invoice) => ({
              node: {
                id: invoice.id,
                number: invoice.number,
                status: status(invoice.status),
                total: money(invoice.total, invoice.currency),
                customer: { id: customer.id, name: customer.name ?? null },
              },
            })),
          },
        },
      };
    },
  },
  {
    name: 'customers(first: 50) × invoices(first: 5)',
    kind: 'nested',
    operationName: 'CustomersWithInvoices',
    query: `query CustomersWithInvoices {
  customers(first: 50) { edges { node { id name
    invoices(first: 5) { edges { node { id number total { formatted } } } } } } } }`,
    variables: () => ({}),
    minStripeCalls: 51,
    minWaves: (cap) => 1 + Math.ceil(50 / cap),
    reasoning:
      'one customer list, then one invoice list per customer: Stripe’s invoice list filters on a single customer ' +
      'and has no "customer in (…)" filter. The 50 lists depend on the first call and go out in parallel, ' +
      '`cap` at a time (the in-flight cap): 1 + ⌈50 / cap⌉ waves.',
    calls: () => ['GET /v1/customers?limit=50', ...Array.from({ length: 50 }, () => 'GET /v1/invoices?limit=5&customer=…')],
    async baseline({ stripe, call }) {
      const customers = await call(() => stripe.customers.list({ limit: 50 }));
      const edges = await Promise.all(
        customers.data.map(async (customer) => {
          const invoices = await call(() => stripe.invoices.list({ customer: customer.id, limit: 5 }));
          return {
            node: {
              id: customer.id,
              name: customer.name ?? null,
              invoices: {
                edges: invoices.data.map((invoice) => ({
                  node: { id: invoice.id, number: invoice.number, total: money(invoice.total, invoice.currency) },
                })),
              },
            },
          };
        }),
      );
      return { customers: { edges } };
    },
  },
  {
    name: 'invoices(first: 100) { customer { name } }',
    kind: 'single',
    operationName: 'InvoicesWithCustomerNames',
    query: `query InvoicesWithCustomerNames($first: Int) {
  invoices(first: $first) { edges { node { id number customer { name } } } } }`,
    variables: () => ({ first: 100 }),
    minStripeCalls: 1,
    minWaves: () => 1,
    reasoning: 'one invoice list that embeds every invoice’s customer (`expand[]=data.customer`).',
    calls: () => ['GET /v1/invoices?limit=100 expand=data.customer'],
    async baseline({ stripe, call }, variables) {
      const invoices = await call(() => stripe.invoices.list({ limit: int(variables['first']), expand: ['data.customer'] }));
      return {
        invoices: {
          edges: invoices.data.map((invoice) => {
            const customer = invoice.customer as Stripe.Customer | Stripe.DeletedCustomer | null;
            return {
              node: {
                id: invoice.id,
                number: invoice.number,
                customer: customer === null || customer.deleted ? null : { name: customer.name ?? null },
              },
            };
          }),
        },
      };
    },
  },
  {
    name: 'invoices(first: 100) { customer { id } }',
    kind: 'single',
    operationName: 'InvoicesWithCustomerIds',
    query: `query InvoicesWithCustomerIds {
  invoices(first: 100) { edges { node { id number customer { id } } } } }`,
    variables: () => ({}),
    minStripeCalls: 1,
    minWaves: () => 1,
    reasoning: 'one invoice list: the customer id is on each invoice, so nothing is expanded.',
    calls: () => ['GET /v1/invoices?limit=100'],
    async baseline({ stripe, call }) {
      const invoices = await call(() => stripe.invoices.list({ limit: 100 }));
      return {
        invoices: {
          edges: invoices.data.map((invoice) => {
            const id = idOf(invoice.customer as string | Stripe.Customer | null);
            return { node: { id: invoice.id, number: invoice.number, customer: id === null ? null : { id } } };
          }),
        },
      };
    },
  },
  {
    name: 'invoice + lines(first: 25)',
    kind: 'nested',
    operationName: 'InvoiceWithLines',
    query: `query InvoiceWithLines($id: ID!) {
  invoice(id: $id) { id number total { formatted }
    lines(first: 25) { edges { node { id description amount { formatted } } } pageInfo { hasNextPage } } } }`,
    variables: (ids) => ({ id: ids.longInvoice }),
    minStripeCalls: 2,
    minWaves: () => 2,
    reasoning:
      'the invoice, then one line list: Stripe embeds only the first 10 lines and cannot expand more. Only the ' +
      'invoice tells whether it has more than 10 lines; listing them at once would cost a call wasted on every ' +
      'shorter invoice, so the fewest calls take 2 waves.',
    calls: (ids) => [`GET /v1/invoices/${ids.longInvoice}`, `GET /v1/invoices/${ids.longInvoice}/lines?limit=25`],
    async baseline({ stripe, call }, variables) {
      const id = str(variables['id']);
      const invoice = await call(() => stripe.invoices.retrieve(id));
      // The embedded first page answers when it holds 25 lines or all there are.
      const lines =
        invoice.lines.data.length < 25 && invoice.lines.has_more
          ? await call(() => stripe.invoices.listLineItems(id, { limit: 25 }))
          : invoice.lines;
      return {
        invoice: {
          id: invoice.id,
          number: invoice.number,
          total: money(invoice.total, invoice.currency),
          lines: {
            edges: lines.data.map((line) => ({
              node: { id: line.id, description: line.description, amount: money(line.amount, line.currency) },
            })),
            pageInfo: { hasNextPage: lines.has_more },
          },
        },
      };
    },
  },
  {
    name: 'createPortalSession + configuration',
    kind: 'single',
    operationName: 'PortalSessionWithConfiguration',
    query: `mutation PortalSessionWithConfiguration($customerId: ID!) {
  createPortalSession(input: { customerId: $customerId }) { ... on CreatePortalSessionPayload {
    portalSession { url returnUrl configuration { id isDefault features { invoiceHistory { enabled } } } } } } }`,
    variables: (ids) => ({ customerId: ids.customer }),
    minStripeCalls: 1,
    minWaves: () => 1,
    reasoning: 'one create with `expand[]=configuration` (a session cannot be fetched again).',
    calls: (ids, returnUrl) => [
      `POST /v1/billing_portal/sessions?customer=${ids.customer}&return_url=${encodeURIComponent(returnUrl)} expand=configuration`,
    ],
    async baseline({ stripe, call, returnUrl }, variables) {
      const session = await call(() =>
        stripe.billingPortal.sessions.create({ customer: str(variables['customerId']), return_url: returnUrl, expand: ['configuration'] }),
      );
      const configuration = session.configuration as Stripe.BillingPortal.Configuration;
      return {
        createPortalSession: {
          portalSession: {
            url: session.url,
            returnUrl: session.return_url,
            configuration: {
              id: configuration.id,
              isDefault: configuration.is_default,
              features: { invoiceHistory: { enabled: configuration.features.invoice_history.enabled } },
            },
          },
        },
      };
    },
  },
  {
    name: 'createPortalSession, no configuration',
    kind: 'single',
    operationName: 'PortalSession',
    query: `mutation PortalSession($customerId: ID!) {
  createPortalSession(input: { customerId: $customerId }) { ... on CreatePortalSessionPayload {
    portalSession { id url returnUrl createdAt configuration { id } } } } }`,
    variables: (ids) => ({ customerId: ids.customer }),
    minStripeCalls: 1,
    minWaves: () => 1,
    reasoning: 'one create; the session carries its configuration’s id, so nothing is expanded.',
    calls: (ids, returnUrl) => [`POST /v1/billing_portal/sessions?customer=${ids.customer}&return_url=${encodeURIComponent(returnUrl)}`],
    async baseline({ stripe, call, returnUrl }, variables) {
      const session = await call(() =>
        stripe.billingPortal.sessions.create({ customer: str(variables['customerId']), return_url: returnUrl }),
      );
      return {
        createPortalSession: {
          portalSession: {
            id: session.id,
            url: session.url,
            returnUrl: session.return_url,
            createdAt: iso(session.created),
            configuration: { id: idOf(session.configuration) },
          },
        },
      };
    },
  },
  {
    name: 'one customer under 4 aliases',
    kind: 'single',
    operationName: 'CustomerAliases',
    query: `query CustomerAliases($id: ID!) {
  a: customer(id: $id) { name }
  b: customer(id: $id) { email balance { formatted } }
  c: customer(id: $id) { createdAt }
  d: node(id: $id) { ... on Customer { id name } } }`,
    variables: (ids) => ({ id: ids.customer }),
    minStripeCalls: 1,
    minWaves: () => 1,
    reasoning: 'one retrieve, shared by every alias and path through the request’s loader.',
    calls: (ids) => [`GET /v1/customers/${ids.customer}`],
    async baseline({ stripe, call }, variables) {
      const customer = live(await call(() => stripe.customers.retrieve(str(variables['id']))));
      return {
        a: { name: customer.name ?? null },
        b: { email: customer.email ?? null, balance: money(customer.balance, customer.currency ?? 'usd') },
        c: { createdAt: iso(customer.created) },
        d: { id: customer.id, name: customer.name ?? null },
      };
    },
  },
  {
    name: 'deep page: invoices(first: 25, after: 100th)',
    kind: 'single',
    operationName: 'DeepInvoicePage',
    query: `query DeepInvoicePage($after: String) {
  invoices(first: 25, after: $after) { pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id number status amountDue { formatted } } } } }`,
    variables: (ids) => ({ after: ids.deepCursor }),
    minStripeCalls: 1,
    minWaves: () => 1,
    reasoning: 'one list from the cursor: a cursor carries its Stripe id (an admin may pass a bare one), so page 5 costs what page 1 costs.',
    calls: (ids) => [`GET /v1/invoices?limit=25&starting_after=${ids.deepCursor}`],
    async baseline({ stripe, call, cursor }, variables) {
      const invoices = await call(() => stripe.invoices.list({ limit: 25, starting_after: str(variables['after']) }));
      const last = invoices.data.at(-1);
      return {
        invoices: {
          pageInfo: { hasNextPage: invoices.has_more, hasPreviousPage: true, endCursor: last !== undefined ? cursor(last.id, 'Invoice') : null },
          edges: invoices.data.map((invoice) => ({
            cursor: cursor(invoice.id, 'Invoice'),
            node: {
              id: invoice.id,
              number: invoice.number,
              status: status(invoice.status),
              amountDue: money(invoice.amount_due, invoice.currency),
            },
          })),
        },
      };
    },
  },
  BILLING_PAGE,
];
