/**
 * "Next invoice": what the customer will be billed next (Stripe's invoice preview): the amount due, when, and its
 * lines — prorations from a plan change marked as such. Nothing due next says so.
 */
import { h, type Child } from './dom.js';
import { linePeriod, nextInvoiceDate, type NextInvoice, type NextInvoiceLine } from './plan-format.js';

function lineRow(line: NextInvoiceLine): HTMLElement {
  const period = linePeriod(line);
  return h(
    'tr',
    { data: { lineId: line.id, proration: String(line.proration) } },
    h(
      'td',
      {},
      h('span', { class: 'line-description' }, line.description ?? 'Item'),
      line.proration ? h('span', { class: 'tag' }, 'Proration') : null,
      period !== undefined ? h('span', { class: 'sub' }, period) : null,
    ),
    h('td', { class: 'num line-amount' }, line.amount.formatted),
  );
}

export function upcomingSection(invoice: NextInvoice | null): Child[] {
  const head = h('div', { class: 'card-head' }, h('h2', { id: 'upcoming-title' }, 'Next invoice'));
  if (invoice === null) {
    return [head, h('div', { class: 'panel-body', id: 'no-upcoming' }, h('p', { class: 'upcoming-amount' }, 'Nothing due'), h('p', { class: 'muted' }, 'No invoice is scheduled.'))];
  }
  const date = nextInvoiceDate(invoice);
  return [
    head,
    h(
      'div',
      { class: 'panel-body' },
      h('p', { class: 'upcoming-amount', id: 'upcoming-amount' }, invoice.amountDue.formatted),
      h('p', { class: 'muted', id: 'upcoming-date' }, date !== undefined ? `Billed on ${date}` : 'Billed at the end of the period'),
    ),
    h(
      'table',
      { class: 'lines', id: 'upcoming-lines' },
      h('caption', { class: 'sr-only' }, 'Lines of the next invoice'),
      h('tbody', {}, ...invoice.lines.map(lineRow)),
      h(
        'tfoot',
        {},
        h('tr', {}, h('td', {}, invoice.hasMoreLines === true ? 'Total (more lines than shown)' : 'Total'), h('td', { class: 'num', id: 'upcoming-total' }, invoice.total.formatted)),
        // Account credit (or an amount owed) makes what is collected differ from the total.
        invoice.amountDue.formatted !== invoice.total.formatted
          ? h('tr', {}, h('td', {}, 'Amount due after your balance'), h('td', { class: 'num', id: 'upcoming-due' }, invoice.amountDue.formatted))
          : null,
      ),
    ),
  ];
}

export function upcomingSkeleton(): Child[] {
  return [
    h('div', { class: 'card-head' }, h('h2', { id: 'upcoming-title' }, 'Next invoice')),
    h('div', { class: 'panel-body', attrs: { 'aria-hidden': 'true' } }, h('span', { class: 'skeleton w-m' }), h('span', { class: 'skeleton w-l' })),
  ];
}
