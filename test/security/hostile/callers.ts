/** Hostile callers: no credentials, forged or odd tokens, customers asking for what is not theirs, rate limits. */
import * as generated from '../../../src/client/generated/graphql.js';
import { documentIdOf } from '../../../src/client/index.js';
import { DEMO } from '../../../src/local-stripe/index.js';
import { type Entry, NONE, KB, SESSION, badInput, unauthenticated, unsignedToken } from './corpus.js';

export const CALLER_ENTRIES: Entry[] = [
  // ---------------------------------------------------------------------------------------------------------------
  // Callers.
  {
    name: 'a caller over its rate limit',
    profile: 'exhausted',
    query: `{ customers(first: 100) { edges { node { email } } } }`,
    expect: { status: 429, code: 'RATE_LIMITED', retryAfter: true, refused: true, ...NONE },
  },
  { name: 'anonymous: the admin-only customer list', as: 'anonymous', query: '{ customers(first: 100) { edges { node { email } } } }', expect: unauthenticated },
  { name: 'an Authorization header with SQL injection', as: { authorization: "Bearer ' OR '1'='1" }, query: `{ customer(id: "${DEMO.customer}") { name } }`, expect: unauthenticated },
  { name: 'an 8 KB bearer token', as: { authorization: `Bearer ${'A'.repeat(8 * KB)}` }, query: '{ viewer { role } }', expect: unauthenticated },
  {
    name: 'a token with alg "none"',
    as: { authorization: `Bearer ${unsignedToken({ stripe_customer_id: DEMO.customer, exp: Math.floor(Date.now() / 1000) + 600 })}` },
    query: '{ viewer { customer { name email } } }',
    expect: unauthenticated,
  },
  {
    name: 'a correctly signed token whose customer claim is a path traversal',
    as: { signedClaims: { stripe_customer_id: 'cus_../../v1/charges' } },
    query: '{ viewer { customer { name email } } }',
    expect: unauthenticated,
  },
  {
    name: 'customer: the admin-only list with an injected email filter',
    as: 'customer',
    query: `query($e: String) { customers(first: 100, email: $e) { edges { node { email } } } }`,
    variables: { e: "' OR 1=1 --" },
    expect: { status: 200, code: 'FORBIDDEN', ...NONE },
  },
  {
    name: 'customer: another customer’s invoices with an injected filter',
    as: 'customer',
    query: 'query($c: ID) { invoices(customerId: $c) { edges { node { number } } } }',
    variables: { c: `${DEMO.businessCustomer}' OR customer:'${DEMO.customer}` },
    expect: { status: 200, code: 'FORBIDDEN', ...NONE },
  },
  {
    name: 'customer: a portal session for its own id plus a null byte',
    as: 'customer',
    query: SESSION,
    variables: { input: { customerId: `${DEMO.customer}\u0000` } },
    expect: { status: 200, code: 'FORBIDDEN', ...NONE },
  },
  {
    name: 'customer: an ad-hoc document in production',
    profile: 'production',
    as: 'customer',
    query: `{ customer(id: "${DEMO.businessCustomer}") { name email } }`,
    expect: { status: 403, code: 'FORBIDDEN', refused: true, ...NONE },
  },
  {
    name: 'customer: a trusted document id with path traversal in production',
    profile: 'production',
    as: 'customer',
    params: { documentId: 'sha256:../../../etc/passwd' },
    expect: { status: 404, code: 'NOT_FOUND', refused: true, ...NONE },
  },
  {
    name: 'customer: a trusted document id and a document together',
    profile: 'production',
    as: 'customer',
    query: `{ customer(id: "${DEMO.businessCustomer}") { name } }`,
    params: { documentId: documentIdOf(generated.ViewerDocument) },
    expect: { status: 400, code: 'BAD_USER_INPUT', refused: true, ...NONE },
  },
  {
    name: 'customer: a trusted document with an injected cursor',
    profile: 'production',
    as: 'customer',
    params: { documentId: documentIdOf(generated.InvoicesWithCustomersDocument) },
    variables: { first: 5, after: 'in_x&limit=100' },
    expect: badInput('after'),
  },
];
