/**
 * The billing page's live updates as state changes: what the page holds (the last `BillingPage` answer) and one
 * subscription payload in, what the page should hold now out — plain functions, no DOM and no network, so that they
 * are tested on their own (`test/demo/live-state.test.ts`) and `live.ts` only receives and `billing.ts` only renders.
 *
 * The payloads select the same fragments as the page's query (`schema/operations/billing-page*.graphql`), so a
 * payload replaces what the page shows of that object:
 * - an invoice on the page shown: its row is replaced in place (paid, voided…), and the balance with the
 *   payload's customer's;
 * - an invoice not on the page: on the first page, one newer than the newest shown (a new invoice) makes the page
 *   load its first page again (the list's cursors come from the list); on another page it belongs elsewhere and
 *   changes nothing;
 * - a subscription: replaced in the plan, added (newest first) when it is new and current, removed once it is no
 *   longer current (canceled or expired: Stripe's default list leaves those out, and so does the page); the next
 *   invoice with the payload's customer's;
 * - the customer: its name, email, balance, card on file and next invoice.
 * A payload about another customer changes nothing (the gateway sends a customer only its own; this is a guard).
 * A part the payload could not load (its `errors` name it) keeps what the page had.
 */
import type {
  BillingPageAccountFragment,
  BillingPageInvoiceFragment,
  BillingPageNextInvoiceFragment,
  BillingPagePlanFragment,
} from '../../client/index.js';
import type { BillingCustomer, OptionalPart } from './api.js';

/** The page's state: the customer as last answered or updated, and the parts it could not load. */
export interface ShownBilling {
  customer: BillingCustomer;
  unavailable: ReadonlySet<OptionalPart>;
}

/** What a payload did to the page: its new state, and whether the invoice page must be loaded again. */
export interface LiveOutcome {
  shown: ShownBilling;
  changed: boolean;
  reload: boolean;
}

/** An `invoiceUpdated` payload: the invoice as the table shows it, and its customer's balance. */
export type LiveInvoice = BillingPageInvoiceFragment & {
  customer: { id: string; balance: BillingPageAccountFragment['balance'] } | null;
};

/** A `subscriptionUpdated` payload: the plan as "Your plan" shows it, and its customer's next invoice. */
export type LivePlan = BillingPagePlanFragment & {
  customer: { id: string; upcomingInvoice: BillingPageNextInvoiceFragment | null };
};

/** A `customerUpdated` payload. */
export type LiveAccount = BillingPageAccountFragment;

/** Statuses Stripe's default subscription list (and so the plan section) leaves out. */
const ENDED = new Set(['CANCELED', 'INCOMPLETE_EXPIRED']);

const unchanged = (shown: ShownBilling): LiveOutcome => ({ shown, changed: false, reload: false });

/** The optional parts: those that failed in this payload keep the page's value (and mark); the rest are loaded. */
function optionalParts(
  shown: ShownBilling,
  failed: ReadonlySet<OptionalPart>,
  next: Partial<Pick<BillingCustomer, OptionalPart>>,
): { parts: Partial<Pick<BillingCustomer, OptionalPart>>; unavailable: ReadonlySet<OptionalPart> } {
  const parts: Partial<Pick<BillingCustomer, OptionalPart>> = {};
  const unavailable = new Set(shown.unavailable);
  for (const part of Object.keys(next) as OptionalPart[]) {
    if (failed.has(part)) continue;
    (parts as Record<OptionalPart, unknown>)[part] = next[part];
    unavailable.delete(part);
  }
  return { parts, unavailable };
}

export function withInvoice(shown: ShownBilling, invoice: LiveInvoice): LiveOutcome {
  const customer = shown.customer;
  if (invoice.customer !== null && invoice.customer.id !== customer.id) return unchanged(shown);
  const { edges, pageInfo } = customer.invoices;
  const at = edges.findIndex((edge) => edge.node.id === invoice.id);
  const { customer: owner, ...row } = invoice;
  const balance = owner?.balance ?? customer.balance;
  if (at >= 0) {
    const next = edges.slice();
    next[at] = { ...edges[at]!, node: row };
    return { shown: { ...shown, customer: { ...customer, balance, invoices: { ...customer.invoices, edges: next } } }, changed: true, reload: false };
  }
  const newest = edges[0]?.node.createdAt;
  const joinsFirstPage = !pageInfo.hasPreviousPage && (newest === undefined || Date.parse(invoice.createdAt) >= Date.parse(newest));
  return { shown: { ...shown, customer: { ...customer, balance } }, changed: balance !== customer.balance, reload: joinsFirstPage };
}

export function withPlan(shown: ShownBilling, plan: LivePlan, failed: ReadonlySet<OptionalPart> = new Set()): LiveOutcome {
  const customer = shown.customer;
  if (plan.customer.id !== customer.id) return unchanged(shown);
  const { customer: owner, ...node } = plan;
  const edges = customer.subscriptions.edges;
  const at = edges.findIndex((edge) => edge.node.id === plan.id);
  let next = edges;
  if (ENDED.has(plan.status)) {
    if (at >= 0) next = edges.filter((_, i) => i !== at);
  } else if (at >= 0) {
    next = edges.slice();
    next[at] = { node };
  } else {
    // Newest first, as Stripe lists them.
    next = [...edges, { node }].sort((a, b) => Date.parse(b.node.createdAt) - Date.parse(a.node.createdAt));
  }
  const { parts, unavailable } = optionalParts(shown, failed, { upcomingInvoice: owner.upcomingInvoice });
  return {
    shown: { unavailable, customer: { ...customer, ...parts, subscriptions: { ...customer.subscriptions, edges: next } } },
    changed: true,
    reload: false,
  };
}

export function withAccount(shown: ShownBilling, account: LiveAccount, failed: ReadonlySet<OptionalPart> = new Set()): LiveOutcome {
  const customer = shown.customer;
  if (account.id !== customer.id) return unchanged(shown);
  const { upcomingInvoice, defaultPaymentMethod, ...details } = account;
  const { parts, unavailable } = optionalParts(shown, failed, { upcomingInvoice, defaultPaymentMethod });
  return { shown: { unavailable, customer: { ...customer, ...details, ...parts } }, changed: true, reload: false };
}
