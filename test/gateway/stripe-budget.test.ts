/**
 * The Stripe call budget (`MAX_STRIPE_CALLS`, `src/http/stripe-budget.ts`): every answer reports its request's
 * estimated and actual Stripe calls in `extensions.stripe`; the estimate is an upper bound on what the request does
 * (and exact for the documents apps send); a document estimated over the budget is refused before any call; and the
 * budget holds during execution too (a call over it is never made). Calls are counted at the local Stripe.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../src/config.js';
import { loadExampleOperations } from '../../src/http/examples.js';
import { createGateway } from '../../src/http/server.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { startGateway, type Caller, type GatewayHarness } from '../support/gateway.js';
import { GRAPHQL_RESPONSE, postJson } from '../hardening/support.js';

let h: GatewayHarness;
let ids: { invoice: string; longInvoice: string; cursor: string; open: string };

beforeAll(async () => {
  // Some documents here go deeper than the default depth limit (tested in test/hardening).
  h = await startGateway({}, { gateway: { limits: { maxDepth: 12 } } });
  const stripe = new Stripe(h.local.secretKey, { ...h.local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
  const customer = await stripe.customers.create({ name: 'Budget Lines Ltd' });
  const draft = await stripe.invoices.create({ customer: customer.id, currency: 'usd' });
  for (let i = 1; i <= 12; i++) await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 100 * i, currency: 'usd' });
  const invoices = (await stripe.invoices.list({ customer: DEMO.customer, limit: 3 })).data;
  // An open invoice the customer's card pays (PayInvoice).
  const open = await stripe.invoices.create({ customer: DEMO.customer, currency: 'usd', auto_advance: false });
  await stripe.invoiceItems.create({ customer: DEMO.customer, invoice: open.id, amount: 700, currency: 'usd' });
  await stripe.invoices.finalizeInvoice(open.id);
  ids = { invoice: invoices[0]!.id, longInvoice: draft.id, cursor: invoices[0]!.id, open: open.id };
});
afterAll(() => h.stop());

interface Report {
  estimatedCalls: number;
  calls: number;
  retries: number;
  budget: number;
}

async function measure(query: string, variables: Record<string, unknown> = {}, as: Caller = 'admin') {
  let res!: Awaited<ReturnType<GatewayHarness['gql']>>;
  const calls = await h.stripeCalls(async () => {
    res = await h.gql(query, variables, as);
  });
  const report = res.extensions?.['stripe'] as Report | undefined;
  if (report === undefined) throw new Error(`no extensions.stripe in ${JSON.stringify(res)}`);
  return { res, report, made: calls.length };
}

describe('extensions.stripe', () => {
  it('reports the estimate, the calls made and the budget on an answer', async () => {
    const { report, made } = await measure(`query($id: ID!) { customer(id: $id) { name invoices(first: 3) { edges { node { id } } } } }`, {
      id: DEMO.customer,
    });
    expect(made).toBe(2);
    expect(report).toEqual({ estimatedCalls: 2, calls: 2, retries: 0, budget: 100 });
  });

  it('is there on a refused document too (nothing estimated, nothing made)', async () => {
    const answer = await postJson(h, { query: '{ customer(id: "cus_x") { nope } }' });
    expect(answer.status).toBe(400);
    expect((answer.body as { extensions?: unknown }).extensions).toEqual({ stripe: { estimatedCalls: 0, calls: 0, retries: 0, budget: 100 } });
    expect(answer.calls).toEqual([]);
  });
});

/**
 * Documents and what they cost: the estimate must never be below the calls made; for these it is exact. Each is
 * the kind of thing the estimate could get wrong: aliases and paths that share a loader, fragments, `@skip` and
 * `@include` decided by variables, nested connections, customers reached through invoices.
 */
const EXACT: Array<{ name: string; query: string; variables?: () => Record<string, unknown>; as?: Caller; calls: number }> = [
  {
    name: 'aliases and paths of one customer, plus an invoice retrieved plain and with its customer',
    query: `query($c: ID!, $i: ID!) {
      a: customer(id: $c) { name } b: customer(id: $c) { email } n: node(id: $c) { id ... on Customer { balance { amount } } }
      x: invoice(id: $i) { number } y: invoice(id: $i) { customer { name } } m: node(id: $i) { ... on Invoice { total { amount } } } }`,
    variables: () => ({ c: DEMO.customer, i: ids.invoice }),
    calls: 2,
  },
  {
    name: '@skip and @include from variables',
    query: `query($c: ID!, $yes: Boolean!, $no: Boolean!) { customer(id: $c) {
      name @include(if: $no)
      invoices(first: 2) @include(if: $yes) { edges { node { id } } }
      other: invoices(first: 3) @skip(if: $yes) { edges { node { id } } } } }`,
    variables: () => ({ c: DEMO.customer, yes: true, no: false }),
    // No customer field is asked for (name is left out): the one list is the whole cost.
    calls: 1,
  },
  {
    name: 'named and inline fragments, nested',
    query: `query($c: ID!) { node(id: $c) { ...C } }
      fragment C on Customer { ... on Customer { email ...I } }
      fragment I on Customer { invoices(first: 4) { edges { node { ... on Invoice { id customer { name } } } } } }`,
    variables: () => ({ c: DEMO.customer }),
    calls: 2,
  },
  {
    name: 'a node with fragments of every type (only the id’s type runs)',
    query: `query($i: ID!) { node(id: $i) { ... on Customer { name invoices { edges { node { id } } } } ... on Invoice { number customer { email } } ... on PortalConfiguration { isDefault } } }`,
    variables: () => ({ i: ids.invoice }),
    calls: 1,
  },
  {
    name: 'customers × invoices',
    query: `{ customers(first: 3) { edges { node { name invoices(first: 2) { edges { node { id customer { email } } } } } } } }`,
    // 1 + 3: a list of customers (which primes them: their invoices' customer costs nothing), a list per customer.
    calls: 4,
  },
  {
    name: 'the signed-in customer’s invoices with their customer’s name (one retrieve for all)',
    query: `{ viewer { customer { invoices(first: 5) { edges { node { id customer { name } } } } } } }`,
    as: { customer: DEMO.customer },
    calls: 2,
  },
  {
    name: 'a page after a cursor, with customers expanded',
    query: `query($after: String) { invoices(first: 5, after: $after) { edges { node { id customer { name } } } } }`,
    variables: () => ({ after: ids.cursor }),
    calls: 1,
  },
  {
    name: 'a portal session with its customer and the customer’s invoices',
    query: `mutation($input: CreatePortalSessionInput!) { createPortalSession(input: $input) { ... on CreatePortalSessionPayload {
      portalSession { url customer { name invoices(first: 2) { edges { node { id } } } } configuration { isDefault } } } } }`,
    variables: () => ({ input: { customerId: DEMO.customer } }),
    calls: 3,
  },
  {
    name: 'an invoice’s lines: the embedded page, then past it',
    query: `query($i: ID!) { invoice(id: $i) { a: lines(first: 10) { edges { node { id } } } b: lines(first: 12) { edges { node { id } } } } }`,
    variables: () => ({ i: ids.longInvoice }),
    calls: 2,
  },
];

describe('the estimate', () => {
  for (const entry of EXACT) {
    it(`is exact: ${entry.name} (${entry.calls})`, async () => {
      const { res, report, made } = await measure(entry.query, entry.variables?.() ?? {}, entry.as ?? 'admin');
      expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
      expect(made).toBe(entry.calls);
      expect(report.estimatedCalls).toBe(entry.calls);
      expect(report.calls).toBe(entry.calls);
    });
  }

  it('is never below the calls made where the data decides: lines past the embedded page', async () => {
    // An invoice's lines cost a call only when the invoice has more lines than Stripe embeds: the estimate counts
    // one per invoice, the upper bound.
    const { report, made } = await measure(`{ invoices(first: 5) { edges { node { id lines(first: 20) { edges { node { id } } } } } } }`);
    expect(report.estimatedCalls).toBe(6);
    expect(made).toBeLessThanOrEqual(6);
    expect(report.calls).toBe(made);
  });

  it('is never below the calls made, for every operation in schema/operations/', async () => {
    const operations = await loadExampleOperations();
    const values: Record<string, unknown> = {
      customerId: DEMO.customer,
      id: DEMO.customer,
      invoiceId: ids.invoice,
      configurationId: DEMO.defaultConfiguration,
      subscriptionId: DEMO.subscription,
      input: { customerId: DEMO.customer },
    };
    // Each action's own input (cancel at period end, then resume: the demo stays as it was).
    const inputs: Record<string, unknown> = {
      CancelSubscription: { subscriptionId: DEMO.subscription, atPeriodEnd: true },
      ResumeSubscription: { subscriptionId: DEMO.subscription },
      PayInvoice: { invoiceId: ids.open },
    };
    expect(operations.length).toBeGreaterThan(5);
    // Subscriptions are streams (their per-event estimate: test/gateway/live-updates.test.ts).
    for (const operation of operations.filter((o) => o.kind !== 'subscription')) {
      const own: Record<string, unknown> = { ...values, ...(inputs[operation.name] !== undefined ? { input: inputs[operation.name] } : {}) };
      const variables = Object.fromEntries(operation.requiredVariables.map((name) => [name, own[name]]));
      const as: Caller = operation.name === 'Viewer' || operation.name === 'BillingPage' ? { customer: DEMO.customer } : 'admin';
      const { res, report, made } = await measure(operation.document, variables, as);
      expect(res.errors, `${operation.name}: ${JSON.stringify(res.errors)}`).toBeUndefined();
      expect(report.calls, operation.name).toBe(made);
      expect(report.estimatedCalls, operation.name).toBeGreaterThanOrEqual(made);
      expect(report.estimatedCalls, `${operation.name} is within the default budget`).toBeLessThanOrEqual(100);
    }
  });
});

describe('the budget', () => {
  /** The review's document: 16 root customer pages, each customer paging its invoices from a bogus cursor. */
  // Fifteen aliases and the field itself (within the alias limit), and a cost of 4,800 (within the cost limit).
  const attack = Array.from(
    { length: 16 },
    (_, i) => `${i === 0 ? '' : `c${i}: `}customers(first: 100) { edges { node { invoices(first: 1, after: "in_bogus${i}") { pageInfo { hasNextPage } } } } }`,
  ).join(' ');

  it('refuses a document estimated over it before any Stripe call, saying by how much', async () => {
    const answer = await postJson(h, { query: `{ ${attack} }` }, { headers: { accept: GRAPHQL_RESPONSE } });
    expect(answer.status).toBe(400);
    expect(answer.calls).toEqual([]);
    const error = answer.body?.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'stripeCalls', estimatedCalls: 16 * 101, budget: 100 });
    expect(error?.message).toMatch(/up to 1616 Stripe calls; the budget is 100/);
    expect(answer.body?.data).toBeUndefined();
  });

  it('is decided with the variables: the same document passes with a small page and is refused with a large one', async () => {
    const query = `query($n: Int) { customers(first: $n) { edges { node { invoices(first: 1) { edges { node { id } } } } } } }`;
    const small = await measure(query, { n: 5 });
    expect(small.res.errors).toBeUndefined();
    expect(small.report).toMatchObject({ estimatedCalls: 6, calls: 6 });
    const large = await postJson(h, { query, variables: { n: 100 } });
    expect(large.calls).toEqual([]);
    expect(large.body?.errors?.[0]?.extensions).toMatchObject({ limit: 'stripeCalls', estimatedCalls: 101 });
  });

  it('is remembered per document and variables, never across variables', async () => {
    const query = `query($n: Int) { customers(first: $n) { edges { node { invoices(first: 1) { edges { node { id } } } } } } }`;
    // The same text again and again (Yoga hands back one parsed document), the variables changing in between.
    for (const n of [2, 3, 2, 100, 3]) {
      if (n === 100) {
        const refused = await postJson(h, { query, variables: { n } });
        expect(refused.body?.errors?.[0]?.extensions).toMatchObject({ limit: 'stripeCalls', estimatedCalls: 101 });
      } else expect((await measure(query, { n })).report).toMatchObject({ estimatedCalls: n + 1, calls: n + 1 });
    }
  });

  it('is MAX_STRIPE_CALLS, configurable', async () => {
    expect(loadGatewayConfig({}).limits.maxStripeCalls).toBe(100);
    expect(loadGatewayConfig({ MAX_STRIPE_CALLS: '20' }).limits.maxStripeCalls).toBe(20);
    expect(() => loadGatewayConfig({ MAX_STRIPE_CALLS: '0' })).toThrow(/MAX_STRIPE_CALLS must be a whole number of at least 1/);
    const tight = createGateway({ graphiql: false, corsOrigins: [], limits: { maxDepth: 12, maxStripeCalls: 3 } }, h.deps);
    const query = `query($n: Int) { customers(first: $n) { edges { node { invoices(first: 1) { edges { node { id } } } } } } }`;
    const ok = await postJson(h, { query, variables: { n: 2 } }, { yoga: tight });
    expect(ok.calls).toHaveLength(3);
    const refused = await postJson(h, { query, variables: { n: 3 } }, { yoga: tight });
    expect(refused.calls).toEqual([]);
    expect(refused.body?.errors?.[0]?.extensions).toMatchObject({ limit: 'stripeCalls', estimatedCalls: 4, budget: 3 });
  });
});

describe('the budget during execution', () => {
  it('refuses a call over it (here a 429 retry), never making it', async () => {
    const g = await startGateway(
      { faults: { rules: [{ kind: 'rate_limit', path: '/v1/customers/', count: 5 }] } },
      { rateLimitRetry: { retries: 3, baseDelayMs: 1, maxDelayMs: 2 }, gateway: { limits: { maxStripeCalls: 2 } } },
    );
    try {
      let res!: Awaited<ReturnType<GatewayHarness['gql']>>;
      const calls = await g.stripeCalls(async () => {
        res = await g.gql(`query($id: ID!) { customer(id: $id) { name invoices(first: 1) { edges { node { id } } } } }`, { id: DEMO.customer });
      });
      // The list and the retrieve (a 429): two calls, the budget. The retry would be the third.
      expect(calls.map((c) => `${c.path.replace(/cus_\w+/, 'cus')} ${c.status}`).sort()).toEqual(['/v1/customers/cus 429', '/v1/invoices 200']);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'stripeCalls', budget: 2 });
      expect(res.extensions?.['stripe'], JSON.stringify(res)).toEqual({ estimatedCalls: 2, calls: 2, retries: 0, budget: 2 });
    } finally {
      await g.stop();
    }
  });
});
