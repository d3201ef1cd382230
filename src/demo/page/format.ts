/** How the page words and formats what the gateway returns. */
import type { InvoiceStatus } from '../../client/index.js';

const dateFormat = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });

/** `2026-03-05T…Z` → `Mar 5, 2026` (in UTC, as invoices are dated). */
export function formatDate(iso: string | null | undefined): string | undefined {
  if (iso === null || iso === undefined) return undefined;
  const time = Date.parse(iso);
  return Number.isNaN(time) ? undefined : dateFormat.format(time);
}

export const STATUS_LABELS: Record<InvoiceStatus, string> = {
  DRAFT: 'Draft',
  OPEN: 'Open',
  PAID: 'Paid',
  UNCOLLECTIBLE: 'Uncollectible',
  VOID: 'Void',
};

export function statusLabel(status: InvoiceStatus | null): string {
  return status === null ? 'Unknown' : (STATUS_LABELS[status] ?? status);
}

/** The badge's modifier class: one per status, and one for a status this page does not know. */
export function statusClass(status: InvoiceStatus | null): string {
  return status !== null && status in STATUS_LABELS ? `badge badge-${status.toLowerCase()}` : 'badge badge-unknown';
}

/** "Ada Lovelace" → "AL"; "Acme Corporation" → "AC". */
export function initials(name: string): string {
  const letters = name
    .split(/\s+/)
    .filter((word) => word.length > 0)
    .map((word) => [...word][0]?.toUpperCase() ?? '');
  return (letters.length > 1 ? letters[0]! + letters[letters.length - 1]! : (letters[0] ?? '?')).slice(0, 2);
}

/**
 * A customer balance as a customer reads it: Stripe's negative balance is credit toward the next invoice, a
 * positive one is owed and added to it.
 */
export function describeBalance(balance: { amount: number; formatted: string }): { value: string; note: string } {
  const unsigned = balance.formatted.replace(/^[-\u2212]\s?/, '');
  if (balance.amount < 0) return { value: `${unsigned} credit`, note: 'Applied to your next invoice' };
  if (balance.amount > 0) return { value: `${unsigned} owed`, note: 'Added to your next invoice' };
  return { value: unsigned, note: 'No credit or amount owed' };
}
