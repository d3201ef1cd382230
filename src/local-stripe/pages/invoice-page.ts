/**
 * An invoice's hosted page (`hosted_invoice_url`, `/i/<secret>`) and its PDF (`invoice_pdf`, `/i/<secret>/pdf`).
 * The HTML is self-contained (inline CSS, no scripts, no external assets); the PDF is written by hand — one
 * standard font, text only, as many pages as the lines need — so that it opens in any viewer without a PDF
 * library. Both show the invoice as stored: finalized invoices are frozen, so the page never changes under a
 * customer except for its status.
 */
import type Stripe from 'stripe';
import { formatMoney, formatMoneyPlain } from '../../stripe-facts/money.js';
import { html, type PageModule } from '../pages.js';
import { invoiceBySecret } from '../resources/invoices.js';
import type { PageResponse } from '../server.js';

const INVOICE_PATH = /^\/i\/([A-Za-z0-9_]+)(\/pdf)?$/;
const MERCHANT = 'Local Stripe test account';

export const invoicePages: PageModule = (accounts, { method, path }) => {
  const match = INVOICE_PATH.exec(path);
  if (match === null) return undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, contentType: 'text/plain; charset=utf-8', body: 'Method not allowed', headers: { Allow: 'GET, HEAD' } };
  }
  const found = invoiceBySecret(accounts.all(), match[1] as string);
  if (found === undefined) {
    return htmlPage(404, 'Invoice not found', '<section><h1>Invoice not found</h1><p class="muted">This link is not valid.</p></section>');
  }
  return match[2] === undefined ? invoiceHtml(found.invoice) : invoicePdfResponse(found.invoice);
};

// ---------------------------------------------------------------------------------------------------------------
// Shared text

function date(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(seconds * 1000));
}

function period(line: Stripe.InvoiceLineItem): string | undefined {
  if (line.period.start === line.period.end) return undefined;
  return `${date(line.period.start)} – ${date(line.period.end)}`;
}

function statusLabel(status: Stripe.Invoice.Status | null): string {
  if (status === null) return 'Unknown';
  return status.charAt(0).toUpperCase() + status.slice(1);
}

/** The unit price of a line in minor units, rounded to a whole minor unit for display. */
function unitAmount(line: Stripe.InvoiceLineItem): number | undefined {
  const unit = line.pricing?.unit_amount_decimal;
  return unit === null || unit === undefined ? undefined : Number(unit.toFixed(0, 'half-up'));
}

/** Balance the invoice took from (negative: credit) or added to the customer's balance. */
function appliedBalance(invoice: Stripe.Invoice): number {
  return invoice.starting_balance - (invoice.ending_balance ?? invoice.starting_balance);
}

function billedTo(invoice: Stripe.Invoice): string[] {
  const out: string[] = [];
  if (invoice.customer_name) out.push(invoice.customer_name);
  if (invoice.customer_email) out.push(invoice.customer_email);
  const a = invoice.customer_address;
  if (a) {
    for (const part of [a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(' '), a.state, a.country]) {
      if (part) out.push(part);
    }
  }
  if (out.length === 0) out.push(typeof invoice.customer === 'string' ? invoice.customer : '—');
  return out;
}

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
`;

function htmlPage(status: number, title: string, body: string): PageResponse {
  return {
    status,
    contentType: 'text/html; charset=utf-8',
    headers: {
      'Cache-Control': 'no-store',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'",
      'Referrer-Policy': 'no-referrer',
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

function invoiceHtml(invoice: Stripe.Invoice): PageResponse {
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
    `<section><h2>Items</h2><table><thead><tr><th>Description</th><th class="num">Qty</th>` +
    `<th class="num">Unit price</th><th class="num">Amount</th></tr></thead>` +
    `<tbody>${lines}</tbody><tfoot>${totals}</tfoot></table></section>` +
    `<footer>${invoice.footer ? `<p>${html(invoice.footer)}</p>` : ''}` +
    `<p><a href="${html(`/i/${secretOf(invoice)}/pdf`)}">Download PDF</a></p></footer>`;
  return htmlPage(200, title, body);
}

/** The secret part of the hosted URL, for the relative PDF link. */
function secretOf(invoice: Stripe.Invoice): string {
  const url = invoice.hosted_invoice_url ?? '';
  return url.slice(url.lastIndexOf('/i/') + 3);
}

// ---------------------------------------------------------------------------------------------------------------
// PDF

/** WinAnsiEncoding codes for the non-Latin-1 characters an invoice is likely to contain. */
const WIN_ANSI: Readonly<Record<string, number>> = {
  '€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
  '™': 0x99,
};

/**
 * A PDF string literal for the standard fonts' WinAnsiEncoding. Everything outside printable ASCII is written as
 * an octal escape, so the file stays ASCII and byte offsets equal string offsets.
 */
function pdfString(text: string): string {
  let out = '(';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0x3f;
    if (ch === '\\' || ch === '(' || ch === ')') out += `\\${ch}`;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else if (code < 0x20) out += ' ';
    else {
      const byte = WIN_ANSI[ch] ?? (code >= 0xa0 && code <= 0xff ? code : 0x3f);
      out += byte === 0x3f ? '?' : `\\${byte.toString(8).padStart(3, '0')}`;
    }
  }
  return `${out})`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

interface Cell {
  x: number;
  text: string;
  /** Right-aligned at `x` (approximated: Helvetica digits are 0.556 em wide). */
  right?: boolean;
}

interface Row {
  cells: Cell[];
  size: number;
  bold?: boolean;
  /** Vertical space this row takes, including the gap above it. */
  advance: number;
  /** A rule under the row. */
  rule?: boolean;
}

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const TOP = 742;
const BOTTOM = 56;
const LEFT = 50;
const RIGHT = PAGE_WIDTH - 50;

function approximateWidth(text: string, size: number): number {
  return text.length * size * 0.556;
}

function pdfRows(invoice: Stripe.Invoice): Row[] {
  const cur = invoice.currency;
  const money = (n: number) => formatMoneyPlain(n, cur);
  const rows: Row[] = [
    { cells: [{ x: LEFT, text: 'Invoice' }], size: 22, bold: true, advance: 0 },
    { cells: [{ x: LEFT, text: invoice.account_name ?? MERCHANT }], size: 10, advance: 20 },
    { cells: [{ x: LEFT, text: `Invoice number: ${invoice.number ?? invoice.id}` }], size: 11, advance: 28 },
    { cells: [{ x: LEFT, text: `Status: ${statusLabel(invoice.status)}` }], size: 11, advance: 15 },
    { cells: [{ x: LEFT, text: `Date of issue: ${date(invoice.status_transitions.finalized_at)}` }], size: 11, advance: 15 },
    { cells: [{ x: LEFT, text: `Due date: ${date(invoice.due_date)}` }], size: 11, advance: 15 },
    { cells: [{ x: LEFT, text: 'Billed to' }], size: 11, bold: true, advance: 26 },
    ...billedTo(invoice).map((text): Row => ({ cells: [{ x: LEFT, text: truncate(text, 90) }], size: 11, advance: 15 })),
  ];
  if (invoice.description) {
    rows.push({ cells: [{ x: LEFT, text: truncate(invoice.description, 95) }], size: 11, advance: 24 });
  }
  rows.push({
    cells: [
      { x: LEFT, text: 'Description' },
      { x: 380, text: 'Qty', right: true },
      { x: 470, text: 'Unit price', right: true },
      { x: RIGHT, text: 'Amount', right: true },
    ],
    size: 10,
    bold: true,
    advance: 30,
    rule: true,
  });
  for (const line of invoice.lines.data) {
    const unit = unitAmount(line);
    rows.push({
      cells: [
        { x: LEFT, text: truncate(line.description ?? 'Item', 52) },
        { x: 380, text: String(line.quantity ?? ''), right: true },
        { x: 470, text: unit === undefined ? '' : money(unit), right: true },
        { x: RIGHT, text: money(line.amount), right: true },
      ],
      size: 10,
      advance: 16,
    });
  }
  const total = (label: string, amount: number, bold = false): Row => ({
    cells: [
      { x: 380, text: label },
      { x: RIGHT, text: money(amount), right: true },
    ],
    size: 10,
    bold,
    advance: 16,
  });
  const applied = appliedBalance(invoice);
  rows.push({ ...total('Subtotal', invoice.subtotal), advance: 26 });
  rows.push(total('Total', invoice.total, true));
  if (applied !== 0) rows.push(total(applied < 0 ? 'Applied credit' : 'Applied balance', applied));
  rows.push(total('Amount due', invoice.amount_due, true));
  if (invoice.amount_paid !== 0) rows.push(total('Amount paid', invoice.amount_paid));
  rows.push(total('Amount remaining', invoice.amount_remaining));
  if (invoice.footer) rows.push({ cells: [{ x: LEFT, text: truncate(invoice.footer, 95) }], size: 9, advance: 30 });
  return rows;
}

/** Lays rows out top to bottom, starting a new page when one is full; returns one content stream per page. */
function contentStreams(rows: readonly Row[], footer: string): string[] {
  const pages: string[][] = [[]];
  let y = TOP;
  for (const row of rows) {
    y -= row.advance;
    if (y < BOTTOM) {
      pages.push([]);
      y = TOP - row.size;
    }
    const ops = pages[pages.length - 1] as string[];
    for (const cell of row.cells) {
      const x = cell.right ? cell.x - approximateWidth(cell.text, row.size) : cell.x;
      ops.push(`BT /${row.bold ? 'F2' : 'F1'} ${row.size} Tf ${x.toFixed(2)} ${y.toFixed(2)} Td ${pdfString(cell.text)} Tj ET`);
    }
    if (row.rule) ops.push(`0.8 G 0.5 w ${LEFT} ${(y - 5).toFixed(2)} m ${RIGHT} ${(y - 5).toFixed(2)} l S 0 G`);
  }
  return pages.map((ops, i) =>
    [...ops, `BT /F1 8 Tf ${LEFT} 30 Td ${pdfString(`${footer} - page ${i + 1} of ${pages.length}`)} Tj ET`].join('\n'),
  );
}

/** A minimal PDF 1.4 file: catalog, page tree, two standard fonts, one page and content stream per page. */
export function invoicePdf(invoice: Stripe.Invoice): Buffer {
  const title = `Invoice ${invoice.number ?? invoice.id}`;
  const streams = contentStreams(pdfRows(invoice), title);
  // 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info, then (page, contents) pairs.
  const pageIds = streams.map((_, i) => 6 + i * 2);
  const objects: string[] = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
    `<< /Title ${pdfString(title)} /Producer (billing-gateway local Stripe) >>`,
  ];
  streams.forEach((content, i) => {
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
        `/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${(pageIds[i] as number) + 1} 0 R >>`,
    );
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  });

  // The second line marks the file as binary for transfer tools (bytes above 127, as the spec recommends).
  let out = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function invoicePdfResponse(invoice: Stripe.Invoice): PageResponse {
  const name = `Invoice-${(invoice.number ?? invoice.id).replace(/[^A-Za-z0-9-]/g, '')}.pdf`;
  return {
    status: 200,
    contentType: 'application/pdf',
    headers: { 'Cache-Control': 'no-store', 'Content-Disposition': `inline; filename="${name}"`, 'X-Content-Type-Options': 'nosniff' },
    body: invoicePdf(invoice),
  };
}
