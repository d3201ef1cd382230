/**
 * Billing portal configurations and sessions through the real SDK, and the hosted portal page through `fetch`.
 * Typed assignments (`const x: Stripe.… = await …`) prove that responses line up with the SDK's types;
 * `@ts-expect-error` marks requests the SDK's types forbid, sent anyway to check the server's answer.
 */
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { manualClock, type Store } from '../../src/local-stripe/index.js';
import { createPrice } from '../../src/local-stripe/resources/prices.js';
import { createProduct } from '../../src/local-stripe/resources/products.js';
import { createSubscription } from '../../src/local-stripe/resources/subscription-create.js';
import type { Subscription } from '../../src/local-stripe/resources/subscription-shape.js';
import { startHarness, stripeError, type Harness } from '../support/local-stripe.js';
import { testPrice } from '../support/prices.js';

type Configuration = Stripe.BillingPortal.Configuration;
type Session = Stripe.BillingPortal.Session;
type SessionParams = Stripe.BillingPortal.SessionCreateParams;

const CONNECTED = 'acct_1PortalConnectd01';
const TTL_MS = 5 * 60 * 1000;
const clock = manualClock();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ clock, sessionTtlMs: TTL_MS, connectedAccounts: [CONNECTED] });
  addCatalog(h.local.store);
});
afterAll(() => h.local.stop());

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** Keys of a response, without the SDK's `lastResponse`. */
function keys(object: object): string[] {
  return Object.keys(object)
    .filter((k) => k !== 'lastResponse')
    .sort();
}

/** The value, failing the test when it is null or undefined (narrows without a cast). */
function present<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new Error('expected a value');
  return value;
}

/** An expandable field that must have been expanded. */
function expanded<T extends object>(value: string | T): T {
  if (typeof value === 'string') throw new Error(`expected an expanded object, got the id ${value}`);
  return value;
}

async function defaultConfiguration(client: Stripe = h.stripe): Promise<Configuration> {
  const list: Stripe.ApiList<Configuration> = await client.billingPortal.configurations.list({ is_default: true });
  expect(list.data).toHaveLength(1);
  return present(list.data[0]);
}

/** Every feature on, every parameter the SDK's ConfigurationCreateParams has. */
function fullParams(): Stripe.BillingPortal.ConfigurationCreateParams {
  return {
    business_profile: {
      headline: 'Acme Cloud billing',
      privacy_policy_url: 'https://acme.test/privacy',
      terms_of_service_url: 'https://acme.test/terms',
    },
    default_return_url: 'https://acme.test/account',
    features: {
      customer_update: { enabled: true, allowed_updates: ['email', 'address', 'tax_id'] },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true, payment_method_configuration: 'pmc_1Local' },
      subscription_cancel: {
        enabled: true,
        mode: 'immediately',
        proration_behavior: 'create_prorations',
        cancellation_reason: {
          enabled: true,
          options: ['too_expensive', 'missing_features', 'other'],
          feedback_options: ['bfo_1'],
        },
      },
      subscription_pause: {
        enabled: true,
        duration: {
          type: 'interval_options',
          interval_options: [{ interval: 'month', interval_count: 2 }, { interval: 'week' }],
        },
      },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['price', 'quantity', 'promotion_code'],
        products: [
          {
            product: 'prod_basic',
            prices: ['price_basic_m', 'price_basic_y'],
            adjustable_quantity: { enabled: true, minimum: 1, maximum: 10 },
          },
          { product: 'prod_pro', prices: ['price_pro_m'] },
        ],
        proration_behavior: 'always_invoice',
        schedule_at_period_end: { conditions: [{ type: 'decreasing_item_amount' }, { type: 'shortening_interval' }] },
        trial_update_behavior: 'continue_trial',
        billing_cycle_anchor: 'now',
      },
    },
    login_page: { enabled: true },
    metadata: { team: 'billing' },
    name: 'Everything on',
  };
}

async function newCustomer(
  params: Stripe.CustomerCreateParams = {},
  client: Stripe = h.stripe,
): Promise<Stripe.Customer> {
  return client.customers.create({ name: 'Grace Hopper', email: 'grace@example.com', ...params });
}

/** A subscription in `status`, made without its first invoice (the portal tests arrange invoices themselves). */
function subscribe(customer: string, status: Subscription['status'] = 'active', items = 1): Subscription {
  const prices = Array.from({ length: items }, (_, i) => testPrice(h.local.store, { id: i === 0 ? 'price_basic_m' : `price_extra_${i}`, product: `prod_${i}` }));
  const subscription = createSubscription(
    h.local.store,
    { customer, items: prices.map((price) => ({ price: price.id, quantity: 1 })) },
    { invoice: false },
  );
  subscription.status = status;
  return subscription;
}

/**
 * The products and prices `fullParams()` names (a configuration's catalog must exist), under fixed ids, and a
 * one-time price the portal cannot offer.
 */
function addCatalog(store: Store): void {
  const prices: Array<[string, string, 'month' | 'year' | undefined]> = [
    ['prod_basic', 'price_basic_m', 'month'],
    ['prod_basic', 'price_basic_y', 'year'],
    ['prod_basic', 'price_basic_once', undefined],
    ['prod_pro', 'price_pro_m', 'month'],
  ];
  createProduct(store, { id: 'prod_basic', name: 'Basic' });
  createProduct(store, { id: 'prod_pro', name: 'Pro' });
  for (const [product, id, interval] of prices) {
    createPrice(store, { currency: 'usd', unit_amount: 1000, product, ...(interval ? { recurring: { interval } } : {}) }, { id });
  }
}

/** A finalized (or draft) invoice as Stripe returns it, put straight into the store the portal page reads. */
function addInvoice(
  store: Store,
  opts: {
    customer: string;
    total: number;
    currency?: string;
    status?: Stripe.Invoice.Status;
    number?: string;
    on_behalf_of?: string;
  },
): Stripe.Invoice {
  const created = store.nowSeconds() + store.invoices.size;
  const id = store.ids.id('in', 24);
  const status = opts.status ?? 'paid';
  const finalized = status !== 'draft';
  const invoice: Stripe.Invoice = {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Local Stripe',
    account_tax_ids: null,
    amount_due: opts.total,
    amount_overpaid: 0,
    amount_paid: status === 'paid' ? opts.total : 0,
    amount_remaining: status === 'paid' ? 0 : opts.total,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: finalized,
    automatic_tax: { enabled: false, disabled_reason: null, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: 'manual',
    collection_method: 'charge_automatically',
    created,
    currency: opts.currency ?? 'usd',
    custom_fields: null,
    customer: opts.customer,
    customer_account: null,
    customer_address: null,
    customer_email: null,
    customer_name: null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: finalized ? created : null,
    ending_balance: finalized ? 0 : null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: finalized ? `${h.local.url}/i/test_${id}` : null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: finalized ? (opts.number ?? `TEST-${store.invoices.size + 1}`) : null,
    on_behalf_of: opts.on_behalf_of ?? null,
    parent: null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: created,
    period_start: created,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status,
    status_transitions: {
      finalized_at: finalized ? created : null,
      marked_uncollectible_at: null,
      paid_at: null,
      voided_at: null,
    },
    subtotal: opts.total,
    subtotal_excluding_tax: opts.total,
    test_clock: null,
    total: opts.total,
    total_discount_amounts: [],
    total_excluding_tax: opts.total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: null,
  };
  return store.invoices.insert(invoice);
}

async function page(url: string): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

// ---------------------------------------------------------------------------------------------------------------

describe('billing portal configurations', () => {
  it('every account is born with exactly one default configuration, active, listed by is_default', async () => {
    const all: Stripe.ApiList<Configuration> = await h.stripe.billingPortal.configurations.list();
    const defaults = all.data.filter((c) => c.is_default);
    expect(defaults).toHaveLength(1);
    const configuration = await defaultConfiguration();
    expect(configuration).toMatchObject({
      object: 'billing_portal.configuration',
      active: true,
      is_default: true,
      livemode: false,
    });
    expect(configuration.id).toMatch(/^bpc_[A-Za-z0-9]{24}$/);
    expect(configuration.features.invoice_history.enabled).toBe(true);
    expect(configuration.login_page).toEqual({ enabled: false, url: null });

    const connected = h.client({ stripeAccount: CONNECTED });
    const connectedDefault = await defaultConfiguration(connected);
    expect(connectedDefault.id).not.toBe(configuration.id);
  });

  it('creates a configuration with every feature parameter and returns the SDK’s shape', async () => {
    const created: Configuration = await h.stripe.billingPortal.configurations.create(fullParams());
    expectTypeOf(created).toMatchTypeOf<Configuration>();
    expect(created.id).toMatch(/^bpc_[A-Za-z0-9]{24}$/);
    expect(keys(created)).toEqual(
      [
        'active', 'application', 'business_profile', 'created', 'default_return_url', 'features', 'id', 'is_default',
        'livemode', 'login_page', 'metadata', 'name', 'object', 'updated',
      ].sort(),
    );
    expect(created).toMatchObject({
      object: 'billing_portal.configuration',
      active: true,
      application: null,
      is_default: false,
      livemode: false,
      name: 'Everything on',
      metadata: { team: 'billing' },
      default_return_url: 'https://acme.test/account',
      business_profile: {
        headline: 'Acme Cloud billing',
        privacy_policy_url: 'https://acme.test/privacy',
        terms_of_service_url: 'https://acme.test/terms',
      },
      login_page: { enabled: true, url: `${h.local.url}/p/login/${created.id}` },
    });
    expect(created.created).toBe(Math.floor(clock.now() / 1000));
    expect(created.updated).toBe(created.created);
    expect(created.features).toEqual({
      customer_update: { enabled: true, allowed_updates: ['email', 'address', 'tax_id'] },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: true, payment_method_configuration: 'pmc_1Local' },
      subscription_cancel: {
        enabled: true,
        mode: 'immediately',
        proration_behavior: 'create_prorations',
        cancellation_reason: {
          enabled: true,
          options: ['too_expensive', 'missing_features', 'other'],
          feedback_options: ['bfo_1'],
        },
      },
      subscription_pause: {
        enabled: true,
        duration: {
          type: 'interval_options',
          interval_options: [
            { interval: 'month', interval_count: 2 },
            { interval: 'week', interval_count: 1 },
          ],
        },
      },
      // `products` is expand-only.
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['price', 'quantity', 'promotion_code'],
        proration_behavior: 'always_invoice',
        schedule_at_period_end: { conditions: [{ type: 'decreasing_item_amount' }, { type: 'shortening_interval' }] },
        trial_update_behavior: 'continue_trial',
        billing_cycle_anchor: 'now',
      },
    });
  });

  it('fills Stripe’s defaults for features left out', async () => {
    const created = await h.stripe.billingPortal.configurations.create({
      features: { invoice_history: { enabled: true } },
    });
    expect(created).toMatchObject({
      name: null,
      metadata: {},
      default_return_url: null,
      business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
      login_page: { enabled: false, url: null },
    });
    expect(created.features).toEqual({
      customer_update: { enabled: false, allowed_updates: [] },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: false, payment_method_configuration: null },
      subscription_cancel: {
        enabled: false,
        mode: 'at_period_end',
        proration_behavior: 'none',
        cancellation_reason: { enabled: false, options: [], feedback_options: null },
      },
      subscription_pause: {
        enabled: false,
        duration: { type: 'interval_options', interval_options: [{ interval: 'month', interval_count: 1 }] },
      },
      subscription_update: {
        enabled: false,
        default_allowed_updates: [],
        proration_behavior: 'none',
        schedule_at_period_end: { conditions: [] },
        trial_update_behavior: 'end_trial',
        billing_cycle_anchor: null,
      },
    });
  });

  it('returns features.subscription_update.products only when expanded, on every endpoint', async () => {
    const path = 'features.subscription_update.products';
    const created = await h.stripe.billingPortal.configurations.create({ ...fullParams(), expand: [path] });
    const expected: Stripe.BillingPortal.Configuration.Features.SubscriptionUpdate.Product[] = [
      {
        product: 'prod_basic',
        prices: ['price_basic_m', 'price_basic_y'],
        adjustable_quantity: { enabled: true, minimum: 1, maximum: 10 },
      },
      {
        product: 'prod_pro',
        prices: ['price_pro_m'],
        adjustable_quantity: { enabled: false, minimum: 0, maximum: null },
      },
    ];
    expect(created.features.subscription_update.products).toEqual(expected);

    const retrieved = await h.stripe.billingPortal.configurations.retrieve(created.id);
    expect(retrieved.features.subscription_update).not.toHaveProperty('products');
    const expanded = await h.stripe.billingPortal.configurations.retrieve(created.id, { expand: [path] });
    expect(expanded.features.subscription_update.products).toEqual(expected);
    const updated = await h.stripe.billingPortal.configurations.update(created.id, { name: 'x', expand: [path] });
    expect(updated.features.subscription_update.products).toEqual(expected);
    const listed = await h.stripe.billingPortal.configurations.list({ limit: 100, expand: [`data.${path}`] });
    expect(listed.data.find((c) => c.id === created.id)?.features.subscription_update.products).toEqual(expected);
    const defaultProducts = listed.data.find((c) => c.is_default)?.features.subscription_update.products;
    expect(defaultProducts).toEqual([]);
  });

  it('expands application (null: no Connect application here) and rejects other expand paths', async () => {
    const configuration = await defaultConfiguration();
    const expanded = await h.stripe.billingPortal.configurations.retrieve(
      configuration.id,
      { expand: ['application'] },
    );
    expect(expanded.application).toBeNull();
    const bad = await stripeError(h.stripe.billingPortal.configurations.retrieve(
      configuration.id,
      { expand: ['features'] },
    ));
    expect([bad.statusCode, bad.param]).toEqual([400, 'expand']);
    const list = await stripeError(h.stripe.billingPortal.configurations.list({ expand: ['application'] }));
    expect(list.param).toBe('expand');
    expect(list.message).toContain('data.application');
  });

  it('retrieves a configuration, and answers resource_missing for an unknown id', async () => {
    const created = await h.stripe.billingPortal.configurations.create({
      features: { invoice_history: { enabled: false } },
    });
    const retrieved: Configuration = await h.stripe.billingPortal.configurations.retrieve(created.id);
    expect(keys(retrieved)).toEqual(keys(created));
    expect(retrieved).toEqual(created);

    const missing = await stripeError(h.stripe.billingPortal.configurations.retrieve('bpc_doesnotexist'));
    expect([missing.statusCode, missing.code, missing.param]).toEqual([404, 'resource_missing', 'id']);
    expect(missing.message).toBe("No such configuration: 'bpc_doesnotexist'");
    const update = await stripeError(h.stripe.billingPortal.configurations.update('bpc_doesnotexist', { name: 'x' }));
    expect(update.code).toBe('resource_missing');
  });

  it('updates every field, merges features, clears with empty strings and moves `updated`', async () => {
    const created = await h.stripe.billingPortal.configurations.create(fullParams());
    clock.advance(90_000);
    const params: Stripe.BillingPortal.ConfigurationUpdateParams = {
      name: '',
      default_return_url: '',
      business_profile: { headline: 'New headline', privacy_policy_url: '' },
      metadata: { team: '', owner: 'ada' },
      login_page: { enabled: false },
      features: {
        customer_update: { allowed_updates: '' },
        invoice_history: { enabled: false },
        payment_method_update: { enabled: false, payment_method_configuration: '' },
        subscription_cancel: {
          mode: 'at_period_end',
          proration_behavior: 'none',
          cancellation_reason: { enabled: false },
        },
        subscription_pause: { duration: { type: 'indefinite' } },
        subscription_update: {
          products: '',
          default_allowed_updates: ['quantity'],
          schedule_at_period_end: { conditions: '' },
        },
      },
    };
    const updated: Configuration = await h.stripe.billingPortal.configurations.update(created.id, {
      ...params,
      expand: ['features.subscription_update.products'],
    });
    expect(updated.updated).toBe(created.updated + 90);
    expect(updated.created).toBe(created.created);
    expect(updated).toMatchObject({
      name: null,
      default_return_url: null,
      business_profile: {
        headline: 'New headline',
        privacy_policy_url: null,
        terms_of_service_url: 'https://acme.test/terms',
      },
      metadata: { owner: 'ada' },
      login_page: { enabled: false, url: null },
      is_default: false,
      active: true,
    });
    expect(updated.features).toEqual({
      customer_update: { enabled: true, allowed_updates: [] },
      invoice_history: { enabled: false },
      payment_method_update: { enabled: false, payment_method_configuration: null },
      subscription_cancel: {
        enabled: true,
        mode: 'at_period_end',
        proration_behavior: 'none',
        cancellation_reason: {
          enabled: false,
          options: ['too_expensive', 'missing_features', 'other'],
          feedback_options: ['bfo_1'],
        },
      },
      subscription_pause: { enabled: true, duration: { type: 'indefinite', interval_options: [] } },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['quantity'],
        products: [],
        proration_behavior: 'always_invoice',
        schedule_at_period_end: { conditions: [] },
        trial_update_behavior: 'continue_trial',
        billing_cycle_anchor: 'now',
      },
    });
    const reenabled = await h.stripe.billingPortal.configurations.update(created.id, { login_page: { enabled: true } });
    expect(reenabled.login_page.url).toBe(`${h.local.url}/p/login/${created.id}`);
  });

  it('keeps exactly one default: is_default cannot be set and the default cannot be deactivated', async () => {
    const creating = await stripeError(
      h.stripe.billingPortal.configurations.create({
        features: { invoice_history: { enabled: true } },
        // @ts-expect-error is_default is not a create parameter
        is_default: true,
      }),
    );
    expect([creating.statusCode, creating.code, creating.param]).toEqual([400, 'parameter_unknown', 'is_default']);

    const configuration = await defaultConfiguration();
    const updating = await stripeError(
      // @ts-expect-error is_default is not an update parameter
      h.stripe.billingPortal.configurations.update(configuration.id, { is_default: false }),
    );
    expect([updating.code, updating.param]).toEqual(['parameter_unknown', 'is_default']);

    const deactivating = await stripeError(h.stripe.billingPortal.configurations.update(
      configuration.id,
      { active: false },
    ));
    expect([
      deactivating.statusCode,
      deactivating.rawType,
      deactivating.param,
    ]).toEqual([400, 'invalid_request_error', 'active']);
    expect(deactivating.message).toMatch(/default configuration/);

    // Other changes to the default are fine, and a non-default one can be deactivated and reactivated.
    const renamed = await h.stripe.billingPortal.configurations.update(
      configuration.id,
      { active: true, name: 'Default' },
    );
    expect(renamed).toMatchObject({ active: true, is_default: true, name: 'Default' });
    const other = await h.stripe.billingPortal.configurations.create({
      features: { invoice_history: { enabled: true } },
    });
    expect((await h.stripe.billingPortal.configurations.update(other.id, { active: false })).active).toBe(false);
    const inactive = await h.stripe.billingPortal.configurations.list({ active: false, limit: 100 });
    expect(inactive.data.map((c) => c.id)).toContain(other.id);
    expect(inactive.data.every((c) => !c.active)).toBe(true);
    expect((await h.stripe.billingPortal.configurations.update(other.id, { active: true })).active).toBe(true);
    const defaults = await h.stripe.billingPortal.configurations.list({ is_default: true });
    expect(defaults.data.map((c) => c.id)).toEqual([configuration.id]);
    const nonDefault = await h.stripe.billingPortal.configurations.list({ is_default: false, limit: 100 });
    expect(nonDefault.data.some((c) => c.is_default)).toBe(false);
  });

  it('lists newest first with cursors and auto-pagination', async () => {
    const connected = h.client({ stripeAccount: CONNECTED });
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push((await connected.billingPortal.configurations.create({
        features: { invoice_history: { enabled: true } },
        name: `c${i}`,
      })).id);
    }
    const first = await connected.billingPortal.configurations.list({ limit: 2 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/billing_portal/configurations' });
    expect(first.data.map((c) => c.id)).toEqual([made[2], made[1]]);
    const second = await connected.billingPortal.configurations.list({ limit: 2, starting_after: made[1] });
    expect(second.data.map((c) => c.name)).toEqual(['c0', null]);
    expect(second.has_more).toBe(false);
    const back = await connected.billingPortal.configurations.list({ limit: 1, ending_before: made[1] });
    expect(back.data.map((c) => c.id)).toEqual([made[2]]);
    const all = await connected.billingPortal.configurations.list({ limit: 1 }).autoPagingToArray({ limit: 100 });
    expect(all).toHaveLength(4);
    expect(all.filter((c) => c.is_default)).toHaveLength(1);
  });

  interface InvalidCreate {
    name: string;
    params: () => Stripe.BillingPortal.ConfigurationCreateParams;
    code?: string;
    param: string;
  }
  const invalidCreates: InvalidCreate[] = [
    // @ts-expect-error features is required
    { name: 'features missing', params: () => ({ name: 'x' }), code: 'parameter_missing', param: 'features' },
    {
      name: 'a feature without enabled',
      // @ts-expect-error enabled is required
      params: () => ({ features: { customer_update: { allowed_updates: ['email'] } } }),
      code: 'parameter_missing',
      param: 'features[customer_update][enabled]',
    },
    {
      name: 'an unknown customer_update value',
      params: () => ({ features: { customer_update: { enabled: true, allowed_updates: ['email', 'shoe_size'] } } }),
      param: 'features[customer_update][allowed_updates][1]',
    },
    {
      name: 'an unknown cancel mode',
      params: () => ({ features: { subscription_cancel: { enabled: true, mode: 'whenever' } } }),
      param: 'features[subscription_cancel][mode]',
    },
    {
      name: 'cancellation reasons without options',
      // @ts-expect-error options is required on create
      params: () => ({ features: { subscription_cancel: { enabled: true, cancellation_reason: { enabled: true } } } }),
      code: 'parameter_missing',
      param: 'features[subscription_cancel][cancellation_reason][options]',
    },
    {
      name: 'cancel with always_invoice',
      params: () => ({
        features: { subscription_cancel: { enabled: true, mode: 'immediately', proration_behavior: 'always_invoice' } },
      }),
      param: 'features[subscription_cancel][proration_behavior]',
    },
    {
      name: 'cancel at period end with prorations',
      params: () => ({
        features: {
          subscription_cancel: { enabled: true, mode: 'at_period_end', proration_behavior: 'create_prorations' },
        },
      }),
      param: 'features[subscription_cancel][proration_behavior]',
    },
    {
      name: 'pause options missing',
      params: () => ({ features: { subscription_pause: { enabled: true, duration: { type: 'interval_options' } } } }),
      code: 'parameter_missing',
      param: 'features[subscription_pause][duration][interval_options]',
    },
    {
      name: 'a pause longer than three years',
      params: () => ({
        features: {
          subscription_pause: {
            duration: { type: 'interval_options', interval_options: [{ interval: 'month', interval_count: 37 }] },
          },
        },
      }),
      param: 'features[subscription_pause][duration][interval_options][0][interval_count]',
    },
    {
      name: 'an unknown pause interval',
      params: () => ({
        features: {
          subscription_pause: { duration: { type: 'interval_options', interval_options: [{ interval: 'fortnight' }] } },
        },
      }),
      param: 'features[subscription_pause][duration][interval_options][0][interval]',
    },
    {
      name: 'more than ten products',
      params: () => ({
        features: {
          subscription_update: {
            enabled: true,
            products: Array.from({ length: 11 }, (_, i) => ({ product: `prod_${i}`, prices: [`price_${i}`] })),
          },
        },
      }),
      param: 'features[subscription_update][products]',
    },
    {
      name: 'a product without prices',
      params: () => ({
        features: {
          // @ts-expect-error prices cannot be emptied with ''
          subscription_update: { enabled: true, products: [{ product: 'prod_1', prices: '' }] },
        },
      }),
      param: 'features[subscription_update][products][0][prices]',
    },
    {
      name: 'a quantity maximum below the minimum',
      params: () => ({
        features: {
          subscription_update: {
            enabled: true,
            products: [{
              product: 'prod_1',
              prices: ['price_1'],
              adjustable_quantity: { enabled: true, minimum: 5, maximum: 2 },
            }],
          },
        },
      }),
      param: 'features[subscription_update][products][0][adjustable_quantity][maximum]',
    },
    {
      name: 'a product that does not exist',
      params: () => ({ features: { subscription_update: { enabled: true, products: [{ product: 'prod_nope', prices: ['price_basic_m'] }] } } }),
      code: 'resource_missing',
      param: 'features[subscription_update][products][0][product]',
    },
    {
      name: 'a price that does not exist',
      params: () => ({
        features: {
          subscription_update: { enabled: true, products: [{ product: 'prod_pro', prices: ['price_pro_m'] }, { product: 'prod_basic', prices: ['price_nope'] }] },
        },
      }),
      code: 'resource_missing',
      param: 'features[subscription_update][products][1][prices]',
    },
    {
      name: 'a price of another product',
      params: () => ({ features: { subscription_update: { enabled: true, products: [{ product: 'prod_pro', prices: ['price_basic_m'] }] } } }),
      param: 'features[subscription_update][products][0][prices]',
    },
    {
      name: 'a one-time price',
      params: () => ({ features: { subscription_update: { enabled: true, products: [{ product: 'prod_basic', prices: ['price_basic_once'] }] } } }),
      param: 'features[subscription_update][products][0][prices]',
    },
    {
      name: 'an unknown schedule condition',
      params: () => ({
        features: {
          subscription_update: { enabled: true, schedule_at_period_end: { conditions: [{ type: 'full_moon' }] } },
        },
      }),
      param: 'features[subscription_update][schedule_at_period_end][conditions][0][type]',
    },
    {
      name: 'an invalid default_return_url',
      params: () => ({ features: { invoice_history: { enabled: true } }, default_return_url: 'javascript:alert(1)' }),
      code: 'url_invalid',
      param: 'default_return_url',
    },
    {
      name: 'an invalid privacy policy URL',
      params: () => ({
        features: { invoice_history: { enabled: true } },
        business_profile: { privacy_policy_url: 'not a url' },
      }),
      code: 'url_invalid',
      param: 'business_profile[privacy_policy_url]',
    },
    {
      name: 'a headline over 60 characters',
      params: () => ({
        features: { invoice_history: { enabled: true } },
        business_profile: { headline: 'x'.repeat(61) },
      }),
      param: 'business_profile[headline]',
    },
    {
      name: 'a read-only login_page field',
      params: (): Stripe.BillingPortal.ConfigurationCreateParams => ({
        features: { invoice_history: { enabled: true } },
        // @ts-expect-error login_page.url is read-only
        login_page: { enabled: true, url: 'https://phish.test' },
      }),
      code: 'parameter_unknown',
      param: 'login_page[url]',
    },
    {
      name: 'an unknown feature',
      params: (): Stripe.BillingPortal.ConfigurationCreateParams => ({
        // @ts-expect-error not a feature
        features: { invoice_history: { enabled: true }, invoice_pdf: { enabled: true } },
      }),
      code: 'parameter_unknown',
      param: 'features[invoice_pdf]',
    },
  ];

  it.each(invalidCreates)('rejects $name with its param', async ({ params, code, param }) => {
    const before = (await h.stripe.billingPortal.configurations.list({ limit: 100 })).data.length;
    const error = await stripeError(h.stripe.billingPortal.configurations.create(params()));
    expect(error.statusCode).toBe(400);
    expect(error.rawType).toBe('invalid_request_error');
    expect(error.param).toBe(param);
    if (code !== undefined) expect(error.code).toBe(code);
    // Nothing was created.
    expect((await h.stripe.billingPortal.configurations.list({ limit: 100 })).data.length).toBe(before);
  });

  it('a rejected update changes nothing', async () => {
    const created = await h.stripe.billingPortal.configurations.create(fullParams());
    const error = await stripeError(
      h.stripe.billingPortal.configurations.update(created.id, {
        name: 'changed',
        features: { invoice_history: { enabled: false }, subscription_cancel: { mode: 'at_period_end' } },
      }),
    );
    expect(error.param).toBe('features[subscription_cancel][proration_behavior]');
    const after = await h.stripe.billingPortal.configurations.retrieve(created.id);
    expect(after.name).toBe('Everything on');
    expect(after.features.invoice_history.enabled).toBe(true);
    expect(after.features.subscription_cancel.mode).toBe('immediately');
  });

  it('serves the hosted login page only while the configuration’s login page is enabled', async () => {
    const created = await h.stripe.billingPortal.configurations.create(fullParams());
    const url = present(created.login_page.url);
    const login = await page(url);
    expect(login.status).toBe(200);
    expect(login.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(login.body).toContain('Acme Cloud billing');
    expect(login.body).toContain('<form method="get">');
    const sent = await page(`${url}?email=${encodeURIComponent('a<b>@example.com')}`);
    expect(sent.body).toContain('a&lt;b&gt;@example.com');

    await h.stripe.billingPortal.configurations.update(created.id, { login_page: { enabled: false } });
    expect((await page(url)).status).toBe(404);
    expect((await page(`${h.local.url}/p/login/bpc_unknown`)).status).toBe(404);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('billing portal sessions', () => {
  const SESSION_KEYS = [
    'after_expiration', 'configuration', 'created', 'customer', 'customer_account', 'flow', 'id', 'livemode', 'locale',
    'object', 'on_behalf_of', 'return_url', 'url',
  ].sort();
  const FLOW_KEYS = [
    'after_completion', 'customer_update', 'subscription_cancel', 'subscription_pause', 'subscription_update',
    'subscription_update_confirm', 'type',
  ].sort();

  let full: Configuration;
  let bare: Configuration;
  let inactive: Configuration;
  let customer: Stripe.Customer;
  let other: Stripe.Customer;
  let sub: Subscription;

  beforeAll(async () => {
    full = await h.stripe.billingPortal.configurations.create(fullParams());
    bare = await h.stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: false } } });
    inactive = await h.stripe.billingPortal.configurations.create({ features: { invoice_history: { enabled: true } } });
    await h.stripe.billingPortal.configurations.update(inactive.id, { active: false });
    customer = await newCustomer();
    other = await newCustomer({ name: 'Other', email: 'other@example.com' });
    sub = subscribe(customer.id);
  });

  it('creates a session with the SDK’s shape, on the default configuration', async () => {
    const session: Session = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'https://app.example.com/billing',
    });
    expectTypeOf(session).toMatchTypeOf<Session>();
    expect(keys(session)).toEqual(SESSION_KEYS);
    expect(session.id).toMatch(/^bps_[A-Za-z0-9]{24}$/);
    expect(session).toMatchObject({
      object: 'billing_portal.session',
      after_expiration: null,
      configuration: (await defaultConfiguration()).id,
      customer: customer.id,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: 'https://app.example.com/billing',
    });
    expect(session.created).toBe(Math.floor(clock.now() / 1000));
    expect(session.url.startsWith(`${h.local.url}/p/session/`)).toBe(true);
    const secret = session.url.slice(`${h.local.url}/p/session/`.length);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const record = h.local.store.sessions.get(secret);
    expect(record?.session.id).toBe(session.id);
    expect(record?.expiresAt).toBe(clock.now() + TTL_MS);
    expect(record?.visitedAt).toBeNull();
    // Two sessions never share a URL.
    const again = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'https://app.example.com/billing',
    });
    expect(again.url).not.toBe(session.url);
  });

  it('has no retrieve endpoint, as in Stripe', async () => {
    // @ts-expect-error sessions have only `create`
    expect(h.stripe.billingPortal.sessions.retrieve).toBeUndefined();
    const response = await fetch(`${h.local.url}/v1/billing_portal/sessions/bps_123`, {
      headers: { Authorization: `Bearer ${h.local.secretKey}` },
    });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain('Unrecognized request URL');
  });

  it('returns the configuration id, or the configuration object with expand', async () => {
    const plain = await h.stripe.billingPortal.sessions.create({ customer: customer.id, configuration: full.id });
    expect(plain.configuration).toBe(full.id);
    const withObject = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: full.id,
      expand: ['configuration'],
    });
    const configuration: string | Configuration = withObject.configuration;
    expect(typeof configuration).toBe('object');
    const object = expanded(configuration);
    expect(object).toEqual(await h.stripe.billingPortal.configurations.retrieve(full.id));
    expect(object).toMatchObject({ id: full.id, object: 'billing_portal.configuration', name: 'Everything on' });
    expect(object.features.subscription_update).not.toHaveProperty('products');

    const deeper = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: full.id,
      expand: ['configuration.application', 'configuration.features.subscription_update.products'],
    });
    const deep = expanded(deeper.configuration);
    expect(deep.application).toBeNull();
    expect(deep.features.subscription_update.products?.map((p) => p.product)).toEqual(['prod_basic', 'prod_pro']);

    const bad = await stripeError(h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      expand: ['customer'],
    }));
    expect([bad.statusCode, bad.param]).toEqual([400, 'expand']);
  });

  it('falls back to the configuration’s default_return_url, and lets return_url override it', async () => {
    const fallback = await h.stripe.billingPortal.sessions.create({ customer: customer.id, configuration: full.id });
    expect(fallback.return_url).toBe('https://acme.test/account');
    const override = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: full.id,
      return_url: 'https://app.example.com/elsewhere',
    });
    expect(override.return_url).toBe('https://app.example.com/elsewhere');

    const none = await stripeError(h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: bare.id,
    }));
    expect([none.statusCode, none.rawType, none.param]).toEqual([400, 'invalid_request_error', 'return_url']);
    expect(none.message).toContain('default_return_url');
    const withUrl = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: bare.id,
      return_url: 'http://localhost:3000/back',
    });
    expect(withUrl.return_url).toBe('http://localhost:3000/back');
  });

  it('accepts each of Stripe’s 47 locales and rejects others', async () => {
    const locales: Stripe.BillingPortal.SessionCreateParams.Locale[] = [
      'auto', 'bg', 'cs', 'da', 'de', 'el', 'en', 'en-AU', 'en-CA', 'en-GB', 'en-IE', 'en-IN', 'en-NZ', 'en-SG', 'es',
      'es-419', 'et', 'fi', 'fil', 'fr', 'fr-CA', 'hr', 'hu', 'id', 'it', 'ja', 'ko', 'lt', 'lv', 'ms', 'mt', 'nb', 'nl',
      'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sv', 'th', 'tr', 'vi', 'zh', 'zh-HK', 'zh-TW',
    ];
    expect(new Set(locales).size).toBe(47);
    for (const locale of locales) {
      const session = await h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        locale,
      });
      const echoed: Stripe.BillingPortal.Session.Locale | null = session.locale;
      expect(echoed).toBe(locale);
    }
    for (const locale of ['xx', 'en-US', 'EN', 'pt_BR']) {
      const error = await stripeError(h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        locale,
      }));
      expect([error.statusCode, error.param]).toEqual([400, 'locale']);
    }
    const empty = await stripeError(h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: full.id,
      locale: '',
    }));
    expect([empty.code, empty.param]).toEqual(['parameter_invalid_empty', 'locale']);
  });

  describe('flows', () => {
    it('payment_method_update: no sub-object, every flow key present, the others null', async () => {
      const session = await h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        flow_data: { type: 'payment_method_update' },
      });
      const flow: Stripe.BillingPortal.Session.Flow | null = session.flow;
      expect(flow).not.toBeNull();
      expect(keys(present(flow))).toEqual(FLOW_KEYS);
      expect(flow).toEqual({
        type: 'payment_method_update',
        after_completion: { type: 'portal_homepage', hosted_confirmation: null, redirect: null },
        customer_update: null,
        subscription_cancel: null,
        subscription_pause: null,
        subscription_update: null,
        subscription_update_confirm: null,
      });
    });

    it('customer_update: the flow carries an empty customer_update object', async () => {
      const session = await h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        flow_data: {
          type: 'customer_update',
          after_completion: { type: 'redirect', redirect: { return_url: 'https://app.example.com/done' } },
        },
      });
      expect(session.flow).toEqual({
        type: 'customer_update',
        after_completion: {
          type: 'redirect',
          hosted_confirmation: null,
          redirect: { return_url: 'https://app.example.com/done' },
        },
        customer_update: {},
        subscription_cancel: null,
        subscription_pause: null,
        subscription_update: null,
        subscription_update_confirm: null,
      });
    });

    it('subscription_cancel, with a retention coupon offer and a hosted confirmation', async () => {
      const session = await h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        flow_data: {
          type: 'subscription_cancel',
          subscription_cancel: {
            subscription: sub.id,
            retention: { type: 'coupon_offer', coupon_offer: { coupon: 'STAY20' } },
          },
          after_completion: {
            type: 'hosted_confirmation',
            hosted_confirmation: { custom_message: 'Sorry to see you go' },
          },
        },
      });
      const flow = present(session.flow);
      expect(keys(flow)).toEqual(FLOW_KEYS);
      expect(flow).toMatchObject({
        type: 'subscription_cancel',
        after_completion: {
          type: 'hosted_confirmation',
          hosted_confirmation: { custom_message: 'Sorry to see you go' },
          redirect: null,
        },
        subscription_cancel: {
          subscription: sub.id,
          retention: { type: 'coupon_offer', coupon_offer: { coupon: 'STAY20' } },
        },
        customer_update: null,
        subscription_pause: null,
        subscription_update: null,
        subscription_update_confirm: null,
      });
      const plain = await h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        flow_data: {
          type: 'subscription_cancel',
          subscription_cancel: { subscription: sub.id },
          after_completion: { type: 'hosted_confirmation' },
        },
      });
      expect(plain.flow?.subscription_cancel?.retention).toBeNull();
      expect(plain.flow?.after_completion.hosted_confirmation).toEqual({ custom_message: null });
    });

    it('subscription_pause and subscription_update', async () => {
      const pause = await h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        flow_data: { type: 'subscription_pause', subscription_pause: { subscription: sub.id } },
      });
      expect(pause.flow).toMatchObject({
        type: 'subscription_pause',
        subscription_pause: { subscription: sub.id },
        subscription_cancel: null,
      });
      expect(keys(present(pause.flow))).toEqual(FLOW_KEYS);
      const update = await h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        flow_data: { type: 'subscription_update', subscription_update: { subscription: sub.id } },
      });
      expect(update.flow).toMatchObject({
        type: 'subscription_update',
        subscription_update: { subscription: sub.id },
        subscription_pause: null,
      });
    });

    it('subscription_update_confirm with one item and one discount', async () => {
      const item = present(sub.items.data[0]);
      const session = await h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        flow_data: {
          type: 'subscription_update_confirm',
          subscription_update_confirm: {
            subscription: sub.id,
            items: [{ id: item.id, price: 'price_pro_m', quantity: 3 }],
            discounts: [{ coupon: 'UPGRADE10' }],
          },
        },
      });
      const confirm: Stripe.BillingPortal.Session.Flow.SubscriptionUpdateConfirm | null | undefined =
        session.flow?.subscription_update_confirm;
      expect(confirm).toEqual({
        subscription: sub.id,
        items: [{ id: item.id, price: 'price_pro_m', quantity: 3 }],
        discounts: [{ coupon: 'UPGRADE10', promotion_code: null }],
      });
      const quantityOnly = await h.stripe.billingPortal.sessions.create({
        customer: customer.id,
        configuration: full.id,
        flow_data: {
          type: 'subscription_update_confirm',
          subscription_update_confirm: { subscription: sub.id, items: [{ id: item.id, quantity: 2 }] },
        },
      });
      expect(quantityOnly.flow?.subscription_update_confirm).toEqual({
        subscription: sub.id,
        items: [{ id: item.id, price: null, quantity: 2 }],
        discounts: null,
      });
    });
  });

  describe('validation', () => {
    let canceled: Subscription;
    let paused: Subscription;
    let multi: Subscription;
    let othersSub: Subscription;
    let deleted: Stripe.Customer;

    beforeAll(async () => {
      canceled = subscribe(customer.id, 'canceled');
      paused = subscribe(customer.id, 'paused');
      multi = subscribe(customer.id, 'active', 2);
      othersSub = subscribe(other.id);
      deleted = await newCustomer({ email: 'deleted@example.com' });
      await h.stripe.customers.del(deleted.id);
    });

    const item = () => present(sub.items.data[0]).id;
    type UpdateConfirm = Stripe.BillingPortal.SessionCreateParams.FlowData.SubscriptionUpdateConfirm;
    const confirm = (c: Partial<UpdateConfirm>): SessionParams => ({
      customer: customer.id,
      configuration: full.id,
      flow_data: {
        type: 'subscription_update_confirm',
        subscription_update_confirm: { subscription: sub.id, items: [{ id: item(), quantity: 2 }], ...c },
      },
    });
    const flow = (
      flow_data: Stripe.BillingPortal.SessionCreateParams.FlowData,
      configuration?: string,
    ): SessionParams => ({
      customer: customer.id,
      configuration: configuration ?? full.id,
      flow_data,
    });

    const cases: Array<{ name: string; params: () => SessionParams; status?: number; code?: string; param: string }> = [
      {
        name: 'no customer',
        params: () => ({ return_url: 'https://x.test' }),
        code: 'parameter_missing',
        param: 'customer',
      },
      {
        name: 'an unknown customer',
        params: () => ({ customer: 'cus_nope' }),
        status: 404,
        code: 'resource_missing',
        param: 'customer',
      },
      {
        name: 'a deleted customer',
        params: () => ({ customer: deleted.id }),
        status: 404,
        code: 'resource_missing',
        param: 'customer',
      },
      {
        name: 'an empty customer',
        params: () => ({ customer: '' }),
        code: 'parameter_invalid_empty',
        param: 'customer',
      },
      {
        name: 'a customer_account (no Accounts v2 here)',
        params: () => ({ customer_account: 'acct_1V2Account' }),
        status: 404,
        code: 'resource_missing',
        param: 'customer_account',
      },
      {
        name: 'both customer and customer_account',
        params: () => ({ customer: customer.id, customer_account: 'acct_1V2Account' }),
        param: 'customer_account',
      },
      {
        name: 'an unknown configuration',
        params: () => ({ customer: customer.id, configuration: 'bpc_nope' }),
        status: 404,
        code: 'resource_missing',
        param: 'configuration',
      },
      {
        name: 'an inactive configuration',
        params: () => ({ customer: customer.id, configuration: inactive.id }),
        param: 'configuration',
      },
      {
        name: 'an unknown parameter',
        params: (): SessionParams => ({
          customer: customer.id,
          // @ts-expect-error not a session parameter
          features: { invoice_history: { enabled: true } },
        }),
        code: 'parameter_unknown',
        param: 'features',
      },
      {
        name: 'flow_data without type',
        // @ts-expect-error type is required
        params: () => flow({ subscription_update: { subscription: sub.id } }),
        code: 'parameter_missing',
        param: 'flow_data[type]',
      },
      { name: 'an unknown flow type', params: () => flow({ type: 'subscription_resume' }), param: 'flow_data[type]' },
      {
        name: 'a flow without its sub-object',
        params: () => flow({ type: 'subscription_cancel' }),
        code: 'parameter_missing',
        param: 'flow_data[subscription_cancel]',
      },
      {
        name: 'a sub-object without its subscription',
        params: () => flow({
          type: 'subscription_cancel',
          // @ts-expect-error subscription is required
          subscription_cancel: { retention: { type: 'coupon_offer', coupon_offer: { coupon: 'X' } } },
        }),
        code: 'parameter_missing',
        param: 'flow_data[subscription_cancel][subscription]',
      },
      {
        name: 'a sub-object that does not match type',
        params: () => flow({
          type: 'subscription_cancel',
          subscription_cancel: { subscription: sub.id },
          subscription_update: { subscription: sub.id },
        }),
        param: 'flow_data[subscription_update]',
      },
      {
        name: 'a sub-object with a flow that takes none',
        params: () => flow({ type: 'payment_method_update', subscription_pause: { subscription: sub.id } }),
        param: 'flow_data[subscription_pause]',
      },
      {
        name: 'a customer_update sub-object (customer_update takes none)',
        // @ts-expect-error FlowData has no customer_update
        params: () => flow({ type: 'customer_update', customer_update: { allowed_updates: ['email'] } }),
        code: 'parameter_unknown',
        param: 'flow_data[customer_update]',
      },
      {
        name: 'an unknown subscription',
        params: () => flow({ type: 'subscription_cancel', subscription_cancel: { subscription: 'sub_nope' } }),
        status: 404,
        code: 'resource_missing',
        param: 'flow_data[subscription_cancel][subscription]',
      },
      {
        name: 'another customer’s subscription',
        params: () => flow({ type: 'subscription_update', subscription_update: { subscription: othersSub.id } }),
        param: 'flow_data[subscription_update][subscription]',
      },
      {
        name: 'a canceled subscription',
        params: () => flow({ type: 'subscription_pause', subscription_pause: { subscription: canceled.id } }),
        param: 'flow_data[subscription_pause][subscription]',
      },
      {
        name: 'pausing a paused subscription',
        params: () => flow({ type: 'subscription_pause', subscription_pause: { subscription: paused.id } }),
        param: 'flow_data[subscription_pause][subscription]',
      },
      {
        name: 'a retention offer without coupon_offer',
        params: () => flow({
          type: 'subscription_cancel',
          // @ts-expect-error coupon_offer is required
          subscription_cancel: { subscription: sub.id, retention: { type: 'coupon_offer' } },
        }),
        code: 'parameter_missing',
        param: 'flow_data[subscription_cancel][retention][coupon_offer]',
      },
      {
        name: 'a retention offer of an unknown type',
        params: () => flow({
          type: 'subscription_cancel',
          subscription_cancel: {
            subscription: sub.id,
            // @ts-expect-error only coupon_offer exists
            retention: { type: 'free_month', coupon_offer: { coupon: 'X' } },
          },
        }),
        param: 'flow_data[subscription_cancel][retention][type]',
      },
      {
        name: 'subscription_cancel when the feature is off',
        params: () => flow({ type: 'subscription_cancel', subscription_cancel: { subscription: sub.id } }, bare.id),
        param: 'flow_data[type]',
      },
      {
        name: 'subscription_pause when the feature is off',
        params: () => flow({ type: 'subscription_pause', subscription_pause: { subscription: sub.id } }, bare.id),
        param: 'flow_data[type]',
      },
      {
        name: 'subscription_update when the feature is off',
        params: () => flow({ type: 'subscription_update', subscription_update: { subscription: sub.id } }, bare.id),
        param: 'flow_data[type]',
      },
      {
        name: 'payment_method_update when the feature is off',
        params: () => flow({ type: 'payment_method_update' }, bare.id),
        param: 'flow_data[type]',
      },
      {
        name: 'customer_update when the feature is off',
        params: () => flow({ type: 'customer_update' }, bare.id),
        param: 'flow_data[type]',
      },
      {
        name: 'subscription_update_confirm when the feature is off',
        params: () => ({ ...confirm({}), configuration: bare.id }),
        param: 'flow_data[type]',
      },
      {
        name: 'update_confirm without items',
        params: () => confirm({ items: [] }),
        code: 'parameter_missing',
        param: 'flow_data[subscription_update_confirm][items]',
      },
      {
        name: 'update_confirm with two items',
        params: () => confirm({ items: [{ id: item(), quantity: 1 }, { id: item(), quantity: 2 }] }),
        param: 'flow_data[subscription_update_confirm][items]',
      },
      {
        name: 'update_confirm with an item without id',
        // @ts-expect-error id is required
        params: () => confirm({ items: [{ quantity: 1 }] }),
        code: 'parameter_missing',
        param: 'flow_data[subscription_update_confirm][items][0][id]',
      },
      {
        name: 'update_confirm with an unknown item',
        params: () => confirm({ items: [{ id: 'si_nope', quantity: 1 }] }),
        status: 404,
        code: 'resource_missing',
        param: 'flow_data[subscription_update_confirm][items][0][id]',
      },
      {
        name: 'update_confirm with another subscription’s item',
        params: () => confirm({ items: [{ id: present(othersSub.items.data[0]).id, quantity: 1 }] }),
        param: 'flow_data[subscription_update_confirm][items][0][id]',
      },
      {
        name: 'update_confirm with a price not in the configuration',
        params: () => confirm({ items: [{ id: item(), price: 'price_elsewhere' }] }),
        param: 'flow_data[subscription_update_confirm][items][0][price]',
      },
      {
        name: 'update_confirm with a negative quantity',
        params: () => confirm({ items: [{ id: item(), quantity: -1 }] }),
        param: 'flow_data[subscription_update_confirm][items][0][quantity]',
      },
      {
        name: 'update_confirm of a multi-item subscription',
        params: () => confirm({
          subscription: multi.id,
          items: [{ id: present(multi.items.data[0]).id, quantity: 1 }],
        }),
        param: 'flow_data[subscription_update_confirm][subscription]',
      },
      {
        name: 'update_confirm with two discounts',
        params: () => confirm({ discounts: [{ coupon: 'A' }, { coupon: 'B' }] }),
        param: 'flow_data[subscription_update_confirm][discounts]',
      },
      {
        name: 'a discount with both coupon and promotion code',
        params: () => confirm({ discounts: [{ coupon: 'A', promotion_code: 'promo_1' }] }),
        param: 'flow_data[subscription_update_confirm][discounts][0]',
      },
      {
        name: 'after_completion without type',
        params: () => flow({
          type: 'payment_method_update',
          // @ts-expect-error type is required
          after_completion: { redirect: { return_url: 'https://x.test' } },
        }),
        code: 'parameter_missing',
        param: 'flow_data[after_completion][type]',
      },
      {
        name: 'an unknown after_completion type',
        params: () => flow({ type: 'payment_method_update', after_completion: { type: 'close_window' } }),
        param: 'flow_data[after_completion][type]',
      },
      {
        name: 'a redirect without redirect',
        params: () => flow({ type: 'payment_method_update', after_completion: { type: 'redirect' } }),
        code: 'parameter_missing',
        param: 'flow_data[after_completion][redirect]',
      },
      {
        name: 'a hosted_confirmation object with type redirect',
        params: () =>
          flow({
            type: 'payment_method_update',
            after_completion: {
              type: 'redirect',
              redirect: { return_url: 'https://x.test' },
              hosted_confirmation: { custom_message: 'x' },
            },
          }),
        param: 'flow_data[after_completion][hosted_confirmation]',
      },
      {
        name: 'a redirect object with hosted_confirmation',
        params: () => flow({
          type: 'payment_method_update',
          after_completion: { type: 'hosted_confirmation', redirect: { return_url: 'https://x.test' } },
        }),
        param: 'flow_data[after_completion][redirect]',
      },
      {
        name: 'an invalid redirect URL',
        params: () => flow({
          type: 'payment_method_update',
          after_completion: { type: 'redirect', redirect: { return_url: 'nope' } },
        }),
        code: 'url_invalid',
        param: 'flow_data[after_completion][redirect][return_url]',
      },
      {
        name: 'a custom message over 500 characters',
        params: () => flow({
          type: 'payment_method_update',
          after_completion: { type: 'hosted_confirmation', hosted_confirmation: { custom_message: 'x'.repeat(501) } },
        }),
        param: 'flow_data[after_completion][hosted_confirmation][custom_message]',
      },
      {
        name: 'an on_behalf_of that is not an account',
        params: () => ({ customer: customer.id, on_behalf_of: 'cus_123' }),
        status: 404,
        code: 'resource_missing',
        param: 'on_behalf_of',
      },
      {
        name: 'an unknown on_behalf_of account',
        params: () => ({ customer: customer.id, on_behalf_of: 'acct_1NotConnected00' }),
        status: 404,
        code: 'resource_missing',
        param: 'on_behalf_of',
      },
      {
        name: 'the platform itself as on_behalf_of',
        params: () => ({ customer: customer.id, on_behalf_of: 'acct_1LocalStripePlatf' }),
        status: 404,
        code: 'resource_missing',
        param: 'on_behalf_of',
      },
      {
        name: 'an invalid return_url',
        params: () => ({ customer: customer.id, return_url: 'ftp://x.test' }),
        code: 'url_invalid',
        param: 'return_url',
      },
      {
        name: 'an after_expiration of an unknown type',
        params: () => ({ customer: customer.id, configuration: full.id, after_expiration: { type: 'email_link' } }),
        param: 'after_expiration[type]',
      },
      {
        name: 'an after_expiration deadline in the past',
        params: () => ({
          customer: customer.id,
          configuration: full.id,
          after_expiration: {
            type: 'customer_login',
            customer_login: { expires_at: Math.floor(clock.now() / 1000) - 1 },
          },
        }),
        param: 'after_expiration[customer_login][expires_at]',
      },
    ];

    it.each(cases)('rejects $name with its param and code', async ({ params, status, code, param }) => {
      const before = h.local.store.sessions.size;
      const error = await stripeError(h.stripe.billingPortal.sessions.create(params()));
      expect({ status: error.statusCode, param: error.param, type: error.rawType }).toEqual({
        status: status ?? 400,
        param,
        type: 'invalid_request_error',
      });
      if (code !== undefined) expect(error.code).toBe(code);
      expect(error.message.length).toBeGreaterThan(10);
      expect(h.local.store.sessions.size).toBe(before);
    });
  });

  it('records after_expiration', async () => {
    const expiresAt = Math.floor(clock.now() / 1000) + 3600;
    const session = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: full.id,
      after_expiration: { type: 'customer_login', customer_login: { expires_at: expiresAt } },
    });
    const after: Stripe.BillingPortal.Session.AfterExpiration | null | undefined = session.after_expiration;
    expect(after).toEqual({ type: 'customer_login', customer_login: { expires_at: expiresAt } });
    const open = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: full.id,
      after_expiration: { type: 'customer_login' },
    });
    expect(open.after_expiration).toEqual({ type: 'customer_login', customer_login: { expires_at: null } });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('the hosted portal page', () => {
  let configuration: Configuration;

  beforeAll(async () => {
    configuration = await h.stripe.billingPortal.configurations.create(fullParams());
  });

  it('shows the headline, the customer, their finalized invoices and a return link', async () => {
    const customer = await newCustomer({ name: 'Ada <Lovelace>', email: 'ada@example.com' });
    const someoneElse = await newCustomer({ name: 'Someone Else' });
    addInvoice(h.local.store, { customer: customer.id, total: 1999, status: 'paid', number: 'ADA-0001' });
    addInvoice(
      h.local.store,
      { customer: customer.id, total: 500, currency: 'jpy', status: 'open', number: 'ADA-0002' },
    );
    addInvoice(
      h.local.store,
      { customer: customer.id, total: 123456, currency: 'eur', status: 'void', number: 'ADA-0003' },
    );
    addInvoice(h.local.store, { customer: customer.id, total: 777, status: 'draft' });
    addInvoice(h.local.store, { customer: someoneElse.id, total: 4242, status: 'paid', number: 'ELSE-0001' });

    const session = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: configuration.id,
      return_url: 'https://app.example.com/settings?tab=billing&x="y"',
      locale: 'fr',
    });
    const { status, body, headers } = await page(session.url);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(headers.get('cache-control')).toBe('no-store');
    expect(body).toContain('<html lang="fr">');
    expect(body).toContain('<h1 id="headline">Acme Cloud billing</h1>');
    expect(body).toContain('Ada &lt;Lovelace&gt;');
    expect(body).not.toContain('Ada <Lovelace>');
    expect(body).toContain('ada@example.com');
    expect(body).toContain('ADA-0001');
    expect(body).toContain('$19.99');
    expect(body).toContain('ADA-0002');
    expect(body).toContain('¥500');
    expect(body).toContain('€1,234.56');
    expect(body).toMatch(/status-paid">paid</);
    expect(body).toMatch(/status-open">open</);
    expect(body).toMatch(/status-void">void</);
    expect(body).not.toContain('$7.77');
    expect(body).not.toContain('ELSE-0001');
    // Newest first.
    expect(body.indexOf('ADA-0003')).toBeLessThan(body.indexOf('ADA-0001'));
    const link = /<a id="return-link" href="([^"]*)">([^<]*)<\/a>/.exec(body);
    expect(link?.[1]).toBe('https://app.example.com/settings?tab=billing&amp;x=&quot;y&quot;');
    expect(link?.[2]).toContain('Return to app.example.com');
    expect(body).toContain('https://acme.test/privacy');
    expect(body).not.toMatch(/<script|<link|src="http/);
  });

  it('shows the flow being performed', async () => {
    const customer = await newCustomer();
    const sub = subscribe(customer.id);
    const session = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: configuration.id,
      flow_data: {
        type: 'subscription_cancel',
        subscription_cancel: {
          subscription: sub.id,
          retention: { type: 'coupon_offer', coupon_offer: { coupon: 'STAY20' } },
        },
        after_completion: { type: 'hosted_confirmation', hosted_confirmation: { custom_message: 'Thanks <3' } },
      },
    });
    const { body } = await page(session.url);
    expect(body).toContain('data-flow="subscription_cancel"');
    expect(body).toContain('Cancel your subscription');
    expect(body).toContain(sub.id);
    expect(body).toContain('STAY20');
    expect(body).toContain('Thanks &lt;3');
  });

  it('falls back to a generic headline and hides invoices when invoice history is off', async () => {
    const customer = await newCustomer({ email: 'quiet@example.com' });
    addInvoice(h.local.store, { customer: customer.id, total: 1000, number: 'QUIET-1' });
    const hidden = await h.stripe.billingPortal.configurations.create({
      features: { invoice_history: { enabled: false } },
      default_return_url: 'https://quiet.test',
    });
    const session = await h.stripe.billingPortal.sessions.create({ customer: customer.id, configuration: hidden.id });
    const { body } = await page(session.url);
    expect(body).toContain('<h1 id="headline">Billing portal</h1>');
    expect(body).not.toContain('QUIET-1');
    expect(body).not.toContain('id="invoices"');
    expect(body).toContain('<a id="return-link" href="https://quiet.test">');
  });

  it('expires an unvisited URL after the TTL (410), keeps a visited one usable, 404s unknown secrets', async () => {
    const customer = await newCustomer();
    const unvisited = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: configuration.id,
    });
    const visited = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: configuration.id,
    });
    const justInTime = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: configuration.id,
    });

    expect((await page(visited.url)).status).toBe(200);
    clock.advance(TTL_MS);
    expect((await page(justInTime.url)).status).toBe(200); // exactly at expiry is still in time
    clock.advance(1);

    const expired = await page(unvisited.url);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('expired');
    expect(expired.body).not.toContain(present(customer.email));
    expect((await page(unvisited.url)).status).toBe(410); // and stays expired

    clock.advance(24 * 60 * 60 * 1000);
    expect((await page(visited.url)).status).toBe(200);
    expect((await page(justInTime.url)).status).toBe(200);

    const unknown = await page(`${h.local.url}/p/session/test_doesnotexist`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain('not valid');
  });

  it('offers a new login on the expired page while after_expiration allows it', async () => {
    const customer = await newCustomer();
    const session = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: configuration.id,
      after_expiration: { type: 'customer_login' },
    });
    clock.advance(TTL_MS + 1);
    const expired = await page(session.url);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('sign in again');
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('connected accounts', () => {
  it('keeps each account’s customers, configurations and sessions apart', async () => {
    const connected = h.client({ stripeAccount: CONNECTED });
    const platformCustomer = await newCustomer();
    const connectedCustomer = await newCustomer({ name: 'Connected Carol', email: 'carol@example.com' }, connected);

    const crossed = await stripeError(connected.billingPortal.sessions.create({
      customer: platformCustomer.id,
      return_url: 'https://x.test',
    }));
    expect([crossed.statusCode, crossed.code, crossed.param]).toEqual([404, 'resource_missing', 'customer']);
    const platformConfig = await defaultConfiguration();
    const wrongConfig = await stripeError(
      connected.billingPortal.sessions.create({
        customer: connectedCustomer.id,
        configuration: platformConfig.id,
        return_url: 'https://x.test',
      }),
    );
    expect([wrongConfig.code, wrongConfig.param]).toEqual(['resource_missing', 'configuration']);

    const session = await connected.billingPortal.sessions.create({
      customer: connectedCustomer.id,
      return_url: 'https://connected.test/back',
      flow_data: { type: 'payment_method_update' },
    });
    expect(session.configuration).toBe((await defaultConfiguration(connected)).id);
    expect(h.local.store.sessions.has(present(session.url.split('/').pop()))).toBe(false);
    const { status, body } = await page(session.url);
    expect(status).toBe(200);
    expect(body).toContain('Connected Carol');
    expect(body).toContain('href="https://connected.test/back"');

    // A connected account cannot act on behalf of the platform (or of itself).
    for (const account of ['acct_1LocalStripePlatf', CONNECTED]) {
      const error = await stripeError(
        connected.billingPortal.sessions.create({
          customer: connectedCustomer.id,
          on_behalf_of: account,
          return_url: 'https://x.test',
        }),
      );
      expect([error.code, error.param]).toEqual(['resource_missing', 'on_behalf_of']);
    }
  });

  it('lets the platform create a session on behalf of a connected account, showing only its invoices', async () => {
    const customer = await newCustomer({ name: 'Obo Customer' });
    addInvoice(h.local.store, { customer: customer.id, total: 1100, number: 'OBO-CONNECTED', on_behalf_of: CONNECTED });
    addInvoice(h.local.store, { customer: customer.id, total: 2200, number: 'OBO-PLATFORM' });
    const session: Session = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      on_behalf_of: CONNECTED,
      return_url: 'https://platform.test',
    });
    expect(session.on_behalf_of).toBe(CONNECTED);
    const { body } = await page(session.url);
    expect(body).toContain('OBO-CONNECTED');
    expect(body).not.toContain('OBO-PLATFORM');

    const everything = await h.stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'https://platform.test',
    });
    const all = await page(everything.url);
    expect(all.body).toContain('OBO-CONNECTED');
    expect(all.body).toContain('OBO-PLATFORM');
  });
});
