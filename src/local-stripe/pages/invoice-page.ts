/**
 * An invoice's hosted page (`hosted_invoice_url`, `/i/<secret>`), its PDF (`invoice_pdf`, `/i/<secret>/pdf`, written
 * in `invoice-pdf.ts`) and its Pay button's POST (`/i/<secret>/pay`, `invoice-pay.ts`). The HTML is self-contained
 * (inline CSS, no scripts, no external assets). Both show the invoice as stored: finalized invoices are frozen, so
 * the page never changes under a customer except for its status.
 */
import type Stripe from 'stripe';
import { formatMoney } from '../../stripe-facts/money.js';
import { html, type PageModule } from '../pages.js';
import { invoiceBySecret } from '../resources/invoices.js';
import type { PageResponse } from '../server.js';
import { payFromPage, paySection } from './invoice-pay.js';
import { invoicePdfResponse } from './invoice-pdf.js';
import { appliedBalance, billedTo, date, MERCHANT, period, statusLabel, unitAmount } from './invoice-text.js';

const INVOICE_PATH = /^\/i\/([A-Za-z0-9_]+)(\/pdf|\/pay)?$/;

function methodNotAllowed(allow: string): PageResponse {
  return { status: 405, contentType: 'text/plain; charset=utf-8', body: 'Method not allowed', headers: { Allow: allow } };
}

export const invoicePages: PageModule = (accounts, request, baseUrl) => {
  const match = INVOICE_PATH.exec(request.path);
  if (match === null) return undefined;
  const paying = match[2] === '/pay';
  if (paying ? request.method !== 'POST' : request.method !== 'GET' && request.method !== 'HEAD') {
    return methodNotAllowed(paying ? 'POST' : 'GET, HEAD');
  }
  const secret = match[1] as string;
  const found = invoiceBySecret(accounts.all(), secret);
  if (found === undefined) {
    return htmlPage(404, 'Invoice not found', '<section><h1>Invoice not found</h1><p class="muted">This link is not valid.</p></section>');
  }
  const { store, invoice } = found;
  if (match[2] === '/pdf') return invoicePdfResponse(invoice);
  if (paying) {
    const notice = payFromPage(request, store, invoice, secret, baseUrl);
    // Paid: back to the page (post/redirect/get), which now shows the invoice as paid.
    if (notice === undefined) return { status: 303, contentType: 'text/plain; charset=utf-8', body: 'Paid', headers: { Location: `/i/${secret}` } };
    return invoiceHtml(invoice, paySection(store, invoice, secret, notice), notice.status);
  }
  return invoiceHtml(invoice, paySection(store, invoice, secret));
};

function headline(invoice: Stripe.Invoice): string {
  const money = formatMoney(invoice.amount_remaining, invoice.currency);
  switch (invoice.status) {
    case 'paid':
      return `${formatMoney(invoice.amount_paid, invoice.currency)} paid on ${date(invoice.status_transitions.paid_at)}`;
    case 'void':
      return `Voided on ${date(invoice.status_transitions.voided_at)}`;
    case 'uncollectible':
      return `${money} due (marked uncollectible)`;
    default:
      return invoice.due_date !== null ? `${money} due ${date(invoice.due_date)}` : `${money} due`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTML

const STYLE = `
  :root { color-scheme: light; --ink: #1a1f36; --muted: #697386; --line: #e3e8ee; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f9fc; }
  main { max-width: 760px; margin: 0 auto; padding: 32px 20px 64px; }
  header { display: flex; justify-content: space-between; align-items: baseline; gap: 16px; margin-bottom: 20px; }
  h1 { font-size: 22px; margin: 0; } h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 12px; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 20px; margin-bottom: 16px; }
  .amount-due { font-size: 28px; font-weight: 600; margin: 0 0 4px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 16px 0 0; } dt { color: var(--muted); } dd { margin: 0; }
  table { width: 100%; border-collapse: collapse; }
  th, td { text-align: left; padding: 8px 4px; border-top: 1px solid var(--line); vertical-align: top; }
  th { font-weight: 600; color: var(--muted); font-size: 13px; border-top: 0; }
  .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  tfoot td { border-top: 0; padding: 4px; } tfoot tr.strong td { font-weight: 600; border-top: 1px solid var(--line); }
  .status { display: inline-block; padding: 0 10px; border-radius: 10px; font-size: 13px; background: #e3e8ee; }
  .status-paid { background: #d7f7c2; } .status-open { background: #cff5f6; } .status-void, .status-uncollectible { background: #ffe7f2; }
  .muted { color: var(--muted); } a { color: #635bff; }
  footer { margin-top: 24px; font-size: 13px; color: var(--muted); }
  button { padding: 8px 20px; border: 0; border-radius: 6px; background: #635bff; color: #fff; font: inherit; cursor: pointer; }
  .alert { color: #a41c4e; background: #fff0f3; border-radius: 6px; padding: 8px 12px; }
`;

function htmlPage(status: number, title: string, body: string): PageResponse {
  return {
    status,
    contentType: 'text/html; charset=utf-8',
    headers: {
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'",
      // `same-origin`, not `no-referrer`: under `no-referrer` a browser sends `Origin: null` with the page's own Pay
      // form, which the form's origin check refuses (`invoice-pay.ts`); other sites still get no referrer.
      'Referrer-Policy': 'same-origin',
      'X-Content-Type-Options': 'nosniff',
      'X-Robots-Tag': 'noindex',
    },
    body:
      '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
      '<meta name="viewport" content="width=device-width, initial-scale=1">' +
      `<title>${html(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>\n`,
  };
}

function moneyRow(label: string, amount: number, currency: string, strong = false): string {
  return `<tr${strong ? ' class="strong"' : ''}><td colspan="3">${html(label)}</td><td class="num">${html(formatMoney(amount, currency))}</td></tr>`;
}

/** The invoice's page; `pay` is its payment section (`invoice-pay.ts`), shown under the headline. */
function invoiceHtml(invoice: Stripe.Invoice, pay: string, status = 200): PageResponse {
  const cur = invoice.currency;
  const lines = invoice.lines.data
    .map((line) => {
      const unit = unitAmount(line);
      const when = period(line);
      return (
        `<tr><td>${html(line.description ?? 'Item')}${when ? `<br><span class="muted">${html(when)}</span>` : ''}</td>` +
        `<td class="num">${html(line.quantity ?? '')}</td>` +
        `<td class="num">${unit === undefined ? '' : html(formatMoney(unit, cur))}</td>` +
        `<td class="num">${html(formatMoney(line.amount, cur))}</td></tr>`
      );
    })
    .join('');
  const applied = appliedBalance(invoice);
  const totals = [
    moneyRow('Subtotal', invoice.subtotal, cur),
    moneyRow('Total', invoice.total, cur, true),
    applied !== 0 ? moneyRow(applied < 0 ? 'Applied credit balance' : 'Applied balance', applied, cur) : '',
    moneyRow('Amount due', invoice.amount_due, cur, true),
    invoice.amount_paid !== 0 ? moneyRow('Amount paid', invoice.amount_paid, cur) : '',
    moneyRow('Amount remaining', invoice.amount_remaining, cur),
  ].join('');
  const title = `Invoice ${invoice.number ?? invoice.id}`;
  const fields: Array<[string, string]> = [
    ['Invoice number', invoice.number ?? '—'],
    ['Date of issue', date(invoice.status_transitions.finalized_at)],
    ['Due date', date(invoice.due_date)],
    ['Billed to', billedTo(invoice).join(', ')],
  ];
  const custom = (invoice.custom_fields ?? []).map((f): [string, string] => [f.name, f.value]);
  const body =
    `<header><div><h1>${html(title)}</h1><span class="muted">${html(invoice.account_name ?? MERCHANT)}</span></div>` +
    `<span class="status status-${html(invoice.status)}">${html(statusLabel(invoice.status))}</span></header>` +
    `<section><p class="amount-due">${html(headline(invoice))}</p>` +
    (invoice.description ? `<p class="muted">${html(invoice.description)}</p>` : '') +
    `<dl>${[...fields, ...custom].map(([k, v]) => `<dt>${html(k)}</dt><dd>${html(v)}</dd>`).join('')}</dl></section>` +
    pay +
    `<section><h2>Items</h2><table><thead><tr><th>Description</th><th class="num">Qty</th>` +
    `<th class="num">Unit price</th><th class="num">Amount</th></tr></thead>` +
    `<tbody>${lines}</tbody><tfoot>${totals}</tfoot></table></section>` +
    `<footer>${invoice.footer ? `<p>${html(invoice.footer)}</p>` : ''}` +
    `<p><a href="${html(`/i/${secretOf(invoice)}/pdf`)}">Download PDF</a></p></footer>`;
  return htmlPage(status, title, body);
}

/** The secret part of the hosted URL, for the relative PDF link. */
function secretOf(invoice: Stripe.Invoice): string {
  const url = invoice.hosted_invoice_url ?? '';
  return url.slice(url.lastIndexOf('/i/') + 3);
}

