/**
 * The authorization matrix of CONTRACT.md ("Who is calling"), through the GraphQL API (`yoga.fetch`) with the real
 * SDK against the local Stripe: every root field × every kind of caller, asserting the error code, the HTTP status,
 * the Stripe calls made, and that no data of another customer reaches the response — nested, aliased or through
 * fragments included. Wherever a customer names an id, another customer's object and one that does not exist get
 * byte-identical answers (request ids aside), and no Stripe message reaches the customer.
 */
import { SignJWT } from 'jose';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../src/local-stripe/seed.js';
import {
  ADMIN_KEY,
  JWT_SECRET,
  signCustomerToken,
  startGateway,
  type Caller,
  type GatewayHarness,
  type GraphQLResponse,
} from '../support/gateway.js';

/** The customer whose data the requests are about. */
const OWNER = DEMO.customer;
/** Another customer, signed in with a valid token of its own. */
const OTHER = DEMO.businessCustomer;

type CallerName = 'no token' | 'garbage token' | 'expired token' | 'wrong-secret token' | 'other customer' | 'owner' | 'admin';
const CALLERS: readonly CallerName[] = ['no token', 'garbage token', 'expired token', 'wrong-secret token', 'other customer', 'owner', 'admin'];
const UNAUTHENTICATED_CALLERS: readonly CallerName[] = ['no token', 'garbage token', 'expired token', 'wrong-secret token'];

/** Why each unauthenticated caller's credentials were refused (`extensions.reason`); none sent: no reason. */
const REJECTIONS: Partial<Record<CallerName, 'invalid_token' | 'expired_token'>> = {
  'garbage token': 'invalid_token',
  'expired token': 'expired_token',
  'wrong-secret token': 'invalid_token',
};

/** The `WWW-Authenticate` of a 401 (RFC 6750 §3): how to authenticate, and what was wrong with what was sent. */
function challengeFor(caller: CallerName): string {
  const reason = REJECTIONS[caller];
  if (reason === undefined) return 'Bearer realm="billing-gateway"';
  const description = reason === 'expired_token' ? 'The access token expired' : 'The access token is invalid';
  return `Bearer realm="billing-gateway", error="invalid_token", error_description="${description}"`;
}

async function expiredToken(customer: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ stripe_customer_id: customer })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - 120)
    .sign(new TextEncoder().encode(JWT_SECRET));
}

/** The raw `Authorization` header each caller sends (undefined: none). */
async function headerOf(caller: CallerName): Promise<string | undefined> {
  switch (caller) {
    case 'no token':
      return undefined;
    case 'garbage token':
      return 'Bearer garbage';
    case 'expired token':
      return `Bearer ${await expiredToken(OWNER)}`;
    case 'wrong-secret token':
      return `Bearer ${await signCustomerToken(OWNER, { secret: 'not-the-gateway-secret-0123456789abcdefgh' })}`;
    case 'other customer':
      return `Bearer ${await signCustomerToken(OTHER)}`;
    case 'owner':
      return `Bearer ${await signCustomerToken(OWNER)}`;
    case 'admin':
      return `Bearer ${ADMIN_KEY}`;
  }
}

async function callerOf(name: CallerName): Promise<Caller> {
  const header = await headerOf(name);
  return header === undefined ? 'anonymous' : { authorization: header };
}

/** What the owner's data looks like (read as admin): none of it may reach another customer. */
interface OwnerData {
  name: string;
  email: string;
  invoicePrefix: string;
  invoiceIds: string[];
  invoiceNumbers: string[];
  hostedUrls: string[];
  /** Formatted totals of the owner's invoices (`$49.00`): looked for in refused responses only, as other
   * customers' own invoices may well have the same amounts. */
  totals: string[];
}

let harness: GatewayHarness;
let owner: OwnerData;
/** An invoice of OWNER, and one of OTHER. */
let ownerInvoice: string;
let otherInvoice: string;
/** OWNER's default card; objects the admin's actions act on (one each: an action changes its object). */
let ownerCard: string;
let forAdmin: { draft: string; pay: string; void: string; uncollectible: string; send: string; cancel: string; resume: string };

beforeAll(async () => {
  // Deep, wide documents on purpose (authorization through nested objects); the limits have their own suites.
  harness = await startGateway({}, { gateway: { limits: { maxDepth: 12, maxCost: 100_000 } } });
  const read = await harness.gql<{
    customer: {
      name: string;
      email: string;
      invoicePrefix: string;
      invoices: {
        edges: Array<{ node: { id: string; number: string | null; hostedInvoiceUrl: string | null; total: { formatted: string } } }>;
      };
    };
    other: { invoices: { edges: Array<{ node: { id: string } }> } };
  }>(
    `query ($owner: ID!, $other: ID!) {
      customer(id: $owner) { name email invoicePrefix invoices(first: 100) { edges { node { id number hostedInvoiceUrl total { formatted } } } } }
      other: customer(id: $other) { invoices(first: 1) { edges { node { id } } } }
    }`,
    { owner: OWNER, other: OTHER },
    'admin',
  );
  expect(read.errors).toBeUndefined();
  const customer = read.data!.customer;
  const invoices = customer.invoices.edges.map((e) => e.node);
  expect(invoices.length).toBeGreaterThan(1);
  owner = {
    name: customer.name,
    email: customer.email,
    invoicePrefix: customer.invoicePrefix,
    invoiceIds: invoices.map((i) => i.id),
    invoiceNumbers: invoices.flatMap((i) => (i.number !== null ? [i.number] : [])),
    hostedUrls: invoices.flatMap((i) => (i.hostedInvoiceUrl !== null ? [i.hostedInvoiceUrl] : [])),
    totals: invoices.map((i) => i.total.formatted),
  };
  ownerInvoice = invoices[0]!.id;
  otherInvoice = read.data!.other.invoices.edges[0]!.node.id;
  ownerCard = harness.local.store.customers.get(OWNER)!.invoice_settings.default_payment_method as string;
  const stripe = new Stripe(harness.local.secretKey, { ...harness.local.stripeConfig, maxNetworkRetries: 0, telemetry: false });
  const acted = await stripe.customers.create({ name: 'Acted Upon Ltd' });
  const invoice = async (finalize: boolean) => {
    const created = await stripe.invoices.create({ customer: acted.id, currency: 'usd', auto_advance: false, collection_method: 'send_invoice', days_until_due: 7 });
    await stripe.invoiceItems.create({ customer: acted.id, invoice: created.id, amount: 1200, currency: 'usd' });
    if (finalize) await stripe.invoices.finalizeInvoice(created.id);
    return created.id;
  };
  const subscription = async () =>
    (await stripe.subscriptions.create({ customer: acted.id, items: [{ price: 'price_NwBasicMonthly000001' }], collection_method: 'send_invoice', days_until_due: 7 })).id;
  const resume = await subscription();
  await stripe.subscriptions.update(resume, { cancel_at_period_end: true });
  forAdmin = {
    draft: await invoice(false),
    pay: await invoice(true),
    void: await invoice(true),
    uncollectible: await invoice(true),
    send: await invoice(true),
    cancel: await subscription(),
    resume,
  };
});

afterAll(async () => {
  await harness.stop();
});

/** Every string that would betray OWNER's data. */
function ownerMarkers(): string[] {
  return [OWNER, owner.name, owner.email, owner.invoicePrefix, ...owner.invoiceIds, ...owner.invoiceNumbers, ...owner.hostedUrls];
}

/** Fails, naming the string, if the serialized response contains any of OWNER's data. */
function expectNoOwnerData(response: unknown): void {
  const text = JSON.stringify(response);
  for (const marker of ownerMarkers()) {
    if (text.includes(marker)) throw new Error(`response leaks '${marker}' of ${OWNER}: ${text}`);
  }
}

/** True when `value` holds no data at all: null, or objects whose every value holds none. */
function empty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'object' && !Array.isArray(value)) return Object.values(value).every(empty);
  return false;
}

function codes(response: GraphQLResponse): string[] {
  return (response.errors ?? []).map((e) => String(e.extensions?.['code']));
}

interface Connection<T> {
  edges: Array<{ node: T }>;
}

// ---------------------------------------------------------------------------------------------------------------
// The operations

type Outcome = 'ok' | 'FORBIDDEN' | 'BAD_USER_INPUT';

interface Operation {
  name: string;
  document: string;
  variables(): Record<string, unknown>;
  /**
   * When the gateway can know whose data this is: from the arguments, before any Stripe call (`before`), or only
   * from Stripe's answer (`after`: an invoice by id).
   */
  ownerKnown: 'before' | 'after';
  expect: Record<'owner' | 'other customer' | 'admin', Outcome>;
  /** The argument a FORBIDDEN answer names (`extensions.field`), when it names one: the id the caller gave. */
  forbiddenField?: string;
  /** Checks the data of a successful response. */
  check?(data: any, caller: CallerName): void;
  /** With `ownerKnown: 'after'`: the one call that reads the object to learn its owner (default: OWNER's invoice). */
  ownerCall?(): string;
}

/** An admin action: refused to every customer before any call (the matrix's operator allows customers none). */
function action(name: string, type: string, field: string, input: () => Record<string, unknown>, check: (data: any) => void): Operation {
  return {
    name,
    document: `mutation ($input: ${type}Input!) { ${name}(input: $input) { ... on ${type}Payload { ${field} { id } } } }`,
    variables: () => ({ input: input() }),
    ownerKnown: 'before',
    expect: { owner: 'FORBIDDEN', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check: (data) => check(data[name][field]),
  };
}

/** The customer id a signed-in caller's own data belongs to. */
const ownIdOf = (caller: CallerName) => (caller === 'owner' ? OWNER : OTHER);

const SESSION = `portalSession { id url customer { id name } }`;

const OPERATIONS: Operation[] = [
  {
    name: 'viewer',
    document: `{ viewer { role customer { id name email } } }`,
    variables: () => ({}),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'ok', admin: 'ok' },
    check(data, caller) {
      if (caller === 'admin') {
        expect(data.viewer).toEqual({ role: 'ADMIN', customer: null });
      } else {
        expect(data.viewer.role).toBe('CUSTOMER');
        expect(data.viewer.customer.id).toBe(ownIdOf(caller));
      }
      if (caller === 'owner') expect(data.viewer.customer).toMatchObject({ name: owner.name, email: owner.email });
    },
  },
  {
    name: 'node(cus_)',
    document: `query ($id: ID!) { node(id: $id) { id ... on Customer { name email } } }`,
    variables: () => ({ id: OWNER }),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check: (data) => expect(data.node).toEqual({ id: OWNER, name: owner.name, email: owner.email }),
  },
  {
    name: 'node(in_)',
    document: `query ($id: ID!) { node(id: $id) { id ... on Invoice { number total { amount } customer { id name } } } }`,
    variables: () => ({ id: ownerInvoice }),
    ownerKnown: 'after',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    forbiddenField: 'id',
    check: (data) => expect(data.node).toMatchObject({ id: ownerInvoice, customer: { id: OWNER, name: owner.name } }),
  },
  {
    name: 'node(bpc_)',
    document: `query ($id: ID!) { node(id: $id) { id ... on PortalConfiguration { isDefault active } } }`,
    variables: () => ({ id: DEMO.defaultConfiguration }),
    ownerKnown: 'before',
    expect: { owner: 'FORBIDDEN', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check: (data) => expect(data.node).toEqual({ id: DEMO.defaultConfiguration, isDefault: true, active: true }),
  },
  {
    name: 'customer(id)',
    document: `query ($id: ID!) { customer(id: $id) { id name email balance { amount } } }`,
    variables: () => ({ id: OWNER }),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check: (data) => expect(data.customer).toMatchObject({ id: OWNER, name: owner.name, email: owner.email }),
  },
  {
    name: 'customers',
    document: `{ customers(first: 5) { edges { node { id name } } } }`,
    variables: () => ({}),
    ownerKnown: 'before',
    expect: { owner: 'FORBIDDEN', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check: (data) => expect(data.customers.edges).toHaveLength(5),
  },
  {
    name: 'invoice(id)',
    document: `query ($id: ID!) { invoice(id: $id) { id number total { amount formatted } customer { id name email } } }`,
    variables: () => ({ id: ownerInvoice }),
    ownerKnown: 'after',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    forbiddenField: 'id',
    check: (data) => expect(data.invoice).toMatchObject({ id: ownerInvoice, customer: { id: OWNER, email: owner.email } }),
  },
  {
    name: 'invoices(customerId)',
    document: `query ($customerId: ID!) { invoices(first: 20, customerId: $customerId) { edges { node { id number customer { id } } } } }`,
    variables: () => ({ customerId: OWNER }),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check(data) {
      const nodes = (data.invoices as Connection<{ customer: { id: string } }>).edges.map((e) => e.node);
      expect(nodes.length).toBeGreaterThan(1);
      expect(new Set(nodes.map((n) => n.customer.id))).toEqual(new Set([OWNER]));
    },
  },
  {
    name: 'invoices (no customerId)',
    document: `{ invoices(first: 100) { edges { node { id number customer { id name } } } } }`,
    variables: () => ({}),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'ok', admin: 'ok' },
    check(data, caller) {
      const ids = new Set((data.invoices as Connection<{ customer: { id: string } }>).edges.map((e) => e.node.customer.id));
      if (caller === 'admin') expect(ids.size).toBeGreaterThan(1);
      else expect(ids).toEqual(new Set([ownIdOf(caller)]));
    },
  },
  {
    name: 'portalConfiguration(id)',
    document: `query ($id: ID!) { portalConfiguration(id: $id) { id isDefault } }`,
    variables: () => ({ id: DEMO.defaultConfiguration }),
    ownerKnown: 'before',
    expect: { owner: 'FORBIDDEN', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check: (data) => expect(data.portalConfiguration).toEqual({ id: DEMO.defaultConfiguration, isDefault: true }),
  },
  {
    name: 'portalConfigurations',
    document: `{ portalConfigurations(first: 10) { edges { node { id isDefault } } } }`,
    variables: () => ({}),
    ownerKnown: 'before',
    expect: { owner: 'FORBIDDEN', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check: (data) =>
      expect(data.portalConfigurations.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(DEMO.defaultConfiguration),
  },
  {
    name: 'createPortalSession(customerId)',
    document: `mutation ($customerId: ID!) { createPortalSession(input: { customerId: $customerId }) { ... on CreatePortalSessionPayload { ${SESSION} } } }`,
    variables: () => ({ customerId: OWNER }),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check: (data) => expect(data.createPortalSession.portalSession.customer).toEqual({ id: OWNER, name: owner.name }),
  },
  {
    name: 'createPortalSession (no customerId)',
    document: `mutation { createPortalSession(input: {}) { ... on CreatePortalSessionPayload { ${SESSION} } } }`,
    variables: () => ({}),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'ok', admin: 'BAD_USER_INPUT' },
    check(data, caller) {
      expect(data.createPortalSession.portalSession.customer.id).toBe(ownIdOf(caller));
      expect(data.createPortalSession.portalSession.url).toMatch(/^https?:\/\//);
    },
  },
  {
    name: 'subscription(id)',
    document: `query ($id: ID!) { subscription(id: $id) { id status customer { id name } items { price { id product { name } } } } }`,
    variables: () => ({ id: DEMO.subscription }),
    ownerKnown: 'after',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    forbiddenField: 'id',
    ownerCall: () => `GET /v1/subscriptions/${DEMO.subscription}`,
    check: (data) => expect(data.subscription).toMatchObject({ id: DEMO.subscription, customer: { id: OWNER, name: owner.name } }),
  },
  {
    name: 'node(sub_)',
    document: `query ($id: ID!) { node(id: $id) { id ... on BillingSubscription { status customer { id } } } }`,
    variables: () => ({ id: DEMO.subscription }),
    ownerKnown: 'after',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    forbiddenField: 'id',
    ownerCall: () => `GET /v1/subscriptions/${DEMO.subscription}`,
    check: (data) => expect(data.node).toMatchObject({ id: DEMO.subscription, customer: { id: OWNER } }),
  },
  {
    name: 'node(pm_)',
    document: `query ($id: ID!) { node(id: $id) { id ... on PaymentMethod { card { brand last4 expMonth expYear } } } }`,
    variables: () => ({ id: ownerCard }),
    ownerKnown: 'after',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    forbiddenField: 'id',
    ownerCall: () => `GET /v1/payment_methods/${ownerCard}`,
    check: (data) => expect(data.node).toMatchObject({ id: ownerCard, card: { last4: expect.stringMatching(/^\d{4}$/) } }),
  },
  {
    name: 'customer(id) { subscriptions defaultPaymentMethod upcomingInvoice }',
    document: `query ($id: ID!) { customer(id: $id) { id defaultPaymentMethod { id card { last4 } } subscriptions { edges { node { id status } } }
      upcomingInvoice { amountDue { amount } lines { id } } } }`,
    variables: () => ({ id: OWNER }),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'FORBIDDEN', admin: 'ok' },
    check(data) {
      expect(data.customer.defaultPaymentMethod.id).toBe(ownerCard);
      expect(data.customer.subscriptions.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(DEMO.subscription);
      expect(data.customer.upcomingInvoice.lines.length).toBeGreaterThan(0);
    },
  },
  {
    name: 'prices',
    document: `{ prices(first: 5) { edges { node { id active product { name } } } } }`,
    variables: () => ({}),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'ok', admin: 'ok' },
    check: (data) => expect(data.prices.edges.length).toBeGreaterThan(0),
  },
  {
    name: 'products',
    document: `{ products(first: 5) { edges { node { id name active } } } }`,
    variables: () => ({}),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'ok', admin: 'ok' },
    check: (data) => expect(data.products.edges.length).toBeGreaterThan(0),
  },
  {
    name: 'node(price_) and node(prod_)',
    document: `{ node(id: "price_NwBasicMonthly000001") { id ... on Price { active } } p: node(id: "prod_NwBasic0000001") { id ... on Product { name } } }`,
    variables: () => ({}),
    ownerKnown: 'before',
    expect: { owner: 'ok', 'other customer': 'ok', admin: 'ok' },
    check: (data) => expect(data).toEqual({ node: { id: 'price_NwBasicMonthly000001', active: true }, p: { id: 'prod_NwBasic0000001', name: 'Basic' } }),
  },
  action('finalizeInvoice', 'FinalizeInvoice', 'invoice', () => ({ invoiceId: forAdmin.draft }), (i) => expect(i.id).toBe(forAdmin.draft)),
  action('payInvoice', 'PayInvoice', 'invoice', () => ({ invoiceId: forAdmin.pay, paidOutOfBand: true }), (i) => expect(i.id).toBe(forAdmin.pay)),
  action('voidInvoice', 'VoidInvoice', 'invoice', () => ({ invoiceId: forAdmin.void }), (i) => expect(i.id).toBe(forAdmin.void)),
  action('markInvoiceUncollectible', 'MarkInvoiceUncollectible', 'invoice', () => ({ invoiceId: forAdmin.uncollectible }), (i) => expect(i.id).toBe(forAdmin.uncollectible)),
  action('sendInvoice', 'SendInvoice', 'invoice', () => ({ invoiceId: forAdmin.send }), (i) => expect(i.id).toBe(forAdmin.send)),
  action('cancelSubscription', 'CancelSubscription', 'subscription', () => ({ subscriptionId: forAdmin.cancel, atPeriodEnd: true }), (s) => expect(s.id).toBe(forAdmin.cancel)),
  action('resumeSubscription', 'ResumeSubscription', 'subscription', () => ({ subscriptionId: forAdmin.resume }), (s) => expect(s.id).toBe(forAdmin.resume)),
];

function outcomeOf(operation: Operation, caller: CallerName): Outcome | 'UNAUTHENTICATED' {
  if (UNAUTHENTICATED_CALLERS.includes(caller)) return 'UNAUTHENTICATED';
  return operation.expect[caller as keyof Operation['expect']];
}

describe('the authorization matrix', () => {
  const cells = OPERATIONS.flatMap((operation) =>
    CALLERS.map((caller) => ({ operation, caller, outcome: outcomeOf(operation, caller) })),
  );

  it.each(cells)('$operation.name as $caller → $outcome', async ({ operation, caller, outcome }) => {
    const header = await headerOf(caller);
    let response!: GraphQLResponse;
    const calls = await harness.stripeCalls(async () => {
      response = await harness.gql(operation.document, operation.variables(), await callerOf(caller));
    });
    const context = `${operation.name} as ${caller}: ${JSON.stringify({ data: response.data, errors: response.errors })}`;

    // Never a secret or the caller's token in the response.
    const text = JSON.stringify({ data: response.data, errors: response.errors });
    expect(text).not.toContain(ADMIN_KEY);
    expect(text).not.toContain(JWT_SECRET);
    if (header !== undefined && header !== 'Bearer garbage') expect(text).not.toContain(header.slice('Bearer '.length));

    if (outcome === 'ok') {
      expect(response.errors, context).toBeUndefined();
      expect(response.status).toBe(200);
      operation.check?.(response.data, caller);
    } else {
      expect(codes(response), context).toEqual([outcome]);
      expect(empty(response.data), context).toBe(true);
      expect(response.status, context).toBe(outcome === 'UNAUTHENTICATED' ? 401 : 200);
      // A refusal carries a message and a code, nothing else: no amount, no field of the object refused — but for
      // a refused credential, why (RFC 6750's error: expired, or invalid and nothing more).
      for (const error of response.errors ?? []) {
        const { code: _code, field, ...rest } = error.extensions ?? {};
        expect(rest, context).toEqual(outcome === 'UNAUTHENTICATED' && REJECTIONS[caller] !== undefined ? { reason: REJECTIONS[caller] } : {});
        if (outcome === 'BAD_USER_INPUT') expect(field).toBe('customerId');
        else if (outcome === 'FORBIDDEN') expect(field, context).toBe(operation.forbiddenField);
        else expect(field).toBeUndefined();
        for (const total of owner.totals) expect(error.message).not.toContain(total);
      }
      if (outcome === 'UNAUTHENTICATED') expect(response.headers.get('www-authenticate'), context).toBe(challengeFor(caller));
      else expect(response.headers.get('www-authenticate')).toBeNull();
      // Refused before any Stripe call wherever the owner is known up front (and always without credentials).
      if (outcome === 'UNAUTHENTICATED' || operation.ownerKnown === 'before') {
        expect(calls.map((c) => `${c.method} ${c.path}`), context).toEqual([]);
      } else {
        // The object had to be read to learn its owner: one retrieve, nothing more.
        expect(calls.map((c) => `${c.method} ${c.path}`), context).toEqual([operation.ownerCall?.() ?? `GET /v1/invoices/${ownerInvoice}`]);
      }
    }
    if (caller !== 'owner' && caller !== 'admin') expectNoOwnerData({ data: response.data, errors: response.errors });
  });

  it('covers every root field of the schema', () => {
    const { schema } = harness.yoga.getEnveloped();
    const roots = [
      ...Object.keys(schema.getQueryType()!.getFields()),
      ...Object.keys(schema.getMutationType()!.getFields()),
    ];
    const covered = new Set(OPERATIONS.map((o) => o.document.match(/[{(]\s*([a-zA-Z]+)\s*[({]/)?.[1]));
    expect(roots.filter((field) => !covered.has(field))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Nested and indirect paths

describe('a customer cannot reach another customer’s data indirectly', () => {
  const asOther = () => callerOf('other customer');

  it('through invoice(id).customer: the invoice is refused, and its customer with it', async () => {
    const response = await harness.gql(
      `query ($id: ID!) { invoice(id: $id) { id customer { id name email invoices(first: 5) { edges { node { id number } } } } } }`,
      { id: ownerInvoice },
      await asOther(),
    );
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(response.data).toEqual({ invoice: null });
    expectNoOwnerData(response);
  });

  it('through node(in_) with fragments and type conditions', async () => {
    const response = await harness.gql(
      `query ($id: ID!) {
        node(id: $id) { ...InvoiceParts ... on Customer { name } }
      }
      fragment InvoiceParts on Invoice { id number customerName customerEmail customer { ...CustomerParts } lines(first: 5) { edges { node { id amount { amount } } } } }
      fragment CustomerParts on Customer { id name email }`,
      { id: ownerInvoice },
      await asOther(),
    );
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(response.data).toEqual({ node: null });
    expectNoOwnerData(response);
  });

  it('through aliases beside its own data: only its own fields resolve', async () => {
    const calls = await harness.stripeCalls(async () => {
      const response = await harness.gql(
        `query ($owner: ID!, $invoice: ID!) {
          mine: viewer { customer { id name } }
          a: customer(id: $owner) { id name }
          b: node(id: $owner) { ... on Customer { email } }
          d: invoice(id: $invoice) { number }
          e: node(id: $invoice) { ... on Invoice { customer { name } } }
          f: customer(id: $owner) { invoices { edges { node { id } } } }
        }`,
        { owner: OWNER, invoice: ownerInvoice },
        await asOther(),
      );
      expect(codes(response), JSON.stringify(response)).toEqual(Array(5).fill('FORBIDDEN'));
      expect(response.status).toBe(200);
      expect(response.data).toEqual({ mine: { customer: { id: OTHER, name: expect.any(String) } }, a: null, b: null, d: null, e: null, f: null });
      expectNoOwnerData(response);
    });
    // Its own customer, and the owner's invoice (its owner is known only from Stripe's answer): no customer read
    // and no list of OWNER's.
    const made = calls.map((c) => `${c.method} ${c.path}`);
    expect(made).toContain(`GET /v1/customers/${OTHER}`);
    expect(made.filter((c) => c !== `GET /v1/customers/${OTHER}` && c !== `GET /v1/invoices/${ownerInvoice}`)).toEqual([]);
  });

  it('through a non-null list beside its own data: the whole response is refused', async () => {
    const calls = await harness.stripeCalls(async () => {
      const response = await harness.gql(
        `query ($owner: ID!) { mine: viewer { role } theirs: invoices(customerId: $owner) { edges { node { id } } } }`,
        { owner: OWNER },
        await asOther(),
      );
      expect(codes(response)).toEqual(['FORBIDDEN']);
      // `invoices` is non-null, so its error nulls the whole data.
      expect(response.data).toBeNull();
      expectNoOwnerData(response);
    });
    expect(calls).toEqual([]);
  });

  it('through list filters: invoices(subscriptionId) of another customer’s subscription is empty', async () => {
    const response = await harness.gql<{ invoices: Connection<{ id: string }> }>(
      `query ($sub: ID!) { invoices(first: 100, subscriptionId: $sub) { edges { node { id number customer { id name } } } } }`,
      { sub: DEMO.subscription },
      await asOther(),
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.invoices.edges).toEqual([]);
    expectNoOwnerData(response);
    // The same query as the owner finds them: the filter, not the data, made the difference.
    const mine = await harness.gql<{ invoices: Connection<{ id: string }> }>(
      `query ($sub: ID!) { invoices(first: 100, subscriptionId: $sub) { edges { node { id } } } }`,
      { sub: DEMO.subscription },
      await callerOf('owner'),
    );
    expect(mine.data!.invoices.edges.length).toBeGreaterThan(0);
  });

  it('through its own objects: every customer its own invoices reach is itself', async () => {
    const response = await harness.gql(
      `query ($invoice: ID!) {
        viewer { customer { invoices(first: 100) { edges { node { id customer { id name email } } } } } }
        invoice(id: $invoice) { customer { id } }
        invoices(first: 50) { edges { node { customer { id invoices(first: 100) { edges { node { id } } } } } } }
      }`,
      { invoice: otherInvoice },
      await asOther(),
    );
    expect(response.errors).toBeUndefined();
    expectNoOwnerData(response);
    expect(JSON.stringify(response.data)).toContain(OTHER);
  });

  it('through a portal session: it is opened for the caller, never for the customer it names', async () => {
    const calls = await harness.stripeCalls(async () => {
      const response = await harness.gql(
        `mutation ($owner: ID!) {
          createPortalSession(input: { customerId: $owner, returnUrl: "https://app.example.com/x" }) {
            ... on CreatePortalSessionPayload { portalSession { id url customer { id name } } }
          }
        }`,
        { owner: OWNER },
        await asOther(),
      );
      expect(codes(response)).toEqual(['FORBIDDEN']);
      expect(response.data).toBeNull();
      expectNoOwnerData(response);
    });
    expect(calls).toEqual([]);
  });

  it('through a portal flow on another customer’s subscription: Stripe refuses it, and nothing of the owner leaks', async () => {
    const response = await harness.gql(
      `mutation ($sub: ID!) {
        createPortalSession(input: { flow: { type: SUBSCRIPTION_CANCEL, subscriptionCancel: { subscriptionId: $sub } } }) {
          ... on CreatePortalSessionPayload { portalSession { id customer { id } } }
        }
      }`,
      { sub: DEMO.subscription },
      await asOther(),
    );
    expect(response.data).toBeNull();
    // Issue 10 (deliberate change): FORBIDDEN in the gateway's words, where Stripe's "does not belong to the
    // customer" text used to be passed on as BAD_USER_INPUT.
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(response.errors![0]).toMatchObject({
      message: 'No subscription of yours that the portal can act on has this id.',
      extensions: { code: 'FORBIDDEN', field: 'flow.subscriptionCancel.subscriptionId' },
    });
    expectNoOwnerData(response);
  });

  it('through ids that differ from its own only in case or by padding', async () => {
    for (const id of [OWNER.toLowerCase(), OWNER.toUpperCase().replace('CUS_', 'cus_'), ` ${OTHER}`, `${OTHER} `, `${OTHER}\n`]) {
      const calls = await harness.stripeCalls(async () => {
        const response = await harness.gql(`query ($id: ID!) { customer(id: $id) { id name } }`, { id }, await asOther());
        expect(codes(response), id).toEqual(['FORBIDDEN']);
        expect(response.data).toEqual({ customer: null });
      });
      expect(calls).toEqual([]);
    }
  });
});

describe('viewer', () => {
  it('a customer sees its own customer, loaded once', async () => {
    const calls = await harness.stripeCalls(async () => {
      const response = await harness.gql(
        `{ viewer { role customer { id name email } } again: viewer { customer { name } } }`,
        {},
        await callerOf('owner'),
      );
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({
        viewer: { role: 'CUSTOMER', customer: { id: OWNER, name: owner.name, email: owner.email } },
        again: { customer: { name: owner.name } },
      });
    });
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([`GET /v1/customers/${OWNER}`]);
  });

  it('an admin is no customer: customer is null, at no Stripe cost', async () => {
    const calls = await harness.stripeCalls(async () => {
      const response = await harness.gql(`{ viewer { role customer { id name } } }`, {}, 'admin');
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({ viewer: { role: 'ADMIN', customer: null } });
    });
    expect(calls).toEqual([]);
  });

  it('{ viewer { customer { id } } } costs no Stripe call', async () => {
    const calls = await harness.stripeCalls(async () => {
      const response = await harness.gql(`{ viewer { customer { id } } }`, {}, await callerOf('owner'));
      expect(response.data).toEqual({ viewer: { customer: { id: OWNER } } });
    });
    expect(calls).toEqual([]);
  });
});

describe('UNAUTHENTICATED over HTTP', () => {
  const query = `{ customer(id: "${OWNER}") { id name } viewer { role } }`;

  it.each([
    ['POST', 'application/graphql-response+json'],
    ['POST', 'application/json'],
    ['POST', undefined],
    ['GET', 'application/graphql-response+json'],
    ['GET', 'application/json'],
  ])('%s with Accept %s: 401, WWW-Authenticate: Bearer, code UNAUTHENTICATED, no Stripe call', async (method, accept) => {
    // No credentials, Bearer credentials that fail, and credentials of another scheme (none, to a Bearer server).
    for (const [authorization, reason] of [
      [undefined, undefined],
      ['Bearer garbage', 'invalid_token'],
      ['Basic Zm9vOmJhcg==', undefined],
    ] as const) {
      const headers: Record<string, string> = {
        ...(accept !== undefined ? { accept } : {}),
        ...(authorization !== undefined ? { authorization } : {}),
      };
      let response!: Response;
      const calls = await harness.stripeCalls(async () => {
        response =
          method === 'GET'
            ? // A GET must say it is no cross-site link or form (CSRF prevention).
              await harness.yoga.fetch(`http://gateway.test/graphql?query=${encodeURIComponent(query)}`, {
                headers: { ...headers, 'x-graphql-csrf': '1' },
              })
            : await harness.yoga.fetch('http://gateway.test/graphql', {
                method: 'POST',
                headers: { ...headers, 'content-type': 'application/json' },
                body: JSON.stringify({ query }),
              });
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        reason === undefined
          ? 'Bearer realm="billing-gateway"'
          : 'Bearer realm="billing-gateway", error="invalid_token", error_description="The access token is invalid"',
      );
      const body = (await response.json()) as GraphQLResponse;
      // Refused before execution (issue 10: anonymous callers are refused before their variables are read): a
      // request error, with no data entry at all.
      expect(body).not.toHaveProperty('data');
      expect(new Set(codes({ ...body, status: 401, headers: response.headers }))).toEqual(new Set(['UNAUTHENTICATED']));
      // Yoga consumes `extensions.http`; clients see the code, and why a credential sent was refused.
      for (const error of body.errors ?? []) expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', ...(reason !== undefined ? { reason } : {}) });
      expect(calls).toEqual([]);
    }
  });

  it('a signed-in caller refused with FORBIDDEN gets 200 and its other fields', async () => {
    const response = await harness.gql(`{ viewer { role } portalConfiguration(id: "${DEMO.defaultConfiguration}") { id } }`, {}, await callerOf('owner'));
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ viewer: { role: 'CUSTOMER' }, portalConfiguration: null });
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// One answer for "not yours" and "does not exist"

describe('a customer naming an id learns nothing of whether another customer’s object exists', () => {
  /** The subscription of OTHER (the caller below), with its one item; and the owner's subscription item. */
  const OTHER_SUBSCRIPTION = 'sub_BCVtOp32cN8dsC42CFwtOUKV';
  const ownerItem = () => harness.local.store.subscriptions.get(DEMO.subscription)!.items.data[0]!.id;
  const SESSION_ID = `mutation ($input: CreatePortalSessionInput!) { createPortalSession(input: $input) { ... on CreatePortalSessionPayload { portalSession { id } } } }`;
  const flow = (flow: Record<string, unknown>) => ({ input: { flow } });

  /** What the caller reads, Stripe's and the gateway's request ids aside (their keys still count). */
  const body = (response: GraphQLResponse) =>
    JSON.stringify({ status: response.status, data: response.data, errors: response.errors }).replace(/req_[A-Za-z0-9]+/g, 'req_…');

  interface Case {
    name: string;
    document: string;
    /** Variables naming OWNER's object, and variables naming one that does not exist. */
    theirs(): Record<string, unknown>;
    missing(): Record<string, unknown>;
    /** The answer both get: an error code, or `ok` (the same data). */
    outcome: 'FORBIDDEN' | 'BAD_USER_INPUT' | 'ok';
    field?: string;
  }

  const cases: Case[] = [
    {
      name: 'invoice(id:)',
      document: `query ($id: ID!) { invoice(id: $id) { id number customer { id name } } }`,
      theirs: () => ({ id: ownerInvoice }),
      missing: () => ({ id: 'in_doesNotExist0000000000' }),
      outcome: 'FORBIDDEN',
      field: 'id',
    },
    {
      name: 'node(id:) of an invoice',
      document: `query ($id: ID!) { node(id: $id) { id ... on Invoice { number total { formatted } } } }`,
      theirs: () => ({ id: ownerInvoice }),
      missing: () => ({ id: 'in_doesNotExist0000000000' }),
      outcome: 'FORBIDDEN',
      field: 'id',
    },
    {
      name: 'subscription(id:)',
      document: `query ($id: ID!) { subscription(id: $id) { id status customer { id name } } }`,
      theirs: () => ({ id: DEMO.subscription }),
      missing: () => ({ id: 'sub_doesNotExist00000000' }),
      outcome: 'FORBIDDEN',
      field: 'id',
    },
    {
      name: 'node(id:) of a subscription',
      document: `query ($id: ID!) { node(id: $id) { id ... on BillingSubscription { status } } }`,
      theirs: () => ({ id: DEMO.subscription }),
      missing: () => ({ id: 'sub_doesNotExist00000000' }),
      outcome: 'FORBIDDEN',
      field: 'id',
    },
    {
      name: 'node(id:) of a payment method',
      document: `query ($id: ID!) { node(id: $id) { id ... on PaymentMethod { card { last4 } } } }`,
      theirs: () => ({ id: ownerCard }),
      missing: () => ({ id: 'pm_doesNotExist000000000' }),
      outcome: 'FORBIDDEN',
      field: 'id',
    },
    {
      name: 'customer(id:)',
      document: `query ($id: ID!) { customer(id: $id) { id name } }`,
      theirs: () => ({ id: OWNER }),
      missing: () => ({ id: 'cus_doesNotExist00000' }),
      outcome: 'FORBIDDEN',
    },
    {
      name: 'node(id:) of a customer',
      document: `query ($id: ID!) { node(id: $id) { id ... on Customer { name } } }`,
      theirs: () => ({ id: OWNER }),
      missing: () => ({ id: 'cus_doesNotExist00000' }),
      outcome: 'FORBIDDEN',
    },
    {
      name: 'invoices(customerId:)',
      document: `query ($id: ID!) { invoices(customerId: $id) { edges { node { id } } } }`,
      theirs: () => ({ id: OWNER }),
      missing: () => ({ id: 'cus_doesNotExist00000' }),
      outcome: 'FORBIDDEN',
    },
    {
      name: 'invoices(subscriptionId:)',
      document: `query ($id: ID!) { invoices(subscriptionId: $id) { edges { node { id } } } }`,
      theirs: () => ({ id: DEMO.subscription }),
      missing: () => ({ id: 'sub_doesNotExist00000000' }),
      outcome: 'ok',
    },
    {
      name: 'invoices(after:) from a bare invoice id',
      document: `query ($c: String) { invoices(first: 2, after: $c) { edges { node { id } } } }`,
      theirs: () => ({ c: ownerInvoice }),
      missing: () => ({ c: 'in_doesNotExist0000000000' }),
      outcome: 'BAD_USER_INPUT',
      field: 'after',
    },
    {
      name: 'invoices(before:) from a bare invoice id',
      document: `query ($c: String) { invoices(last: 2, before: $c) { edges { node { id } } } }`,
      theirs: () => ({ c: ownerInvoice }),
      missing: () => ({ c: 'in_doesNotExist0000000000' }),
      outcome: 'BAD_USER_INPUT',
      field: 'before',
    },
    {
      name: 'createPortalSession(customerId:)',
      document: SESSION_ID,
      theirs: () => ({ input: { customerId: OWNER } }),
      missing: () => ({ input: { customerId: 'cus_doesNotExist00000' } }),
      outcome: 'FORBIDDEN',
    },
    ...(['subscriptionCancel', 'subscriptionPause', 'subscriptionUpdate'] as const).map(
      (key): Case => ({
        name: `a ${key} flow’s subscriptionId`,
        document: SESSION_ID,
        theirs: () => flow({ type: key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(), [key]: { subscriptionId: DEMO.subscription } }),
        missing: () => flow({ type: key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(), [key]: { subscriptionId: 'sub_doesNotExist00000000' } }),
        outcome: 'FORBIDDEN',
        field: `flow.${key}.subscriptionId`,
      }),
    ),
    {
      name: 'a subscriptionUpdateConfirm flow’s subscriptionId',
      document: SESSION_ID,
      theirs: () => flow({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: ownerItem(), quantity: 2 }] } }),
      missing: () => flow({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: 'sub_doesNotExist00000000', items: [{ id: ownerItem(), quantity: 2 }] } }),
      outcome: 'FORBIDDEN',
      field: 'flow.subscriptionUpdateConfirm.subscriptionId',
    },
    {
      name: 'a subscriptionUpdateConfirm flow’s item (on the caller’s own subscription)',
      document: SESSION_ID,
      theirs: () => flow({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: OTHER_SUBSCRIPTION, items: [{ id: ownerItem(), quantity: 2 }] } }),
      missing: () => flow({ type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: OTHER_SUBSCRIPTION, items: [{ id: 'si_doesNotExist00000', quantity: 2 }] } }),
      outcome: 'FORBIDDEN',
      field: 'flow.subscriptionUpdateConfirm.items.0.id',
    },
  ];

  it.each(cases)('$name: the same answer, $outcome', async (c) => {
    const as = await callerOf('other customer');
    const theirs = await harness.gql(c.document, c.theirs(), as);
    const missing = await harness.gql(c.document, c.missing(), as);
    const context = `theirs: ${body(theirs)}\nmissing: ${body(missing)}`;
    if (c.outcome === 'ok') expect(theirs.errors, context).toBeUndefined();
    else {
      expect(codes(theirs), context).toEqual([c.outcome]);
      expect(theirs.errors![0]!.extensions?.['field'], context).toBe(c.field);
    }
    expect(body(missing)).toBe(body(theirs));
    // The gateway's words, never Stripe's: nothing says what exists, or whose it is.
    expect(body(theirs)).not.toMatch(/No such|belong|resource_missing|stripeParam|stripeRequestId/);
    expectNoOwnerData(theirs);
  });

  it('gives the same answer for the caller’s own subscription in a state the portal cannot act on', async () => {
    // Stripe checks the owner before the state today; the answer must not depend on that order.
    const as = await callerOf('other customer');
    const cancel = (subscriptionId: string) => flow({ type: 'SUBSCRIPTION_CANCEL', subscriptionCancel: { subscriptionId } });
    const stored = harness.local.store.subscriptions.get(OTHER_SUBSCRIPTION)!;
    const status = stored.status;
    stored.status = 'canceled';
    try {
      const own = await harness.gql(SESSION_ID, cancel(OTHER_SUBSCRIPTION), as);
      const theirs = await harness.gql(SESSION_ID, cancel(DEMO.subscription), as);
      expect(codes(own)).toEqual(['FORBIDDEN']);
      expect(body(own)).toBe(body(theirs));
    } finally {
      stored.status = status;
    }
  });

  it('admins keep Stripe’s answers: NOT_FOUND for a missing invoice, the invoice of any customer', async () => {
    const missing = await harness.gql(`{ invoice(id: "in_doesNotExist0000000000") { id } }`, {}, 'admin');
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    expect(missing.errors![0]!.message).toMatch(/No such invoice/);
    expect(missing.errors![0]!.extensions?.['stripeRequestId']).toMatch(/^req_/);
    const any = await harness.gql(`query ($id: ID!) { invoice(id: $id) { id } }`, { id: ownerInvoice }, 'admin');
    expect(any.data).toEqual({ invoice: { id: ownerInvoice } });
  });
});
