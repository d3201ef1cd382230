/**
 * The hosted billing portal a session `url` opens (`/p/session/<secret>` and the screens and forms under it), and a
 * configuration's login page (`/p/login/<configuration id>`).
 *
 * Per request: the session (404 unknown, 410 expired unvisited) → for a POST, the forgery check (403) → the
 * screen or action, if the configuration offers it (else 404 for a screen, 403 for an action) → a screen, or
 * after a successful action a 303 (home with its notice, or the flow's `after_completion`).
 */
import type Stripe from 'stripe';
import { html, type PageModule } from '../../pages.js';
import type { PageResponse } from '../../server.js';
import type { Store } from '../../store.js';
import { customerRoutes } from './customer-details.js';
import { afterAction, confirmationScreen, flowScreen, openFlow } from './flows.js';
import { refuseForgery } from './forms.js';
import { homeScreen, noticeText } from './home.js';
import { forbiddenPage, headlineOf, notFoundPage, page, plain } from './layout.js';
import { paymentMethodRoutes } from './payment-methods.js';
import { planChangeRoutes } from './plan-change.js';
import { openSession, type Portal, type PortalRoute } from './session.js';
import { subscriptionRoutes } from './subscriptions.js';

const SESSION_PATH = /^\/p\/session\/([A-Za-z0-9_-]+)(\/[A-Za-z0-9_/-]*)?$/;
const LOGIN_PATH = /^\/p\/login\/(bpc_[A-Za-z0-9]+)$/;

const ROUTES: readonly PortalRoute[] = [...subscriptionRoutes, ...planChangeRoutes, ...paymentMethodRoutes, ...customerRoutes];

function methodNotAllowed(allow: string): PageResponse {
  return plain(405, 'Method not allowed', { Allow: allow });
}

function sessionScreen(portal: Portal, rest: string): PageResponse {
  const method = portal.request.method === 'HEAD' ? 'GET' : portal.request.method;
  if (rest === '' || rest === '/') {
    if (method !== 'GET') return methodNotAllowed('GET, HEAD');
    const flow = openFlow(portal);
    return (flow !== undefined ? flowScreen(portal, flow) : undefined) ?? homeScreen(portal);
  }
  if (rest === '/confirmation') {
    if (method !== 'GET') return methodNotAllowed('GET, HEAD');
    return confirmationScreen(portal, noticeText(portal.request.query.get('notice'))) ?? notFoundPage('Nothing to confirm here.');
  }
  let other: PortalRoute | undefined;
  for (const route of ROUTES) {
    const match = route.path.exec(rest);
    if (match === null) continue;
    if (route.method !== method) {
      other = route;
      continue;
    }
    if (!route.feature(portal.features)) {
      return method === 'POST' ? forbiddenPage('This billing portal does not offer that.') : notFoundPage('This billing portal does not offer that.');
    }
    const result = route.handle(portal, match);
    if (result === undefined) return notFoundPage('There is nothing here for you.');
    return 'notice' in result ? afterAction(portal, result) : result;
  }
  return other !== undefined ? methodNotAllowed(other.method === 'POST' ? 'POST' : 'GET, HEAD') : notFoundPage('There is nothing here.');
}

function loginPage(stores: readonly Store[], configurationId: string, query: URLSearchParams): PageResponse {
  let configuration: Stripe.BillingPortal.Configuration | undefined;
  for (const store of stores) configuration ??= store.configurations.get(configurationId);
  if (configuration === undefined || !configuration.login_page.enabled || !configuration.active) {
    return notFoundPage('This login link is not valid.');
  }
  const headline = headlineOf(configuration);
  const email = query.get('email');
  const body =
    `<header><h1 id="headline">${html(headline)}</h1></header>` +
    `<section id="login"><h2>Sign in</h2>` +
    (email
      ? `<p id="login-sent">If an account exists for <strong>${html(email)}</strong>, a login link is on its way.</p>`
      : `<p>Enter the email address you use for billing and we’ll send you a link to your billing portal.</p>` +
        `<form method="get"><input type="email" name="email" required placeholder="you@example.com" aria-label="Email">` +
        `<button type="submit">Send link</button></form>`) +
    `</section>`;
  return page(200, `Sign in · ${headline}`, body);
}

export const portalPages: PageModule = (accounts, request, baseUrl) => {
  const session = SESSION_PATH.exec(request.path);
  const login = session === null ? LOGIN_PATH.exec(request.path) : null;
  if (session === null && login === null) return undefined;
  const { method } = request;
  if (login !== null) {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET, HEAD');
    return loginPage(accounts.all(), login[1] as string, request.query);
  }
  const [, secret, rest] = session as RegExpExecArray;
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return methodNotAllowed('GET, HEAD, POST');
  const portal = openSession(accounts.all(), secret as string, request, baseUrl);
  if (!('session' in portal)) return portal;
  if (method === 'POST') {
    const refused = refuseForgery(portal);
    if (refused !== undefined) return refused;
  }
  return sessionScreen(portal, rest ?? '');
};
