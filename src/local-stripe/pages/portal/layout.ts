/**
 * The hosted portal's shell: one style sheet, the page wrapper (with the headers every portal answer carries),
 * the redirects of Post/Redirect/Get, and the small pieces every portal screen shares (return link, notices,
 * dates). Self-contained HTML: no scripts, no external assets.
 */
import type Stripe from 'stripe';
import { html } from '../../pages.js';
import type { PageResponse } from '../../server.js';

const STYLE = `
  :root { color-scheme: light; --ink: #1a1f36; --muted: #697386; --line: #e3e8ee; --accent: #635bff; --bad: #df1b41; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif;
         color: var(--ink); background: #f6f9fc; }
  main { max-width: 720px; margin: 0 auto; padding: 32px 20px 64px; }
  header { display: flex; justify-content: space-between; align-items: baseline; gap: 16px; margin-bottom: 24px; }
  h1 { font-size: 22px; margin: 0; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 12px; }
  h3 { font-size: 16px; margin: 0 0 4px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 20px; margin-bottom: 16px; }
  a { color: var(--accent); text-decoration: none; }
  a:hover { text-decoration: underline; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 8px 4px; border-top: 1px solid var(--line); }
  th { font-weight: 600; color: var(--muted); font-size: 13px; border-top: 0; }
  td.amount, th.amount { text-align: right; font-variant-numeric: tabular-nums; }
  tr.total td { font-weight: 600; }
  .status { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; background: #e3e8ee; }
  .status-paid, .status-active { background: #d7f7c2; }
  .status-open, .status-trialing { background: #cff5f6; }
  .status-void, .status-uncollectible, .status-past_due, .status-unpaid, .status-canceled { background: #ffe7f2; }
  .status-paused { background: #fcedb9; }
  .muted { color: var(--muted); }
  .notice { border-color: #fcd579; background: #fffaeb; }
  .success { border-color: #a8e3b4; background: #effbf1; }
  .error { border-color: #ffb3c1; background: #fff0f3; color: var(--bad); }
  .item { border-top: 1px solid var(--line); padding: 12px 0; }
  .item:first-of-type { border-top: 0; padding-top: 0; }
  .actions { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
  .actions form { display: inline; }
  footer { margin-top: 24px; font-size: 13px; color: var(--muted); }
  #login form { display: flex; gap: 8px; align-items: flex-end; }
  label { display: block; margin: 8px 0 4px; font-size: 13px; color: var(--muted); }
  label.choice { display: flex; gap: 8px; align-items: center; color: var(--ink); font-size: 15px; }
  input, select, textarea { padding: 8px; border: 1px solid var(--line); border-radius: 6px; font: inherit; width: 100%; }
  input[type=radio], input[type=checkbox] { width: auto; }
  #login input { flex: 1; }
  .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 0 12px; }
  button { padding: 8px 16px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; font: inherit;
           cursor: pointer; margin-top: 12px; }
  button.secondary { background: #fff; color: var(--ink); border: 1px solid var(--line); }
  button.danger { background: var(--bad); }
  .actions button { margin-top: 0; }
`;

/**
 * `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` with the page's own form
 * posts (the Fetch standard), and the forms' origin check then refuses every one of them. Other sites still get no
 * referrer, so the session's URL never leaks.
 */
const HEADERS = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'same-origin', 'X-Robots-Tag': 'noindex' };

export function page(status: number, title: string, body: string, lang = 'en'): PageResponse {
  return {
    status,
    contentType: 'text/html; charset=utf-8',
    headers: { ...HEADERS, 'X-Frame-Options': 'DENY' },
    body:
      `<!doctype html>\n<html lang="${html(lang)}"><head><meta charset="utf-8">` +
      `<meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${html(title)}</title><style>${STYLE}</style></head>` +
      `<body><main>${body}</main></body></html>\n`,
  };
}

/** 303 See Other: after a form POST the browser GETs `location` (Post/Redirect/Get). */
export function redirect(location: string): PageResponse {
  return { status: 303, contentType: 'text/plain; charset=utf-8', headers: { ...HEADERS, Location: location }, body: '' };
}

export function plain(status: number, body: string, headers: Record<string, string> = {}): PageResponse {
  return { status, contentType: 'text/plain; charset=utf-8', headers: { ...HEADERS, ...headers }, body };
}

/** "Return to example.com": Stripe names the business; the local Stripe names the return URL's host. */
export function returnLink(url: string, id = 'return-link'): string {
  let label = url;
  try {
    label = new URL(url).host || url;
  } catch {
    // keep the raw URL as the label
  }
  return `<a id="${id}" href="${html(url)}">&larr; Return to ${html(label)}</a>`;
}

export function notFoundPage(what: string): PageResponse {
  return page(404, 'Not found', `<section id="not-found"><h1>Not found</h1><p>${html(what)}</p></section>`);
}

/** A refusal (a form from elsewhere, a feature the configuration does not offer): no state was touched. */
export function forbiddenPage(why: string): PageResponse {
  return page(403, 'Forbidden', `<section id="forbidden" class="error"><h1>Not allowed</h1><p>${html(why)}</p></section>`);
}

/** The confirmation banner after an action (`?notice=` names one of a fixed set, never free text). */
export function noticeSection(text: string): string {
  return `<section id="notice" class="success" role="status">${html(text)}</section>`;
}

/** What a refused API call said (a declined card, an invalid plan): shown on the form, nothing changed. */
export function errorSection(message: string): string {
  return `<section id="error" class="error" role="alert">${html(message)}</section>`;
}

/** "Nov 25, 2026", in UTC, as the portal prints dates. */
export function date(seconds: number): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(seconds * 1000));
}

/** The business profile's headline, and its privacy / terms links for the footer. */
export function headlineOf(configuration: Stripe.BillingPortal.Configuration | undefined): string {
  return configuration?.business_profile.headline ?? 'Billing portal';
}

export function footer(configuration: Stripe.BillingPortal.Configuration | undefined): string {
  const profile = configuration?.business_profile;
  const legal = [
    profile?.privacy_policy_url ? `<a id="privacy-link" href="${html(profile.privacy_policy_url)}">Privacy</a>` : '',
    profile?.terms_of_service_url ? `<a id="terms-link" href="${html(profile.terms_of_service_url)}">Terms</a>` : '',
  ].filter(Boolean);
  return `<footer>Local Stripe test mode${legal.length > 0 ? ` · ${legal.join(' · ')}` : ''}</footer>`;
}

export function idOf(value: string | { id: string } | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.id;
}
