/** The billing page's parts that show data: the account summary, the invoice table and its rows, their skeletons. */
import type { BillingCustomer, Invoice } from './api.js';
import { externalLink, h, type Child } from './dom.js';
import { describeBalance, formatDate, statusClass, statusLabel } from './format.js';
import { stat } from './widgets.js';

export function summary(customer: BillingCustomer): HTMLElement[] {
  const balance = describeBalance(customer.balance);
  return [
    stat('Account balance', h('span', { class: 'value' }, balance.value), balance.note, 'balance'),
    stat(
      'Billing contact',
      h('span', { class: 'value small' }, customer.name ?? 'Customer'),
      customer.email ?? 'No email on file',
      'contact',
    ),
  ];
}

export function summarySkeleton(): HTMLElement[] {
  const placeholder = () =>
    h('div', { class: 'stat' }, h('span', { class: 'skeleton w-m' }), h('span', { class: 'label' }, ' '), h('span', { class: 'skeleton w-l' }));
  return [placeholder(), placeholder()];
}

function paymentCell(invoice: Invoice): Child {
  if (invoice.status === 'PAID') {
    const paid = formatDate(invoice.paidAt);
    return paid !== undefined ? `Paid ${paid}` : 'Paid';
  }
  if (invoice.status === 'OPEN' || invoice.status === 'UNCOLLECTIBLE') {
    const due = formatDate(invoice.dueDate);
    return due !== undefined ? `Due ${due}` : 'Awaiting payment';
  }
  return h('span', { class: 'muted' }, '—');
}

export function invoiceRow(invoice: Invoice): HTMLElement {
  const owing =
    (invoice.status === 'OPEN' || invoice.status === 'UNCOLLECTIBLE') &&
    invoice.amountRemaining.amount > 0 &&
    invoice.amountRemaining.amount !== invoice.total.amount;
  return h(
    'tr',
    { data: { invoiceId: invoice.id } },
    h('td', { class: 'nowrap' }, formatDate(invoice.createdAt) ?? '—'),
    // A draft has no number until it is finalized (and sent): it is the customer's upcoming invoice.
    h('td', {}, invoice.number !== null ? h('span', { class: 'invoice-number' }, invoice.number) : h('span', { class: 'invoice-number pending' }, 'Not yet issued')),
    h('td', {}, h('span', { class: statusClass(invoice.status), data: { status: invoice.status ?? 'UNKNOWN' } }, statusLabel(invoice.status))),
    h('td', { class: 'nowrap col-due' }, paymentCell(invoice)),
    h(
      'td',
      { class: 'num' },
      h('span', { class: 'amount' }, invoice.total.formatted),
      owing ? h('span', { class: 'sub' }, `${invoice.amountRemaining.formatted} due`) : null,
    ),
    h(
      'td',
      { class: 'links' },
      externalLink('View', invoice.hostedInvoiceUrl, { class: 'invoice-link', attrs: { 'aria-label': `View invoice ${invoice.number ?? invoice.id}` } }),
      externalLink('PDF', invoice.invoicePdf, { class: 'pdf-link', attrs: { 'aria-label': `Download invoice ${invoice.number ?? invoice.id} as PDF` } }),
    ),
  );
}

export function skeletonRow(): HTMLElement {
  const cell = (size: string, cls = '') => h('td', { class: cls }, h('span', { class: `skeleton ${size}` }));
  return h(
    'tr',
    { attrs: { 'aria-hidden': 'true' } },
    cell('w-m'),
    cell('w-l'),
    cell('w-s'),
    cell('w-m', 'col-due'),
    cell('w-s', 'num'),
    cell('w-s', 'links'),
  );
}

/** The invoice table around `tbody` (where the rows go). */
export function invoiceTable(tbody: HTMLElement): HTMLTableElement {
  return h(
    'table',
    {},
    h('caption', { class: 'sr-only' }, 'Invoices, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { attrs: { scope: 'col' } }, 'Date'),
        h('th', { attrs: { scope: 'col' } }, 'Invoice'),
        h('th', { attrs: { scope: 'col' } }, 'Status'),
        h('th', { class: 'col-due', attrs: { scope: 'col' } }, 'Payment'),
        h('th', { class: 'num', attrs: { scope: 'col' } }, 'Amount'),
        h('th', { class: 'links', attrs: { scope: 'col' } }, h('span', { class: 'sr-only' }, 'Documents')),
      ),
    ),
    tbody,
  );
}
