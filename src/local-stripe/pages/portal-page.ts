/**
 * The hosted billing portal a session `url` opens (`/p/session/<secret>`), and a configuration's login page
 * (`/p/login/<configuration id>`). Self-contained HTML: no scripts, no external assets.
 *
 * A session URL is short-lived: not visited before `expiresAt` it answers 410; once visited in time it keeps
 * working (the customer is "logged in"), as Stripe's are. An unknown secret is a 404.
 */
import type Stripe from 'stripe';
import { formatMoney } from '../../stripe-facts/money.js';
import { html, type PageModule } from '../pages.js';
import type { PageResponse } from '../server.js';
import type { SessionRecord, Store } from '../store.js';

const SESSION_PATH = /^\/p\/session\/([A-Za-z0-9_-]+)$/;
const LOGIN_PATH = /^\/p\/login\/(bpc_[A-Za-z0-9]+)$/;

const STYLE = `
  :root { color-scheme: light; --ink: #1a1f36; --muted: #697386; --line: #e3e8ee; --accent: #635bff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif;
         color: var(--ink); background: #f6f9fc; }
  main { max-width: 720px; margin: 0 auto; padding: 32px 20px 64px; }
  header { display: flex; justify-content: space-between; align-items: baseline; gap: 16px; margin-bottom: 24px; }
  h1 { font-size: 22px; margin: 0; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 12px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 20px; margin-bottom: 16px; }
  a { color: var(--accent); text-decoration: none; }
  a:hover { text-decoration: underline; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 8px 4px; border-top: 1px solid var(--line); }
  th { font-weight: 600; color: var(--muted); font-size: 13px; border-top: 0; }
  td.amount, th.amount { text-align: right; font-variant-numeric: tabular-nums; }
  .status { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; background: #e3e8ee; }
  .status-paid { background: #d7f7c2; }
  .status-open { background: #cff5f6; }
  .status-void, .status-uncollectible { background: #ffe7f2; }
  .muted { color: var(--muted); }
  .notice { border-color: #fcd579; background: #fffaeb; }
  footer { margin-top: 24px; font-size: 13px; color: var(--muted); }
  form { display: flex; gap: 8px; }
  input { flex: 1; padding: 8px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
  button { padding: 8px 16px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; font: inherit; }
`;

function page(status: number, title: string, body: string, lang = 'en'): PageResponse {
  return {
    status,
    contentType: 'text/html; charset=utf-8',
    headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' },
    body:
      `<!doctype html>\n<html lang="${html(lang)}"><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${html(title)}</title><style>${STYLE}</style></head>` +
      `<body><main>${body}</main></body></html>\n`,
  };
}

function findSession(stores: readonly Store[], secret: string): { store: Store; record: SessionRecord } | undefined {
  for (const store of stores) {
    const record = store.sessions.get(secret);
    if (record !== undefined) return { store, record };
  }
  return undefined;
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}

/** "Return to example.com": Stripe names the business; the local Stripe names the return URL's host. */
function returnLink(url: string): string {
  let label = url;
  try {
    label = new URL(url).host || url;
  } catch {
    // keep the raw URL as the label
  }
  return `<a id="return-link" href="${html(url)}">&larr; Return to ${html(label)}</a>`;
}

const FLOW_TITLES: Record<string, string> = {
  customer_update: 'Update your details',
  payment_method_update: 'Update your payment method',
  subscription_cancel: 'Cancel your subscription',
  subscription_pause: 'Pause your subscription',
  subscription_update: 'Change your plan',
  subscription_update_confirm: 'Confirm your plan change',
};

function flowSection(flow: Stripe.BillingPortal.Session.Flow): string {
  const subscription =
    flow.subscription_cancel?.subscription ??
    flow.subscription_pause?.subscription ??
    flow.subscription_update?.subscription ??
    flow.subscription_update_confirm?.subscription ??
    null;
  const details: string[] = [];
  if (subscription !== null) details.push(`Subscription <code>${html(subscription)}</code>`);
  for (const item of flow.subscription_update_confirm?.items ?? []) {
    const parts = [
      item.price !== null ? `price <code>${html(item.price)}</code>` : '',
      item.quantity !== undefined ? `quantity ${html(item.quantity)}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    details.push(`Item <code>${html(item.id)}</code>${parts ? ` &rarr; ${parts}` : ''}`);
  }
  const coupon = flow.subscription_cancel?.retention?.coupon_offer?.coupon;
  if (coupon) details.push(`Before you go: coupon <code>${html(coupon)}</code> is on offer`);
  const after = flow.after_completion;
  if (after.type === 'hosted_confirmation' && after.hosted_confirmation?.custom_message) {
    details.push(`Afterwards: ${html(after.hosted_confirmation.custom_message)}`);
  } else if (after.type === 'redirect' && after.redirect) {
    const url = html(after.redirect.return_url);
    details.push(`Afterwards you return to <a href="${url}">${url}</a>`);
  }
  return (
    `<section id="flow" data-flow="${html(flow.type)}"><h2>In progress</h2>` +
    `<p><strong>${html(FLOW_TITLES[flow.type] ?? flow.type)}</strong></p>` +
    (details.length > 0 ? `<ul>${details.map((d) => `<li>${d}</li>`).join('')}</ul>` : '') +
    `</section>`
  );
}

function invoicesSection(store: Store, session: Stripe.BillingPortal.Session): string {
  const rows: string[] = [];
  for (const inv of store.invoices.newestFirst()) {
    if (idOf(inv.customer) !== session.customer) continue;
    // The portal shows finalized invoices only; with on_behalf_of, only that account's.
    if (inv.status === 'draft' || inv.status === null) continue;
    if (session.on_behalf_of !== null && idOf(inv.on_behalf_of) !== session.on_behalf_of) continue;
    const date = new Date(inv.created * 1000).toISOString().slice(0, 10);
    const number = inv.hosted_invoice_url
      ? `<a href="${html(inv.hosted_invoice_url)}">${html(inv.number ?? inv.id)}</a>`
      : html(inv.number ?? inv.id);
    rows.push(
      `<tr data-invoice="${html(inv.id)}"><td>${date}</td><td>${number}</td>` +
        `<td><span class="status status-${html(inv.status)}">${html(inv.status)}</span></td>` +
        `<td class="amount">${html(formatMoney(inv.total, inv.currency))}</td></tr>`,
    );
  }
  const body =
    rows.length === 0
      ? '<p class="muted">No invoices yet.</p>'
      : `<table><thead><tr><th>Date</th><th>Number</th><th>Status</th><th class="amount">Amount</th></tr></thead>` +
        `<tbody>${rows.join('')}</tbody></table>`;
  return `<section id="invoices"><h2>Invoice history</h2>${body}</section>`;
}

function portalPage(store: Store, session: Stripe.BillingPortal.Session): PageResponse {
  const configurationId = typeof session.configuration === 'string' ? session.configuration : session.configuration.id;
  const configuration = store.configurations.get(configurationId);
  const customer = store.customers.get(session.customer);
  const headline = configuration?.business_profile.headline ?? 'Billing portal';
  const lang = session.locale === null || session.locale === 'auto' ? 'en' : session.locale;

  const customerSection =
    `<section id="customer"><h2>Billing information</h2>` +
    (customer === undefined
      ? '<p class="muted">This customer no longer exists.</p>'
      : `<p><strong id="customer-name">${html(customer.name ?? 'Customer')}</strong><br>` +
        `<span id="customer-email" class="muted">${html(customer.email ?? 'No email on file')}</span></p>`) +
    `</section>`;
  const profile = configuration?.business_profile;
  const legal = [
    profile?.privacy_policy_url ? `<a href="${html(profile.privacy_policy_url)}">Privacy</a>` : '',
    profile?.terms_of_service_url ? `<a href="${html(profile.terms_of_service_url)}">Terms</a>` : '',
  ].filter(Boolean);

  const body =
    `<header><h1 id="headline">${html(headline)}</h1>` +
    (session.return_url !== null ? returnLink(session.return_url) : '') +
    `</header>` +
    (session.flow !== null ? flowSection(session.flow) : '') +
    customerSection +
    (configuration?.features.invoice_history.enabled === false ? '' : invoicesSection(store, session)) +
    `<footer>Local Stripe test mode${legal.length > 0 ? ` · ${legal.join(' · ')}` : ''}</footer>`;
  return page(200, headline, body, lang);
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

function notFoundPage(what: string): PageResponse {
  return page(404, 'Not found', `<section id="not-found"><h1>Not found</h1><p>${html(what)}</p></section>`);
}

function sessionPage(stores: readonly Store[], secret: string): PageResponse {
  const found = findSession(stores, secret);
  if (found === undefined) return notFoundPage('This billing portal link is not valid.');
  const { store, record } = found;
  const now = store.clock.now();
  if (record.visitedAt === null) {
    if (now > record.expiresAt) return expiredPage(record, Math.floor(now / 1000));
    record.visitedAt = now;
  }
  return portalPage(store, record.session);
}

function loginPage(stores: readonly Store[], configurationId: string, query: URLSearchParams): PageResponse {
  let configuration: Stripe.BillingPortal.Configuration | undefined;
  for (const store of stores) configuration ??= store.configurations.get(configurationId);
  if (configuration === undefined || !configuration.login_page.enabled || !configuration.active) {
    return notFoundPage('This login link is not valid.');
  }
  const headline = configuration.business_profile.headline ?? 'Billing portal';
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

export const portalPages: PageModule = (accounts, { method, path, query }) => {
  const session = SESSION_PATH.exec(path);
  const login = session === null ? LOGIN_PATH.exec(path) : null;
  if (session === null && login === null) return undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    return {
      status: 405,
      contentType: 'text/plain; charset=utf-8',
      body: 'Method not allowed',
      headers: { Allow: 'GET, HEAD' },
    };
  }
  if (session !== null) return sessionPage(accounts.all(), session[1] as string);
  return loginPage(accounts.all(), (login as RegExpExecArray)[1] as string, query);
};
