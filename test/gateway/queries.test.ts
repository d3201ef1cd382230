/**
 * Reads and portal sessions end to end: `yoga.fetch` → gateway → the real SDK → the local Stripe (demo seed).
 * Each test asserts what the caller got AND exactly which requests reached Stripe (method, path, params,
 * expand): loaders de-duplicate, lists expand their customers only when needed, portal sessions expand their
 * configuration only when needed, and results are reshaped (Money, DateTime, enums) from Stripe's objects.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { cursorOf, RETURN_ORIGIN, startGateway, type GatewayHarness } from '../support/gateway.js';
import { dataOf, expectError, run } from '../support/graphql.js';

const CONNECTED_ACCOUNT = 'acct_1NorthwindEurope';

let h: GatewayHarness;
/** The same local Stripe through the SDK directly: the reference the gateway's answers are compared with. */
let stripe: Stripe;

beforeAll(async () => {
  // Some documents go deeper than the default depth limit (tested in test/hardening).
  h = await startGateway({ connectedAccounts: [CONNECTED_ACCOUNT] }, { gateway: { limits: { maxDepth: 12 } } });
  stripe = new Stripe(h.local.secretKey, { ...h.local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
});
afterAll(() => h.stop());

function demoCustomer(email: string): Stripe.Customer {
  const found = [...h.local.store.customers.newestFirst()].find((c) => c.email === email);
  if (found === undefined) throw new Error(`no demo customer ${email}`);
  return found;
}

/** How a person reads an amount, written out independently of the gateway's formatter. */
function readable(amount: number, currency: string): string {
  const symbol = { USD: '$', EUR: '€', GBP: '£', JPY: '¥' }[currency];
  const digits = currency === 'JPY' ? 0 : 2;
  const abs = Math.abs(amount);
  const whole = Math.floor(abs / 10 ** digits).toLocaleString('en-US');
  const fraction = digits === 0 ? '' : `.${String(abs % 10 ** digits).padStart(digits, '0')}`;
  return `${amount < 0 ? '-' : ''}${symbol}${whole}${fraction}`;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

describe('customers', () => {
  it('reads a customer with one retrieve and reshapes it (Money, DateTime, metadata, address)', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) { customer(id: $id) {
        id name email currency createdAt delinquent preferredLocales
        balance { amount currency formatted }
        address { city country }
        metadata { key value }
      } }`,
      { id: DEMO.customer },
    );
    const stored = h.local.store.customers.get(DEMO.customer)!;
    expect(dataOf(res).customer).toEqual({
      id: DEMO.customer,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      currency: 'USD',
      createdAt: iso(stored.created),
      delinquent: stored.delinquent ?? false,
      preferredLocales: [],
      balance: { amount: stored.balance, currency: 'USD', formatted: readable(stored.balance, 'USD') },
      address: { city: 'London', country: 'GB' },
      metadata: [{ key: 'segment', value: 'individual' }],
    });
    expect(described).toEqual([`GET /v1/customers/${DEMO.customer}`]);
  });

  it('loads a customer once with its invoices and each invoice’s customer', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) { customer(id: $id) { name invoices(first: 5) { edges { node { id customer { id name email } } } } } }`,
      { id: DEMO.customer },
    );
    const customer = dataOf(res).customer;
    expect(customer.name).toBe('Ada Lovelace');
    expect(customer.invoices.edges).toHaveLength(5);
    for (const edge of customer.invoices.edges) {
      expect(edge.node.customer).toEqual({ id: DEMO.customer, name: 'Ada Lovelace', email: 'ada@example.com' });
    }
    // The customer once; its invoices in one list that needs no expand (the parent is that customer). Both go out
    // together, so either may arrive first.
    expect([...described].sort()).toEqual([`GET /v1/customers/${DEMO.customer}`, `GET /v1/invoices?limit=5&customer=${DEMO.customer}`]);
  });

  it('costs one retrieve for the same customer under three aliases and a fragment', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) {
        a: customer(id: $id) { name }
        b: customer(id: $id) { email }
        c: customer(id: $id) { ...Balance }
      }
      fragment Balance on Customer { balance { formatted } }`,
      { id: DEMO.customer },
    );
    const data = dataOf(res);
    expect(data.a.name).toBe('Ada Lovelace');
    expect(data.b.email).toBe('ada@example.com');
    expect(data.c.balance.formatted).toMatch(/^-?\$\d+\.\d{2}$/);
    expect(described).toEqual([`GET /v1/customers/${DEMO.customer}`]);
  });

  it('checks that `customer(id) { id }` exists (one retrieve), and answers an unknown id NOT_FOUND', async () => {
    const { res, calls } = await run(h, `query($id: ID!) { customer(id: $id) { id __typename } }`, { id: DEMO.customer });
    expect(dataOf(res).customer).toEqual({ id: DEMO.customer, __typename: 'Customer' });
    expect(calls.map((c) => c.path)).toEqual([`/v1/customers/${DEMO.customer}`]);
    const unknown = await run(h, `{ customer(id: "cus_Unknown000001") { id } }`);
    expect(unknown.res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unknown.res.data?.customer).toBeNull();
  });

  it('answers a nested `customer { id }` without calling Stripe', async () => {
    const { res, calls } = await run(h, `{ viewer { customer { id } } }`, {}, { customer: DEMO.customer });
    expect(dataOf(res).viewer.customer).toEqual({ id: DEMO.customer });
    expect(calls).toEqual([]);
  });

  it('lists customers with limit and email filter', async () => {
    const { res, calls } = await run(h, `{ customers(first: 2, email: "alan@example.com") { edges { cursor node { id name } } } }`);
    const alan = demoCustomer('alan@example.com');
    expect(dataOf(res).customers.edges).toEqual([{ cursor: cursorOf(alan.id, 'Customer'), node: { id: alan.id, name: 'Alan Turing' } }]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/v1/customers', params: { limit: '2', email: 'alan@example.com' }, expand: [] });
  });

  it('formats balances in the customer’s currency (credit is negative)', async () => {
    const grace = demoCustomer('grace@example.com');
    const { res } = await run(h, `query($id: ID!) { customer(id: $id) { balance { amount currency formatted } } }`, { id: grace.id });
    const balance = dataOf(res).customer.balance;
    expect(balance).toEqual({ amount: grace.balance, currency: 'USD', formatted: readable(grace.balance, 'USD') });
  });
});

describe('invoices', () => {
  it('lists invoices whose customers are needed in one call with expand[]=data.customer, no retrieves', async () => {
    const { res, calls, described } = await run(h, `{ invoices(first: 20) { edges { node { id customer { id name } } } } }`);
    const edges = dataOf(res).invoices.edges as Array<{ node: { id: string; customer: { id: string; name: string } } }>;
    expect(edges).toHaveLength(20);
    for (const { node } of edges) {
      const owner = h.local.store.invoices.get(node.id)!.customer as string;
      expect(node.customer).toEqual({ id: owner, name: h.local.store.customers.get(owner)!.name });
    }
    expect(new Set(edges.map((e) => e.node.customer.id)).size).toBeGreaterThan(5);
    expect(described).toEqual(['GET /v1/invoices?limit=20 expand=data.customer']);
    expect(calls[0]!.expand).toEqual(['data.customer']);
  });

  it('lists invoices needing only `customer { id }` with no expand and no customer call', async () => {
    const { res, calls } = await run(h, `{ invoices(first: 20) { edges { node { id customer { id } } } } }`);
    const edges = dataOf(res).invoices.edges as Array<{ node: { id: string; customer: { id: string } } }>;
    for (const { node } of edges) expect(node.customer.id).toBe(h.local.store.invoices.get(node.id)!.customer);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'GET', path: '/v1/invoices', params: { limit: '20' }, expand: [] });
  });

  it('retrieves one invoice with its customer expanded in the same call', async () => {
    const [latest] = (await stripe.invoices.list({ customer: DEMO.customer, limit: 1 })).data;
    const { res, described } = await run(
      h,
      `query($id: ID!) { invoice(id: $id) { id number customer { name } } }`,
      { id: latest!.id },
    );
    expect(dataOf(res).invoice).toEqual({ id: latest!.id, number: latest!.number, customer: { name: 'Ada Lovelace' } });
    expect(described).toEqual([`GET /v1/invoices/${latest!.id} expand=customer`]);
  });

  it('retrieves one invoice without expand when only the customer id is read', async () => {
    const [latest] = (await stripe.invoices.list({ customer: DEMO.customer, limit: 1 })).data;
    const { res, described } = await run(h, `query($id: ID!) { invoice(id: $id) { id customer { id } } }`, { id: latest!.id });
    expect(dataOf(res).invoice).toEqual({ id: latest!.id, customer: { id: DEMO.customer } });
    expect(described).toEqual([`GET /v1/invoices/${latest!.id}`]);
  });

  it('maps the filters to Stripe list parameters and gets matching invoices back', async () => {
    const { res, calls } = await run(
      h,
      `{ invoices(first: 50, status: PAID, customerId: "${DEMO.customer}", collectionMethod: CHARGE_AUTOMATICALLY,
          subscriptionId: "${DEMO.subscription}", createdAfter: "2025-01-01T00:00:00Z", createdBefore: "2026-01-01T00:00:00Z") {
        edges { node { id status collectionMethod subscriptionId createdAt customer { id } } } } }`,
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'GET',
      path: '/v1/invoices',
      params: {
        limit: '50',
        customer: DEMO.customer,
        status: 'paid',
        collection_method: 'charge_automatically',
        subscription: DEMO.subscription,
        created: { gte: String(Date.UTC(2025, 0, 1) / 1000), lt: String(Date.UTC(2026, 0, 1) / 1000) },
      },
      expand: [],
    });
    const nodes = dataOf(res).invoices.edges.map((e: { node: unknown }) => e.node);
    expect(nodes.length).toBeGreaterThan(2);
    for (const node of nodes) {
      expect(node).toMatchObject({
        status: 'PAID',
        collectionMethod: 'CHARGE_AUTOMATICALLY',
        subscriptionId: DEMO.subscription,
        customer: { id: DEMO.customer },
      });
      expect(node.createdAt >= '2025-01-01' && node.createdAt < '2026-01-01').toBe(true);
    }
    // The same filters through the SDK give the same invoices, in the same order.
    const reference = await stripe.invoices.list({
      limit: 50,
      customer: DEMO.customer,
      status: 'paid',
      collection_method: 'charge_automatically',
      subscription: DEMO.subscription,
      created: { gte: Date.UTC(2025, 0, 1) / 1000, lt: Date.UTC(2026, 0, 1) / 1000 },
    });
    expect(nodes.map((n: { id: string }) => n.id)).toEqual(reference.data.map((i) => i.id));
  });

  it('rounds sub-second created bounds to the whole seconds Stripe compares', async () => {
    const { calls } = await run(
      h,
      `{ invoices(first: 1, createdAfter: "2025-06-01T00:00:00.500Z", createdBefore: "2025-07-01T02:00:00.250+02:00") { edges { cursor } } }`,
    );
    // created >= 10.5 s means created >= 11 s; created < 10.25 s means created < 11 s.
    const june = Date.UTC(2025, 5, 1) / 1000;
    const july = Date.UTC(2025, 6, 1) / 1000;
    expect(calls[0]!.params).toEqual({ limit: '1', created: { gte: String(june + 1), lt: String(july + 1) } });
  });

  it('filters by status and collection method separately', async () => {
    const open = await run(h, `{ invoices(first: 100, status: OPEN) { edges { node { status } } } }`);
    expect(open.calls[0]!.params).toEqual({ limit: '100', status: 'open' });
    const statuses = new Set(dataOf(open.res).invoices.edges.map((e: { node: { status: string } }) => e.node.status));
    expect(statuses).toEqual(new Set(['OPEN']));

    const sent = await run(h, `{ invoices(first: 100, collectionMethod: SEND_INVOICE) { edges { node { collectionMethod } } } }`);
    expect(sent.calls[0]!.params).toEqual({ limit: '100', collection_method: 'send_invoice' });
    const methods = new Set(dataOf(sent.res).invoices.edges.map((e: { node: { collectionMethod: string } }) => e.node.collectionMethod));
    expect(methods).toEqual(new Set(['SEND_INVOICE']));
  });

  it('reads every status and both collection methods as enums', async () => {
    const { res } = await run(h, `{ invoices(first: 100) { edges { node { status collectionMethod } } } }`);
    const nodes = dataOf(res).invoices.edges.map((e: { node: { status: string; collectionMethod: string } }) => e.node);
    expect(new Set(nodes.map((n: { status: string }) => n.status))).toEqual(new Set(['DRAFT', 'OPEN', 'PAID', 'UNCOLLECTIBLE', 'VOID']));
    expect(new Set(nodes.map((n: { collectionMethod: string }) => n.collectionMethod))).toEqual(
      new Set(['CHARGE_AUTOMATICALLY', 'SEND_INVOICE']),
    );
  });

  it('formats money in USD, EUR, GBP and JPY (JPY has no minor unit)', async () => {
    const cases = [
      ['ada@example.com', 'USD'],
      ['edsger@example.com', 'EUR'],
      ['alan@example.com', 'GBP'],
      ['keiri@tanaka.example', 'JPY'],
    ] as const;
    for (const [email, currency] of cases) {
      const customer = demoCustomer(email);
      const { res } = await run(
        h,
        `query($id: ID!) { invoices(customerId: $id, first: 100) { edges { node { id currency
          total { amount currency formatted } amountDue { amount currency formatted }
          amountPaid { amount formatted } amountRemaining { amount formatted }
          lines(first: 10) { edges { node { amount { amount currency formatted } } } } } } } }`,
        { id: customer.id },
      );
      const nodes = dataOf(res).invoices.edges.map((e: { node: any }) => e.node);
      expect(nodes.length).toBeGreaterThan(0);
      for (const node of nodes) {
        const stored = h.local.store.invoices.get(node.id)!;
        expect(node.currency).toBe(currency);
        expect(node.total).toEqual({ amount: stored.total, currency, formatted: readable(stored.total, currency) });
        expect(node.amountDue).toEqual({ amount: stored.amount_due, currency, formatted: readable(stored.amount_due, currency) });
        expect(node.amountPaid).toEqual({ amount: stored.amount_paid, formatted: readable(stored.amount_paid, currency) });
        expect(node.amountRemaining).toEqual({ amount: stored.amount_remaining, formatted: readable(stored.amount_remaining, currency) });
        for (const line of node.lines.edges) {
          expect(line.node.amount.currency).toBe(currency);
          expect(line.node.amount.formatted).toBe(readable(line.node.amount.amount, currency));
        }
      }
      if (currency === 'JPY') expect(nodes.some((n: any) => /^¥[\d,]+$/.test(n.total.formatted) && n.total.amount >= 1000)).toBe(true);
    }
  });

  it('outputs DateTime as ISO-8601 UTC from Stripe’s unix seconds, null while not set', async () => {
    const { res } = await run(
      h,
      `query($id: ID!) { invoices(customerId: $id, first: 100) { edges { node { id status createdAt finalizedAt paidAt
        voidedAt periodStart periodEnd dueDate } } } }`,
      { id: DEMO.businessCustomer },
    );
    const nodes = dataOf(res).invoices.edges.map((e: { node: any }) => e.node);
    for (const node of nodes) {
      const stored = h.local.store.invoices.get(node.id)!;
      expect(node.createdAt).toMatch(ISO_UTC);
      expect(node.createdAt).toBe(iso(stored.created));
      expect(node.periodStart).toBe(iso(stored.period_start));
      expect(node.periodEnd).toBe(iso(stored.period_end));
      expect(node.finalizedAt).toBe(stored.status_transitions.finalized_at === null ? null : iso(stored.status_transitions.finalized_at));
      expect(node.paidAt).toBe(stored.status_transitions.paid_at === null ? null : iso(stored.status_transitions.paid_at));
      if (node.status === 'DRAFT') expect(node.finalizedAt).toBeNull();
      if (node.status === 'OPEN') expect(node.dueDate).toMatch(ISO_UTC); // net-30 invoices have a due date
    }
  });

  it('shows Ada’s upgrade invoice with its two proration lines from the embedded first page (no extra call)', async () => {
    const all = await stripe.invoices.list({ customer: DEMO.customer, limit: 100 });
    const prorated = all.data.find((i) =>
      i.lines.data.some((l) => l.parent?.invoice_item_details?.proration || l.parent?.subscription_item_details?.proration),
    );
    expect(prorated).toBeDefined();
    const { res, described } = await run(
      h,
      `query($id: ID!) { invoice(id: $id) { id subtotal { formatted } total { amount } lines(first: 10) {
        edges { cursor node { id description proration discountable source subscriptionId subscriptionItemId
          amount { amount formatted } period { start end } } }
        pageInfo { hasNextPage hasPreviousPage } } } }`,
      { id: prorated!.id },
    );
    const invoice = dataOf(res).invoice;
    const lines = invoice.lines.edges.map((e: { node: any }) => e.node);
    expect(lines).toHaveLength(3);
    const prorations = lines.filter((l: { proration: boolean }) => l.proration);
    expect(prorations.map((l: any) => l.amount)).toEqual([
      { amount: -950, formatted: '-$9.50' }, // unused half month on Basic ($19.00)
      { amount: 2450, formatted: '$24.50' }, // remaining half month on Pro ($49.00)
    ]);
    for (const line of prorations) {
      expect(line).toMatchObject({ discountable: false, subscriptionId: DEMO.subscription });
      expect(line.description).toMatch(/^(Unused time on Basic|Remaining time on Pro) after \d{4}-\d{2}-\d{2}$/);
      expect(line.period.start).toMatch(ISO_UTC);
    }
    const regular = lines.find((l: { proration: boolean }) => !l.proration);
    expect(regular).toMatchObject({ proration: false, source: 'SUBSCRIPTION_ITEM', amount: { amount: 4900, formatted: '$49.00' } });
    expect(regular.subscriptionItemId).toMatch(/^si_/);
    expect(invoice.subtotal.formatted).toBe(readable(4900 - 950 + 2450, 'USD'));
    expect(invoice.lines.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false });
    expect(described).toEqual([`GET /v1/invoices/${prorated!.id}`]);
  });

  it('lists a customer’s invoices filtered by status under Customer.invoices', async () => {
    const { res, calls } = await run(
      h,
      `query($id: ID!) { customer(id: $id) { name invoices(first: 10, status: OPEN) { edges { node { status customer { id name } } } } } }`,
      { id: DEMO.businessCustomer },
    );
    const customer = dataOf(res).customer;
    expect(customer.invoices.edges.length).toBeGreaterThan(0);
    for (const e of customer.invoices.edges) {
      expect(e.node).toEqual({ status: 'OPEN', customer: { id: DEMO.businessCustomer, name: 'Acme Corporation' } });
    }
    expect(calls).toHaveLength(2);
    // Both go out together, so either may arrive first.
    const byPath = [...calls].sort((a, b) => a.path.localeCompare(b.path));
    expect(byPath[0]).toMatchObject({ path: `/v1/customers/${DEMO.businessCustomer}` });
    expect(byPath[1]).toMatchObject({ path: '/v1/invoices', params: { limit: '10', customer: DEMO.businessCustomer, status: 'open' }, expand: [] });
  });
});

describe('node(id:)', () => {
  it('finds a customer, an invoice and a portal configuration by prefix, one call each', async () => {
    const [invoice] = (await stripe.invoices.list({ customer: DEMO.customer, limit: 1 })).data;
    const query = `query($id: ID!) { node(id: $id) { __typename id
      ... on Customer { name } ... on Invoice { number } ... on PortalConfiguration { isDefault } } }`;

    const customer = await run(h, query, { id: DEMO.customer });
    expect(dataOf(customer.res).node).toEqual({ __typename: 'Customer', id: DEMO.customer, name: 'Ada Lovelace' });
    expect(customer.described).toEqual([`GET /v1/customers/${DEMO.customer}`]);

    const inv = await run(h, query, { id: invoice!.id });
    expect(dataOf(inv.res).node).toEqual({ __typename: 'Invoice', id: invoice!.id, number: invoice!.number });
    expect(inv.described).toEqual([`GET /v1/invoices/${invoice!.id}`]);

    const configuration = await run(h, query, { id: DEMO.defaultConfiguration });
    expect(dataOf(configuration.res).node).toEqual({ __typename: 'PortalConfiguration', id: DEMO.defaultConfiguration, isDefault: true });
    expect(configuration.described).toEqual([`GET /v1/billing_portal/configurations/${DEMO.defaultConfiguration}`]);
  });

  it('expands the invoice’s customer when the node query reads it', async () => {
    const [invoice] = (await stripe.invoices.list({ customer: DEMO.customer, limit: 1 })).data;
    const { res, described } = await run(h, `query($id: ID!) { node(id: $id) { ... on Invoice { customer { name } } } }`, {
      id: invoice!.id,
    });
    expect(dataOf(res).node).toEqual({ customer: { name: 'Ada Lovelace' } });
    expect(described).toEqual([`GET /v1/invoices/${invoice!.id} expand=customer`]);
  });
});

describe('portal configurations', () => {
  it('reads a configuration’s features with one retrieve', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) { portalConfiguration(id: $id) { id name isDefault active defaultReturnUrl
        businessProfile { headline } loginPage { enabled }
        features { customerUpdate { enabled allowedUpdates } subscriptionUpdate { enabled defaultAllowedUpdates prorationBehavior } }
        metadata { key value } } }`,
      { id: DEMO.enterpriseConfiguration },
    );
    expect(dataOf(res).portalConfiguration).toEqual({
      id: DEMO.enterpriseConfiguration,
      name: 'Enterprise',
      isDefault: false,
      active: true,
      defaultReturnUrl: 'https://northwind.example/account',
      businessProfile: { headline: 'Northwind Cloud Enterprise billing' },
      loginPage: { enabled: true },
      features: {
        customerUpdate: { enabled: true, allowedUpdates: ['EMAIL', 'ADDRESS', 'TAX_ID'] },
        subscriptionUpdate: { enabled: true, defaultAllowedUpdates: ['QUANTITY'], prorationBehavior: 'ALWAYS_INVOICE' },
      },
      metadata: [{ key: 'tier', value: 'enterprise' }],
    });
    expect(described).toEqual([`GET /v1/billing_portal/configurations/${DEMO.enterpriseConfiguration}`]);
  });
});

const SESSION = `mutation($input: CreatePortalSessionInput!) { createPortalSession(input: $input) {
  ... on CreatePortalSessionPayload { portalSession { id url returnUrl createdAt livemode locale onBehalfOf
    customer { id } configuration { id } } } } }`;

const SESSION_WITH_CONFIGURATION = `mutation($input: CreatePortalSessionInput!) { createPortalSession(input: $input) {
  ... on CreatePortalSessionPayload { portalSession { id configuration { id isDefault active features { invoiceHistory { enabled } } } } } } }`;

const SESSION_WITH_FLOW = `mutation($input: CreatePortalSessionInput!) { createPortalSession(input: $input) {
  ... on CreatePortalSessionPayload { portalSession { id flow { type subscriptionId retentionCouponId
    afterCompletion { type redirectReturnUrl hostedConfirmationMessage } items { id priceId quantity } } } } } }`;

describe('createPortalSession', () => {
  it('expands the configuration in the same call when configuration fields are selected', async () => {
    const { res, calls } = await run(h, SESSION_WITH_CONFIGURATION, { input: { customerId: DEMO.customer } });
    const session = dataOf(res).createPortalSession.portalSession;
    expect(session.configuration).toEqual({
      id: DEMO.defaultConfiguration,
      isDefault: true,
      active: true,
      features: { invoiceHistory: { enabled: expect.any(Boolean) } },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: 'POST',
      path: '/v1/billing_portal/sessions',
      params: { customer: DEMO.customer, return_url: `${RETURN_ORIGIN}/billing` },
      expand: ['configuration'],
    });
  });

  it('does not expand when only configuration { id } is selected, and reshapes the session', async () => {
    const { res, calls } = await run(h, SESSION, { input: { customerId: DEMO.customer } });
    const session = dataOf(res).createPortalSession.portalSession;
    expect(session).toMatchObject({
      id: expect.stringMatching(/^bps_/),
      url: expect.stringMatching(new RegExp(`^${h.local.url}/`)),
      returnUrl: `${RETURN_ORIGIN}/billing`,
      livemode: false,
      locale: null,
      onBehalfOf: null,
      customer: { id: DEMO.customer },
      configuration: { id: DEMO.defaultConfiguration },
    });
    expect(session.createdAt).toMatch(ISO_UTC);
    expect(Math.abs(Date.parse(session.createdAt) - Date.now())).toBeLessThan(60_000);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/v1/billing_portal/sessions', expand: [] });
    expect(calls[0]!.params).toEqual({ customer: DEMO.customer, return_url: `${RETURN_ORIGIN}/billing` });
  });

  it('passes configuration, locale, onBehalfOf and returnUrl through, and reads the locale back as an enum', async () => {
    for (const [locale, wire] of [['EN_GB', 'en-GB'], ['ES_419', 'es-419'], ['ZH_HK', 'zh-HK'], ['AUTO', 'auto'], ['JA', 'ja']] as const) {
      const { res, calls } = await run(h, SESSION, {
        input: {
          customerId: DEMO.businessCustomer,
          configurationId: DEMO.enterpriseConfiguration,
          locale,
          onBehalfOf: CONNECTED_ACCOUNT,
          returnUrl: `${RETURN_ORIGIN}/account?tab=billing#invoices`,
        },
      });
      expect(dataOf(res).createPortalSession.portalSession).toMatchObject({
        locale,
        onBehalfOf: CONNECTED_ACCOUNT,
        returnUrl: `${RETURN_ORIGIN}/account?tab=billing#invoices`,
        customer: { id: DEMO.businessCustomer },
        configuration: { id: DEMO.enterpriseConfiguration },
      });
      expect(calls.map((c) => c.params)).toEqual([
        {
          customer: DEMO.businessCustomer,
          configuration: DEMO.enterpriseConfiguration,
          locale: wire,
          on_behalf_of: CONNECTED_ACCOUNT,
          return_url: `${RETURN_ORIGIN}/account?tab=billing#invoices`,
        },
      ]);
    }
  });

  it('loads the session’s customer when its fields are selected (sessions carry only the id)', async () => {
    const { res, described } = await run(
      h,
      `mutation { createPortalSession(input: { customerId: "${DEMO.customer}" }) {
        ... on CreatePortalSessionPayload { portalSession { customer { name } } } } }`,
    );
    expect(dataOf(res).createPortalSession.portalSession.customer).toEqual({ name: 'Ada Lovelace' });
    expect(described).toEqual([
      `POST /v1/billing_portal/sessions?customer=${DEMO.customer}&return_url=${encodeURIComponent(`${RETURN_ORIGIN}/billing`)}`,
      `GET /v1/customers/${DEMO.customer}`,
    ]);
  });

  describe('flows: each type sent as Stripe’s flow_data and read back', () => {
    const item = () => h.local.store.subscriptions.get(DEMO.subscription)!.items.data[0]!.id;
    const cases: Array<{ name: string; flow: () => Record<string, unknown>; wire: () => Record<string, unknown>; out: () => Record<string, unknown> }> = [
      {
        name: 'PAYMENT_METHOD_UPDATE',
        flow: () => ({ type: 'PAYMENT_METHOD_UPDATE' }),
        wire: () => ({ type: 'payment_method_update' }),
        out: () => ({ type: 'PAYMENT_METHOD_UPDATE', subscriptionId: null, retentionCouponId: null, items: [], afterCompletion: { type: 'PORTAL_HOMEPAGE', redirectReturnUrl: null, hostedConfirmationMessage: null } }),
      },
      {
        name: 'CUSTOMER_UPDATE (after completion: portal home page)',
        flow: () => ({ type: 'CUSTOMER_UPDATE', afterCompletion: { type: 'PORTAL_HOMEPAGE' } }),
        wire: () => ({ type: 'customer_update', after_completion: { type: 'portal_homepage' } }),
        out: () => ({ type: 'CUSTOMER_UPDATE', subscriptionId: null, retentionCouponId: null, items: [], afterCompletion: { type: 'PORTAL_HOMEPAGE', redirectReturnUrl: null, hostedConfirmationMessage: null } }),
      },
      {
        name: 'SUBSCRIPTION_CANCEL with a retention coupon, redirecting back',
        flow: () => ({
          type: 'SUBSCRIPTION_CANCEL',
          subscriptionCancel: { subscriptionId: DEMO.subscription, retentionCouponId: 'WINBACK20' },
          afterCompletion: { type: 'REDIRECT', redirectReturnUrl: `${RETURN_ORIGIN}/cancelled` },
        }),
        wire: () => ({
          type: 'subscription_cancel',
          after_completion: { type: 'redirect', redirect: { return_url: `${RETURN_ORIGIN}/cancelled` } },
          subscription_cancel: { subscription: DEMO.subscription, retention: { type: 'coupon_offer', coupon_offer: { coupon: 'WINBACK20' } } },
        }),
        out: () => ({
          type: 'SUBSCRIPTION_CANCEL',
          subscriptionId: DEMO.subscription,
          retentionCouponId: 'WINBACK20',
          items: [],
          afterCompletion: { type: 'REDIRECT', redirectReturnUrl: `${RETURN_ORIGIN}/cancelled`, hostedConfirmationMessage: null },
        }),
      },
      {
        name: 'SUBSCRIPTION_PAUSE with a hosted confirmation',
        flow: () => ({
          type: 'SUBSCRIPTION_PAUSE',
          subscriptionPause: { subscriptionId: DEMO.subscription },
          afterCompletion: { type: 'HOSTED_CONFIRMATION', hostedConfirmationMessage: 'Your plan is paused.' },
        }),
        wire: () => ({
          type: 'subscription_pause',
          after_completion: { type: 'hosted_confirmation', hosted_confirmation: { custom_message: 'Your plan is paused.' } },
          subscription_pause: { subscription: DEMO.subscription },
        }),
        out: () => ({
          type: 'SUBSCRIPTION_PAUSE',
          subscriptionId: DEMO.subscription,
          retentionCouponId: null,
          items: [],
          afterCompletion: { type: 'HOSTED_CONFIRMATION', redirectReturnUrl: null, hostedConfirmationMessage: 'Your plan is paused.' },
        }),
      },
      {
        name: 'SUBSCRIPTION_UPDATE',
        flow: () => ({ type: 'SUBSCRIPTION_UPDATE', subscriptionUpdate: { subscriptionId: DEMO.subscription } }),
        wire: () => ({ type: 'subscription_update', subscription_update: { subscription: DEMO.subscription } }),
        out: () => ({ type: 'SUBSCRIPTION_UPDATE', subscriptionId: DEMO.subscription, retentionCouponId: null, items: [], afterCompletion: { type: 'PORTAL_HOMEPAGE', redirectReturnUrl: null, hostedConfirmationMessage: null } }),
      },
      {
        name: 'SUBSCRIPTION_UPDATE_CONFIRM with one item and a coupon',
        flow: () => ({
          type: 'SUBSCRIPTION_UPDATE_CONFIRM',
          subscriptionUpdateConfirm: {
            subscriptionId: DEMO.subscription,
            items: [{ id: item(), priceId: 'price_NwBasicMonthly000001', quantity: 2 }],
            discounts: [{ couponId: 'SAVE10' }],
          },
        }),
        wire: () => ({
          type: 'subscription_update_confirm',
          subscription_update_confirm: {
            subscription: DEMO.subscription,
            // Form encoding: arrays travel indexed, numbers as strings.
            items: { 0: { id: item(), price: 'price_NwBasicMonthly000001', quantity: '2' } },
            discounts: { 0: { coupon: 'SAVE10' } },
          },
        }),
        out: () => ({
          type: 'SUBSCRIPTION_UPDATE_CONFIRM',
          subscriptionId: DEMO.subscription,
          retentionCouponId: null,
          items: [{ id: item(), priceId: 'price_NwBasicMonthly000001', quantity: 2 }],
          afterCompletion: { type: 'PORTAL_HOMEPAGE', redirectReturnUrl: null, hostedConfirmationMessage: null },
        }),
      },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const { res, calls } = await run(h, SESSION_WITH_FLOW, { input: { flow: c.flow() } }, { customer: DEMO.customer });
        expect(dataOf(res).createPortalSession.portalSession.flow).toEqual(c.out());
        expect(calls).toHaveLength(1);
        expect(calls[0]!.params).toEqual({ customer: DEMO.customer, return_url: `${RETURN_ORIGIN}/billing`, flow_data: c.wire() });
      });
    }
  });

  describe('idempotency', () => {
    const KEYED = `mutation($input: CreatePortalSessionInput!) { createPortalSession(input: $input) {
      ... on CreatePortalSessionPayload { portalSession { id url } } } }`;

    it('returns the same session for the same key from the same caller; Stripe replays it', async () => {
      const input = { customerId: DEMO.customer, idempotencyKey: 'checkout-42' };
      const first = await run(h, KEYED, { input });
      // A different selection set must not turn the repeat into an idempotency conflict.
      const second = await run(h, SESSION_WITH_CONFIGURATION, { input });
      const a = dataOf(first.res).createPortalSession.portalSession;
      const b = dataOf(second.res).createPortalSession.portalSession;
      expect(b.id).toBe(a.id);
      expect(b.configuration.isDefault).toBe(true);
      expect(first.calls).toHaveLength(1);
      expect(second.calls).toHaveLength(1);
      const [created] = first.calls;
      const [replayed] = second.calls;
      expect(created).toMatchObject({ method: 'POST', path: '/v1/billing_portal/sessions', replayed: false, status: 200 });
      expect(replayed).toMatchObject({ replayed: true, status: 200, idempotencyKey: created!.idempotencyKey });
      // What Stripe sees is scoped to the caller and hashed, never the caller's raw key.
      expect(created!.idempotencyKey).toMatch(/^bg-[0-9a-f]{64}$/);
      expect(created!.idempotencyKey).not.toContain('checkout-42');
      // With a key the parameters never depend on the selection: both calls expand the configuration.
      expect(created!.expand).toEqual(['configuration']);
      expect(replayed!.expand).toEqual(['configuration']);
    });

    it('gives two callers using the same key two sessions', async () => {
      const key = 'shared-key-7';
      const admin = await run(h, KEYED, { input: { customerId: DEMO.customer, idempotencyKey: key } });
      const customer = await run(h, KEYED, { input: { idempotencyKey: key } }, { customer: DEMO.customer });
      const a = dataOf(admin.res).createPortalSession.portalSession;
      const b = dataOf(customer.res).createPortalSession.portalSession;
      expect(b.id).not.toBe(a.id);
      expect(admin.calls[0]!.idempotencyKey).not.toBe(customer.calls[0]!.idempotencyKey);
      expect([admin.calls[0]!.replayed, customer.calls[0]!.replayed]).toEqual([false, false]);
    });

    it('refuses the same key with different input as BAD_USER_INPUT', async () => {
      const key = 'retry-me-9';
      const first = await run(h, KEYED, { input: { customerId: DEMO.customer, idempotencyKey: key } });
      dataOf(first.res);
      const second = await expectError(h, 'BAD_USER_INPUT', KEYED, { input: { customerId: DEMO.customer, idempotencyKey: key, locale: 'FR' } });
      expect(second.res.errors![0]!.extensions).toMatchObject({ field: 'idempotencyKey' });
      expect(second.res.data?.createPortalSession ?? null).toBeNull();
      expect(second.calls).toHaveLength(1);
      expect(second.calls[0]).toMatchObject({ status: 400, idempotencyKey: first.calls[0]!.idempotencyKey });
    });

    it('sends a fresh gateway key per request (kept across its retries), without an idempotencyKey', async () => {
      const a = await run(h, KEYED, { input: { customerId: DEMO.customer } });
      const b = await run(h, KEYED, { input: { customerId: DEMO.customer } });
      expect(dataOf(a.res).createPortalSession.portalSession.id).not.toBe(dataOf(b.res).createPortalSession.portalSession.id);
      expect(a.calls[0]!.idempotencyKey).toMatch(/^bg-[0-9a-f-]{36}$/);
      expect(a.calls[0]!.idempotencyKey).not.toBe(b.calls[0]!.idempotencyKey);
    });
  });
});

describe('roles (basic reads; the full matrix lives in the auth tests)', () => {
  it('viewer tells each role who it is, without calling Stripe for the id', async () => {
    const admin = await run(h, `{ viewer { role customer { id } } }`);
    expect(dataOf(admin.res).viewer).toEqual({ role: 'ADMIN', customer: null });
    expect(admin.calls).toEqual([]);

    const customer = await run(h, `{ viewer { role customer { id } } }`, {}, { customer: DEMO.customer });
    expect(dataOf(customer.res).viewer).toEqual({ role: 'CUSTOMER', customer: { id: DEMO.customer } });
    expect(customer.calls).toEqual([]);

    const anonymous = await expectError(h, 'UNAUTHENTICATED', `{ viewer { role } }`, {}, 'anonymous');
    expect(anonymous.calls).toEqual([]);
    expect(anonymous.res.data ?? null).toBeNull();
  });

  it('lets an admin read any customer and a customer only itself', async () => {
    const query = `query($id: ID!) { customer(id: $id) { id name } }`;
    const admin = await run(h, query, { id: DEMO.businessCustomer });
    expect(dataOf(admin.res).customer).toEqual({ id: DEMO.businessCustomer, name: 'Acme Corporation' });

    const own = await run(h, query, { id: DEMO.customer }, { customer: DEMO.customer });
    expect(dataOf(own.res).customer).toEqual({ id: DEMO.customer, name: 'Ada Lovelace' });
    expect(own.described).toEqual([`GET /v1/customers/${DEMO.customer}`]);

    const other = await expectError(h, 'FORBIDDEN', query, { id: DEMO.businessCustomer }, { customer: DEMO.customer });
    expect(other.res.data).toEqual({ customer: null });
    expect(other.calls).toEqual([]);

    const nobody = await expectError(h, 'UNAUTHENTICATED', query, { id: DEMO.customer }, 'anonymous');
    expect(nobody.calls).toEqual([]);
  });

  it('scopes a customer’s invoice list to itself without being asked', async () => {
    const { res, calls } = await run(h, `{ invoices(first: 100) { edges { node { customer { id } } } } }`, {}, { customer: DEMO.customer });
    const owners = new Set(dataOf(res).invoices.edges.map((e: { node: { customer: { id: string } } }) => e.node.customer.id));
    expect(owners).toEqual(new Set([DEMO.customer]));
    expect(calls[0]!.params).toEqual({ limit: '100', customer: DEMO.customer });
  });

  it('gives a customer its own record with its invoices through viewer', async () => {
    const { res, described } = await run(
      h,
      `{ viewer { customer { name invoices(first: 3) { edges { node { id customer { name } } } } } } }`,
      {},
      { customer: DEMO.customer },
    );
    const customer = dataOf(res).viewer.customer;
    expect(customer.name).toBe('Ada Lovelace');
    expect(customer.invoices.edges).toHaveLength(3);
    expect([...described].sort()).toEqual([`GET /v1/customers/${DEMO.customer}`, `GET /v1/invoices?limit=3&customer=${DEMO.customer}`]);
  });

  it('lets only admins list customers and read portal configurations', async () => {
    const list = await expectError(h, 'FORBIDDEN', `{ customers { edges { cursor } } }`, {}, { customer: DEMO.customer });
    expect(list.calls).toEqual([]);
    const configuration = await expectError(
      h,
      'FORBIDDEN',
      `query($id: ID!) { portalConfiguration(id: $id) { id } }`,
      { id: DEMO.defaultConfiguration },
      { customer: DEMO.customer },
    );
    expect(configuration.calls).toEqual([]);
  });
});
