/** Abuse limits, invalid documents and hostile requests: refused before execution, with no Stripe call. */
import * as generated from '../../../src/client/generated/graphql.js';
import { documentIdOf } from '../../../src/client/index.js';
import { DEMO } from '../../../src/local-stripe/index.js';
import { RETURN_ORIGIN } from '../../support/gateway.js';
import {
  type Entry, NONE, CSRF, KB, SESSION, CUSTOMER_BY_ID, overLimit, invalid, badRequest, tooLarge, csrf, deepInvoices,
  hops, chunkedBody, ids,
} from './corpus.js';

export const LIMIT_ENTRIES: Entry[] = [
  // ---------------------------------------------------------------------------------------------------------------
  // Abuse limits: refused before execution, HTTP 400, no data.
  // Under the connection-aware count (edges, node and fragments are no levels) each invoices → customer hop is 2.
  { name: 'depth bomb: selections nested 14 deep', query: deepInvoices(6), expect: overLimit('depth') },
  {
    name: 'depth bomb hidden in fragments',
    query: `{ customer(id: "${DEMO.customer}") { ...A } }
      fragment A on Customer { invoices(first: 1) { edges { node { ...B } } } }
      fragment B on Invoice { customer { ${hops(4)} } }`,
    expect: overLimit('depth'),
  },
  {
    name: 'depth bomb through inline fragments on node',
    query: `{ node(id: "${DEMO.customer}") { ... on Customer { invoices(first: 1) { edges { node { ... on Invoice { customer { ... on Customer { ${hops(4)} } } } } } } } } }`,
    expect: overLimit('depth'),
  },
  {
    name: 'depth 11 (one over the limit)',
    query: `{ invoice(id: "in_1") { customer { ${hops(4)} } } }`,
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

];
