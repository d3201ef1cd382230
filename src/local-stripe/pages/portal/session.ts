/**
 * One open portal session as the portal's screens see it: its store, session, configuration and customer, the
 * paths under its URL, and `call`, which runs a `/v1` route in-process through `PageRequest.dispatch`, so that every
 * read and every change the portal makes is exactly the API's (same checks, same errors, same state changes).
 *
 * A session URL is short-lived: not visited before `expiresAt` it answers 410; once visited in time it keeps
 * working (the customer is "logged in"), as Stripe's are. An unknown secret is a 404.
 */
import type Stripe from 'stripe';
import type { Method } from '../../api.js';
import { StripeApiError } from '../../errors.js';
import type { FormObject } from '../../form.js';
import { html } from '../../pages.js';
import type { PageRequest, PageResponse } from '../../server.js';
import { defaultFeatures } from '../../resources/portal-configuration-features.js';
import type { SessionRecord, Store } from '../../store.js';
import { footer, headlineOf, idOf, notFoundPage, page, returnLink } from './layout.js';

type Configuration = Stripe.BillingPortal.Configuration;
export type Features = Configuration['features'];

export interface Portal {
  store: Store;
  record: SessionRecord;
  session: Stripe.BillingPortal.Session;
  configuration: Configuration | undefined;
  /** The configuration's features (all off when the configuration is gone). */
  features: Features;
  /** `/p/session/<secret>`: every screen and form lives under it. */
  base: string;
  /** The local Stripe's own origin (`http://127.0.0.1:PORT`), the only one a form may be posted from. */
  origin: string;
  request: PageRequest;
  lang: string;
  /** Runs one `/v1` route as the API would; throws its `StripeApiError`. */
  call<T>(method: Method, path: string, params?: FormObject): T;
}

function findSession(stores: readonly Store[], secret: string): { store: Store; record: SessionRecord } | undefined {
  for (const store of stores) {
    const record = store.sessions.get(secret);
    if (record !== undefined) return { store, record };
  }
  return undefined;
}

function expiredPage(record: SessionRecord, nowSeconds: number): PageResponse {
  const { session } = record;
  const login = session.after_expiration?.customer_login;
  const recoverable =
    session.after_expiration?.type === 'customer_login' &&
    (login?.expires_at === null || login?.expires_at === undefined || login.expires_at > nowSeconds);
  const body =
    `<section class="notice" id="expired"><h1>This session has expired</h1>` +
    `<p>Billing portal links are short-lived. Go back and open the billing portal again to get a new link.</p>` +
    (recoverable ? '<p>You can also sign in again with your email address to continue.</p>' : '') +
    `</section>` +
    (session.return_url !== null ? `<p>${returnLink(session.return_url)}</p>` : '');
  return page(410, 'Session expired', body);
}

/**
 * The session behind `secret`, or the page that answers instead (404 unknown, 410 expired unvisited). A GET is
 * the visit that "logs the customer in"; a POST never is: forms come only from a page already visited.
 */
export function openSession(
  stores: readonly Store[],
  secret: string,
  request: PageRequest,
  baseUrl: string,
): Portal | PageResponse {
  const found = findSession(stores, secret);
  if (found === undefined) return notFoundPage('This billing portal link is not valid.');
  const { store, record } = found;
  const now = store.clock.now();
  if (record.visitedAt === null) {
    if (now > record.expiresAt) return expiredPage(record, Math.floor(now / 1000));
    if (request.method === 'POST') return notFoundPage('This billing portal link has not been opened yet.');
    record.visitedAt = now;
  }
  const { session } = record;
  const configuration = store.configurations.get(idOf(session.configuration) ?? '');
  let origin = baseUrl;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    // a base URL that is not absolute cannot match any Origin header; forms without one still work
  }
  return {
    store,
    record,
    session,
    configuration,
    // A configuration gone from the store offers nothing: Stripe's defaults have every feature off.
    features: configuration?.features ?? defaultFeatures(),
    base: `/p/session/${secret}`,
    origin,
    request,
    lang: session.locale === null || session.locale === 'auto' ? 'en' : session.locale,
    call: <T>(method: Method, path: string, params: FormObject = {}) =>
      request.dispatch(store, method, path, params) as T,
  };
}

/** A portal screen: the business headline and return link on top, the legal links below. */
export function screen(portal: Portal, title: string, body: string, status = 200): PageResponse {
  const headline = headlineOf(portal.configuration);
  // Who the portal acts for, on every screen (a deep-linked step shows no billing section to tell).
  const customer = portal.store.customers.get(portal.session.customer);
  const who = customer === undefined ? '' : [customer.name, customer.email].filter(Boolean).join(' · ');
  const top =
    `<header><div><h1 id="headline">${html(headline)}</h1>` +
    (who !== '' ? `<span class="muted" id="signed-in-customer">${html(who)}</span>` : '') +
    `</div>` +
    (portal.session.return_url !== null ? returnLink(portal.session.return_url) : '') +
    `</header>`;
  return page(status, title === headline ? headline : `${title} · ${headline}`, top + body + footer(portal.configuration), portal.lang);
}

/** The customer's subscription `id`, or undefined when it does not exist or is someone else's (never leaked). */
export function ownSubscription(portal: Portal, id: string): Stripe.Subscription | undefined {
  try {
    const subscription = portal.call<Stripe.Subscription>('GET', `/v1/subscriptions/${id}`);
    return idOf(subscription.customer) === portal.session.customer ? subscription : undefined;
  } catch (error) {
    if (error instanceof StripeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** Runs `action`; a `StripeApiError` becomes its message (the form is shown again with it), anything else throws. */
export function attempt<T>(action: () => T): { ok: true; value: T } | { ok: false; message: string; status: number } {
  try {
    return { ok: true, value: action() };
  } catch (error) {
    if (error instanceof StripeApiError) return { ok: false, message: error.body.message, status: error.status };
    throw error;
  }
}

/** What a successful action answers: the notice the portal home then shows (one of a fixed set, by key). */
export interface Done {
  notice: string;
}

/** One screen or action under the session's URL. */
export interface PortalRoute {
  method: 'GET' | 'POST';
  /** Matched against the path after `/p/session/<secret>`. */
  path: RegExp;
  /** Whether the configuration offers it: when not, a GET is a 404 and a POST a 403, and nothing links to it. */
  feature(features: Features): boolean;
  /** Undefined: nothing there for this customer (404). */
  handle(portal: Portal, match: RegExpExecArray): PageResponse | Done | undefined;
}

/** A route on `/subscriptions/<id>/<action>`: the subscription must be the customer's own (else 404). */
export function onSubscription(
  method: PortalRoute['method'],
  action: string,
  feature: PortalRoute['feature'],
  run: (portal: Portal, subscription: Stripe.Subscription) => PageResponse | Done | undefined,
): PortalRoute {
  return {
    method,
    path: new RegExp(`^/subscriptions/(sub_[A-Za-z0-9]+)/${action}$`),
    feature,
    handle: (portal, match) => {
      const subscription = ownSubscription(portal, match[1] as string);
      return subscription === undefined ? undefined : run(portal, subscription);
    },
  };
}
