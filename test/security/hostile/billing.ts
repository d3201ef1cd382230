/**
 * Hostile arguments of the billing fields and actions (issue 11): subscription, payment method, price and product ids,
 * subscription list filters, catalog filters, and the actions' inputs. Each is refused before any Stripe call.
 */
import { DEMO } from '../../../src/local-stripe/index.js';
import { type Entry, NONE, badInput, badRequest, overLimit } from './corpus.js';

const SUBSCRIPTION = 'query($id: ID!) { subscription(id: $id) { id status } }';
const NODE = 'query($id: ID!) { node(id: $id) { id } }';
const MY_SUBSCRIPTIONS = `query($n: Int, $s: BillingSubscriptionStatus, $all: Boolean) {
  viewer { customer { subscriptions(first: $n, status: $s, includeCanceled: $all) { edges { node { id } } } } } }`;
const PRICES = `query($p: ID, $k: [String!], $c: String) { prices(productId: $p, lookupKeys: $k, currency: $c) { edges { node { id } } } }`;
const CANCEL = `mutation($input: CancelSubscriptionInput!) { cancelSubscription(input: $input) { ... on CancelSubscriptionPayload { subscription { id } } } }`;
const RESUME = `mutation($input: ResumeSubscriptionInput!) { resumeSubscription(input: $input) { ... on ResumeSubscriptionPayload { subscription { id } } } }`;
const PAY = `mutation($input: PayInvoiceInput!) { payInvoice(input: $input) { ... on PayInvoicePayload { invoice { id } } } }`;
const forbidden = { status: 200, code: 'FORBIDDEN', ...NONE };

const HOSTILE_SUBSCRIPTION_IDS: Array<[string, string]> = [
  ['SQL injection', "sub_1' OR '1'='1"],
  ['path traversal to another resource', 'sub_../../v1/charges'],
  ['a smuggled form parameter', 'sub_x&cancel_at_period_end=false'],
  ['CRLF header injection', `${DEMO.subscription}\r\nStripe-Account: acct_1Evil`],
  ['a customer id', DEMO.customer],
  ['the prefix alone', 'sub_'],
  ['5,000 characters of a valid shape', `sub_${'A'.repeat(5_000)}`],
];

export const BILLING_ENTRIES: Entry[] = [
  ...HOSTILE_SUBSCRIPTION_IDS.map(([what, id]): Entry => ({ name: `subscription(id:): ${what}`, query: SUBSCRIPTION, variables: { id }, expect: badInput('id') })),
  { name: 'node(id:): a payment method id with a traversal', query: NODE, variables: { id: 'pm_../../v1/charges' }, expect: badInput('id') },
  { name: 'node(id:): a price id with an injected expand', query: NODE, variables: { id: 'price_x?expand[]=product' }, expect: badInput('id') },
  {
    name: 'subscription(id:): 60,000 characters (over the variable string limit)',
    query: SUBSCRIPTION,
    variables: { id: `sub_${'A'.repeat(60_000)}` },
    expect: overLimit('variables'),
  },

  // Subscription list filters.
  { name: 'subscriptions: a bogus status', as: 'customer', query: MY_SUBSCRIPTIONS, variables: { s: 'ALL' }, expect: badRequest },
  { name: 'subscriptions: an injected status', as: 'customer', query: MY_SUBSCRIPTIONS, variables: { s: "ACTIVE' OR status:'canceled" }, expect: badRequest },
  { name: 'subscriptions: first: 1000', as: 'customer', query: MY_SUBSCRIPTIONS, variables: { n: 1000 }, expect: badInput('first') },
  { name: 'subscriptions: a status and includeCanceled', as: 'customer', query: MY_SUBSCRIPTIONS, variables: { s: 'ACTIVE', all: true }, expect: badInput('includeCanceled') },
  {
    name: 'customer: another customer’s subscriptions, card and next invoice',
    as: 'customer',
    query: `query($id: ID!) { customer(id: $id) { subscriptions { edges { node { id } } } defaultPaymentMethod { id } upcomingInvoice { total { amount } } } }`,
    variables: { id: DEMO.businessCustomer },
    expect: forbidden,
  },

  // The catalog's filters.
  { name: 'prices: a customer id as productId', query: PRICES, variables: { p: DEMO.customer }, expect: badInput('productId') },
  { name: 'prices: eleven lookup keys', query: PRICES, variables: { k: Array.from({ length: 11 }, (_, i) => `key_${i}`) }, expect: badInput('lookupKeys') },
  { name: 'prices: a 300-character lookup key', query: PRICES, variables: { k: ['k'.repeat(300)] }, expect: badInput('lookupKeys') },
  { name: 'prices: an injected currency', query: PRICES, variables: { c: "usd' OR currency:'eur" }, expect: badInput('currency') },
  { name: 'customer: the archived catalog', as: 'customer', query: '{ products(active: false) { edges { node { id } } } }', expect: forbidden },

  // The actions' inputs (admin: checked before the call; customers: the operator allows them none here).
  { name: 'cancelSubscription: an injected id', query: CANCEL, variables: { input: { subscriptionId: 'sub_x&prorate=true' } }, expect: badInput('subscriptionId') },
  { name: 'cancelSubscription: a bogus feedback', query: CANCEL, variables: { input: { subscriptionId: DEMO.subscription, feedback: 'ANGRY' } }, expect: badRequest },
  {
    name: 'cancelSubscription: a 6,000-character comment',
    query: CANCEL,
    variables: { input: { subscriptionId: DEMO.subscription, comment: 'x'.repeat(6_000) } },
    expect: badInput('comment'),
  },
  {
    name: 'cancelSubscription: at period end and prorated',
    query: CANCEL,
    variables: { input: { subscriptionId: DEMO.subscription, atPeriodEnd: true, prorate: true } },
    expect: badInput('prorate'),
  },
  {
    name: 'cancelSubscription: a 300-character idempotency key',
    query: CANCEL,
    variables: { input: { subscriptionId: DEMO.subscription, idempotencyKey: 'k'.repeat(300) } },
    expect: badInput('idempotencyKey'),
  },
  {
    name: 'customer: cancelling another customer’s subscription (actions not allowed)',
    as: 'customer',
    query: CANCEL,
    variables: { input: { subscriptionId: 'sub_BCVtOp32cN8dsC42CFwtOUKV' } },
    expect: forbidden,
  },
  { name: 'customer: cancelling its own subscription (actions not allowed)', as: 'customer', query: CANCEL, variables: { input: { subscriptionId: DEMO.subscription } }, expect: forbidden },
  { name: 'resumeSubscription: an invoice id', query: RESUME, variables: { input: { subscriptionId: 'in_123' } }, expect: badInput('subscriptionId') },
  { name: 'payInvoice: a subscription id', query: PAY, variables: { input: { invoiceId: DEMO.subscription } }, expect: badInput('invoiceId') },
  { name: 'payInvoice: a traversing payment method id', query: PAY, variables: { input: { invoiceId: 'in_123', paymentMethodId: 'pm_../x' } }, expect: badInput('paymentMethodId') },
  { name: 'customer: paying an invoice (actions not allowed)', as: 'customer', query: PAY, variables: { input: { invoiceId: 'in_123' } }, expect: forbidden },
];
