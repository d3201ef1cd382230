/**
 * The hostile-input corpus's vocabulary: who sends an entry, what it must get, and the inputs several groups share.
 */
import { DEMO } from '../../../src/local-stripe/index.js';

/** `exhausted`: the test profile with a rate limit the admin has already used up (a frozen clock: it never refills). */
export type Profile = 'test' | 'production' | 'exhausted';
export type Limit = 'depth' | 'aliases' | 'tokens' | 'directives' | 'variables' | 'cost' | 'body';
/**
 * Who sends it: the admin key (the default), the demo customer's token, nobody, a raw `Authorization` header, or a
 * token with these claims signed with the gateway's own secret (a valid signature over hostile claims).
 */
export type Sender = 'admin' | 'customer' | 'anonymous' | { authorization: string } | { signedClaims: Record<string, unknown> };

export interface Expectation {
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
  /** The most bytes the answer's body may have (a refusal must be small, whatever was sent). */
  maxBytes?: number;
  stripeCalls: 0;
}

export interface Entry {
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

export const NONE = { stripeCalls: 0 } as const;
/** Marks a GET as not a plain cross-site link (one of the gateway's CSRF headers). */
export const CSRF = { 'x-graphql-csrf': '1' };
export const KB = 1024;

export const SESSION = `mutation Session($input: CreatePortalSessionInput!) {
  createPortalSession(input: $input) { ... on CreatePortalSessionPayload { portalSession { id url returnUrl } } } }`;
export const CUSTOMER_BY_ID = 'query Customer($id: ID!) { customer(id: $id) { id name email } }';

/** Expected answers, by kind. */
export const badInput = (field: string | RegExp): Expectation => ({ status: 200, code: 'BAD_USER_INPUT', field, ...NONE });
export const overLimit = (limit: Exclude<Limit, 'body'>): Expectation => ({ status: 400, code: 'BAD_USER_INPUT', limit, refused: true, ...NONE });
export const invalid: Expectation = { status: 400, code: 'GRAPHQL_VALIDATION_FAILED', refused: true, ...NONE };
export const badRequest: Expectation = { status: 400, code: 'BAD_USER_INPUT', refused: true, ...NONE };
export const tooLarge: Expectation = { status: 413, code: 'BAD_USER_INPUT', limit: 'body', refused: true, ...NONE };
export const csrf: Expectation = { status: 403, code: 'FORBIDDEN', refused: true, ...NONE };
export const unauthenticated: Expectation = { status: 401, code: 'UNAUTHENTICATED', ...NONE };

/**
 * A customer's selection `levels` hops deep, invoices → customer, each hop `first: 1` (cheap, only deep). Each hop
 * is 2 levels (a connection's `edges` and `node` are none), so `hops(n)` under a customer is 2n + 2 deep.
 */
export const hops = (levels: number): string =>
  levels === 0 ? 'id' : `invoices(first: 1) { edges { node { customer { ${hops(levels - 1)} } } } }`;

/** `customer { invoices { … customer { id } } }`, `levels` hops deep: 2 × levels + 2. */
export const deepInvoices = (levels: number): string => `{ customer(id: "${DEMO.customer}") { ${hops(levels)} } }`;

/** A valid request padded to 256 KB, in 16 KB chunks. */
export function* chunkedBody(): Iterable<string> {
  yield '{"query": "{ viewer { role } }", "pad": "';
  for (let i = 0; i < 16; i++) yield ' '.repeat(16 * KB);
  yield '"}';
}

export const ids = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join(' ');

/** Strings that try to be more than a customer id: each is refused before any call. */
export const HOSTILE_CUSTOMER_IDS: Array<[string, string]> = [
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
  ['60,000 characters of a valid shape (under the body limit, over the variable string limit)', `cus_${'A'.repeat(60_000)}`],
];


/** A JWT with `alg: none` and no signature. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}
