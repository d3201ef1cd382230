/**
 * The demo seed, read back through the SDK: the fixed ids docs and tests rely on, the spread of data the issue
 * promises (customers, invoices in every status, both collection methods, multi-line and proration invoices,
 * credit balances, two portal configurations, subscriptions), amounts that add up, and determinism.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, DEMO_CATALOG } from '../../src/local-stripe/index.js';
import { startHarness, type Harness } from '../support/local-stripe.js';

let h: Harness;
let invoices: Stripe.Invoice[];
let customers: Stripe.Customer[];

beforeAll(async () => {
  h = await startHarness({ seed: 'demo' });
  invoices = await h.stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
  customers = await h.stripe.customers.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
});
afterAll(() => h.local.stop());

function isProration(line: Stripe.InvoiceLineItem): boolean {
  return Boolean(line.parent?.invoice_item_details?.proration || line.parent?.subscription_item_details?.proration);
}

describe('demo seed', () => {
  it('has the documented objects under their fixed ids', async () => {
    const ada = await h.stripe.customers.retrieve(DEMO.customer);
    const acme = await h.stripe.customers.retrieve(DEMO.businessCustomer);
    const joan = await h.stripe.customers.retrieve(DEMO.newCustomer);
    expect([ada, acme, joan].map((c) => (c.deleted ? null : c.name))).toEqual([
      'Ada Lovelace',
      'Acme Corporation',
      'Joan Clarke',
    ]);
    const defaults = await h.stripe.billingPortal.configurations.retrieve(DEMO.defaultConfiguration);
    expect(defaults.is_default).toBe(true);
    const enterprise = await h.stripe.billingPortal.configurations.retrieve(DEMO.enterpriseConfiguration);
    expect(enterprise).toMatchObject({ is_default: false, name: 'Enterprise' });
    expect((await h.stripe.invoices.list({ subscription: DEMO.subscription })).data.length).toBeGreaterThan(0);
    expect((await h.stripe.invoices.list({ customer: DEMO.newCustomer })).data).toEqual([]);
  });

  it('spans at least 25 customers and ~150 invoices in every status and both collection methods', () => {
    expect(customers.length).toBeGreaterThanOrEqual(25);
    expect(invoices.length).toBeGreaterThanOrEqual(140);
    expect(new Set(invoices.map((i) => i.status))).toEqual(new Set(['draft', 'open', 'paid', 'uncollectible', 'void']));
    expect(new Set(invoices.map((i) => i.collection_method))).toEqual(new Set(['charge_automatically', 'send_invoice']));
    expect(new Set(invoices.map((i) => i.currency))).toEqual(new Set(['usd', 'eur', 'gbp', 'jpy']));
  });

  it('has credit balances, a carried minimum-charge debit, multi-line invoices and prorations', async () => {
    expect(customers.filter((c) => c.balance < 0).length).toBeGreaterThanOrEqual(3);
    const applied = invoices.filter((i) => i.status !== 'draft' && i.starting_balance < 0);
    expect(applied.length).toBeGreaterThan(0);
    const belowMinimum = invoices.find((i) => i.status === 'paid' && i.total > 0 && i.total < 50 && i.amount_due === 0);
    expect(belowMinimum?.ending_balance).toBe(belowMinimum?.total);
    expect(invoices.filter((i) => i.lines.data.length > 1).length).toBeGreaterThan(20);
    const withProration = invoices.filter((i) => i.lines.data.some(isProration));
    expect(withProration).toHaveLength(1);
    const prorations = withProration[0]?.lines.data.filter(isProration) ?? [];
    expect(prorations.map((l) => Math.sign(l.amount)).sort()).toEqual([-1, 1]);
    expect(prorations.every((l) => l.discountable === false)).toBe(true);
    const subscriptionInvoices = invoices.filter((i) => i.parent?.type === 'subscription_details');
    expect(new Set(subscriptionInvoices.map((i) => i.parent?.subscription_details?.subscription)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(subscriptionInvoices.map((i) => i.billing_reason))).toEqual(new Set(['subscription_cycle', 'subscription_create']));
  });

  it('has amounts that add up on every invoice', () => {
    for (const invoice of invoices) {
      const lines = invoice.lines.data.reduce((sum, line) => sum + line.amount, 0);
      if (!invoice.lines.has_more) expect(invoice.subtotal, invoice.id).toBe(lines);
      expect(invoice.total, invoice.id).toBe(invoice.subtotal);
      expect(invoice.amount_remaining, invoice.id).toBe(invoice.amount_due - invoice.amount_paid);
      if (invoice.status === 'draft') {
        expect([invoice.number, invoice.hosted_invoice_url, invoice.ending_balance], invoice.id).toEqual([null, null, null]);
        continue;
      }
      expect(invoice.number, invoice.id).toMatch(/^[0-9A-F]{8}-\d{4}$/);
      expect(invoice.hosted_invoice_url, invoice.id).toMatch(new RegExp(`^${h.local.url}/i/`));
      expect(invoice.amount_due, invoice.id).toBe(Math.max(0, invoice.total + invoice.starting_balance - (invoice.ending_balance ?? 0)));
      if (invoice.status === 'paid') expect(invoice.amount_paid, invoice.id).toBe(invoice.amount_due);
      if (invoice.collection_method === 'send_invoice') expect(invoice.due_date, invoice.id).not.toBeNull();
    }
  });

  it('gives every customer but Joan Clarke a default card; Margaret Hamilton’s declines every charge', async () => {
    const withoutCard = customers.filter((c) => c.invoice_settings.default_payment_method === null).map((c) => c.name);
    expect(withoutCard).toEqual(['Joan Clarke']);
    const ada = await h.stripe.customers.retrieve(DEMO.customer, { expand: ['invoice_settings.default_payment_method'] });
    const adaCard = ada.deleted ? null : (ada.invoice_settings.default_payment_method as Stripe.PaymentMethod);
    expect(adaCard).toMatchObject({ id: DEMO.card, customer: DEMO.customer, card: { brand: 'visa', last4: '4242' } });
    const margaret = await h.stripe.customers.retrieve(DEMO.decliningCustomer);
    expect(margaret.deleted ? null : [margaret.name, margaret.invoice_settings.default_payment_method]).toEqual([
      'Margaret Hamilton',
      DEMO.decliningCard,
    ]);
    expect((await h.stripe.paymentMethods.retrieve(DEMO.decliningCard)).card?.last4).toBe('0341');
    const cards = await h.stripe.paymentMethods.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(new Set(cards.map((pm) => pm.card?.brand))).toEqual(new Set(['visa', 'mastercard', 'amex']));
    expect(new Set(cards.map((pm) => pm.card?.exp_year)).size).toBeGreaterThan(2);
    // Paid card invoices were charged: each has its paid payment.
    const paid = invoices.find((i) => i.status === 'paid' && i.customer === DEMO.customer && i.amount_paid > 0);
    if (paid === undefined) throw new Error('Ada has no paid invoice');
    const withPayments = await h.stripe.invoices.retrieve(paid.id, { expand: ['payments'] });
    expect(withPayments.payments?.data.map((p) => [p.status, p.amount_paid])).toEqual([['paid', paid.amount_paid]]);
  });

  it('has the catalog under its fixed ids: monthly plans, yearly Basic and Pro, a one-off workshop', async () => {
    const prices = await h.stripe.prices.list({ limit: 100, expand: ['data.product'] });
    expect(new Set(prices.data.map((p) => p.id))).toEqual(new Set(Object.values(DEMO_CATALOG.prices)));
    const byKey = await h.stripe.prices.list({
      lookup_keys: ['basic_monthly', 'basic_yearly', 'pro_monthly', 'pro_yearly', 'team_seat_monthly', 'enterprise_monthly'],
    });
    expect(Object.fromEntries(byKey.data.map((p) => [p.lookup_key, [p.id, p.unit_amount, p.recurring?.interval]]))).toEqual({
      basic_monthly: [DEMO_CATALOG.prices.basicMonthly, 1900, 'month'],
      basic_yearly: [DEMO_CATALOG.prices.basicYearly, 19_000, 'year'],
      pro_monthly: [DEMO_CATALOG.prices.proMonthly, 4900, 'month'],
      pro_yearly: [DEMO_CATALOG.prices.proYearly, 49_000, 'year'],
      team_seat_monthly: [DEMO_CATALOG.prices.teamSeatMonthly, 1500, 'month'],
      enterprise_monthly: [DEMO_CATALOG.prices.enterpriseMonthly, 49_900, 'month'],
    });
    const workshop = await h.stripe.prices.retrieve(DEMO_CATALOG.prices.onboardingWorkshop);
    expect([workshop.type, workshop.product]).toEqual(['one_time', DEMO_CATALOG.products.onboarding]);
    const products = await h.stripe.products.list({ limit: 100 });
    expect(new Set(products.data.map((p) => p.id))).toEqual(new Set(Object.values(DEMO_CATALOG.products)));
    const pro = await h.stripe.products.retrieve(DEMO_CATALOG.products.pro);
    expect([pro.name, pro.default_price]).toEqual(['Pro', DEMO_CATALOG.prices.proMonthly]);
    // Subscriptions and their invoice lines bill the catalog's prices.
    const lines = invoices.flatMap((i) => i.lines.data).map((l) => l.pricing?.price_details?.price);
    expect(lines).toContain(DEMO_CATALOG.prices.proMonthly);
    const portal = await h.stripe.billingPortal.configurations.retrieve(DEMO.defaultConfiguration, {
      expand: ['features.subscription_update.products'],
    });
    expect(portal.features.subscription_update.products?.map((p) => [p.product, p.prices])).toEqual([
      [DEMO_CATALOG.products.basic, [DEMO_CATALOG.prices.basicMonthly, DEMO_CATALOG.prices.basicYearly]],
      [DEMO_CATALOG.products.pro, [DEMO_CATALOG.prices.proMonthly, DEMO_CATALOG.prices.proYearly]],
    ]);
  });

  it('is the same on every start', async () => {
    const again = await startHarness({ seed: 'demo' });
    try {
      const second = await again.stripe.invoices.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
      const strip = (list: Stripe.Invoice[]) =>
        JSON.stringify(list).replaceAll(h.local.url, '').replaceAll(again.local.url, '');
      expect(strip(second)).toBe(strip(invoices));
    } finally {
      await again.local.stop();
    }
  });

  it('gives objects created after the seed fresh random ids', async () => {
    const other = await startHarness({ seed: 'demo' });
    try {
      const a = await h.stripe.customers.create({ name: 'New' });
      const b = await other.stripe.customers.create({ name: 'New' });
      expect(a.id).not.toBe(b.id);
    } finally {
      await other.local.stop();
    }
  });

  it('has subscriptions in the states a billing page meets, their current period containing now', async () => {
    const now = Math.floor(Date.now() / 1000);
    const all = await h.stripe.subscriptions.list({ status: 'all', limit: 100 });
    expect(all.data.length).toBeGreaterThanOrEqual(15);
    const byId = new Map(all.data.map((s) => [s.id, s]));
    const state = (id: string) => byId.get(id);
    expect(state(DEMO.subscription)).toMatchObject({ status: 'active', customer: DEMO.customer, cancel_at_period_end: false });
    expect(state(DEMO.businessSubscription)).toMatchObject({ status: 'active', customer: DEMO.businessCustomer, collection_method: 'send_invoice' });
    expect(state(DEMO.businessSubscription)!.items.data[0]!.quantity).toBe(12);
    expect(state(DEMO.trialingSubscription)).toMatchObject({ status: 'trialing' });
    expect(state(DEMO.trialingSubscription)!.trial_end).toBeGreaterThan(now);
    expect(state(DEMO.pastDueSubscription)).toMatchObject({ status: 'past_due', customer: DEMO.decliningCustomer });
    expect(state(DEMO.cancelingSubscription)).toMatchObject({ status: 'active', cancel_at_period_end: true, cancellation_details: { feedback: 'too_expensive' } });
    expect(state(DEMO.canceledSubscription)).toMatchObject({ status: 'canceled', cancellation_details: { reason: 'cancellation_requested', feedback: 'switched_service' } });
    for (const sub of all.data.filter((s) => s.status !== 'canceled')) {
      const item = sub.items.data[0]!;
      expect([sub.id, item.current_period_start <= now && now < item.current_period_end]).toEqual([sub.id, true]);
      const latest = await h.stripe.invoices.retrieve(sub.latest_invoice as string);
      expect(latest.parent?.subscription_details?.subscription).toBe(sub.id);
    }
    const pastDue = await h.stripe.invoices.retrieve(state(DEMO.pastDueSubscription)!.latest_invoice as string);
    expect(pastDue).toMatchObject({ status: 'open', billing_reason: 'subscription_cycle', attempted: true });
    expect(pastDue.next_payment_attempt).toBeGreaterThan(now);
    // The new customer has none, and still no invoices.
    expect((await h.stripe.subscriptions.list({ customer: DEMO.newCustomer, status: 'all' })).data).toEqual([]);
    // The next invoice of Ada's subscription is its renewal.
    const preview = await h.stripe.invoices.createPreview({ customer: DEMO.customer });
    expect(preview.period_end).toBe(state(DEMO.subscription)!.items.data[0]!.current_period_end);
    expect(preview.lines.data.map((l) => l.amount)).toEqual([4900]);
  });
});
