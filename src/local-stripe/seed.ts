/**
 * Seeds: `empty` (a new account: only its default portal configuration) and `demo` (the same objects with the
 * same ids on every run, for `npm start`, demos and tests).
 *
 * The demo account is "Northwind Cloud", a SaaS company billing 28 customers: businesses on net-30 invoices
 * (`send_invoice`) and people paying by card (`charge_automatically`), in USD, EUR, GBP and JPY. It has about
 * 150 invoices in every status, built the way Stripe builds them — items on a draft, finalized (balance
 * applied, numbered), then paid, voided or marked uncollectible — so every amount adds up. Subscription
 * invoices bill subscription items; one carries the proration lines of a mid-cycle upgrade; some customers
 * hold a credit balance, one a debit carried from an invoice below the minimum charge. Subscriptions are brought
 * to today's date at the end (active, trialing, canceling, past due, canceled: `seed-subscriptions.ts`).
 */
import Stripe from 'stripe';
import { seededRandom, type RandomSource } from './ids.js';
import { createCustomer } from './resources/customers.js';
import { createInvoiceItem } from './resources/invoice-items.js';
import { createInvoice } from './resources/invoice-create.js';
import { finalizeInvoice, markUncollectible, voidInvoice } from './resources/invoice-lifecycle.js';
import { createConfiguration, createDefaultConfiguration, updateConfiguration } from './resources/portal-configurations.js';
import { createSubscription } from './resources/subscription-create.js';
import { customerOf, type Subscription } from './resources/subscription-shape.js';
import { demoCards, type DemoCards } from './seed-cards.js';
import { DEMO_CATALOG, PLANS, seedCatalog, type Plan } from './seed-catalog.js';
import { seedSubscriptionStates, type HistorySubscription } from './seed-subscriptions.js';
import type { Store } from './store.js';

/** A new Stripe account: nothing but the default billing portal configuration. */
export { DEMO_CATALOG } from './seed-catalog.js';

export function seedEmpty(store: Store): void {
  createDefaultConfiguration(store);
}

/**
 * Ids of demo objects that tests, docs and the demo page refer to. `test/local-stripe/seed.test.ts` checks that
 * the seed still produces them.
 */
export const DEMO = {
  /** A person on the Pro plan (USD), with a proration on her invoices and a credit balance. */
  customer: 'cus_HI4eggv5wQw860',
  /** A business on net-30 invoices with 12 seats, and an open invoice. */
  businessCustomer: 'cus_DKAathnphiFGPE',
  /** A customer with no invoices yet. */
  newCustomer: 'cus_aO0njehJFKBpV7',
  defaultConfiguration: 'bpc_bRqfAWGcrTFskJCVgb0Tp3a1',
  enterpriseConfiguration: 'bpc_G3BmW1AqUoJR23YaFeCIjrVC',
  /** Ada Lovelace's Pro subscription: active, renewing monthly, charged to her card (`seed-subscriptions.ts`). */
  subscription: 'sub_hBWo7zYuQZKaKjIRqhztQXI6',
  /** Acme's 12 Team seats, invoiced (send_invoice, net 30). */
  businessSubscription: 'sub_BCVtOp32cN8dsC42CFwtOUKV',
  /** Frances Allen's 14-day trial of Pro, started four days ago. */
  trialingSubscription: 'sub_E4XQ8Y2vmxW2SaWbMolBtKgY',
  /** Margaret Hamilton's Basic: her card declines, the renewal is open and retried. */
  pastDueSubscription: 'sub_TxeV3jzCIQSnZhdOb8XntLil',
  /** Grace Hopper's Pro, canceling at the end of the current period. */
  cancelingSubscription: 'sub_PENww3hhiUqOaTJfFbHZhlgg',
  /** Donald Knuth's Basic, canceled 12 days ago. */
  canceledSubscription: 'sub_8Tu8rzqyFlmBbaRt48h0nMT0',
  /** Ada's Visa 4242, her `invoice_settings.default_payment_method` (`seed-cards.ts`). */
  card: 'pm_Yvff3MDYgrqODO4FhxmvSIgl',
  /** Margaret Hamilton: her default card is 4000 0000 0000 0341, which attaches but declines every charge. */
  decliningCustomer: 'cus_5HDzGS7XnNm0Iw',
  decliningCard: 'pm_MJYyDRd7s83dsRKpHtdOoQd0',
} as const;

const DAY = 86_400;
/** 2026-01-05: the demo account's history runs back from here. */
const START = Date.UTC(2026, 0, 5) / 1000;

type Profile = 'business' | 'person';

interface DemoCustomer {
  name: string;
  email: string;
  profile: Profile;
  city: string;
  country: string;
  currency?: 'usd' | 'eur' | 'gbp' | 'jpy';
  locale?: string;
  /** The plan billed monthly, with its quantity. */
  plan?: { plan: Plan; quantity: number };
  /** How many monthly invoices of history (0: a new customer). */
  months: number;
  /** Pays late or not at all: some invoices uncollectible. */
  troubled?: boolean;
}

const CUSTOMERS: DemoCustomer[] = [
  { name: 'Ada Lovelace', email: 'ada@example.com', profile: 'person', city: 'London', country: 'GB', plan: { plan: PLANS.pro, quantity: 1 }, months: 8 },
  { name: 'Acme Corporation', email: 'billing@acme.example', profile: 'business', city: 'Springfield', country: 'US', plan: { plan: PLANS.team, quantity: 12 }, months: 9 },
  { name: 'Joan Clarke', email: 'joan@example.com', profile: 'person', city: 'Cambridge', country: 'GB', months: 0 },
  { name: 'Globex Inc', email: 'ap@globex.example', profile: 'business', city: 'Cypress Creek', country: 'US', months: 7 },
  { name: 'Initech', email: 'accounts@initech.example', profile: 'business', city: 'Austin', country: 'US', months: 6 },
  { name: 'Umbrella Labs', email: 'finance@umbrella.example', profile: 'business', city: 'Raccoon City', country: 'US', months: 7, troubled: true },
  { name: 'Hooli XYZ', email: 'ap@hooli.example', profile: 'business', city: 'Palo Alto', country: 'US', plan: { plan: PLANS.enterprise, quantity: 1 }, months: 8 },
  { name: 'Stark Industries', email: 'billing@stark.example', profile: 'business', city: 'New York', country: 'US', months: 5 },
  { name: 'Wayne Enterprises', email: 'ap@wayne.example', profile: 'business', city: 'Gotham', country: 'US', months: 6 },
  { name: 'Tyrell Corporation', email: 'ledger@tyrell.example', profile: 'business', city: 'Los Angeles', country: 'US', months: 4, troubled: true },
  { name: 'Kaisha Tanaka KK', email: 'keiri@tanaka.example', profile: 'business', city: 'Tokyo', country: 'JP', currency: 'jpy', locale: 'ja', months: 5 },
  { name: 'Alan Turing', email: 'alan@example.com', profile: 'person', city: 'Manchester', country: 'GB', currency: 'gbp', months: 6 },
  { name: 'Grace Hopper', email: 'grace@example.com', profile: 'person', city: 'Arlington', country: 'US', plan: { plan: PLANS.pro, quantity: 1 }, months: 7 },
  { name: 'Katherine Johnson', email: 'katherine@example.com', profile: 'person', city: 'Hampton', country: 'US', plan: { plan: PLANS.basic, quantity: 1 }, months: 6 },
  { name: 'Edsger Dijkstra', email: 'edsger@example.com', profile: 'person', city: 'Nuenen', country: 'NL', currency: 'eur', locale: 'nl', months: 6 },
  { name: 'Barbara Liskov', email: 'barbara@example.com', profile: 'person', city: 'Boston', country: 'US', months: 5 },
  { name: 'Donald Knuth', email: 'don@example.com', profile: 'person', city: 'Stanford', country: 'US', months: 5 },
  { name: 'Margaret Hamilton', email: 'margaret@example.com', profile: 'person', city: 'Paoli', country: 'US', plan: { plan: PLANS.basic, quantity: 1 }, months: 5 },
  { name: 'Linus Torvalds', email: 'linus@example.com', profile: 'person', city: 'Helsinki', country: 'FI', currency: 'eur', locale: 'fi', months: 4 },
  { name: 'Radia Perlman', email: 'radia@example.com', profile: 'person', city: 'Portsmouth', country: 'US', months: 4, troubled: true },
  { name: 'Tim Berners-Lee', email: 'tim@example.com', profile: 'person', city: 'Geneva', country: 'CH', currency: 'eur', locale: 'fr', months: 5 },
  { name: 'Hedy Lamarr', email: 'hedy@example.com', profile: 'person', city: 'Vienna', country: 'AT', months: 4 },
  { name: 'Claude Shannon', email: 'claude@example.com', profile: 'person', city: 'Petoskey', country: 'US', months: 5 },
  { name: 'Frances Allen', email: 'frances@example.com', profile: 'person', city: 'Peru', country: 'US', months: 4 },
  { name: 'John von Neumann', email: 'johnny@example.com', profile: 'person', city: 'Princeton', country: 'US', months: 5 },
  { name: 'Annie Easley', email: 'annie@example.com', profile: 'person', city: 'Cleveland', country: 'US', months: 4 },
  { name: 'Dennis Ritchie', email: 'dmr@example.com', profile: 'person', city: 'Murray Hill', country: 'US', months: 5 },
  { name: 'Sophie Wilson', email: 'sophie@example.com', profile: 'person', city: 'Cambridge', country: 'GB', currency: 'gbp', months: 4 },
];

/** One-off work billed to customers without a plan: [description, unit amount in USD cents]. */
const SERVICES: Array<[string, number]> = [
  ['Consulting (hours)', 15_000],
  ['Onboarding workshop', 90_000],
  ['Priority support', 29_900],
  ['Data export', 4_500],
  ['Extra storage (100 GB)', 1_000],
  ['API overage (10k calls)', 250],
];

/** Rough exchange to keep amounts sensible per currency. */
const SCALE: Record<string, number> = { usd: 1, eur: 1, gbp: 1, jpy: 1.5 };

function amountIn(currency: string, usdCents: number): number {
  return currency === 'jpy' ? Math.round(usdCents * SCALE.jpy!) : usdCents;
}

export function seedDemo(store: Store): void {
  const random = seededRandom(20260105);
  store.ids.using(seededRandom(42), () => buildDemo(store, random));
}

function buildDemo(store: Store, random: RandomSource): void {
  seedEmpty(store);
  // The catalog has fixed ids (it draws no ids), and comes first: portal configurations and subscriptions name it.
  seedCatalog(store, START - 400 * DAY);
  configurePortal(store);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const cards = demoCards(store);
  const history: HistorySubscription[] = [];

  CUSTOMERS.forEach((spec, index) => {
    const joined = START - (spec.months + 1) * 30 * DAY + index * 3600;
    const customer = store.at(joined, () =>
      createCustomer(store, {
        name: spec.name,
        email: spec.email,
        address: { city: spec.city, country: spec.country },
        preferred_locales: spec.locale ? [spec.locale] : [],
        metadata: { segment: spec.profile === 'business' ? 'business' : 'individual' },
        ...(spec.profile === 'business'
          ? { invoice_settings: { footer: 'Payment due within 30 days. Thank you for your business.' } }
          : {}),
      }),
    );
    store.at(joined, () => cards.give(customer, index));
    const subscription =
      spec.plan !== undefined
        ? store.at(joined, () =>
            // Without a first invoice: the history below bills its periods.
            createSubscription(
              store,
              {
                customer: customer.id,
                items: [{ price: spec.plan!.plan.price, quantity: spec.plan!.quantity }],
                ...(spec.profile === 'business' ? { collection_method: 'send_invoice' as const, days_until_due: 30 } : {}),
              },
              { invoice: false },
            ),
          )
        : undefined;

    // The history's last period ends at START (+ the customer's hour).
    if (subscription !== undefined) history.push({ subscription, historyEnd: START + index * 3600 });

    for (let month = spec.months; month >= 1; month--) {
      const periodStart = START - month * 30 * DAY + index * 3600;
      const latest = month === 1;
      const status = chooseStatus(spec, month, random);
      const currency = spec.currency ?? 'usd';
      const invoice = store.at(periodStart, () =>
        createInvoice(store, {
          customer: customer.id,
          currency,
          collection_method: spec.profile === 'business' ? 'send_invoice' : 'charge_automatically',
          ...(spec.profile === 'business' ? { days_until_due: 30 } : {}),
          ...(subscription ? { subscription: subscription.id } : {}),
          description: subscription ? `${spec.plan!.plan.name} plan` : 'Services',
        }),
      );
      store.at(periodStart, () => {
        if (subscription !== undefined) {
          billSubscription(store, invoice, subscription, spec.plan!.plan, periodStart);
          if (index === 0 && month === 4) addUpgradeProration(store, invoice, subscription, periodStart);
        } else {
          const lines = 1 + Math.floor(random() * 3);
          for (let i = 0; i < lines; i++) {
            const [description, unit] = pick(SERVICES);
            createInvoiceItem(store, {
              customer: customer.id,
              invoice: invoice.id,
              currency,
              description,
              quantity: 1 + Math.floor(random() * 4),
              unit_amount_decimal: decimalOf(amountIn(currency, unit)),
              period: { start: periodStart, end: periodStart + 30 * DAY - 1 },
            });
          }
        }
      });
      if (subscription !== undefined) {
        invoice.billing_reason = 'subscription_cycle';
        invoice.period_start = periodStart - 30 * DAY;
        invoice.period_end = periodStart;
      }
      // Two subscribers hold a credit; Stripe applies it when their latest invoice is finalized.
      if (latest && (spec.name === 'Ada Lovelace' || spec.name === 'Grace Hopper')) {
        customer.balance = spec.name === 'Ada Lovelace' ? -2_000 : -10_000;
      }
      advance(store, cards, invoice.id, status, periodStart);
    }
  });

  // A tiny usage invoice below the minimum charge: marked paid, the amount carried to the balance as a debit.
  const hedy = [...store.customers.newestFirst()].find((c) => c.email === 'hedy@example.com');
  if (hedy !== undefined) {
    const at = START - 2 * DAY;
    const small = store.at(at, () => createInvoice(store, { customer: hedy.id, description: 'Usage top-up' }));
    store.at(at, () =>
      createInvoiceItem(store, { customer: hedy.id, invoice: small.id, amount: 30, description: 'API overage (1.2k calls)' }),
    );
    store.at(at + 3600, () => finalizeInvoice(store, small.id, ''));
  }
  cards.finish(START - DAY);
  seedSubscriptionStates(store, history);
  // Credit notes issued to two customers (after their current period was billed), waiting for their next invoice.
  for (const email of ['katherine@example.com', 'barbara@example.com']) {
    const customer = [...store.customers.newestFirst()].find((c) => c.email === email);
    if (customer !== undefined) customer.balance -= 1_500;
  }
}

/** Unit amounts are `Stripe.Decimal`s, as the SDK types them. */
function decimalOf(amount: number): Stripe.Decimal {
  return Stripe.Decimal.from(String(amount));
}

function chooseStatus(spec: DemoCustomer, month: number, random: RandomSource): 'draft' | 'open' | 'paid' | 'void' | 'uncollectible' {
  if (month === 1) {
    if (spec.profile === 'business') return random() < 0.75 ? 'open' : 'draft';
    return random() < 0.35 ? 'draft' : random() < 0.5 ? 'open' : 'paid';
  }
  if (spec.troubled && month === 3) return 'uncollectible';
  if (spec.troubled && month === 2) return random() < 0.5 ? 'uncollectible' : 'open';
  if (random() < 0.07) return 'void';
  if (spec.profile === 'business' && month === 2 && random() < 0.4) return 'open';
  return 'paid';
}

function billSubscription(store: Store, invoice: Stripe.Invoice, subscription: Subscription, plan: Plan, periodStart: number): void {
  for (const item of subscription.items.data) {
    createInvoiceItem(
      store,
      {
        customer: customerOf(subscription),
        invoice: invoice.id,
        currency: invoice.currency,
        description: `${item.quantity} × ${plan.name} (${formatPeriod(periodStart)})`,
        quantity: item.quantity,
        unit_amount_decimal: decimalOf(amountIn(invoice.currency, plan.amount)),
        subscription: subscription.id,
        period: { start: periodStart, end: periodStart + 30 * DAY - 1 },
      },
      { subscriptionItem: item.id },
    );
  }
}

/** A mid-cycle upgrade from Basic to Pro: a credit for unused Basic time and a charge for the rest on Pro. */
function addUpgradeProration(store: Store, invoice: Stripe.Invoice, subscription: Subscription, periodStart: number): void {
  const switchedAt = periodStart - 15 * DAY;
  const item = subscription.items.data[0];
  if (item === undefined) return;
  const common = {
    customer: customerOf(subscription),
    invoice: invoice.id,
    currency: invoice.currency,
    subscription: subscription.id,
    period: { start: switchedAt, end: periodStart - 1 },
  };
  createInvoiceItem(store, { ...common, amount: -Math.round(PLANS.basic.amount / 2), description: `Unused time on Basic after ${formatPeriod(switchedAt)}` }, { proration: true, subscriptionItem: item.id });
  createInvoiceItem(store, { ...common, amount: Math.round(PLANS.pro.amount / 2), description: `Remaining time on Pro after ${formatPeriod(switchedAt)}` }, { proration: true, subscriptionItem: item.id });
}

function formatPeriod(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

/** Moves a draft along Stripe's lifecycle to `status`, at plausible times after `start`. */
function advance(store: Store, cards: DemoCards, id: string, status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible', start: number): void {
  if (status === 'draft') return;
  store.at(start + 3600, () => finalizeInvoice(store, id, ''));
  switch (status) {
    case 'paid':
      store.at(start + 2 * DAY, () => {
        if (store.invoices.get(id)?.status !== 'paid') cards.pay(id);
      });
      return;
    case 'void':
      store.at(start + 3 * DAY, () => voidInvoice(store, id));
      return;
    case 'uncollectible':
      store.at(start + 45 * DAY, () => markUncollectible(store, id));
      return;
    case 'open':
      return;
  }
}

function configurePortal(store: Store): void {
  const defaults = store.defaultConfiguration();
  if (defaults === undefined) return;
  updateConfiguration(store, defaults.id, {
    business_profile: {
      headline: 'Northwind Cloud — manage your subscription and invoices',
      privacy_policy_url: 'https://northwind.example/privacy',
      terms_of_service_url: 'https://northwind.example/terms',
    },
    features: {
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['price', 'quantity'],
        proration_behavior: 'create_prorations',
        products: [
          { product: PLANS.basic.product, prices: [PLANS.basic.price, DEMO_CATALOG.prices.basicYearly] },
          { product: PLANS.pro.product, prices: [PLANS.pro.price, DEMO_CATALOG.prices.proYearly] },
        ],
      },
      subscription_pause: { enabled: true },
    },
  });
  createConfiguration(store, {
    name: 'Enterprise',
    business_profile: { headline: 'Northwind Cloud Enterprise billing' },
    default_return_url: 'https://northwind.example/account',
    login_page: { enabled: true },
    metadata: { tier: 'enterprise' },
    features: {
      customer_update: { enabled: true, allowed_updates: ['email', 'address', 'tax_id'] },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: false },
      subscription_cancel: { enabled: false, cancellation_reason: { enabled: false, options: [] } },
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['quantity'],
        proration_behavior: 'always_invoice',
        products: [{ product: PLANS.team.product, prices: [PLANS.team.price] }],
      },
    },
  });
}
