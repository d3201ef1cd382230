/**
 * Demo mode's stand-ins for what a deployment configures: a generated admin key and JWT secret (unless set), a
 * 24-hour token for the demo customer to print, the portal's return URL on the gateway's own origin, and the demo
 * page's sign-in, which mints one-hour tokens for a few demo customers (`./routes.ts`).
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { JwtConfig } from '../config.js';
import type { PortalSettings } from '../graphql/context.js';
import type { Store } from '../local-stripe/store.js';
import { createDemoRoutes, type DemoRoutes } from './routes.js';

/** The printed demo token's lifetime: a day, or less when `AUTH_MAX_TOKEN_LIFETIME_SECONDS` allows less. */
export const DEMO_TOKEN_SECONDS = 86_400;
/** Tokens the demo page's sign-in mints: short-lived, as a real app's session tokens are. */
export const DEMO_PAGE_TOKEN_SECONDS = 3_600;

/** What demo mode generated for you to call the gateway with. */
export interface DemoCredentials {
  /** A key for `Authorization: Bearer …` (role ADMIN): generated, or the first of `GATEWAY_API_KEYS`. */
  adminKey: string;
  /** Whether `adminKey` was generated (and so may be printed). */
  adminKeyGenerated: boolean;
  /** The HS256 secret customer tokens are verified with; undefined when `AUTH_JWT_SECRET` set it. */
  jwtSecret: string | undefined;
  /** The demo customer the token is for (`DEMO.customer`). */
  customerId: string;
  customerName: string | null;
  /** A customer token (role CUSTOMER) for `customerId`. */
  customerToken: string;
  /** How long it is valid: 24 hours, or the shorter `AUTH_MAX_TOKEN_LIFETIME_SECONDS`. */
  customerTokenSeconds: number;
}

export const randomSecret = (bytes: number): string => randomBytes(bytes).toString('base64url');

export function signDemoCustomerToken(
  jwt: Pick<JwtConfig, 'customerClaim' | 'issuer' | 'audience'>,
  secret: string,
  customerId: string,
  lifetimeSeconds: number = DEMO_TOKEN_SECONDS,
): Promise<string> {
  let token = new SignJWT({ [jwt.customerClaim]: customerId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(`${lifetimeSeconds}s`);
  if (jwt.issuer !== undefined) token = token.setIssuer(jwt.issuer);
  if (jwt.audience !== undefined) token = token.setAudience(jwt.audience);
  return token.sign(new TextEncoder().encode(secret));
}

export interface DemoSetup {
  apiKeys: string[];
  jwt: JwtConfig;
  portal: PortalSettings;
  credentials: DemoCredentials;
  routes: DemoRoutes;
}

/** Fills in what demo mode generates, for a gateway at `url` on the embedded local Stripe's `store`. */
export async function demoSetup(options: {
  url: string;
  store: Store;
  customerId: string;
  apiKeys: readonly string[];
  jwt: JwtConfig;
  portal: PortalSettings;
}): Promise<DemoSetup> {
  const { url, store, customerId } = options;
  const adminKeyGenerated = options.apiKeys.length === 0;
  const apiKeys = adminKeyGenerated ? [`demo_admin_${randomSecret(24)}`] : [...options.apiKeys];
  const jwtSecret = options.jwt.secret === undefined ? randomSecret(32) : undefined;
  const secret = options.jwt.secret ?? jwtSecret ?? randomSecret(32);
  const jwt: JwtConfig = { ...options.jwt, secret };
  const defaultReturnUrl = options.portal.defaultReturnUrl ?? `${url}/`;
  const portal: PortalSettings = {
    ...options.portal,
    defaultReturnUrl,
    allowedReturnUrlOrigins:
      options.portal.allowedReturnUrlOrigins.length > 0 ? options.portal.allowedReturnUrlOrigins : [new URL(defaultReturnUrl).origin],
  };
  // Never longer than the gateway itself accepts (AUTH_MAX_TOKEN_LIFETIME_SECONDS).
  const customerTokenSeconds = Math.min(DEMO_TOKEN_SECONDS, jwt.maxTokenLifetimeSeconds);
  const credentials: DemoCredentials = {
    adminKey: apiKeys[0]!,
    adminKeyGenerated,
    jwtSecret,
    customerId,
    customerName: store.customers.get(customerId)?.name ?? null,
    customerToken: await signDemoCustomerToken(jwt, secret, customerId, customerTokenSeconds),
    customerTokenSeconds,
  };
  // The demo billing page, and the sign-in that mints its short-lived customer tokens: demo mode only.
  const routes = createDemoRoutes({
    store,
    signCustomerToken: (id) => signDemoCustomerToken(jwt, secret, id, Math.min(DEMO_PAGE_TOKEN_SECONDS, jwt.maxTokenLifetimeSeconds)),
  });
  return { apiKeys, jwt, portal, credentials, routes };
}
