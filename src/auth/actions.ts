/**
 * The admin actions (mutations that change billing state) a customer may be allowed to take on its own objects.
 * None by default: the operator names them in `CUSTOMER_ACTIONS` (e.g. `cancelSubscription,resumeSubscription,
 * payInvoice`), read and checked at start-up by `src/config.ts`. Even when allowed, a customer acts only on its own
 * subscriptions and invoices, checked before the action's call.
 */
import type { Viewer } from './viewer.js';

export const CUSTOMER_ACTIONS = [
  'finalizeInvoice',
  'payInvoice',
  'voidInvoice',
  'markInvoiceUncollectible',
  'sendInvoice',
  'cancelSubscription',
  'resumeSubscription',
] as const;

export type CustomerAction = (typeof CUSTOMER_ACTIONS)[number];

export const isCustomerAction = (name: string): name is CustomerAction => (CUSTOMER_ACTIONS as readonly string[]).includes(name);

/** May this caller take this action at all (its object's owner is checked separately)? Admins always may. */
export function mayAct(viewer: Viewer, action: CustomerAction, allowed: ReadonlySet<CustomerAction>): boolean {
  return viewer.role === 'ADMIN' || (viewer.role === 'CUSTOMER' && allowed.has(action));
}
