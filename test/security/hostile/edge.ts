/**
 * The HTTP edge's cheap refusals (issue 10): anonymous callers refused before their variables are read, variables
 * bounded before coercion, one short error from coercion, depth bombs under the connection-aware count, and
 * fragments that would spread a document past the token limit. Every one answers small.
 */
import * as generated from '../../../src/client/generated/graphql.js';
import { documentIdOf } from '../../../src/client/index.js';
import { DEMO } from '../../../src/local-stripe/index.js';
import { RETURN_ORIGIN } from '../../support/gateway.js';
import { type Entry, type Expectation, NONE, KB, SESSION, CUSTOMER_BY_ID, badRequest, hops, ids, overLimit } from './corpus.js';

const SESSION_ID = documentIdOf(generated.CreatePortalSessionDocument);

/** The review's input: the portal session's input object with 11,000 unknown keys, 86 KB of JSON. */
function stuffed(): Record<string, unknown> {
  const input: Record<string, unknown> = { customerId: DEMO.customer };
  for (let i = 0; i < 11_000; i++) input[i.toString(36)] = 1;
  return input;
}

/** Refused before execution, in under 1 KB. */
const small = (expectation: Expectation): Expectation => ({ ...expectation, maxBytes: KB });
const anonymousRefusal: Expectation = small({ status: 401, code: 'UNAUTHENTICATED', refused: true, ...NONE });

const nested = (levels: number): unknown => (levels === 0 ? 'x' : { a: nested(levels - 1) });

export const EDGE_ENTRIES: Entry[] = [
  // ---------------------------------------------------------------------------------------------------------------
  // The review's attack, and its variants: a request under the body limit must answer small whoever sends it.
  ...(
    [
      ['anonymous', 'test', 'anonymous', anonymousRefusal],
      ['anonymous, in production', 'production', 'anonymous', anonymousRefusal],
      ['as an admin', 'test', 'admin', small(overLimit('variables'))],
      ['as a customer in production', 'production', 'customer', small(overLimit('variables'))],
    ] as const
  ).map(
    ([who, profile, as, expect]): Entry => ({
      name: `a trusted document by id, its input stuffed with 11,000 unknown keys, ${who}`,
      profile,
      as,
      params: { documentId: SESSION_ID },
      variables: { input: stuffed() },
      expect,
    }),
  ),
  {
    name: 'the stuffed input with the document as text, anonymous',
    as: 'anonymous',
    query: SESSION,
    variables: { input: stuffed() },
    expect: anonymousRefusal,
  },
  {
    name: 'a trusted query by id over GET with 600 stuffed variables, anonymous',
    as: 'anonymous',
    method: 'GET',
    params: { documentId: documentIdOf(generated.ViewerDocument) },
    variables: { invoicesFirst: 5, ...Object.fromEntries(Array.from({ length: 600 }, (_, i) => [i.toString(36), 1])) },
    headers: { 'x-graphql-csrf': '1' },
    expect: anonymousRefusal,
  },
  {
    name: 'a portal session input with 900 unknown keys (under the variable limits): one short coercion error',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, ...Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`field${i}`, 'v'.repeat(80)])) } },
    expect: small(badRequest),
  },

  // ---------------------------------------------------------------------------------------------------------------
  // Anonymous callers: UNAUTHENTICATED before the cost, the variables, coercion.
  {
    name: 'anonymous: a cost bomb',
    as: 'anonymous',
    query: `{ customers(first: 100) { edges { node { invoices(first: 100) { edges { cursor } } } } } }`,
    expect: anonymousRefusal,
  },
  { name: 'anonymous: variables nested 50 deep', as: 'anonymous', query: CUSTOMER_BY_ID, variables: { id: nested(50) }, expect: anonymousRefusal },
  { name: 'anonymous: an ID that does not coerce', as: 'anonymous', query: CUSTOMER_BY_ID, variables: { id: { $ne: null } }, expect: anonymousRefusal },
  {
    name: 'anonymous: a mutation hidden behind __typename and a fragment',
    as: 'anonymous',
    query: `mutation { __typename ...M } fragment M on Mutation { createPortalSession(input: { customerId: "${DEMO.customer}" }) { __typename } }`,
    expect: anonymousRefusal,
  },

  // ---------------------------------------------------------------------------------------------------------------
  // Variables over the limits: BAD_USER_INPUT, limit variables, one small error.
  { name: 'variables: a list of 2,000 ids', query: CUSTOMER_BY_ID, variables: { id: Array.from({ length: 2_000 }, () => DEMO.customer) }, expect: small(overLimit('variables')) },
  { name: 'variables: 1,001 undeclared variables', query: '{ viewer { role } }', variables: Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`v${i}`, 0])), expect: small(overLimit('variables')) },
  {
    name: 'variables: a portal flow nested 11 deep',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, flow: { type: 'PAYMENT_METHOD_UPDATE', afterCompletion: nested(9) } } },
    expect: small(overLimit('variables')),
  },
  {
    name: 'variables: a 20,000-character returnUrl',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, returnUrl: `${RETURN_ORIGIN}/${'a'.repeat(20_000)}` } },
    expect: small(overLimit('variables')),
  },
  {
    name: 'variables: an input key of 20,000 characters',
    query: SESSION,
    variables: { input: { customerId: DEMO.customer, ['k'.repeat(20_000)]: 1 } },
    expect: small(overLimit('variables')),
  },

  // ---------------------------------------------------------------------------------------------------------------
  // Depth bombs under the connection-aware count, and fragments that would spread past the token limit.
  {
    name: 'depth bomb: edges and node add no depth, but six invoice → customer hops still do',
    query: `{ customers(first: 1) { edges { node { ${hops(5)} } } } }`,
    expect: small(overLimit('depth')),
  },
  {
    name: 'depth bomb through a chain of six fragments, one hop each',
    query: `{ customer(id: "${DEMO.customer}") { ...F0 } } ${Array.from(
      { length: 6 },
      (_, i) => `fragment F${i} on Customer { invoices(first: 1) { edges { node { customer { ${i === 5 ? 'id' : `...F${i + 1}`} } } } } }`,
    ).join(' ')}`,
    expect: small(overLimit('depth')),
  },
  {
    name: 'depth bomb through introspection: fields → type → fields, 12 deep',
    query: '{ __schema { types { fields { type { fields { type { fields { type { fields { type { fields { name } } } } } } } } } } } }',
    // graphql-js's own rule against introspection cycles may say so too.
    expect: small({ ...overLimit('depth'), alsoAllowed: [{ code: 'GRAPHQL_VALIDATION_FAILED' }] }),
  },
  // 17 fragments keep these quick to run even where nothing refuses them (2^16 fields); 40 would be 2^39, which
  // the cost walk and graphql-jit's compiler would spread out one by one for hours.
  {
    name: 'fragment doubling: 17 fragments each spreading the next twice (2^16 fields once spread)',
    query: `{ viewer { ...F0 } } ${ids(17, (i) => `fragment F${i} on Viewer { ${i === 16 ? 'role' : `...F${i + 1} ...F${i + 1}`} }`)}`,
    expect: small(overLimit('tokens')),
  },
  {
    name: 'fragment doubling through inline fragments (2^16 fields once spread)',
    query: `{ viewer { ...F0 } } ${ids(17, (i) => `fragment F${i} on Viewer { ${i === 16 ? 'role' : `... { ...F${i + 1} } ... on Viewer { ...F${i + 1} }`} }`)}`,
    expect: small(overLimit('tokens')),
  },
];
