/**
 * An invoice's PDF (`invoice_pdf`, `/i/<secret>/pdf`), written by hand — one standard font, text only, as many pages
 * as the lines need — so that it opens in any viewer without a PDF library.
 */
import type Stripe from 'stripe';
import { formatMoneyPlain } from '../../stripe-facts/money.js';
import type { PageResponse } from '../server.js';
import { appliedBalance, billedTo, date, MERCHANT, statusLabel, unitAmount } from './invoice-text.js';


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

export function invoicePdfResponse(invoice: Stripe.Invoice): PageResponse {
  const name = `Invoice-${(invoice.number ?? invoice.id).replace(/[^A-Za-z0-9-]/g, '')}.pdf`;
  return {
    status: 200,
    contentType: 'application/pdf',
    headers: { 'Cache-Control': 'no-store', 'Content-Disposition': `inline; filename="${name}"`, 'X-Content-Type-Options': 'nosniff' },
    body: invoicePdf(invoice),
  };
}
