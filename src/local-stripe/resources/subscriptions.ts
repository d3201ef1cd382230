/**
 * The minimal subscriptions the local Stripe keeps: who they belong to, their status and items. They are not
 * served as `/v1/subscriptions` objects; they exist so that portal flows and invoices that name a subscription
 * (or subscription item) can be checked as Stripe checks them.
 */
import { invalidState, resourceMissing } from '../errors.js';
import type { Store, SubscriptionRecord } from '../store.js';

export interface SubscriptionInput {
  customer: string;
  items: Array<{ price: string; product: string; quantity?: number }>;
  status?: SubscriptionRecord['status'];
  metadata?: Record<string, string>;
}

export function createSubscription(store: Store, input: SubscriptionInput): SubscriptionRecord {
  store.customers.require(input.customer, 'customer');
  return store.subscriptions.insert({
    id: store.ids.id('sub', 24),
    created: store.nowSeconds(),
    customer: input.customer,
    status: input.status ?? 'active',
    items: input.items.map((item) => ({
      id: store.ids.id('si', 14),
      price: item.price,
      product: item.product,
      quantity: item.quantity ?? 1,
    })),
    metadata: input.metadata ?? {},
  });
}

/** The subscription, checked to exist and (when `customer` is given) to belong to that customer. */
export function requireSubscription(store: Store, id: string, param: string, customer?: string): SubscriptionRecord {
  const subscription = store.subscriptions.get(id);
  if (subscription === undefined) throw resourceMissing('subscription', id, param);
  if (customer !== undefined && subscription.customer !== customer) {
    throw invalidState(
      `The subscription '${id}' does not belong to the customer '${customer}'.`,
      undefined,
      param,
    );
  }
  return subscription;
}
