/**
 * What an invoice's hosted page and its PDF both say: dates, status labels, unit prices, the applied balance and
 * who is billed.
 */
import type Stripe from 'stripe';

export const MERCHANT = 'Local Stripe test account';

export function date(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(seconds * 1000));
}

export function period(line: Stripe.InvoiceLineItem): string | undefined {
  if (line.period.start === line.period.end) return undefined;
  return `${date(line.period.start)} – ${date(line.period.end)}`;
}

export function statusLabel(status: Stripe.Invoice.Status | null): string {
  if (status === null) return 'Unknown';
  return status.charAt(0).toUpperCase() + status.slice(1);
}

/** The unit price of a line in minor units, rounded to a whole minor unit for display. */
export function unitAmount(line: Stripe.InvoiceLineItem): number | undefined {
  const unit = line.pricing?.unit_amount_decimal;
  return unit === null || unit === undefined ? undefined : Number(unit.toFixed(0, 'half-up'));
}

/** Balance the invoice took from (negative: credit) or added to the customer's balance. */
export function appliedBalance(invoice: Stripe.Invoice): number {
  return invoice.starting_balance - (invoice.ending_balance ?? invoice.starting_balance);
}

export function billedTo(invoice: Stripe.Invoice): string[] {
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

