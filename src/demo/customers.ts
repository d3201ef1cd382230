/**
 * Who may sign in on the demo billing page: a handful of the demo account's customers, picked to show the page's
 * cases — a person paying by card, a business with an open net-30 invoice, a credit balance, other currencies (EUR, JPY),
 * the subscription states the seed arranges (trialing, canceling at period end, past due with a declining card,
 * canceled), and a new customer with no invoices (the empty state).
 */
import type Stripe from 'stripe';
import { DEMO, type Store } from '../local-stripe/index.js';

/** A customer offered on the sign-in screen. */
export interface DemoCustomer {
  id: string;
  name: string;
  email: string | null;
  /** One line on what this customer shows, e.g. "Pro plan · USD · 8 invoices". */
  summary: string;
}

/** Demo customers the seed makes without a fixed id in `DEMO`, found by their (fixed) email. */
const BY_EMAIL: ReadonlyArray<{ email: string; about: string }> = [
  { email: 'grace@example.com', about: 'Pro plan canceling at period end' },
  { email: 'frances@example.com', about: 'Pro plan on a free trial' },
  { email: 'margaret@example.com', about: 'Past due, her card declines' },
  { email: 'don@example.com', about: 'Plan canceled' },
  { email: 'edsger@example.com', about: 'Euro invoices' },
  { email: 'keiri@tanaka.example', about: 'Yen invoices' },
];

const FIXED: ReadonlyArray<{ id: string; about: string }> = [
  { id: DEMO.customer, about: 'Pro plan, pays by card' },
  { id: DEMO.businessCustomer, about: 'Team plan, net-30 invoices' },
];

const NEW_CUSTOMER = { id: DEMO.newCustomer, about: 'New customer' };

function invoiceCount(store: Store, customerId: string): number {
  let count = 0;
  for (const invoice of store.invoices.newestFirst()) {
    const owner = typeof invoice.customer === 'string' ? invoice.customer : invoice.customer?.id;
    if (owner === customerId) count++;
  }
  return count;
}

function summarise(store: Store, customer: Stripe.Customer, about: string): DemoCustomer {
  const invoices = invoiceCount(store, customer.id);
  const parts = [about, invoices === 0 ? 'no invoices yet' : `${invoices} invoice${invoices === 1 ? '' : 's'}`];
  return { id: customer.id, name: customer.name ?? customer.id, email: customer.email ?? null, summary: parts.join(' · ') };
}

/** The customers the sign-in screen lists, in the order shown; those the store no longer has are left out. */
export function demoCustomers(store: Store): DemoCustomer[] {
  const picked: DemoCustomer[] = [];
  for (const { id, about } of FIXED) {
    const customer = store.customers.get(id);
    if (customer !== undefined) picked.push(summarise(store, customer, about));
  }
  for (const { email, about } of BY_EMAIL) {
    for (const customer of store.customers.newestFirst()) {
      if (customer.email === email) {
        picked.push(summarise(store, customer, about));
        break;
      }
    }
  }
  const fresh = store.customers.get(NEW_CUSTOMER.id);
  if (fresh !== undefined) picked.push(summarise(store, fresh, NEW_CUSTOMER.about));
  return picked;
}
