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
import { dataOf, expectError, run } from '../support/graphql.js';

let h: GatewayHarness;
/** A subscription made here through the SDK: invoiced for payment by email, so it has a latest invoice. */
let invoiced: Stripe.Subscription;

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
