/**
 * Relay paging over Stripe's cursors, end to end: `first`/`after` → `limit`/`starting_after`, `last`/`before` →
 * `limit`/`ending_before`; `pageInfo` right at both ends; whole lists walked forward and backward give Stripe's
 * own order; empty pages; invoice lines from the embedded first page or `/v1/invoices/:id/lines`; and bad
 * arguments refused as BAD_USER_INPUT before any Stripe call.
 *
 * Cursors are the edge's Stripe id and a tag (`cursorOf`, derived from the Stripe key as the gateway derives it):
 * a cursor works only for the caller it was given to, on its list; anything else is refused with no Stripe call.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { CursorCodec } from '../../src/graphql/connections.js';
import { cursorOf, startGateway, type GatewayHarness } from '../support/gateway.js';
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
/** Invoices of another customer (Acme), which Ada may not page around. */
let acmeInvoices: string[];

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
  acmeInvoices = (await stripe.invoices.list({ customer: DEMO.businessCustomer, limit: 100 })).data.map((i) => i.id);
  allCustomers = (await stripe.customers.list({ limit: 100 })).data.map((c) => c.id);
});
afterAll(() => h.stop());

const PAGE = `edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;

const ids = (page: Page) => page.edges.map((e) => e.node.id);
/** An admin's cursor of the invoice list, the Stripe id a cursor carries. */
const inv = (id: string | undefined) => cursorOf(id!, 'Invoice');
const idIn = (cursor: string) => cursor.split('.')[0];

describe('invoices: walking a customer’s whole list', () => {
  const query = `query($customer: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    invoices(customerId: $customer, first: $first, after: $after, last: $last, before: $before) { ${PAGE} } }`;

  it('has a list long enough to page (the demo customer has 9 invoices: 8 months of history and this period’s renewal)', () => {
    expect(adaInvoices).toHaveLength(9);
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
      expect(calls[0]!.params).toEqual({ limit: '3', customer: DEMO.customer, ...(after !== null ? { starting_after: idIn(after) } : {}) });
      // Cursors are the Stripe ids of the edges, tagged.
      for (const edge of page.edges) expect(edge.cursor).toBe(inv(edge.node.id));
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      forward.push(...ids(page));
      pages.push(page);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages.map((p) => p.edges.length)).toEqual([3, 3, 3]);
    expect(forward).toEqual(adaInvoices);
    expect(pages.at(-1)!.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, endCursor: inv(adaInvoices.at(-1)) });

    // Backward from the oldest: pages of newer invoices, each still newest first, until nothing precedes.
    const backward: string[][] = [];
    let before: string = pages.at(-1)!.pageInfo.endCursor!;
    for (;;) {
      const { res, calls } = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, last: 3, before });
      const page = dataOf(res).invoices;
      expect(calls).toHaveLength(1);
      expect(calls[0]!.params).toEqual({ limit: '3', customer: DEMO.customer, ending_before: idIn(before) });
      // Something (the cursor itself) always follows a backward page.
      expect(page.pageInfo.hasNextPage).toBe(true);
      backward.unshift(ids(page));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor!;
    }
    expect(backward.map((p) => p.length)).toEqual([2, 3, 3]);
    expect([...backward.flat(), adaInvoices.at(-1)]).toEqual(adaInvoices);
  });

  it('pages backward from the middle to exactly the items just before the cursor', async () => {
    const { res } = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, last: 2, before: inv(adaInvoices[4]) });
    const page = dataOf(res).invoices;
    expect(ids(page)).toEqual(adaInvoices.slice(2, 4));
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true, startCursor: inv(adaInvoices[2]), endCursor: inv(adaInvoices[3]) });
  });

  it('reports both ends when one page holds the whole list', async () => {
    const { res } = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, first: 9 });
    expect(dataOf(res).invoices.pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: inv(adaInvoices[0]),
      endCursor: inv(adaInvoices[8]),
    });
  });

  it('says more follow when the page is exactly one short of the list', async () => {
    const { res } = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, first: 8 });
    expect(dataOf(res).invoices.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
  });

  it('gives empty pages with null cursors: no invoices, past the oldest, before the newest', async () => {
    const none = await run<{ invoices: Page }>(h, query, { customer: DEMO.newCustomer, first: 5 });
    expect(dataOf(none.res).invoices).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
    expect(none.calls).toHaveLength(1);

    const pastEnd = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, first: 5, after: inv(adaInvoices.at(-1)) });
    expect(dataOf(pastEnd.res).invoices).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
    });

    const beforeStart = await run<{ invoices: Page }>(h, query, { customer: DEMO.customer, last: 5, before: inv(adaInvoices[0]) });
    expect(dataOf(beforeStart.res).invoices).toEqual({
      edges: [],
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('asks Stripe for 10 when no size is given, in both directions', async () => {
    const forward = await run(h, `{ invoices { edges { cursor } } }`);
    expect(forward.calls[0]!.params).toEqual({ limit: '10' });
    const backward = await run(h, `query($b: String) { invoices(before: $b) { edges { cursor } } }`, { b: inv(adaInvoices[3]) });
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
    let before = cursorOf(allCustomers.at(-1)!, 'Customer');
    for (;;) {
      const result = await run<{ customers: Page }>(h, query, { last: 10, before });
      expect(result.calls[0]!.params).toEqual({ limit: '10', ending_before: idIn(before) });
      const page = dataOf(result.res).customers;
      backward.unshift(...ids(page));
      if (!page.pageInfo.hasPreviousPage) break;
      before = page.pageInfo.startCursor!;
    }
    expect([...backward, allCustomers.at(-1)]).toEqual(allCustomers);
  });
});

describe('invoice lines', () => {
  /** A cursor of the long invoice's lines: each invoice's lines are a list of their own. */
  const line = (id: string | undefined) => cursorOf(id!, `InvoiceLineItem:${longInvoice.id}`);
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
        startCursor: line(longInvoiceLines[0]),
        endCursor: line(longInvoiceLines[first - 1]),
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

    const back = await run<{ invoice: { lines: Page } }>(h, query, { id: longInvoice.id, last: 4, before: line(longInvoiceLines[9]) });
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

describe('cursors: opaque to forgery, checked with no Stripe call', () => {
  const ADA = { customer: DEMO.customer } as const;
  const ACME = { customer: DEMO.businessCustomer } as const;
  const adaCursor = (id: string | undefined) => cursorOf(id!, 'Invoice', `customer:${DEMO.customer}`);
  const invoicesAfter = `query($after: String) { invoices(first: 3, after: $after) { ${PAGE} } }`;
  const invoicesBefore = `query($before: String) { invoices(last: 3, before: $before) { ${PAGE} } }`;

  it('are the Stripe id, a dot and a 16-character tag that any gateway keyed by the same Stripe key agrees on', async () => {
    const page = dataOf((await run<{ invoices: Page }>(h, invoicesAfter, {}, ADA)).res).invoices;
    expect(page.edges).toHaveLength(3);
    for (const edge of page.edges) {
      expect(edge.cursor).toMatch(new RegExp(`^${edge.node.id}\\.[A-Za-z0-9_-]{16}$`));
      // Another replica (its own codec, the same Stripe key) issues and accepts the same cursors.
      expect(edge.cursor).toBe(new CursorCodec(h.local.secretKey).encode(edge.node.id, `customer:${DEMO.customer}`, 'Invoice'));
      // Bound to the caller: an admin's cursor of the same invoice differs, and so does one keyed from another Stripe key.
      expect(edge.cursor).not.toBe(inv(edge.node.id));
      expect(edge.cursor).not.toBe(new CursorCodec('sk_test_another').encode(edge.node.id, `customer:${DEMO.customer}`, 'Invoice'));
    }
  });

  it('come from the one codec on every connection: customers, invoices, a customer’s invoices, lines, configurations', async () => {
    const { res } = await run<any>(
      h,
      `query($id: ID!) {
        customers(first: 2) { edges { cursor node { id } } }
        invoices(first: 2) { edges { cursor node { id } } }
        customer(id: $id) { invoices(first: 2) { edges { cursor node { id } } } }
        invoice(id: "${adaInvoices[0]}") { lines(first: 2) { edges { cursor node { id } } } }
        portalConfigurations(first: 2) { edges { cursor node { id } } }
      }`,
      { id: DEMO.customer },
    );
    const data = dataOf(res);
    const lists: Array<[string, Array<{ cursor: string; node: { id: string } }>]> = [
      ['Customer', data.customers.edges],
      ['Invoice', data.invoices.edges],
      ['Invoice', data.customer.invoices.edges],
      [`InvoiceLineItem:${adaInvoices[0]}`, data.invoice.lines.edges],
      ['PortalConfiguration', data.portalConfigurations.edges],
    ];
    for (const [list, edges] of lists) {
      expect(edges.length, list).toBeGreaterThan(0);
      for (const edge of edges) expect(edge.cursor, list).toBe(cursorOf(edge.node.id, list));
    }
  });

  it('work for the customer they were given to: its next page, from the Stripe id', async () => {
    const first = dataOf((await run<{ invoices: Page }>(h, invoicesAfter, {}, ADA)).res).invoices;
    const next = await run<{ invoices: Page }>(h, invoicesAfter, { after: first.pageInfo.endCursor }, ADA);
    expect(ids(dataOf(next.res).invoices)).toEqual(adaInvoices.slice(3, 6));
    expect(next.calls.map((c) => c.params)).toEqual([{ limit: '3', customer: DEMO.customer, starting_after: adaInvoices[2] }]);
    const back = await run<{ invoices: Page }>(h, invoicesBefore, { before: adaCursor(adaInvoices[3]) }, ADA);
    expect(ids(dataOf(back.res).invoices)).toEqual(adaInvoices.slice(0, 3));
  });

  it('refuses every cursor a customer was not given with one answer and no Stripe call', async () => {
    const tag = adaCursor(adaInvoices[2]).split('.')[1]!;
    const flipped = `${tag.slice(0, -1)}${tag.endsWith('A') ? 'B' : 'A'}`;
    const notGiven: Array<[string, string]> = [
      ['another customer’s invoice, bare', acmeInvoices[0]!],
      ['its own invoice, bare', adaInvoices[2]!],
      ['an invoice that does not exist, bare', 'in_doesNotExist000000000000'],
      ['another customer’s cursor', cursorOf(acmeInvoices[0]!, 'Invoice', `customer:${DEMO.businessCustomer}`)],
      ['another customer’s invoice with its own cursor’s tag', `${acmeInvoices[0]}.${tag}`],
      ['its own cursor with one character of the tag changed', `${adaInvoices[2]}.${flipped}`],
      ['an admin’s cursor', inv(adaInvoices[2])],
      ['its cursor of another list', cursorOf(adaInvoices[2]!, `InvoiceLineItem:${adaInvoices[2]}`, `customer:${DEMO.customer}`)],
      ['a cursor keyed from another Stripe key', new CursorCodec('sk_test_another').encode(adaInvoices[2]!, `customer:${DEMO.customer}`, 'Invoice')],
      ['a tag with padding', `${adaCursor(adaInvoices[2])}=`],
    ];
    for (const [query, field] of [[invoicesAfter, 'after'], [invoicesBefore, 'before']] as const) {
      const answers = new Set<string>();
      for (const [name, cursor] of notGiven) {
        const { res, calls } = await expectError(h, 'BAD_USER_INPUT', query, { [field]: cursor }, ADA);
        expect(calls, name).toEqual([]);
        expect(res.errors![0]!.extensions, name).toEqual({ code: 'BAD_USER_INPUT', field });
        answers.add(JSON.stringify(res.errors));
      }
      // Byte for byte the same answer, whichever cursor it was.
      expect(answers.size).toBe(1);
      expect(JSON.parse([...answers][0]!)).toEqual([{ message: `${field} is not a cursor of this list.`, path: ['invoices'], extensions: { code: 'BAD_USER_INPUT', field } }]);
    }
    // The cursor it was given, for comparison: accepted.
    expect((await run(h, invoicesAfter, { after: adaCursor(adaInvoices[2]) }, ADA)).calls).toHaveLength(1);
  });

  it('does the same through a customer’s own invoices and an invoice’s lines', async () => {
    const viaViewer = await expectError(h, 'BAD_USER_INPUT', `query($after: String) { viewer { customer { invoices(after: $after) { edges { cursor } } } } }`, { after: acmeInvoices[0] }, ADA);
    expect(viaViewer.calls).toEqual([]);
    const otherCustomer = await expectError(h, 'BAD_USER_INPUT', `query($after: String) { viewer { customer { invoices(after: $after) { edges { cursor } } } } }`, { after: adaCursor(adaInvoices[0]) }, ACME);
    expect(otherCustomer.calls).toEqual([]);
    // Lines: only the invoice's own retrieve (its owner must be known); the lines list is never asked for.
    const lines = await expectError(h, 'BAD_USER_INPUT', `query($id: ID!, $after: String) { invoice(id: $id) { lines(first: 20, after: $after) { edges { cursor } } } }`, { id: adaInvoices[0], after: 'il_anyLineAtAll0000000' }, ADA);
    expect(lines.described).toEqual([`GET /v1/invoices/${adaInvoices[0]}`]);
  });

  it('lets admins page from a bare Stripe id, and refuses a tagged cursor of another list or caller before Stripe', async () => {
    const bare = await run<{ invoices: Page }>(h, invoicesAfter, { after: adaInvoices[2] });
    expect(ids(dataOf(bare.res).invoices)).toHaveLength(3);
    expect(bare.calls.map((c) => c.params)).toEqual([{ limit: '3', starting_after: adaInvoices[2] }]);
    for (const cursor of [cursorOf(DEMO.customer, 'Customer'), adaCursor(adaInvoices[2]), `${adaInvoices[2]}.AAAAAAAAAAAAAAAA`]) {
      const { res, calls } = await expectError(h, 'BAD_USER_INPUT', invoicesAfter, { after: cursor });
      expect(res.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(calls).toEqual([]);
    }
  });
});
