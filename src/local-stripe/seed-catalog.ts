/**
 * The demo account's catalog: Northwind Cloud's plans (Basic, Pro, Team per seat, Enterprise; monthly, and yearly
 * for Basic and Pro at about ten months' price) and a one-off onboarding workshop. Every product and price has a
 * fixed id, so making the catalog draws nothing from the seed's id generator and every later demo id stays put.
 */
import { createPrice } from './resources/price-create.js';
import { createProduct, updateProduct } from './resources/products.js';
import type { Store } from './store.js';

export interface Plan {
  product: string;
  price: string;
  name: string;
  /** Monthly unit amount, in the currency's minor units. */
  amount: number;
}

export const PLANS = {
  basic: { product: 'prod_NwBasic0000001', price: 'price_NwBasicMonthly000001', name: 'Basic', amount: 1900 },
  pro: { product: 'prod_NwPro00000001', price: 'price_NwProMonthly00000001', name: 'Pro', amount: 4900 },
  team: { product: 'prod_NwTeam0000001', price: 'price_NwTeamSeatMonthly001', name: 'Team (per seat)', amount: 1500 },
  enterprise: { product: 'prod_NwEnterprise01', price: 'price_NwEnterpriseMonthly1', name: 'Enterprise', amount: 49_900 },
} satisfies Record<string, Plan>;

/** Ids of the demo catalog, for portal configurations, docs and tests. */
export const DEMO_CATALOG = {
  products: {
    basic: PLANS.basic.product,
    pro: PLANS.pro.product,
    team: PLANS.team.product,
    enterprise: PLANS.enterprise.product,
    onboarding: 'prod_NwOnboarding01',
  },
  prices: {
    basicMonthly: PLANS.basic.price,
    basicYearly: 'price_NwBasicYearly0000001',
    proMonthly: PLANS.pro.price,
    proYearly: 'price_NwProYearly000000001',
    teamSeatMonthly: PLANS.team.price,
    enterpriseMonthly: PLANS.enterprise.price,
    onboardingWorkshop: 'price_NwOnboardingWorkshop',
  },
} as const;

const DESCRIPTIONS: Record<keyof typeof PLANS, string> = {
  basic: 'For individuals: 3 projects, 10 GB storage, community support.',
  pro: 'For professionals: unlimited projects, 100 GB storage, email support.',
  team: 'For teams, billed per seat: shared workspaces, SSO, priority support.',
  enterprise: 'For organisations: dedicated infrastructure, SLA, a named account manager.',
};

const LOOKUP_KEYS: Record<keyof typeof PLANS, string> = {
  basic: 'basic_monthly',
  pro: 'pro_monthly',
  team: 'team_seat_monthly',
  enterprise: 'enterprise_monthly',
};

/** Yearly prices: two months free. */
const YEARLY = [
  { plan: PLANS.basic, id: DEMO_CATALOG.prices.basicYearly, lookupKey: 'basic_yearly' },
  { plan: PLANS.pro, id: DEMO_CATALOG.prices.proYearly, lookupKey: 'pro_yearly' },
];

/** Creates the catalog at `at` (unix seconds), before any customer subscribes. */
export function seedCatalog(store: Store, at: number): void {
  store.at(at, () => {
    for (const [key, plan] of Object.entries(PLANS) as Array<[keyof typeof PLANS, Plan]>) {
      createProduct(store, {
        id: plan.product,
        name: plan.name,
        description: DESCRIPTIONS[key],
        metadata: { tier: key },
        statement_descriptor: 'NORTHWIND CLOUD',
        ...(key === 'team' ? { unit_label: 'seat' } : {}),
        url: `https://northwind.example/pricing#${key}`,
      });
      createPrice(
        store,
        {
          currency: 'usd',
          unit_amount: plan.amount,
          product: plan.product,
          recurring: { interval: 'month' },
          lookup_key: LOOKUP_KEYS[key],
          nickname: `${plan.name} monthly`,
          tax_behavior: 'exclusive',
        },
        { id: plan.price },
      );
      updateProduct(store, plan.product, { default_price: plan.price });
    }
    for (const yearly of YEARLY) {
      createPrice(
        store,
        {
          currency: 'usd',
          unit_amount: yearly.plan.amount * 10,
          product: yearly.plan.product,
          recurring: { interval: 'year' },
          lookup_key: yearly.lookupKey,
          nickname: `${yearly.plan.name} yearly`,
          tax_behavior: 'exclusive',
        },
        { id: yearly.id },
      );
    }
    createProduct(store, {
      id: DEMO_CATALOG.products.onboarding,
      name: 'Onboarding workshop',
      description: 'A half-day remote workshop to set up your workspace with our engineers.',
      metadata: { kind: 'service' },
    });
    createPrice(
      store,
      { currency: 'usd', unit_amount: 90_000, product: DEMO_CATALOG.products.onboarding, nickname: 'Onboarding workshop' },
      { id: DEMO_CATALOG.prices.onboardingWorkshop },
    );
    updateProduct(store, DEMO_CATALOG.products.onboarding, { default_price: DEMO_CATALOG.prices.onboardingWorkshop });
  });
}
