/**
 * Relay paging over Stripe's cursors, end to end: `first`/`after` → `limit`/`starting_after`, `last`/`before` →
 * `limit`/`ending_before`; `pageInfo` right at both ends; whole lists walked forward and backward give Stripe's
 * own order; empty pages; invoice lines from the embedded first page or `/v1/invoices/:id/lines`; and bad
 * arguments refused as BAD_USER_INPUT before any Stripe call.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { startGateway, type GatewayHarness } from '../support/gateway.js';
import { dataOf, expectError, run, type Run } from '../support/graphql.js';

interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}
interface Page {
  edges: Array<{ cursor: string; node: { id: string } }>;
  pageInfo: PageInfo;
}

let h: GatewayHarness;
let stripe: Stripe;
/** A draft invoice with more lines than Stripe embeds (10), made for these tests. */
let longInvoice: Stripe.Invoice;
let longInvoiceLines: string[];
/** Ada's invoices and all customers, as Stripe lists them (newest first). */
let adaInvoices: string[];
let allCustomers: string[];

const LINE_COUNT = 13;

beforeAll(async () => {
  h = await startGateway();
  stripe = new Stripe(h.local.secretKey, { ...h.local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
  const customer = await stripe.customers.create({ name: 'Paging Test Ltd', email: 'paging@example.com' });
  const draft = await stripe.invoices.create({ customer: customer.id, currency: 'usd', description: 'Many lines' });
  for (let i = 1; i <= LINE_COUNT; i++) {
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: i * 100, currency: 'usd', description: `Item ${i}` });
  }
  longInvoice = await stripe.invoices.retrieve(draft.id);
  longInvoiceLines = (await stripe.invoices.listLineItems(draft.id, { limit: 100 })).data.map((l) => l.id);
  adaInvoices = (await stripe.invoices.list({ customer: DEMO.customer, limit: 100 })).data.map((i) => i.id);
  allCustomers = (await stripe.customers.list({ limit: 100 })).data.map((c) => c.id);
});
afterAll(() => h.stop());

const PAGE = `edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;

const ids = (page: Page) => page.edges.map((e) => e.node.id);

describe('invoices: walking a customer’s whole list', () => {
  const query = `query($customer: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    invoices(customerId: $customer, first: $first, after: $after, last: $last, before: $before) { ${PAGE} } }`;

  it('has a list long enough to page (the demo customer has 8 invoices)', () => {
    expect(adaInvoices).toHaveLength(8);
  });

  it('walks forward with first/after to the end, then backward with last/before to the start', async () => {
    const forward: string[] = [];
    const pages: Page[] = [];
    let after: string | null = null;
    for (;;) {
      const { res, calls }: Run<{ invoices: Page }> = await run(h, query, { customer: DEMO.customer, first: 3, after });
      const page: Page = dataOf(res).invoices;
      // Each page is one list call with Stripe's cursor, nothing else.
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ method: 'GET', path: '/v1/invoices', expand: [] });
      expect(calls[0]!.params).toEqual({ limit: '3', customer: DEMO.customer, ...(after !== null ? { starting_after: after } : {}) });
      // Cursors are the Stripe ids of the edges.
      for (const edge of page.edges) expect(edge.cursor).toBe(edge.node.id);
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      forward.push(...ids(page));
      pages.push(page);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages.map((p) => p.edges.length)).toEqual([3, 3, 2]);
    expect(forward).toEqual(adaInvoices);
    expect(pages.at(-1)!.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, endCursor: adaInvoices.at(-1) });

    // Backward from the oldest: pages of newer invoices, each still newest first, until nothing precedes.
    const backward: string[][] = [];
    let before: string = adaInvoices.at(-1)!;
    for (;;) {
      const { res, calls } = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, last: 3, before });
      const page = dataOf(res).invoices;
      expect(calls).toHaveLength(1);
      expect(calls[0]!.params).toEqual({ limit: '3', customer: DEMO.customer, ending_before: before });
      // Something (the cursor itself) always follows a backward page.
      expect(page.pageInfo.hasNextPage).toBe(true);
      backward.unshift(ids(page));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor!;
    }
    expect(backward.map((p) => p.length)).toEqual([1, 3, 3]);
    expect([...backward.flat(), adaInvoices.at(-1)]).toEqual(adaInvoices);
  });

  it('pages backward from the middle to exactly the items just before the cursor', async () => {
    const { res } = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, last: 2, before: adaInvoices[4] });
    const page = dataOf(res).invoices;
    expect(ids(page)).toEqual(adaInvoices.slice(2, 4));
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true, startCursor: adaInvoices[2], endCursor: adaInvoices[3] });
  });

  it('reports both ends when one page holds the whole list', async () => {
    const { res } = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, first: 8 });
    expect(dataOf(res).invoices.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: adaInvoices[0],
      endCursor: adaInvoices[7],
    });
  });

  it('says more follow when the page is exactly one short of the list', async () => {
    const { res } = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, first: 7 });
    expect(dataOf(res).invoices.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('gives empty pages with null cursors: no invoices, past the oldest, before the newest', async () => {
    const none = await run<{ invoices: Page }>(h, query, { customer: DEMO.newCustomer, first: 5 });
    expect(dataOf(none.res).invoices).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
    expect(none.calls).toHaveLength(1);

    const pastEnd = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, first: 5, after: adaInvoices.at(-1) });
    expect(dataOf(pastEnd.res).invoices).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
    });

    const beforeStart = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, last: 5, before: adaInvoices[0] });
    expect(dataOf(beforeStart.res).invoices).toEqual({
      edges: [],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('asks Stripe for 10 when no size is given, in both directions', async () => {
    const forward = await run(h, `{ invoices { edges { cursor } } }`);
    expect(forward.calls[0]!.params).toEqual({ limit: '10' });
    const backward = await run(h, `query($b: String) { invoices(before: $b) { edges { cursor } } }`, { b: adaInvoices[3] });
    expect(backward.calls[0]!.params).toEqual({ limit: '10', ending_before: adaInvoices[3] });
  });

  it('allows 100, Stripe’s maximum', async () => {
    const { res, calls } = await run<{ invoices: Page }>(h, `{ invoices(first: 100) { ${PAGE} } }`);
    expect(dataOf(res).invoices.edges).toHaveLength(100);
    expect(dataOf(res).invoices.pageInfo.hasNextPage).toBe(true);
    expect(calls[0]!.params).toEqual({ limit: '100' });
  });
});

describe('customers: walking the whole list both ways', () => {
  const query = `query($first: Int, $after: String, $last: Int, $before: String) {
    customers(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } }`;

  it('matches Stripe’s order forward and backward, one call per page', async () => {
    expect(allCustomers.length).toBeGreaterThan(20);
    const forward: string[] = [];
    let after: string | null = null;
    let calls = 0;
    for (;;) {
      const result: Run<{ customers: Page }> = await run(h, query, { first: 10, after });
      calls += result.calls.length;
      const page: Page = dataOf(result.res).customers;
      forward.push(...ids(page));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(forward).toEqual(allCustomers);
    expect(calls).toBe(Math.ceil(allCustomers.length / 10));

    const backward: string[] = [];
    let before = allCustomers.at(-1)!;
    for (;;) {
      const result = await run<{ customers: Page }>(h, query, { last: 10, before });
      expect(result.calls[0]!.params).toEqual({ limit: '10', ending_before: before });
      const page = dataOf(result.res).customers;
      backward.unshift(...ids(page));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor!;
    }
    expect([...backward, allCustomers.at(-1)]).toEqual(allCustomers);
  });
});

describe('invoice lines', () => {
  const query = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    invoice(id: $id) { lines(first: $first, after: $after, last: $last, before: $before) { ${PAGE} } } }`;

  it('has an invoice with more lines than Stripe embeds', () => {
    expect(longInvoiceLines).toHaveLength(LINE_COUNT);
    expect(longInvoice.lines.data).toHaveLength(10);
    expect(longInvoice.lines.has_more).toBe(true);
  });

  it('serves a first page the embedded lines cover without another call', async () => {
    for (const first of [1, 5, 10]) {
      const { res, described } = await run<{ invoice: { lines: Page } }>(h, query, { id: longInvoice.id, first });
      const page = dataOf(res).invoice.lines;
      expect(ids(page)).toEqual(longInvoiceLines.slice(0, first));
      expect(page.pageInfo).toEqual({
        hasNextPage: true,
        hasPreviousPage: false,
        startCursor: longInvoiceLines[0],
        endCursor: longInvoiceLines[first - 1],
      });
      expect(described).toEqual([`GET /v1/invoices/${longInvoice.id}`]);
    }
  });

  it('lists lines from Stripe when the request goes past the embedded page', async () => {
    const { res, described } = await run<{ invoice: { lines: Page } }>(h, query, { id: longInvoice.id, first: 20 });
    const page = dataOf(res).invoice.lines;
    expect(ids(page)).toEqual(longInvoiceLines);
    expect(page.pageInfo.hasNextPage).toBe(false);
    expect(described).toEqual([`GET /v1/invoices/${longInvoice.id}`, `GET /v1/invoices/${longInvoice.id}/lines?limit=20`]);
  });

  it('walks the lines forward with after, then back with before', async () => {
    const forward: string[] = [];
    let after: string | null = null;
    const described: string[][] = [];
    for (;;) {
      const result: Run<{ invoice: { lines: Page } }> = await run(h, query, { id: longInvoice.id, first: 5, after });
      described.push(result.described);
      const page: Page = dataOf(result.res).invoice.lines;
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      forward.push(...ids(page));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(forward).toEqual(longInvoiceLines);
    expect(described).toEqual([
      [`GET /v1/invoices/${longInvoice.id}`],
      [`GET /v1/invoices/${longInvoice.id}`, `GET /v1/invoices/${longInvoice.id}/lines?limit=5&starting_after=${longInvoiceLines[4]}`],
      [`GET /v1/invoices/${longInvoice.id}`, `GET /v1/invoices/${longInvoice.id}/lines?limit=5&starting_after=${longInvoiceLines[9]}`],
    ]);

    const back = await run<{ invoice: { lines: Page } }>(h, query, { id: longInvoice.id, last: 4, before: longInvoiceLines[9] });
    const page = dataOf(back.res).invoice.lines;
    expect(ids(page)).toEqual(longInvoiceLines.slice(5, 9));
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    expect(back.described[1]).toBe(`GET /v1/invoices/${longInvoice.id}/lines?limit=4&ending_before=${longInvoiceLines[9]}`);
  });

  it('gives a short invoice’s lines whole, saying nothing follows', async () => {
    const { res, described } = await run<{ invoice: { lines: Page } }>(h, query, { id: adaInvoices[0], first: 50 });
    const page = dataOf(res).invoice.lines;
    expect(page.edges).toHaveLength(1);
    expect(page.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    expect(described).toEqual([`GET /v1/invoices/${adaInvoices[0]}`]);
  });
});

describe('bad paging arguments: BAD_USER_INPUT before any Stripe call', () => {
  // The field named in the error: for a clash of two arguments, either of them.
  const cases: Array<[string, string, string | string[]]> = [
    ['first above 100', 'first: 101', 'first'],
    ['first 0', 'first: 0', 'first'],
    ['first negative', 'first: -1', 'first'],
    ['last above 100', `last: 101, before: "in_abc"`, 'last'],
    ['last 0', `last: 0, before: "in_abc"`, 'last'],
    ['last without before', 'last: 5', 'last'],
    ['first and last', `first: 5, last: 5, before: "in_abc"`, ['first', 'last']],
    ['after and before', `after: "in_abc", before: "in_def"`, ['after', 'before']],
    ['first with before', `first: 5, before: "in_abc"`, ['first', 'before']],
    ['last with after', `last: 5, after: "in_abc"`, ['last', 'after', 'before']],
    ['malformed after', `after: "in_abc def"`, 'after'],
    ['malformed before', `last: 2, before: "'; DROP"`, 'before'],
    ['empty after', `after: ""`, 'after'],
    ['overlong cursor', `after: "in_${'a'.repeat(300)}"`, 'after'],
  ];
  for (const [name, args, field] of cases) {
    it(name, async () => {
      const { res, calls } = await expectError(h, 'BAD_USER_INPUT', `{ invoices(${args}) { edges { cursor } } }`);
      expect(typeof field === 'string' ? [field] : field).toContain(res.errors![0]!.extensions?.field);
      expect(res.data ?? null).toBeNull();
      expect(calls).toEqual([]);
    });
  }

  it('applies the same rules to customers, a customer’s invoices and invoice lines', async () => {
    for (const query of [
      `{ customers(first: 500) { edges { cursor } } }`,
      `{ customer(id: "${DEMO.customer}") { id invoices(last: 3) { edges { cursor } } } }`,
      `{ invoice(id: "${adaInvoices[0]}") { id lines(first: 0) { edges { cursor } } } }`,
      `{ portalConfigurations(first: 1, last: 1) { edges { cursor } } }`,
    ]) {
      const { calls } = await expectError(h, 'BAD_USER_INPUT', query);
      // A nested connection's arguments are read once its parent resolved: the parent's retrieve (the invoice;
      // the customer, which the gateway loads whenever more than its id is selected) may precede the refusal.
      // The list itself is never called.
      expect(calls.filter((c) => c.path === '/v1/invoices' || c.path.endsWith('/lines') || c.path === '/v1/customers')).toEqual([]);
      expect(calls.length).toBeLessThanOrEqual(query.startsWith('{ customers') || query.startsWith('{ portal') ? 0 : 1);
    }
  });

  it('refuses a well-formed cursor Stripe does not know as BAD_USER_INPUT (not NOT_FOUND)', async () => {
    for (const [args, field, param] of [
      ['after: "in_doesnotexist0000"', 'after', 'starting_after'],
      [`last: 2, before: "${DEMO.customer}"`, 'before', 'ending_before'],
    ] as const) {
      const { res, calls } = await expectError(h, 'BAD_USER_INPUT', `{ invoices(${args}) { edges { cursor } } }`);
      expect(res.errors![0]!.extensions).toMatchObject({ field });
      expect(calls).toHaveLength(1);
      expect(calls[0]!.status).toBe(404);
      expect(calls[0]!.params).toHaveProperty(param);
    }
  });
});
