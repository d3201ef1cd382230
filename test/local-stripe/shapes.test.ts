/**
 * The local Stripe's objects against Stripe's own example objects (`test/fixtures/stripe/`, in the repository): the
 * same keys, recursively, except the drift that `test/fixtures/stripe/README.md` lists between the fixture snapshot
 * and stripe@23.1.0.
 * Type conformance is checked by the compiler: each object is assigned to the SDK's own type.
 */
import { readFileSync } from 'node:fs';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, DEMO_CATALOG } from '../../src/local-stripe/index.js';
import { startHarness, type Harness } from '../support/local-stripe.js';

const FIXTURES = new URL('../fixtures/stripe/', import.meta.url);

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Record<string, unknown>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Differences in key sets between `actual` and `expected`, as `path: +key` (extra) / `path: -key` (missing).
 * Recurses where both sides hold an object (or a non-empty array of objects), except into `metadata`;
 * `lastResponse` is the SDK's own.
 */
function keyDiff(actual: unknown, expected: unknown, path = ''): string[] {
  if (!isObject(actual) || !isObject(expected)) {
    if (Array.isArray(actual) && Array.isArray(expected) && actual.length > 0 && expected.length > 0) {
      return keyDiff(actual[0], expected[0], `${path}[0]`);
    }
    return [];
  }
  const out: string[] = [];
  const actualKeys = new Set(Object.keys(actual).filter((k) => k !== 'lastResponse'));
  const expectedKeys = new Set(Object.keys(expected));
  for (const key of actualKeys) if (!expectedKeys.has(key)) out.push(`${path || '.'}: +${key}`);
  for (const key of expectedKeys) if (!actualKeys.has(key)) out.push(`${path || '.'}: -${key}`);
  for (const key of actualKeys) {
    if (key === 'metadata') continue; // the account's own keys, not Stripe's
    if (expectedKeys.has(key)) out.push(...keyDiff(actual[key], expected[key], `${path}.${key}`));
  }
  return out;
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ seed: 'demo' });
});
afterAll(() => h.local.stop());

describe('objects match Stripe’s example objects', () => {
  it('Customer', async () => {
    const customer: Stripe.Customer | Stripe.DeletedCustomer = await h.stripe.customers.retrieve(DEMO.customer);
    // The fixture has a discount object; our customers have none (null), so its keys are not compared.
    expect(keyDiff(customer, fixture('customer.json'))).toEqual([]);
  });

  it('Invoice, with its embedded lines, and without the stale top-level `subscription`', async () => {
    const list = await h.stripe.invoices.list({ customer: DEMO.customer, limit: 100 });
    const invoice: Stripe.Invoice | undefined = list.data.find((i) => i.lines.data.length > 1);
    if (invoice === undefined) throw new Error('no multi-line demo invoice');
    // test/fixtures/stripe/README.md: `subscription` was removed in 2025-03-31.basil. The fixture's line `pricing`
    // also lacks `price_details`, which stripe@23.1.0 types for `type: 'price_details'` (the only type there is).
    const drift = ['.: -subscription', '.lines.data[0].pricing: +price_details'];
    expect(keyDiff(invoice, fixture('invoice.json'))).toEqual(drift);
    expect('subscription' in invoice).toBe(false);
  });

  it('InvoiceLineItem, listed on its own', async () => {
    const invoice = (await h.stripe.invoices.list({ customer: DEMO.customer, limit: 1 })).data[0];
    if (invoice === undefined) throw new Error('no demo invoice');
    const lines = await h.stripe.invoices.listLineItems(invoice.id);
    const line: Stripe.InvoiceLineItem | undefined = lines.data[0];
    expect(keyDiff(line, fixture('line_item.json'))).toEqual(['.pricing: +price_details']);
  });

  it('PaymentMethod, a card (no fixture: every key stripe@23.1.0 requires, plus allow_redisplay; no number, no CVC)', async () => {
    const pm: Stripe.PaymentMethod = await h.stripe.paymentMethods.retrieve(DEMO.card);
    const keys = (value: object) => Object.keys(value).filter((k) => k !== 'lastResponse').sort();
    expect(keys(pm)).toEqual(
      ['id', 'object', 'allow_redisplay', 'billing_details', 'card', 'created', 'customer', 'customer_account', 'livemode', 'metadata', 'type'].sort(),
    );
    const card: Stripe.PaymentMethod.Card | undefined = pm.card;
    expect(keys(card ?? {})).toEqual(
      [
        'brand', 'checks', 'country', 'display_brand', 'exp_month', 'exp_year', 'fingerprint', 'funding', 'generated_from',
        'last4', 'networks', 'regulated_status', 'three_d_secure_usage', 'wallet',
      ].sort(),
    );
    expect(keys(pm.billing_details)).toEqual(['address', 'email', 'name', 'phone', 'tax_id']);
  });

  it('Subscription and SubscriptionItem (no fixture: every key stripe@23.1.0 requires, plus default_tax_rates and quantity)', async () => {
    const sub: Stripe.Subscription = await h.stripe.subscriptions.retrieve(DEMO.subscription);
    const keys = (value: object) => Object.keys(value).filter((k) => k !== 'lastResponse').sort();
    const required =
      'id object application application_fee_percent automatic_tax billing_cycle_anchor billing_cycle_anchor_config ' +
      'billing_mode billing_schedules billing_thresholds cancel_at cancel_at_period_end canceled_at cancellation_details ' +
      'collection_method created currency customer customer_account days_until_due default_payment_method default_source ' +
      'description discounts ended_at invoice_settings items latest_invoice livemode managed_payments metadata ' +
      'next_pending_invoice_item_invoice on_behalf_of pause_collection payment_settings pending_invoice_item_interval ' +
      'pending_setup_intent pending_update schedule start_date status test_clock transfer_data trial_end trial_settings trial_start';
    expect(keys(sub)).toEqual([...required.split(' '), 'default_tax_rates'].sort());
    const item: Stripe.SubscriptionItem = sub.items.data[0]!;
    const itemRequired = 'id object billing_thresholds created current_period_end current_period_start current_trial discounts metadata plan price subscription tax_rates';
    expect(keys(item)).toEqual([...itemRequired.split(' '), 'quantity'].sort());
    // The embedded price is the catalog's Price, key for key.
    expect(keyDiff(item.price, fixture('price.json'))).toEqual([]);
  });

  it('BillingPortal.Session, with the keys added since the fixture', async () => {
    const session: Stripe.BillingPortal.Session = await h.stripe.billingPortal.sessions.create({
      customer: DEMO.customer,
      return_url: 'https://example.com/account',
      flow_data: { type: 'subscription_update', subscription_update: { subscription: DEMO.subscription } },
    });
    // test/fixtures/stripe/README.md: the fixture has no `after_expiration`, and its `flow` lacks `customer_update` and
    // `subscription_pause`, which stripe@23.1.0's type has.
    expect(keyDiff(session, fixture('billing_portal.session.json')).sort()).toEqual(
      ['.: +after_expiration', '.flow: +customer_update', '.flow: +subscription_pause'].sort(),
    );
  });

  it('BillingPortal.Configuration, with the features added since the fixture', async () => {
    const configuration: Stripe.BillingPortal.Configuration = await h.stripe.billingPortal.configurations.retrieve(
      DEMO.defaultConfiguration,
    );
    // test/fixtures/stripe/README.md: no `subscription_pause` in the fixture; stripe@23.1.0 also requires
    // `cancellation_reason.feedback_options`, which the fixture predates.
    expect(keyDiff(configuration, fixture('billing_portal.configuration.json'))).toEqual([
      '.features: +subscription_pause',
      '.features.subscription_cancel.cancellation_reason: +feedback_options',
    ]);
  });

  it('Product, with the tax_details added since the fixture', async () => {
    const product: Stripe.Product = await h.stripe.products.retrieve(DEMO_CATALOG.products.pro);
    // test/fixtures/stripe/README.md: the fixture predates `tax_details`, which stripe@23.1.0 types.
    expect(keyDiff(product, fixture('product.json'))).toEqual(['.: +tax_details']);
  });

  it('Price, recurring and one-time', async () => {
    const recurring: Stripe.Price = await h.stripe.prices.retrieve(DEMO_CATALOG.prices.proYearly);
    expect(keyDiff(recurring, fixture('price.json'))).toEqual([]);
    const once: Stripe.Price = await h.stripe.prices.retrieve(DEMO_CATALOG.prices.onboardingWorkshop);
    expect(keyDiff(once, fixture('price.json'))).toEqual([]);
  });
});
