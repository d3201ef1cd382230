/**
 * The benchmark's scenarios (`bench/scenarios.ts`) cost exactly the Stripe calls the bench reports as their
 * minimum — counts and requests, no timings — on the bench's own fixture (`bench/fixture.ts`). And independent
 * calls go out together: a query needing a customer and its invoices asks for both before either answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture } from '../../bench/fixture.js';
import Stripe from 'stripe';
import { BILLING_PAGE } from '../../bench/scenario-billing-page.js';
import { SCENARIOS, type BenchIds } from '../../bench/scenarios.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { cursorOf, RETURN_ORIGIN, startGateway, type GatewayHarness } from '../support/gateway.js';
import { dataOf, run } from '../support/graphql.js';

let h: GatewayHarness;
let ids: BenchIds;

beforeAll(async () => {
  // The bench's documents go deeper than the default depth limit (tested in test/hardening).
  h = await startGateway({}, { gateway: { limits: { maxDepth: 12 } } });
  ids = await createFixture(h.local.url, h.local.secretKey);
});
afterAll(() => h.stop());

interface InvoicePage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Array<{ node: { id: string } }>;
}

/** `customer=…` in an expected call stands for any customer id. */
const generic = (call: string) => call.replace(/customer=cus_[A-Za-z0-9]+$/, 'customer=…');

describe('bench scenarios cost exactly their minimum Stripe calls', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: ${scenario.minStripeCalls}`, async () => {
      const { res, described } = await run(h, scenario.query, scenario.variables(ids));
      dataOf(res);
      const expected = scenario.calls(ids, `${RETURN_ORIGIN}/billing`);
      expect(expected).toHaveLength(scenario.minStripeCalls);
      const anyCustomer = expected.some((call) => call.endsWith('customer=…'));
      const seen = anyCustomer ? described.map(generic) : [...described];
      expect(seen.sort()).toEqual([...expected].sort());
      // The up-front estimate the Stripe call budget holds it to is that minimum too.
      expect(res.extensions?.['stripe']).toMatchObject({ estimatedCalls: scenario.minStripeCalls, calls: scenario.minStripeCalls });
    });
  }

  it('the billing page’s hand-written baseline answers exactly what the gateway answers', async () => {
    const { res } = await run(h, BILLING_PAGE.query, BILLING_PAGE.variables(ids));
    const stripe = new Stripe(h.local.secretKey, { ...h.local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
    const baseline = await BILLING_PAGE.baseline(
      { stripe, call: (task) => task(), returnUrl: `${RETURN_ORIGIN}/billing`, cursor: (id, list) => cursorOf(id, list) },
      BILLING_PAGE.variables(ids),
    );
    expect(baseline).toEqual(dataOf(res));
    expect(dataOf(res).customer.subscriptions.edges.length).toBeGreaterThan(0);
  });

  it('walks every invoice 25 at a time with one call per page and no page twice', async () => {
    const query = `query($after: String) { invoices(first: 25, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id } } } }`;
    const seen = new Set<string>();
    let after: string | null = null;
    let pages = 0;
    let calls = 0;
    for (;;) {
      const { res, calls: made } = await run<{ invoices: InvoicePage }>(h, query, { after });
      const page: InvoicePage = dataOf(res).invoices;
      pages++;
      calls += made.length;
      for (const edge of page.edges) {
        expect(seen.has(edge.node.id)).toBe(false);
        seen.add(edge.node.id);
      }
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen.size).toBeGreaterThan(300);
    expect(pages).toBe(Math.ceil(seen.size / 25));
    expect(calls).toBe(pages);
  });
});

describe('independent calls go out in one wave', () => {
  let slow: GatewayHarness;
  beforeAll(async () => {
    // The customer's retrieve never answers (until the SDK gives up); a gateway that waited for it before listing
    // the invoices would never list them.
    slow = await startGateway(
      { faults: { rules: [{ kind: 'hang', path: /^\/v1\/customers\/cus_/ }] } },
      { stripeTimeoutMs: 300, stripeMaxNetworkRetries: 0, gateway: { limits: { maxDepth: 12 } } },
    );
  });
  afterAll(() => slow.stop());

  it('asks for a customer’s invoices without waiting for the customer', async () => {
    const { res, described } = await run(slow, `query($id: ID!) { customer(id: $id) { name invoices(first: 5) { edges { node { id } } } } }`, {
      id: DEMO.customer,
    });
    expect(res.errors?.[0]?.extensions?.['code']).toBe('UPSTREAM_UNAVAILABLE');
    expect([...described].sort()).toEqual([`GET /v1/customers/${DEMO.customer}`, `GET /v1/invoices?limit=5&customer=${DEMO.customer}`]);
  });

  it('does the same for the signed-in customer through viewer', async () => {
    const { described } = await run(slow, `{ viewer { customer { name invoices(first: 3) { edges { node { id } } } } } }`, {}, { customer: DEMO.customer });
    expect([...described].sort()).toEqual([`GET /v1/customers/${DEMO.customer}`, `GET /v1/invoices?limit=3&customer=${DEMO.customer}`]);
  });

  it('does the same through node(id:), in an inline fragment or a named one', async () => {
    for (const query of [
      `query($id: ID!) { node(id: $id) { ... on Customer { name invoices(first: 2) { edges { node { id } } } } } }`,
      `query($id: ID!) { node(id: $id) { ...C } } fragment C on Customer { name invoices(first: 2) { edges { node { id } } } }`,
    ]) {
      const { res, described } = await run(slow, query, { id: DEMO.customer });
      expect(res.errors?.[0]?.extensions?.['code'], JSON.stringify(res.errors)).toBe('UPSTREAM_UNAVAILABLE');
      expect([...described].sort()).toEqual([`GET /v1/customers/${DEMO.customer}`, `GET /v1/invoices?limit=2&customer=${DEMO.customer}`]);
    }
  });

  it('starts no list that a @skip leaves out, and none a customer may not read', async () => {
    const skipped = await run(slow, `query($id: ID!) { customer(id: $id) { name invoices(first: 5) @skip(if: true) { edges { node { id } } } } }`, {
      id: DEMO.customer,
    });
    expect(skipped.described).toEqual([`GET /v1/customers/${DEMO.customer}`]);
    const other = await run(slow, `query($id: ID!) { customer(id: $id) { name invoices { edges { node { id } } } } }`, { id: DEMO.businessCustomer }, {
      customer: DEMO.customer,
    });
    expect(other.res.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    expect(other.described).toEqual([]);
  });
});
