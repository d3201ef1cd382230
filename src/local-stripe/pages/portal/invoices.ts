/** The home screen's invoice history (`invoice_history.enabled`): the customer's finalized invoices, newest first. */
import { formatMoney } from '../../../stripe-facts/money.js';
import { html } from '../../pages.js';
import { idOf } from './layout.js';
import type { Portal } from './session.js';

export function invoicesSection(portal: Portal): string {
  const { store, session } = portal;
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
