/**
 * What the gateway's own writes change, as `ObjectChange`s for the shared cache (read-your-writes): the object
 * Stripe answered with, and what the write can change beside it — a subscription's latest invoice and customer (a
 * cancellation may invoice and credit), an invoice's subscription and customer (paying one revives a past-due
 * subscription and moves the balance). Over-invalidating is safe; the event that follows drops the same again.
 */
import type Stripe from 'stripe';
import type { ObjectChange } from '../events/changes.js';
import { idOf } from '../stripe/expandable.js';

function customerChange(customer: string | null): ObjectChange[] {
  return customer !== null ? [{ kind: 'customer', id: customer, customerId: customer, deleted: false }] : [];
}

export function subscriptionWritten(subscription: Stripe.Subscription): ObjectChange[] {
  const customer = idOf(subscription.customer);
  const invoice = idOf(subscription.latest_invoice);
  return [
    { kind: 'subscription', id: subscription.id, customerId: customer, deleted: false },
    // A new invoice may not be the latest one named here: the customer's invoice lists go too (below, by kind).
    { kind: 'invoice', id: invoice ?? subscription.id, customerId: customer, deleted: false },
    ...customerChange(customer),
  ];
}

export function invoiceWritten(invoice: Stripe.Invoice): ObjectChange[] {
  const customer = idOf(invoice.customer);
  const subscription = idOf(invoice.parent?.subscription_details?.subscription);
  return [
    { kind: 'invoice', id: invoice.id ?? '', customerId: customer, deleted: false },
    ...(subscription !== null ? [{ kind: 'subscription' as const, id: subscription, customerId: customer, deleted: false }] : []),
    ...customerChange(customer),
  ];
}
