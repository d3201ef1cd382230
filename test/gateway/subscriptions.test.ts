/**
 * Subscriptions, prices and products end to end: `yoga.fetch` → gateway → the real SDK → the local Stripe (demo
 * seed). Each test asserts what the caller got AND exactly which requests reached Stripe (method, path, params,
 * expand): a retrieve expands what the selection reads, a customer's list starts beside the customer's retrieve,
 * a list's products come from one batched `products.list`, and nothing Stripe already sent is asked for again.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/index.js';
import { startGateway, type GatewayHarness } from '../support/gateway.js';
import { dataOf, expectError, run, type Run } from '../support/graphql.js';

let h: GatewayHarness;
/** A subscription made here through the SDK: invoiced for payment by email, so it has a latest invoice. */
let invoiced: Stripe.Subscription;
/** A customer with one active subscription and one canceled. */
let former: { customer: string; active: string; canceled: string };

beforeAll(async () => {
  // Some documents go deeper than the default depth limit (tested in test/hardening).
  h = await startGateway({}, { gateway: { limits: { maxDepth: 12 } } });
  const stripe = new Stripe(h.local.secretKey, { ...h.local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
  const customer = await stripe.customers.create({ name: 'Invoiced Subscriber Ltd', email: 'ap@invoiced.example' });
  invoiced = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: 'price_NwBasicMonthly000001' }],
    collection_method: 'send_invoice',
    days_until_due: 30,
  });
  const formerCustomer = await stripe.customers.create({ name: 'Former Subscriber' });
  const plan = { customer: formerCustomer.id, items: [{ price: 'price_NwBasicMonthly000001' }], collection_method: 'send_invoice' as const, days_until_due: 30 };
  const gone = await stripe.subscriptions.create(plan);
  await stripe.subscriptions.cancel(gone.id);
  const active = await stripe.subscriptions.create(plan);
  former = { customer: formerCustomer.id, active: active.id, canceled: gone.id };
});
afterAll(() => h.stop());

const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());
const stored = (id: string): Stripe.Subscription => {
  const found = h.local.store.subscriptions.get(id);
  if (found === undefined) throw new Error(`no subscription ${id} in the local Stripe`);
  return found as Stripe.Subscription;
};
const productOf = (price: Stripe.Price) => (typeof price.product === 'string' ? price.product : price.product.id);

describe('subscription(id:)', () => {
  it('reads a subscription, its items, prices, products and customer with one expanded retrieve', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) { subscription(id: $id) {
        id status cancelAtPeriodEnd cancelAt canceledAt endedAt createdAt startDate currentPeriodStart currentPeriodEnd
        trialStart trialEnd collectionMethod currency
        customer { id name }
        items { id quantity currentPeriodStart currentPeriodEnd price { id active type currency unitAmount { amount currency formatted } recurring { interval intervalCount } product { id name active } } }
      } }`,
      { id: DEMO.subscription },
    );
    const sub = stored(DEMO.subscription);
    const item = sub.items.data[0]!;
    const product = h.local.store.products.get(productOf(item.price))!;
    expect(dataOf(res).subscription).toEqual({
      id: DEMO.subscription,
      status: sub.status.toUpperCase(),
      cancelAtPeriodEnd: sub.cancel_at_period_end,
      cancelAt: iso(sub.cancel_at),
      canceledAt: iso(sub.canceled_at),
      endedAt: iso(sub.ended_at),
      createdAt: iso(sub.created),
      startDate: iso(sub.start_date),
      currentPeriodStart: iso(item.current_period_start),
      currentPeriodEnd: iso(item.current_period_end),
      trialStart: iso(sub.trial_start),
      trialEnd: iso(sub.trial_end),
      collectionMethod: 'CHARGE_AUTOMATICALLY',
      currency: sub.currency.toUpperCase(),
      customer: { id: DEMO.customer, name: 'Ada Lovelace' },
      items: sub.items.data.map((i) => ({
        id: i.id,
        quantity: i.quantity,
        currentPeriodStart: iso(i.current_period_start),
        currentPeriodEnd: iso(i.current_period_end),
        price: {
          id: i.price.id,
          active: i.price.active,
          type: 'RECURRING',
          currency: i.price.currency.toUpperCase(),
          unitAmount: { amount: i.price.unit_amount, currency: i.price.currency.toUpperCase(), formatted: expect.stringMatching(/^\$\d/) },
          recurring: { interval: i.price.recurring!.interval.toUpperCase(), intervalCount: i.price.recurring!.interval_count },
          product: { id: product.id, name: product.name, active: product.active },
        },
      })),
    });
    expect(described).toEqual([`GET /v1/subscriptions/${DEMO.subscription} expand=customer,items.data.price.product`]);
  });

  it('expands nothing but the latest invoice when only ids are read', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) { subscription(id: $id) { id customer { id } items { price { id product { id } } } defaultPaymentMethod { id } latestInvoice { id } } }`,
      { id: invoiced.id },
    );
    expect(dataOf(res).subscription).toEqual({
      id: invoiced.id,
      customer: { id: invoiced.customer },
      items: [{ price: { id: 'price_NwBasicMonthly000001', product: { id: 'prod_NwBasic0000001' } } }],
      defaultPaymentMethod: null,
      latestInvoice: { id: invoiced.latest_invoice },
    });
    // The invoice is Stripe's whole object: selecting it at all expands it (in the same call).
    expect(described).toEqual([`GET /v1/subscriptions/${invoiced.id} expand=latest_invoice`]);
  });

  it('expands the latest invoice with the subscription when its fields are read', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) { subscription(id: $id) { latestInvoice { id status total { formatted } } invoices(first: 3) { edges { node { id } } } } }`,
      { id: invoiced.id },
    );
    const invoice = h.local.store.invoices.get(invoiced.latest_invoice as string)!;
    expect(dataOf(res).subscription).toEqual({
      latestInvoice: { id: invoice.id, status: invoice.status!.toUpperCase(), total: { formatted: '$' + (invoice.total / 100).toFixed(2) } },
      invoices: { edges: [{ node: { id: invoice.id } }] },
    });
    expect(described.sort()).toEqual(
      [`GET /v1/subscriptions/${invoiced.id} expand=latest_invoice`, `GET /v1/invoices?limit=3&subscription=${invoiced.id}`].sort(),
    );
  });

  it('is the same through node(id:), and one retrieve under aliases', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) {
        a: subscription(id: $id) { status }
        b: node(id: $id) { id ... on BillingSubscription { cancelAtPeriodEnd customer { name } } }
      }`,
      { id: DEMO.subscription },
    );
    expect(dataOf(res)).toEqual({
      a: { status: stored(DEMO.subscription).status.toUpperCase() },
      b: { id: DEMO.subscription, cancelAtPeriodEnd: stored(DEMO.subscription).cancel_at_period_end, customer: { name: 'Ada Lovelace' } },
    });
    expect(described).toEqual([`GET /v1/subscriptions/${DEMO.subscription} expand=customer`]);
  });

  it('refuses an id that is no subscription id before any call, and an unknown one is NOT_FOUND for admins', async () => {
    const bad = await expectError(h, 'BAD_USER_INPUT', `{ subscription(id: "in_123") { id } }`);
    expect(bad.calls).toEqual([]);
    const missing = await expectError(h, 'NOT_FOUND', `{ subscription(id: "sub_doesNotExist0000") { id } }`);
    expect(missing.described).toEqual(['GET /v1/subscriptions/sub_doesNotExist0000']);
  });
});

describe('Customer.subscriptions', () => {
  it('lists a customer’s subscriptions in the same wave as its retrieve, and their products in one batched call', async () => {
    const { res, described, calls } = await run(
      h,
      `query($id: ID!) { customer(id: $id) { name subscriptions { edges { node { id status items { price { id product { id name } } } } } } } }`,
      { id: DEMO.businessCustomer },
    );
    const subs = [...h.local.store.subscriptions.newestFirst()].filter((s) => (typeof s.customer === 'string' ? s.customer : s.customer.id) === DEMO.businessCustomer && s.status !== 'canceled');
    const data = dataOf(res).customer;
    expect(data.subscriptions.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(subs.map((s) => s.id));
    const products = [...new Set(subs.flatMap((s) => s.items.data.map((i) => productOf(i.price as Stripe.Price))))];
    expect(products.length).toBeGreaterThan(0);
    for (const edge of data.subscriptions.edges) {
      for (const item of edge.node.items) expect(item.price.product.name).toBe(h.local.store.products.get(item.price.product.id)!.name);
    }
    expect(described.sort()).toEqual(
      [
        `GET /v1/customers/${DEMO.businessCustomer}`,
        `GET /v1/subscriptions?limit=10&customer=${DEMO.businessCustomer}`,
        `GET /v1/products?limit=${products.length}`,
      ].sort(),
    );
    expect(Object.values(calls.find((c) => c.path === '/v1/products')!.params['ids'] as object)).toEqual(products);
  });
});

describe('Customer.subscriptions filters and viewer', () => {
  it('lists canceled ones only when asked (status: CANCELED, or includeCanceled), as Stripe lists them', async () => {
    const owner = former.customer;
    const query = `query($id: ID!, $status: BillingSubscriptionStatus, $all: Boolean) { customer(id: $id) { subscriptions(status: $status, includeCanceled: $all) { edges { node { id status } } } } }`;
    const ids = (r: Run<Record<string, any>>) => dataOf(r.res).customer.subscriptions.edges.map((e: { node: { id: string } }) => e.node.id);
    const plain = await run(h, query, { id: owner });
    expect(ids(plain)).toEqual([former.active]);
    const only = await run(h, query, { id: owner, status: 'CANCELED' });
    expect(ids(only)).toEqual([former.canceled]);
    // Only lists: the list for an unknown customer would fail, but a customer list does not prove it exists.
    expect(only.described.sort()).toEqual([`GET /v1/customers/${owner}`, `GET /v1/subscriptions?limit=10&customer=${owner}&status=canceled`].sort());
    const all = await run(h, query, { id: owner, all: true });
    expect(ids(all)).toEqual([former.active, former.canceled]);
    expect(all.described).toContain(`GET /v1/subscriptions?limit=10&customer=${owner}&status=all`);
    const both = await expectError(h, 'BAD_USER_INPUT', query, { id: owner, status: 'ACTIVE', all: true });
    expect(both.res.errors![0]!.extensions?.['field']).toBe('includeCanceled');
  });

  it('a customer reads its own through viewer: one list, no customer retrieve', async () => {
    const { res, described } = await run(h, `{ viewer { customer { subscriptions(first: 3) { edges { node { id customer { id } } } } } } }`, {}, { customer: DEMO.customer });
    expect(dataOf(res).viewer.customer.subscriptions.edges[0].node).toEqual({ id: DEMO.subscription, customer: { id: DEMO.customer } });
    expect(described).toEqual([`GET /v1/subscriptions?limit=3&customer=${DEMO.customer}`]);
  });

  it('Invoice.subscription: the invoice’s subscription, retrieved with what the selection reads', async () => {
    const invoiceId = invoiced.latest_invoice as string;
    const { res, described } = await run(h, `query($id: ID!) { invoice(id: $id) { id subscription { id status items { price { product { name } } } } } }`, { id: invoiceId });
    expect(dataOf(res).invoice).toEqual({ id: invoiceId, subscription: { id: invoiced.id, status: invoiced.status.toUpperCase(), items: [{ price: { product: { name: 'Basic' } } }] } });
    expect(described).toEqual([`GET /v1/invoices/${invoiceId}`, `GET /v1/subscriptions/${invoiced.id} expand=items.data.price.product`]);
  });
});

describe('PaymentMethod', () => {
  it('Customer.defaultPaymentMethod comes expanded in the customer’s retrieve: brand, last 4, expiry, never more', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) { customer(id: $id) { name defaultPaymentMethod { id type card { brand last4 expMonth expYear funding country } billingDetails { name } } } }`,
      { id: DEMO.customer },
    );
    const customer = h.local.store.customers.get(DEMO.customer)!;
    const pmId = customer.invoice_settings.default_payment_method as string;
    const pm = h.local.store.paymentMethods.get(pmId)!;
    expect(dataOf(res).customer.defaultPaymentMethod).toEqual({
      id: pmId,
      type: 'card',
      card: { brand: 'VISA', last4: '4242', expMonth: pm.card!.exp_month, expYear: pm.card!.exp_year, funding: 'CREDIT', country: pm.card!.country },
      billingDetails: { name: pm.billing_details.name },
    });
    expect(described).toEqual([`GET /v1/customers/${DEMO.customer} expand=invoice_settings.default_payment_method`]);
  });

  it('defaultPaymentMethod { id } needs no expansion; node(pm_) is one retrieve', async () => {
    const only = await run(h, `query($id: ID!) { customer(id: $id) { defaultPaymentMethod { id } } }`, { id: DEMO.customer });
    const pmId = h.local.store.customers.get(DEMO.customer)!.invoice_settings.default_payment_method as string;
    expect(dataOf(only.res).customer.defaultPaymentMethod).toEqual({ id: pmId });
    expect(only.described).toEqual([`GET /v1/customers/${DEMO.customer}`]);
    const node = await run(h, `query($id: ID!) { node(id: $id) { id ... on PaymentMethod { card { last4 } } } }`, { id: pmId }, { customer: DEMO.customer });
    expect(dataOf(node.res).node).toEqual({ id: pmId, card: { last4: '4242' } });
    expect(node.described).toEqual([`GET /v1/payment_methods/${pmId}`]);
  });

  it('a customer without a card has none', async () => {
    const { res } = await run(h, `query($id: ID!) { customer(id: $id) { defaultPaymentMethod { id } } }`, { id: DEMO.newCustomer });
    expect(dataOf(res).customer.defaultPaymentMethod).toBeNull();
  });
});

describe('the catalog', () => {
  it('prices(active, type) embeds each product in the one list call', async () => {
    const { res, described } = await run(h, `{ prices(first: 50, active: true, type: RECURRING) { edges { node { id active type unitAmount { formatted } product { id name } } } } }`, {}, { customer: DEMO.customer });
    const edges = dataOf(res).prices.edges as Array<{ node: { id: string; active: boolean; type: string; product: { id: string; name: string } } }>;
    const expected = [...h.local.store.prices.newestFirst()].filter((p) => p.active && p.type === 'recurring');
    expect(edges.map((e) => e.node.id)).toEqual(expected.map((p) => p.id));
    for (const { node } of edges) expect(node.product.name).toBe(h.local.store.products.get(node.product.id)!.name);
    expect(described).toEqual(['GET /v1/prices?limit=50&active=true&type=recurring expand=data.product']);
  });

  it('customers read only the active catalog; admins the archived part too', async () => {
    const refused = await expectError(h, 'FORBIDDEN', `{ products(active: false) { edges { node { id } } } }`, {}, { customer: DEMO.customer });
    expect(refused.calls).toEqual([]);
    const customers = await run(h, `{ products(first: 100) { edges { node { id active } } } }`, {}, { customer: DEMO.customer });
    expect(customers.described).toEqual(['GET /v1/products?limit=100&active=true']);
    const admins = await run(h, `{ products(first: 100, active: false) { edges { node { id active } } } }`);
    expect(admins.described).toEqual(['GET /v1/products?limit=100&active=false']);
    for (const edge of dataOf(admins.res).products.edges) expect(edge.node.active).toBe(false);
  });

  it('node(price_) and node(prod_): one retrieve each, the product expanded when read', async () => {
    const { res, described } = await run(
      h,
      `{ p: node(id: "price_NwBasicMonthly000001") { ... on Price { lookupKey product { name } } } q: node(id: "prod_NwBasic0000001") { ... on Product { name active } } }`,
      {},
      { customer: DEMO.customer },
    );
    const price = h.local.store.prices.get('price_NwBasicMonthly000001')!;
    expect(dataOf(res)).toEqual({ p: { lookupKey: price.lookup_key, product: { name: 'Basic' } }, q: { name: 'Basic', active: true } });
    expect(described.sort()).toEqual(['GET /v1/prices/price_NwBasicMonthly000001 expand=product', 'GET /v1/products/prod_NwBasic0000001'].sort());
  });
});

describe('Customer.upcomingInvoice', () => {
  it('is one preview call, in the same wave as the customer’s retrieve and its subscriptions', async () => {
    const { res, described } = await run(
      h,
      `query($id: ID!) { customer(id: $id) { name subscriptions(first: 1) { edges { node { id } } }
        upcomingInvoice { amountDue { amount formatted } total { amount } subtotal { amount } currency periodStart periodEnd nextPaymentAttempt subscriptionId hasMoreLines
          lines { id proration amount { amount } period { start end } priceId } } } }`,
      { id: DEMO.customer },
    );
    const data = dataOf(res).customer;
    const preview = data.upcomingInvoice;
    expect(preview.subscriptionId).toBe(DEMO.subscription);
    expect(preview.currency).toBe('USD');
    expect(preview.lines.length).toBeGreaterThan(0);
    expect(preview.lines.reduce((sum: number, l: { amount: { amount: number } }) => sum + l.amount.amount, 0)).toBe(preview.subtotal.amount);
    expect(preview.lines.map((l: { priceId: string }) => l.priceId)).toContain(stored(DEMO.subscription).items.data[0]!.price.id);
    expect(described.sort()).toEqual(
      [`GET /v1/customers/${DEMO.customer}`, `GET /v1/subscriptions?limit=1&customer=${DEMO.customer}`, `POST /v1/invoices/create_preview?customer=${DEMO.customer}`].sort(),
    );
  });

  it('is null when nothing is due next (Stripe’s invoice_upcoming_none)', async () => {
    const { res, described } = await run(h, `query($id: ID!) { customer(id: $id) { upcomingInvoice { total { amount } } } }`, { id: DEMO.newCustomer });
    expect(dataOf(res).customer).toEqual({ upcomingInvoice: null });
    expect(described.sort()).toEqual([`GET /v1/customers/${DEMO.newCustomer}`, `POST /v1/invoices/create_preview?customer=${DEMO.newCustomer}`].sort());
  });
});
