/**
 * The gateway under test: the local Stripe (demo seed) on port 0, the real SDK pointed at it, and the Yoga
 * instance called in-process with `yoga.fetch`. Helpers sign customer tokens and count what reached Stripe.
 */
import { SignJWT } from 'jose';
import type { CustomerAction } from '../../src/auth/actions.js';
import { createAuthenticator } from '../../src/auth/authenticate.js';
import type { SharedCache } from '../../src/cache/read-through.js';
import { DEFAULT_TOKEN_BOUNDS } from '../../src/config.js';
import { CursorCodec, type CursorScope } from '../../src/graphql/connections.js';
import type { GatewayDeps, PortalSettings } from '../../src/graphql/context.js';
import { startLocalStripe, type LocalStripe, type LocalStripeOptions, type LoggedRequest } from '../../src/local-stripe/index.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/http/server.js';
import type { StripeBudget } from '../../src/stripe/budget.js';
import { createStripeClient } from '../../src/stripe/client.js';
import { StripeGateway, type RateLimitRetry } from '../../src/stripe/gateway.js';
import { Limiter } from '../../src/stripe/limiter.js';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';
export const RETURN_ORIGIN = 'https://app.example.com';
/** The local Stripe's default key: the harness's gateway uses it, and derives its cursor key from it. */
export const HARNESS_STRIPE_KEY = 'sk_test_localstripe';
/** Cursors as the harness's gateway issues them (derived the same way as `startApp` does, from the Stripe key). */
export const harnessCursors = new CursorCodec(HARNESS_STRIPE_KEY);

/** The cursor the harness's gateway gives `as` (default: admins) for `id` on `list` (`Invoice`, `Customer`, …). */
export function cursorOf(id: string, list: string, as: CursorScope = 'admin'): string {
  return harnessCursors.encode(id, as, list);
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }>;
  extensions?: Record<string, any>;
  headers: Headers;
}

export interface GatewayHarness {
  local: LocalStripe;
  yoga: Gateway;
  /** What `yoga` was built from: build another gateway (other options) over the same local Stripe with it. */
  deps: GatewayDeps;
  /** Runs a GraphQL document as `as` (an admin key, a customer id to sign a token for, a raw header, or nobody). */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    as?: Caller,
  ): Promise<GraphQLResponse<T>>;
  /** The Stripe requests made while `fn` ran. */
  stripeCalls(fn: () => Promise<unknown>): Promise<LoggedRequest[]>;
  stop(): Promise<void>;
}

export type Caller = 'admin' | 'anonymous' | { customer: string; expiresIn?: string } | { authorization: string };

export function signCustomerToken(customer: string, options: { expiresIn?: string; secret?: string; claim?: string } = {}): Promise<string> {
  return new SignJWT({ [options.claim ?? 'stripe_customer_id']: customer })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

async function authorization(as: Caller): Promise<string | undefined> {
  if (as === 'anonymous') return undefined;
  if (as === 'admin') return `Bearer ${ADMIN_KEY}`;
  if ('authorization' in as) return as.authorization;
  return `Bearer ${await signCustomerToken(as.customer, as.expiresIn !== undefined ? { expiresIn: as.expiresIn } : {})}`;
}

/** How the gateway's own Stripe client differs from the default (a key the local Stripe accepts, 5 s timeout). */
export interface GatewayClientOptions {
  /** The gateway's Stripe key; e.g. one the local Stripe refuses (start it with other `apiKeys`). */
  stripeSecretKey?: string;
  /** The SDK's request timeout, shorter for tests of a hanging Stripe. */
  stripeTimeoutMs?: number;
  /** The gateway's own 429 retries; off by default here, so that each test sees every attempt it causes. */
  rateLimitRetry?: RateLimitRetry;
  /** The SDK's own retries (connection errors, 409, 5xx); off by default here (production: 2). */
  stripeMaxNetworkRetries?: number;
  /** The account's Stripe budget in front of every HTTP request (default none: as fast as the test asks). */
  stripeBudget?: StripeBudget;
  /** `STRIPE_MAX_IN_FLIGHT` (default 16). */
  stripeMaxInFlight?: number;
  /** `REQUEST_TIMEOUT_MS`: each request's deadline for its Stripe calls; none by default here. */
  requestTimeoutMs?: number;
  /**
   * Options of the gateway itself beyond the defaults (`graphiql: false`, no CORS): e.g. `limits` for a suite whose
   * documents go deeper than the default depth limit, or `rateLimitPerMinute`.
   */
  gateway?: Partial<GatewayOptions>;
  /** The operator's portal settings beyond the defaults (return URL on `RETURN_ORIGIN`; no configuration or account). */
  portal?: Partial<PortalSettings>;
  /** `CUSTOMER_ACTIONS`: the mutations customers may use (default none). */
  customerActions?: readonly CustomerAction[];
  /**
   * The shared cache of Stripe reads (`createSharedCache`, `src/cache/`); none by default here. The harness has no
   * webhook route: call `cache.changedHook(change)` to deliver a change.
   */
  cache?: SharedCache;
}

export async function startGateway(options: LocalStripeOptions = {}, clientOptions: GatewayClientOptions = {}): Promise<GatewayHarness> {
  const local = await startLocalStripe({ port: 0, seed: 'demo', ...options });
  const secretKey = clientOptions.stripeSecretKey ?? local.secretKey;
  const client = createStripeClient({
    secretKey,
    apiBase: new URL(local.url),
    maxNetworkRetries: clientOptions.stripeMaxNetworkRetries ?? 0,
    timeoutMs: clientOptions.stripeTimeoutMs ?? 5_000,
    budget: clientOptions.stripeBudget,
  });
  const deps: GatewayDeps = {
    stripe: new StripeGateway(
      client,
      new Limiter(clientOptions.stripeMaxInFlight ?? 16),
      clientOptions.rateLimitRetry ?? { retries: 0, baseDelayMs: 0, maxDelayMs: 0 },
    ).withCache(clientOptions.cache),
    authenticate: createAuthenticator({
      apiKeys: [ADMIN_KEY],
      jwt: {
        secret: JWT_SECRET,
        jwksUrl: undefined,
        issuer: undefined,
        audience: undefined,
        customerClaim: 'stripe_customer_id',
        ...DEFAULT_TOKEN_BOUNDS,
      },
    }),
    portal: { defaultReturnUrl: `${RETURN_ORIGIN}/billing`, allowedReturnUrlOrigins: [RETURN_ORIGIN], ...clientOptions.portal },
    cursors: new CursorCodec(secretKey),
    requestTimeoutMs: clientOptions.requestTimeoutMs,
    customerActions: clientOptions.customerActions,
  };
  const yoga = createGateway({ graphiql: false, corsOrigins: [], ...clientOptions.gateway }, deps);
  const gql = async <T,>(query: string, variables: Record<string, unknown> = {}, as: Caller = 'admin') => {
    const auth = await authorization(as);
    const response = await yoga.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status' | 'headers'>;
    return { ...body, status: response.status, headers: response.headers };
  };
  return {
    local,
    yoga,
    deps,
    gql,
    async stripeCalls(fn) {
      const before = local.requests.length;
      await fn();
      return local.requests.slice(before);
    },
    stop: () => local.stop(),
  };
}

/** `GET /v1/customers/cus_x expand=[…]`: a compact, readable form of a logged Stripe request. */
export function describeCall(r: LoggedRequest): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(r.params)) if (k !== 'expand' && typeof v === 'string') query.set(k, v);
  const q = query.toString();
  return `${r.method} ${r.path}${q ? `?${q}` : ''}${r.expand.length ? ` expand=${r.expand.join(',')}` : ''}`;
}
