/**
 * The per-request context: who is calling, the Stripe gateway for this request's calls, and fresh loaders (never
 * shared between requests, so one caller's objects can never reach another's response).
 */
import type { CustomerAction } from '../auth/actions.js';
import type { Authenticate } from '../auth/authenticate.js';
import { callerId, type Viewer } from '../auth/viewer.js';
import { createLoaders, type Loaders } from '../loaders/index.js';
import type { StripeCallCount, StripeCallObserver, StripeGateway } from '../stripe/gateway.js';
import type { EventHub } from '../events/hub.js';
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
  /** `REQUEST_TIMEOUT_MS`: each request's deadline for its Stripe calls, retries included; none when undefined. */
  requestTimeoutMs?: number | undefined;
  /** `CUSTOMER_ACTIONS`: the mutations customers may use on their own objects; none when undefined. */
  customerActions?: readonly CustomerAction[] | undefined;
  /** Verified Stripe changes, fanned out to GraphQL subscriptions (`src/events/hub.ts`); none: subscriptions hear nothing. */
  events?: EventHub | undefined;
}

export interface Context {
  viewer: Viewer;
  stripe: StripeGateway;
  loaders: Loaders;
  portal: PortalSettings;
  cursors: CursorCodec;
  /** The mutations customers may use (`CUSTOMER_ACTIONS`). */
  customerActions: ReadonlySet<CustomerAction>;
  /** Accepted Stripe changes (`src/events/hub.ts`): what subscriptions open their streams on; none: they hear nothing. */
  events: EventHub | undefined;
  /** Where a subscription resumes: the request's `Last-Event-ID` header (or `lastEventId` query parameter). */
  lastEventId: string | undefined;
  /**
   * A context for one event of a subscription: the same caller, a fresh Stripe scope (its own deadline and call
   * count, the budget estimated for the document) and fresh loaders, so that a long stream never keeps one event's
   * objects for the next, and `REQUEST_TIMEOUT_MS` applies per event. Its `stripeCount` is that event's count.
   */
  forEvent(): Context;
  /** The Stripe calls of this context's scope (a request, or one event of a subscription). */
  stripeCount: StripeCallCount | undefined;
}

/** What the HTTP edge follows of a request's Stripe calls. */
export interface StripeCallHooks {
  /** Told of every Stripe call this request makes (the request log lists their `Request-Id`s). */
  observer?: StripeCallObserver | undefined;
  /** The request's call count and budget (`src/http/stripe-budget.ts`). */
  count?: StripeCallCount | undefined;
}

/**
 * `viewer`: the caller, when the server has already authenticated this request (it is never done twice). The
 * request's `signal` (aborted when the client goes away) and deadline drop its Stripe calls still waiting for a slot;
 * the slots are shared fairly between callers.
 */
export async function createContext(
  deps: GatewayDeps,
  request: Request,
  viewer?: Promise<Viewer>,
  hooks: StripeCallHooks = {},
): Promise<Context> {
  const caller = await (viewer ?? deps.authenticate(request.headers.get('authorization')));
  const scope = (count: StripeCallCount | undefined, observer: StripeCallObserver | undefined) =>
    deps.stripe.forRequest({
      observer,
      count,
      signal: request.signal,
      caller: callerId(caller),
      timeoutMs: deps.requestTimeoutMs,
      // Anyone but an admin reads Stripe's errors in the gateway's words (no Stripe text about others' objects).
      customerFacing: caller.role !== 'ADMIN',
    });
  const stripe = scope(hooks.count, hooks.observer);
  const context: Context = {
    viewer: caller,
    stripe,
    loaders: createLoaders(stripe),
    portal: deps.portal,
    cursors: deps.cursors,
    customerActions: new Set(deps.customerActions ?? []),
    events: deps.events,
    lastEventId: lastEventIdOf(request),
    stripeCount: hooks.count,
    forEvent() {
      // The request's estimate and budget, a count of its own (the request log's observer is the request's: a
      // stream's events are not listed in its one log line).
      const count: StripeCallCount | undefined = hooks.count !== undefined ? { ...hooks.count, calls: 0, retries: 0, ...(hooks.count.cacheHits !== undefined ? { cacheHits: 0 } : {}) } : undefined;
      const eventStripe = scope(count, undefined);
      return { ...this, stripe: eventStripe, loaders: createLoaders(eventStripe), stripeCount: count };
    },
  };
  return context;
}

/** The SSE reconnection header, or — for clients that cannot set headers on a first connection — a query parameter. */
export const LAST_EVENT_ID_PARAM = 'lastEventId';

function lastEventIdOf(request: Request): string | undefined {
  const header = request.headers.get('last-event-id');
  if (header !== null && header !== '') return header;
  const param = new URL(request.url, 'http://localhost').searchParams.get(LAST_EVENT_ID_PARAM);
  return param !== null && param !== '' ? param : undefined;
}
