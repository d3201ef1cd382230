/**
 * The per-request context: who is calling, the Stripe gateway, and fresh loaders (never shared between
 * requests, so one caller's objects can never reach another's response).
 */
import type { Authenticate } from '../auth/authenticate.js';
import type { Viewer } from '../auth/viewer.js';
import { createLoaders, type Loaders } from '../loaders/index.js';
import type { StripeCallObserver, StripeGateway } from '../stripe/gateway.js';
import type { CursorCodec } from './connections.js';

export interface PortalSettings {
  /** `return_url` when the caller gives none (`PORTAL_RETURN_URL`). */
  defaultReturnUrl: string | undefined;
  /** Origins a caller's `returnUrl` may point to (`ALLOWED_RETURN_URL_ORIGINS`). */
  allowedReturnUrlOrigins: readonly string[];
  /**
   * `PORTAL_CONFIGURATION_ID` (`bpc_…`): the configuration of customers' sessions, and admins' when they name none.
   * Unset: Stripe's default configuration.
   */
  configuration?: string | undefined;
  /** `PORTAL_ON_BEHALF_OF` (`acct_…`): the connected account sessions act for, likewise. Unset: none. */
  onBehalfOf?: string | undefined;
}

/** What the gateway needs from the outside world; built once at start-up. */
export interface GatewayDeps {
  stripe: StripeGateway;
  authenticate: Authenticate;
  portal: PortalSettings;
  /** Paging cursors, keyed from the Stripe secret key (`new CursorCodec(secretKey)`). */
  cursors: CursorCodec;
}

export interface Context {
  viewer: Viewer;
  stripe: StripeGateway;
  loaders: Loaders;
  portal: PortalSettings;
  cursors: CursorCodec;
}

/**
 * `viewer`: the caller, when the server has already authenticated this request (it is never done twice).
 * `onStripeCall`: told of every Stripe call this request makes (the request log lists their `Request-Id`s).
 * The request's `signal` (aborted when the client goes away) drops its Stripe calls still waiting for a slot.
 */
export async function createContext(
  deps: GatewayDeps,
  request: Request,
  viewer?: Promise<Viewer>,
  onStripeCall?: StripeCallObserver,
): Promise<Context> {
  const caller = await (viewer ?? deps.authenticate(request.headers.get('authorization')));
  // Anyone but an admin reads Stripe's errors in the gateway's words (no Stripe text about others' objects).
  const stripe = deps.stripe.forRequest({ observer: onStripeCall, signal: request.signal, forCustomer: caller.role !== 'ADMIN' });
  return {
    viewer: caller,
    stripe,
    loaders: createLoaders(stripe),
    portal: deps.portal,
    cursors: deps.cursors,
  };
}
