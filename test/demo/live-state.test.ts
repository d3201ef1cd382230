/**
 * The billing page's live updates as state changes (`src/demo/page/live-state.ts`), without a browser: what an
 * `invoiceUpdated`, `subscriptionUpdated` or `customerUpdated` payload does to the page's last answer — a row
 * replaced in place, a new invoice reloading the first page, a plan replaced, added or dropped once canceled, the
 * next invoice and card replaced unless the payload could not load them, another customer's payload ignored. The
 * browser test (`test/e2e/live-updates.test.ts`) shows the same on screen, end to end.
 */
import { describe, expect, it } from 'vitest';
import type { BillingCustomer } from '../../src/demo/page/api.js';
import { withAccount, withInvoice, withPlan, type LiveInvoice, type LivePlan, type ShownBilling } from '../../src/demo/page/live-state.js';

type Invoice = BillingCustomer['invoices']['edges'][number]['node'];
type Plan = BillingCustomer['subscriptions']['edges'][number]['node'];
type Upcoming = NonNullable<BillingCustomer['upcomingInvoice']>;

const usd = (amount: number) => ({ amount, currency: 'USD', formatted: `$${(amount / 100).toFixed(2)}` });

function invoice(id: string, createdAt: string, overrides: Partial<Invoice> = {}): Invoice {
  return {
    id,
    number: `NW-${id}`,
    status: 'OPEN',
    createdAt,
    dueDate: null,
    paidAt: null,
    total: usd(2500),
    amountRemaining: usd(2500),
    hostedInvoiceUrl: `http://127.0.0.1/i/${id}`,
    invoicePdf: null,
    ...overrides,
  };
}

function plan(id: string, createdAt: string, overrides: Partial<Plan> = {}): Plan {
  return {
    id,
    status: 'ACTIVE',
    createdAt,
    cancelAtPeriodEnd: false,
    cancelAt: null,
    canceledAt: null,
    currentPeriodEnd: '2026-03-05T00:00:00.000Z',
    trialEnd: null,
    items: [],
    ...overrides,
  };
}

const upcoming = (amount: number): Upcoming => ({
  amountDue: { amount, formatted: usd(amount).formatted },
  total: { formatted: usd(amount).formatted },
  nextPaymentAttempt: null,
  periodEnd: '2026-03-05T00:00:00.000Z',
  lines: [],
});

function shown(overrides: { hasPreviousPage?: boolean; invoices?: Invoice[]; plans?: Plan[] } = {}): ShownBilling {
  const invoices = overrides.invoices ?? [invoice('in_2', '2026-02-01T00:00:00.000Z'), invoice('in_1', '2026-01-01T00:00:00.000Z')];
  return {
    unavailable: new Set(['upcomingInvoice']),
    customer: {
      id: 'cus_ada',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      balance: usd(0),
      defaultPaymentMethod: null,
      upcomingInvoice: null,
      subscriptions: { edges: (overrides.plans ?? [plan('sub_1', '2026-01-01T00:00:00.000Z')]).map((node) => ({ node })) },
      invoices: {
        edges: invoices.map((node) => ({ cursor: `cursor-${node.id}`, node })),
        pageInfo: { hasNextPage: false, hasPreviousPage: overrides.hasPreviousPage ?? false, startCursor: 'cursor-in_2', endCursor: 'cursor-in_1' },
      },
    },
  };
}

const paid = (id: string, createdAt: string, customer: LiveInvoice['customer'] = { id: 'cus_ada', balance: usd(-500) }): LiveInvoice => ({
  ...invoice(id, createdAt, { status: 'PAID', paidAt: '2026-02-02T00:00:00.000Z', amountRemaining: usd(0) }),
  customer,
});

describe('an invoiceUpdated payload', () => {
  it('replaces the row on the page in place, keeping its cursor, and the balance', () => {
    const before = shown();
    const outcome = withInvoice(before, paid('in_2', '2026-02-01T00:00:00.000Z'));
    expect(outcome).toMatchObject({ changed: true, reload: false });
    const edges = outcome.shown.customer.invoices.edges;
    expect(edges.map((e) => [e.cursor, e.node.id, e.node.status])).toEqual([
      ['cursor-in_2', 'in_2', 'PAID'],
      ['cursor-in_1', 'in_1', 'OPEN'],
    ]);
    expect(edges[0]!.node).not.toHaveProperty('customer');
    expect(outcome.shown.customer.balance).toEqual(usd(-500));
    // The state before is left as it was (the page re-renders from the new one).
    expect(before.customer.invoices.edges[0]!.node.status).toBe('OPEN');
  });

  it('a new invoice on the first page loads that page again; on a later page, or an older one, nothing moves', () => {
    expect(withInvoice(shown(), paid('in_3', '2026-02-10T00:00:00.000Z'))).toMatchObject({ reload: true });
    expect(withInvoice(shown({ invoices: [] }), paid('in_3', '2026-02-10T00:00:00.000Z'))).toMatchObject({ reload: true });
    expect(withInvoice(shown({ hasPreviousPage: true }), paid('in_3', '2026-02-10T00:00:00.000Z'))).toMatchObject({ reload: false });
    const older = withInvoice(shown(), paid('in_0', '2025-12-01T00:00:00.000Z'));
    expect(older.reload).toBe(false);
    expect(older.shown.customer.invoices).toEqual(shown().customer.invoices);
  });

  it("another customer's invoice changes nothing", () => {
    const before = shown();
    const outcome = withInvoice(before, paid('in_2', '2026-02-01T00:00:00.000Z', { id: 'cus_other', balance: usd(1) }));
    expect(outcome).toEqual({ shown: before, changed: false, reload: false });
  });
});

describe('a subscriptionUpdated payload', () => {
  const live = (p: Plan, upcomingInvoice: Upcoming | null = upcoming(2900), customerId = 'cus_ada'): LivePlan => ({ ...p, customer: { id: customerId, upcomingInvoice } });

  it('replaces the plan and the next invoice (which was unavailable: now it is loaded)', () => {
    const outcome = withPlan(shown(), live(plan('sub_1', '2026-01-01T00:00:00.000Z', { cancelAtPeriodEnd: true, cancelAt: '2026-03-05T00:00:00.000Z' })));
    expect(outcome).toMatchObject({ changed: true, reload: false });
    expect(outcome.shown.customer.subscriptions.edges.map((e) => [e.node.id, e.node.cancelAtPeriodEnd])).toEqual([['sub_1', true]]);
    expect(outcome.shown.customer.subscriptions.edges[0]!.node).not.toHaveProperty('customer');
    expect(outcome.shown.customer.upcomingInvoice).toEqual(upcoming(2900));
    expect([...outcome.shown.unavailable]).toEqual([]);
  });

  it('adds a new current plan newest first, and drops one that is canceled or expired', () => {
    const added = withPlan(shown(), live(plan('sub_2', '2026-02-01T00:00:00.000Z')));
    expect(added.shown.customer.subscriptions.edges.map((e) => e.node.id)).toEqual(['sub_2', 'sub_1']);
    const canceled = withPlan(added.shown, live(plan('sub_1', '2026-01-01T00:00:00.000Z', { status: 'CANCELED' }), null));
    expect(canceled.shown.customer.subscriptions.edges.map((e) => e.node.id)).toEqual(['sub_2']);
    expect(canceled.shown.customer.upcomingInvoice).toBeNull();
    const unknownEnded = withPlan(shown(), live(plan('sub_9', '2026-02-01T00:00:00.000Z', { status: 'INCOMPLETE_EXPIRED' })));
    expect(unknownEnded.shown.customer.subscriptions.edges.map((e) => e.node.id)).toEqual(['sub_1']);
  });

  it('keeps the next invoice the payload could not load, and ignores another customer', () => {
    const before = { ...shown(), unavailable: new Set<never>() };
    const withUpcoming = { ...before, customer: { ...before.customer, upcomingInvoice: upcoming(1000) } };
    const outcome = withPlan(withUpcoming, live(plan('sub_1', '2026-01-01T00:00:00.000Z'), null), new Set(['upcomingInvoice']));
    expect(outcome.shown.customer.upcomingInvoice).toEqual(upcoming(1000));
    expect([...outcome.shown.unavailable]).toEqual([]);
    expect(withPlan(before, live(plan('sub_1', '2026-01-01T00:00:00.000Z'), null, 'cus_other'))).toEqual({ shown: before, changed: false, reload: false });
  });
});

describe('a customerUpdated payload', () => {
  it('replaces name, email, balance, card on file and next invoice — except a part it could not load', () => {
    const card = { id: 'pm_1', type: 'card', card: { brand: 'VISA' as const, last4: '4242', expMonth: 12, expYear: 2030 } };
    const account = { id: 'cus_ada', name: 'Ada King', email: 'ada@king.example', balance: usd(-100), defaultPaymentMethod: card, upcomingInvoice: upcoming(500) };
    const outcome = withAccount(shown(), account, new Set(['upcomingInvoice']));
    expect(outcome).toMatchObject({ changed: true, reload: false });
    expect(outcome.shown.customer).toMatchObject({ name: 'Ada King', email: 'ada@king.example', balance: usd(-100), defaultPaymentMethod: card, upcomingInvoice: null });
    // Still unavailable: this payload could not load it either.
    expect([...outcome.shown.unavailable]).toEqual(['upcomingInvoice']);
    expect(outcome.shown.customer.invoices).toEqual(shown().customer.invoices);
    expect(withAccount(shown(), { ...account, id: 'cus_other' }).changed).toBe(false);
  });
});
